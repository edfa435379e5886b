import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { z } from "zod";
import type { FsrsView, Grade } from "@engram/core";
import type { AppEnv, ServerDeps } from "../env.js";
import { described, jsonBody, scoped } from "./define.js";

const memoryId = z.number({ error: "must be a number" }).int("must be an integer").positive("must be a positive integer");

const reviewBody = z
  .object({
    id: memoryId.optional(),
    memory_id: memoryId.optional(),
    grade: z
      .number({ error: "must be a number" })
      .int("must be an integer")
      .min(1, "must be 1 (again), 2 (hard), 3 (good) or 4 (easy)")
      .max(4, "must be 1 (again), 2 (hard), 3 (good) or 4 (easy)")
      .default(3),
  })
  .refine((b) => b.id !== undefined || b.memory_id !== undefined, { message: "is required (or memory_id)", path: ["id"] })
  .refine((b) => b.id === undefined || b.memory_id === undefined || b.id === b.memory_id, {
    message: "must equal memory_id when both are given",
    path: ["id"],
  });

const stateQuery = z.object({
  id: z.coerce.number({ error: "must be a number" }).int("must be an integer").positive("must be a positive integer"),
});

const scoresQuery = z.object({
  limit: z.coerce.number({ error: "must be a number" }).int("must be an integer").min(1).max(1000).default(50),
});

/** Live values are rounded for the wire; the stored ones are returned as they are. */
const round = (x: number | null) => (x == null ? null : Math.round(x * 1e6) / 1e6);

export function registerFsrsRoutes(app: OpenAPIHono<AppEnv>, deps: ServerDeps) {
  const { fsrs } = deps.engram;
  const userOf = (c: { get(k: "principal"): { user: { id: number } } }) => c.get("principal").user.id;

  const fsrsDto = ({ row }: FsrsView) => ({
    stability: row.fsrsStability,
    difficulty: row.fsrsDifficulty,
    storage_strength: row.fsrsStorageStrength,
    retrieval_strength: row.fsrsRetrievalStrength,
    // ts-fsrs states: 0 new, 1 learning, 2 review, 3 relearning.
    learning_state: row.fsrsLearningState,
    reps: row.fsrsReps,
    lapses: row.fsrsLapses,
    last_review_at: row.fsrsLastReviewAt,
  });

  app.openapi(
    createRoute({
      method: "post",
      path: "/fsrs/review",
      tags: ["fsrs"],
      summary: "Review a memory: grade 1 again, 2 hard, 3 good (default), 4 easy",
      middleware: scoped("write"),
      request: jsonBody(reviewBody),
      responses: described("the memory's new FSRS state"),
    }),
    (c) => {
      const b = c.req.valid("json");
      const id = (b.id ?? b.memory_id)!;
      c.set("auditTargets", [id]);
      const v = fsrs.review(userOf(c), id, b.grade as Grade);
      return c.json({
        id,
        grade: b.grade,
        fsrs: fsrsDto(v),
        retrievability: round(v.retrievability),
        next_review_days: round(v.nextReviewDays),
        due_at: v.dueAt,
        decay_score: v.row.decayScore,
      });
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/fsrs/state",
      tags: ["fsrs"],
      summary: "A memory's FSRS state, its retrievability now and the days until it falls to 0.9",
      middleware: scoped("read"),
      request: { query: stateQuery },
      responses: described("FSRS state"),
    }),
    (c) => {
      const v = fsrs.state(userOf(c), c.req.valid("query").id);
      const f = fsrsDto(v);
      return c.json({
        id: v.row.id,
        retrievability: round(v.retrievability),
        retention: round(v.retention),
        next_review_days: round(v.nextReviewDays),
        due_at: v.dueAt,
        fsrs_stability: f.stability,
        fsrs_difficulty: f.difficulty,
        fsrs_storage_strength: f.storage_strength,
        fsrs_retrieval_strength: round(v.retrievability),
        fsrs_learning_state: f.learning_state,
        fsrs_reps: f.reps,
        fsrs_lapses: f.lapses,
        fsrs_last_review_at: f.last_review_at,
        decay_score: v.row.decayScore,
      });
    },
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/fsrs/init",
      tags: ["fsrs"],
      summary: "Give every memory without FSRS state the state it would have had since it was stored",
      middleware: scoped("write"),
      responses: described("how many memories got a state"),
    }),
    (c) => c.json({ initialized: fsrs.init(userOf(c)) }),
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/decay/scores",
      tags: ["fsrs"],
      summary: "Live decay scores (dual-strength retention) of current memories, weakest first",
      middleware: scoped("read"),
      request: { query: scoresQuery },
      responses: described("decay scores"),
    }),
    (c) => {
      const scores = fsrs.scores(userOf(c), c.req.valid("query").limit);
      return c.json({
        scores: scores.map((s) => ({
          id: s.id,
          decay_score: round(s.decayScore),
          retrievability: round(s.retrievability),
          stability: s.stability,
          storage_strength: s.storageStrength,
          last_review_at: s.lastReviewAt,
        })),
        count: scores.length,
      });
    },
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/decay/refresh",
      tags: ["fsrs"],
      summary: "Recompute and store decay_score (and retrieval strength) of all your memories",
      middleware: scoped("write"),
      responses: described("how many memories were refreshed"),
    }),
    (c) => c.json({ refreshed: fsrs.refresh(userOf(c)) }),
  );
}
