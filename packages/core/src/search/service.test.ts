import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { tempEngram, type TempEngram } from "../../test/support/temp-engram.js";
import type { Engram } from "../engram.js";
import type { ManualClock } from "../util/clock.js";
import { detectQuestionType } from "./question-type.js";
import { fuse, scoreFuse } from "./fusion.js";
import { nameCoverage, namesIn } from "../text/query-names.js";
import { computeFactors } from "./factors.js";
import { hammingDistance, simhash } from "../memory/simhash.js";
import { storeInputSchema, updateInputSchema } from "../memory/schemas.js";

describe("question-type detection", () => {
  it.each([
    ["When did Caroline go to the support group?", "temporal"],
    ["What year did we move to Postgres?", "temporal"],
    ["Which editor does the user prefer?", "preference"],
    ["What is Melanie's favorite book?", "preference"],
    ["Why did we pick Go over Rust?", "reasoning"],
    ["Would Caroline likely enjoy camping?", "reasoning"],
    ["What kind of art does Melanie make?", "generalization"],
    ["Who owns the Postgres clusters?", "fact_recall"],
    ["where is the backup bucket", "fact_recall"],
  ])("%s → %s", (q, type) => {
    expect(detectQuestionType(q)).toBe(type);
  });

  it("matches cues on word boundaries only", () => {
    // "whenever" is not "when", "likelihood" is not "like", "reasonable" is not "reason".
    expect(detectQuestionType("whenever the likelihood is reasonable, who decides")).toBe("fact_recall");
  });
});

describe("score fusion", () => {
  it("sums weight × score and scales by the best possible first-stage score", () => {
    const fused = scoreFuse([
      { channel: "fts", weight: 1, hits: [{ id: 1, score: 1 }, { id: 2, score: 0.5 }] },
      { channel: "vector", weight: 1, hits: [{ id: 2, score: 0.6 }, { id: 3, score: 0.4 }] },
    ]);
    expect(fused.map((f) => f.id)).toEqual([2, 1, 3]);
    expect(fused[0]!.score).toBeCloseTo((0.5 + 0.6) / 2, 12);
    expect(fused[1]!.score).toBeCloseTo(0.5, 12);
    expect(fused[0]!.channels).toEqual({ fts: { rank: 2, score: 0.5 }, vector: { rank: 1, score: 0.6 } });
  });

  it("adds expansion channels to scores without raising the best possible score", () => {
    const fused = scoreFuse([
      { channel: "fts", weight: 1, hits: [{ id: 1, score: 1 }] },
      { channel: "session", weight: 0.3, hits: [{ id: 2, score: 1 }], expansion: true },
    ]);
    expect(fused.map((f) => [f.id, f.score])).toEqual([
      [1, 1],
      [2, 0.3],
    ]);
    // Reciprocal-rank fusion honours the same rule.
    expect(fuse([{ channel: "fts", weight: 1, hits: [{ id: 1, score: 9 }] }, { channel: "graph", weight: 1, hits: [{ id: 1, score: 1 }], expansion: true }])[0]!.score).toBe(1);
  });
});

describe("names in queries", () => {
  it("finds capitalised names and identifiers but not question words", () => {
    expect([...namesIn("What did Caroline tell db-2.internal about ERR_TIMEOUT and OAuthClient?")].sort()).toEqual(
      ["caroline", "db-2.internal", "err_timeout", "oauthclient"].sort(),
    );
    expect(nameCoverage(namesIn("Did Caroline call Melanie?"), "Caroline: I called her yesterday")).toBe(0.5);
    expect(nameCoverage(new Set(), "anything")).toBe(0);
  });
});

let clock: ManualClock;
let engram: Engram;
let user: number;
let other: number;

let temp: TempEngram;
beforeEach(() => {
  temp = tempEngram("engram-pipeline-");
  ({ engram, clock, user, other } = temp);
});
afterEach(() => temp.close());

const store = (userId: number, content: string, extra: Record<string, unknown> = {}) => {
  const r = engram.memories.store(userId, storeInputSchema.parse({ content, ...extra }));
  if (r.kind !== "stored") throw new Error(`not stored: ${content}`);
  return r.memory.id;
};
const ids = async (userId: number, query: string, extra: Record<string, unknown> = {}) =>
  (await engram.search.search(userId, { query, limit: 10, ...extra })).hits.map((h) => h.memory.id);

