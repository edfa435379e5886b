import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { z } from "zod";
import type { FsrsView, Grade } from "@engram/core";
import type { AppEnv, ServerDeps } from "../env.js";
import { errors, json, jsonBody, scoped, timestamp } from "./define.js";

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

const fsrsSchema = z.object({
  stability: z.number().nullable(),
  difficulty: z.number().nullable(),
  storage_strength: z.number().nullable(),
  retrieval_strength: z.number().nullable(),
  learning_state: z.number().int().nullable().describe("ts-fsrs states: 0 new, 1 learning, 2 review, 3 relearning"),
  reps: z.number().int(),
  lapses: z.number().int(),
  last_review_at: timestamp.nullable(),
});
const reviewResponseSchema = z.object({
  id: z.number().int(),
  grade: z.number().int(),
  fsrs: fsrsSchema,
  retrievability: z.number().nullable(),
  next_review_days: z.number().nullable(),
  due_at: timestamp.nullable(),
  decay_score: z.number(),
});
const stateResponseSchema = z.object({
  id: z.number().int(),
  retrievability: z.number().nullable(),
  retention: z.number().nullable(),
  next_review_days: z.number().nullable(),
  due_at: timestamp.nullable(),
  fsrs_stability: z.number().nullable(),
  fsrs_difficulty: z.number().nullable(),
  fsrs_storage_strength: z.number().nullable(),
  fsrs_retrieval_strength: z.number().nullable(),
  fsrs_learning_state: z.number().int().nullable(),
  fsrs_reps: z.number().int(),
  fsrs_lapses: z.number().int(),
  fsrs_last_review_at: timestamp.nullable(),
  decay_score: z.number(),
});
const scoresResponseSchema = z.object({
  scores: z.array(
    z.object({
      id: z.number().int(),
      decay_score: z.number().nullable(),
      retrievability: z.number().nullable(),
      stability: z.number(),
      storage_strength: z.number(),
      last_review_at: timestamp,
    }),
  ),
  count: z.number().int(),
});

/** Live values are rounded for the wire; the stored ones are returned as they are. */
const round = (x: number | null) => (x == null ? null : Math.round(x * 1e6) / 1e6);

export function registerFsrsRoutes(app: OpenAPIHono<AppEnv>, deps: ServerDeps) {
  const { fsrs } = deps.engram;
  const userOf = (c: { get(k: "principal"): { user: { id: number } } }) => c.get("principal").user.id;

  const fsrsDto = ({ row }: FsrsView): z.infer<typeof fsrsSchema> => ({
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
      responses: { 200: json(reviewResponseSchema, "the memory's new FSRS state"), ...errors(400, 401, 403, 404) },
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
      }, 200);
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
      responses: { 200: json(stateResponseSchema, "FSRS state"), ...errors(400, 401, 403, 404) },
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
      }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/fsrs/init",
      tags: ["fsrs"],
      summary: "Give every memory without FSRS state the state it would have had since it was stored",
      middleware: scoped("write"),
      responses: { 200: json(z.object({ initialized: z.number().int() }), "how many memories got a state"), ...errors(401, 403) },
    }),
    (c) => c.json({ initialized: fsrs.init(userOf(c)) }, 200),
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/decay/scores",
      tags: ["fsrs"],
      summary: "Live decay scores (dual-strength retention) of current memories, weakest first",
      middleware: scoped("read"),
      request: { query: scoresQuery },
      responses: { 200: json(scoresResponseSchema, "decay scores"), ...errors(400, 401, 403) },
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
      }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/decay/refresh",
      tags: ["fsrs"],
      summary: "Recompute and store decay_score (and retrieval strength) of all your memories",
      middleware: scoped("write"),
      responses: { 200: json(z.object({ refreshed: z.number().int() }), "how many memories were refreshed"), ...errors(401, 403) },
    }),
    (c) => c.json({ refreshed: fsrs.refresh(userOf(c)) }, 200),
  );
}