describe("search channels", () => {
  it("session: brings in the reply stored next to a matching turn, never another tenant's", async () => {
    const question = store(user, "Anna: which database does the billing service use these days?", { session_id: "s1" });
    const answer = store(user, "Ben: Postgres 15, on the primary host in Frankfurt.", { session_id: "s1" });
    store(user, "Ben: unrelated chatter about lunch plans", { session_id: "s2" });
    store(other, "Mallory: the billing database is secret", { session_id: "s1" });

    const result = await engram.search.search(user, { query: "billing database", limit: 10 });
    const hit = result.hits.find((h) => h.memory.id === answer);
    expect(result.hits[0]!.memory.id).toBe(question);
    expect(hit?.channels.session).toBeDefined();
    expect(hit?.channels.fts).toBeUndefined();
    expect(result.hits.every((h) => h.memory.userId === user)).toBe(true);
    // Without the session channel the reply, sharing no word with the query, is not found.
    expect(await ids(user, "billing database", { channels: ["fts", "vector", "personality", "graph"] })).not.toContain(answer);
  });

  it("personality: ranks the user's preference memories that match the query", async () => {
    const pref = store(user, "Prefers dark mode in every editor", { category: "preference" });
    store(user, "The editor plugin build failed on Tuesday");
    const result = await engram.search.search(user, { query: "which editor mode does the user prefer", limit: 5 });
    expect(result.questionType).toBe("preference");
    const hit = result.hits.find((h) => h.memory.id === pref)!;
    expect(hit.channels.personality?.rank).toBe(1);
    expect(result.hits[0]!.memory.id).toBe(pref);
  });

  it("graph: follows links two hops from the top hits, within the tenant", async () => {
    const a = store(user, "The payments gateway times out under load");
    const b = store(user, "Connection pool limits were raised to 200");
    const c = store(user, "Kernel tuning notes for the db hosts");
    const foreign = store(other, "Other tenant memory linked by a crafted row");
    const link = engram.db.sqlite.prepare("INSERT INTO memory_links (user_id, source_id, target_id, type, similarity, created_at) VALUES (?, ?, ?, ?, ?, ?)");
    link.run(user, a, b, "caused_by", 0, clock.now().toISOString());
    link.run(user, b, c, "extends", 0, clock.now().toISOString());
    link.run(user, a, foreign, "extends", 0, clock.now().toISOString());

    const result = await engram.search.search(user, { query: "payments gateway timeout", limit: 10 });
    const byId = new Map(result.hits.map((h) => [h.memory.id, h]));
    expect(result.hits[0]!.memory.id).toBe(a);
    expect(byId.get(b)!.channels.graph).toBeDefined();
    expect(byId.get(c)!.channels.graph).toBeDefined();
    expect(byId.get(b)!.score).toBeGreaterThan(byId.get(c)!.score);
    expect(byId.has(foreign)).toBe(false);
  });

  it("entity: a memory naming the query's names scores higher than one that does not", async () => {
    const named = store(user, "Caroline went hiking in the mountains");
    const unnamed = store(user, "Somebody went hiking in the mountains today");
    const result = await engram.search.search(user, { query: "Where did Caroline go hiking?", limit: 5 });
    const byId = new Map(result.hits.map((h) => [h.memory.id, h]));
    expect(byId.get(named)!.entity).toBe(1);
    expect(byId.get(unnamed)!.entity).toBe(0);
    expect(result.hits[0]!.memory.id).toBe(named);
  });

  it("abstains when nothing clears the threshold, and hostile text is only words", async () => {
    const report = store(user, "quarterly report numbers");
    expect((await engram.search.search(user, { query: "quarterly report", limit: 5, threshold: 0.99 })).abstained).toBe(false);
    const none = await engram.search.search(user, { query: "zebra", limit: 5 });
    expect(none.abstained).toBe(true);
    // Operators are words: a NOT, a column filter or a wildcard still finds the memory by "report".
    for (const q of ["report OR *", "content:report", "-report"]) {
      const ids = (await engram.search.search(user, { query: q, limit: 5 })).hits.map((h) => h.memory.id);
      expect(ids, q).toContain(report);
    }
    for (const q of ['"unbalanced', "NEAR(zz yy)"]) {
      expect((await engram.search.search(user, { query: q, limit: 5 })).abstained, q).toBe(true);
    }
  });
});

describe("factors", () => {
  it("decay uses the memory's own FSRS stability: unreviewed memories fade as the clock moves", async () => {
    const id = store(user, "the staging cluster runs on spot instances");
    const fresh = computeFactors(engram.memories.get(user, id), "fact_recall", clock.now());
    clock.advance(200 * 86_400_000);
    const later = computeFactors(engram.memories.get(user, id), "fact_recall", clock.now());
    expect(fresh.decay).toBeCloseTo(1, 2);
    expect(later.decay).toBeLessThan(fresh.decay);
    expect(later.decay).toBeGreaterThanOrEqual(0.8);
  });

  it("importance, static, superseded and recency for temporal questions", async () => {
    const low = engram.memories.get(user, store(user, "low importance note about builds", { importance: 1 }));
    const high = engram.memories.get(user, store(user, "critical production rule about deploys", { importance: 10, is_static: true }));
    const now = clock.now();
    expect(computeFactors(low, "fact_recall", now).importance).toBeLessThan(1);
    expect(computeFactors(high, "fact_recall", now).importance).toBeGreaterThan(1);
    expect(computeFactors(high, "fact_recall", now).static).toBeGreaterThan(1);
    expect(computeFactors(low, "fact_recall", now).recency).toBe(1);
    expect(computeFactors(low, "temporal", now).recency).toBeGreaterThan(1);
    const v2 = engram.memories.update(user, low.id, updateInputSchema.parse({ content: "low importance note about builds, revised" }));
    const old = engram.memories.get(user, low.id);
    expect(computeFactors(old, "fact_recall", now).superseded).toBe(0.5);
    expect(computeFactors(v2, "fact_recall", now).superseded).toBe(1);
  });

  it("a superseded version ranks below its successor when old versions are asked for", async () => {
    const v1 = store(user, "deploy window is Tuesday afternoon");
    const v2 = engram.memories.update(user, v1, updateInputSchema.parse({ content: "deploy window is Tuesday afternoon and Thursday morning" })).id;
    const hits = (await engram.search.search(user, { query: "deploy window Tuesday", limit: 5, latestOnly: false })).hits;
    expect(hits.map((h) => h.memory.id)).toEqual([v2, v1]);
    expect(hits[1]!.factors.superseded).toBe(0.5);
  });
});

describe("context assembly", () => {
  const seed = () => {
    store(user, "Never deploy on Fridays", { category: "rule", is_static: true, importance: 9 });
    store(user, "Prefers concise answers with code first", { category: "preference" });
    const services = ["billing", "search", "ledger", "gateway", "mailer", "auth", "reports", "scheduler", "uploads", "metrics", "notifier", "exporter"];
    const notes = ["after a canary hour", "with a schema migration", "behind a feature flag", "during the freeze exception", "after rollback drills", "with blue-green switch"];
    services.forEach((svc, i) =>
      store(user, `Deploy of ${svc} to production ${notes[i % notes.length]}; owner ${svc.toUpperCase()}-team signed off`, { session_id: i < 4 ? "sess-a" : "sess-b" }),
    );
    store(user, "Standup moved to 9:30 for the rest of the sprint", { session_id: "sess-c" });
    store(other, "Other tenant: deploy secrets live in vault path secret/deploy");
  };

  it("never exceeds the budget, for any budget", async () => {
    seed();
    const { countTokens } = await import("gpt-tokenizer");
    for (const budget of [1, 10, 25, 60, 150, 400, 2000]) {
      const r = await engram.context.assemble(user, { query: "how do we deploy to production", budget, strategy: "balanced", mode: "balanced" });
      expect(r.tokenEstimate).toBeLessThanOrEqual(budget);
      expect(countTokens(r.context)).toBe(r.tokenEstimate);
      expect(r.tokenBudget).toBe(budget);
      expect(r.context).not.toContain("Other tenant");
    }
  });

  it("leads with static rules and fills sections; strategies change the mix", async () => {
    seed();
    const balanced = await engram.context.assemble(user, { query: "deploy production", budget: 600, strategy: "balanced", mode: "balanced", session: "sess-c" });
    expect(balanced.context.startsWith("## Standing facts and rules\n- [rule] Never deploy on Fridays")).toBe(true);
    expect(balanced.breakdown.static).toBeGreaterThan(0);
    expect(balanced.breakdown.semantic).toBeGreaterThan(0);
    expect(balanced.breakdown.episode).toBeGreaterThan(0);
    expect(balanced.breakdown.personality).toBeGreaterThan(0);
    const precision = await engram.context.assemble(user, { query: "deploy production", budget: 600, strategy: "precision", mode: "balanced" });
    const breadth = await engram.context.assemble(user, { query: "deploy production", budget: 600, strategy: "breadth", mode: "balanced" });
    expect(precision.breakdown.recent).toBe(0);
    expect(breadth.breakdown.recent).toBeGreaterThan(0);
    expect(precision.breakdown.semantic).toBeGreaterThan(breadth.breakdown.semantic);
    // Every block is shown once.
    const shown = balanced.blocks.map((b) => b.id);
    expect(new Set(shown).size).toBe(shown.length);
  });

  it("drops near-duplicate blocks", async () => {
    // Two texts close enough in SimHash to say the same thing, too far apart to be merged at store time.
    const base = "The nightly backup of the billing database runs at 01:30 UTC and keeps fourteen days";
    const variants = ["of", "and", "at", "the", "runs"].flatMap((w) => [base.replace(` ${w} `, " "), base + ` ${w}`]);
    const pair = variants.find((v) => {
      const d = hammingDistance(simhash(base), simhash(v));
      return d > 3 && d <= 6;
    });
    expect(pair).toBeDefined();
    const a = store(user, base);
    const b = store(user, pair!);
    const r = await engram.context.assemble(user, { query: "billing database backup", budget: 1000, strategy: "balanced", mode: "balanced" });
    const shown = r.blocks.map((x) => x.id);
    expect(shown.includes(a) !== shown.includes(b)).toBe(true);
  });
});
