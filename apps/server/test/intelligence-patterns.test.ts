import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDb } from "@engram/core";
import { startServer, type RunningServer } from "../../../test/support/server.js";
import { keyFor, twoTenants, type Client } from "../../../test/support/tenants.js";

/**
 * Temporal and predictive patterns, reconsolidation, the /intelligence/run pipeline, dream, and
 * grounding with execution off (the server default). Times and recall counters are written into
 * the database file: the server's clock cannot be moved from outside.
 */

let server: RunningServer;
let admin: Client;
let alice: Client;
let bob: Client;
let aliceId: number;

const DAY = 24 * 3600 * 1000;
const WEEKDAYS = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];

beforeAll(async () => {
  server = await startServer({ ENGRAM_EMBEDDING_PROVIDER: "none" });
  const t = await twoTenants(server.url);
  admin = t.admin;
  alice = t.alice.api;
  bob = t.bob.api;
  aliceId = t.alice.id;
});
afterAll(() => server.stop());

async function store(who: Client, content: string, extra: Record<string, unknown> = {}): Promise<number> {
  const res = await who.post("/store", { content, ...extra });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.id as number;
}

function inDb(sql: string, ...params: unknown[]) {
  const db = openDb({ path: server.dbPath });
  try {
    db.sqlite.prepare(sql).run(...params);
  } finally {
    db.close();
  }
}

const setCreated = (id: number, at: Date) => inDb("UPDATE memories SET created_at = ? WHERE id = ?", at.toISOString(), id);

describe("temporal and predictive patterns", () => {
  let standups: number[];
  let now: Date;

  beforeAll(async () => {
    // Predictive recall matches the server's current hour: leave a minute of it for the test.
    const left = 3600_000 - (Date.now() % 3600_000);
    if (left < 60_000) await new Promise((r) => setTimeout(r, left + 1000));
    now = new Date();
    standups = [];
    for (const weeksAgo of [2, 1, 0]) {
      const id = await store(alice, `Standup notes, ${weeksAgo} weeks ago: reviewed the sprint board`, { category: "standup", tags: ["ops"] });
      setCreated(id, new Date(now.getTime() - weeksAgo * 7 * DAY));
      standups.push(id);
    }
    // Two deploys each followed by an incident within minutes, on other days.
    for (const [daysAgo, gapMins] of [
      [3, 5],
      [2, 10],
    ] as const) {
      const deploy = await store(alice, `Deployed release ${daysAgo} of the billing service`, { category: "deploy" });
      const incident = await store(alice, `Incident ${daysAgo}: billing latency alarms fired`, { category: "incident" });
      const t = now.getTime() - daysAgo * DAY;
      setCreated(deploy, new Date(t));
      setCreated(incident, new Date(t + gapMins * 60_000));
    }
  });

  it("detects weekday/hour buckets of ≥ 3 memories over ≥ 2 weeks, and stores them", async () => {
    const res = await alice.post("/intelligence/temporal/detect");
    expect(res.status).toBe(200);
    const dow = now.getUTCDay();
    const hour = now.getUTCHours();
    expect(res.body.patterns).toEqual([
      {
        id: expect.any(Number),
        label: `dow:${dow},hour:${hour}`,
        detail: `3 memories on ${WEEKDAYS[dow]}s around ${String(hour).padStart(2, "0")}:00, mostly standup`,
        pattern_type: "weekly",
        day_of_week: dow,
        hour,
        category: "standup",
        memory_ids: [...standups].reverse(),
        confidence: 0.23,
        created_at: expect.any(String),
      },
    ]);
    // A second detection replaces the first.
    const again = await alice.post("/intelligence/temporal/detect");
    for (const path of ["/intelligence/temporal/patterns", "/intelligence/predictive/patterns"]) {
      expect((await alice.get(path)).body).toEqual({ patterns: again.body.patterns });
    }
  });

  it("a bucket within one week is no pattern", async () => {
    setCreated(standups[0]!, new Date(now.getTime()));
    expect((await alice.post("/intelligence/temporal/detect")).body.patterns).toHaveLength(1);
    setCreated(standups[1]!, new Date(now.getTime()));
    expect((await alice.post("/intelligence/temporal/detect")).body.patterns).toEqual([]);
    setCreated(standups[0]!, new Date(now.getTime() - 14 * DAY));
    setCreated(standups[1]!, new Date(now.getTime() - 7 * DAY));
    expect((await alice.post("/intelligence/temporal/detect")).body.patterns).toHaveLength(1);
  });

  it("predictive recall returns what the current weekday and hour's patterns predict", async () => {
    const res = await alice.post("/intelligence/predictive/recall");
    expect(res.status).toBe(200);
    const dow = now.getUTCDay();
    const hour = now.getUTCHours();
    expect(res.body).toMatchObject({
      time_context: { day_of_week: dow, weekday: WEEKDAYS[dow], hour, matched_patterns: [`dow:${dow},hour:${hour}`] },
      predicted_categories: ["standup"],
      predicted_project: "ops",
      suggested_actions: [`You usually write standup memories on ${WEEKDAYS[dow]}s around ${String(hour).padStart(2, "0")}:00: review the recent ones.`],
    });
    expect(res.body.proactive_memories.map((m: { id: number }) => m.id).sort()).toEqual([...standups].sort());
    expect(res.body.proactive_memories[0]).toMatchObject({ category: "standup", importance: 5, score: 0.12, reason: expect.stringContaining(`pattern dow:${dow},hour:${hour}`) });
  });

  it("finds category sequences within the window", async () => {
    const res = await alice.post("/intelligence/predictive/sequences", {});
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ patterns: [{ antecedent: "deploy", consequent: "incident", support: 2, confidence: 1 }], window_mins: 60, count: 1 });
    expect((await alice.post("/intelligence/predictive/sequences", { window_mins: 7 })).body).toEqual({ patterns: [], window_mins: 7, count: 0 });
  });

  it("another tenant sees none of it", async () => {
    expect((await bob.post("/intelligence/temporal/detect")).body).toEqual({ patterns: [] });
    expect((await bob.get("/intelligence/temporal/patterns")).body).toEqual({ patterns: [] });
    expect((await bob.post("/intelligence/predictive/recall")).body).toMatchObject({ predicted_categories: [], proactive_memories: [], predicted_project: null });
    expect((await bob.post("/intelligence/predictive/sequences")).body.count).toBe(0);
    // Bob's detection did not replace alice's patterns.
    expect((await alice.get("/intelligence/temporal/patterns")).body.patterns).toHaveLength(1);
  });

  it("bad input is a 400 naming the field", async () => {
    expect((await alice.get("/intelligence/temporal/patterns?limit=0")).body).toEqual({ error: "limit: must be between 1 and 500" });
    expect((await alice.get("/intelligence/predictive/patterns?limit=x")).status).toBe(400);
    expect((await alice.post("/intelligence/predictive/sequences", { window_mins: 1441 })).body).toEqual({ error: "window_mins: must be between 1 and 1440" });
    expect((await alice.post("/intelligence/predictive/sequences", { window_mins: "60" })).body).toEqual({ error: "window_mins: must be an integer" });
  });
});

describe("reconsolidation", () => {
  let recalled: number;
  let missed: number;
  let challenged: number;

  beforeAll(async () => {
    recalled = await store(alice, "The staging database runs PostgreSQL 16");
    missed = await store(alice, "The old wiki lives at wiki.internal");
    challenged = await store(alice, "The office closes at 18:00");
    const newer = await store(alice, "The office closes at 20:00 since March");
    inDb("UPDATE memories SET recall_hits = 4, access_count = 2 WHERE id = ?", recalled);
    inDb("UPDATE memories SET recall_misses = 5 WHERE id = ?", missed);
    inDb("INSERT INTO memory_links (user_id, source_id, target_id, type, similarity, created_at) SELECT user_id, ?, ?, 'contradicts', 1, created_at FROM memories WHERE id = ?", newer, challenged, newer);
  });

  it("candidates preview the changes and change nothing", async () => {
    const first = await alice.get("/intelligence/reconsolidation/candidates");
    expect(first.status).toBe(200);
    const byId = new Map((first.body.results as { memory_id: number; action: string }[]).map((r) => [r.memory_id, r.action]));
    expect(byId.get(recalled)).toBe("strengthened");
    expect(byId.get(missed)).toBe("weakened");
    expect(byId.get(challenged)).toBe("corrected");
    expect(first.body.count).toBe(first.body.results.length);
    expect((await alice.get("/intelligence/reconsolidation/candidates")).body).toEqual(first.body);
    expect((await alice.get(`/memory/${recalled}`)).body.importance).toBe(5);
  });

  it("strengthens, weakens and corrects once per evidence", async () => {
    const strong = await alice.post(`/intelligence/reconsolidate/${recalled}`);
    expect(strong.status).toBe(200);
    expect(strong.body).toEqual({
      memory_id: recalled,
      action: "strengthened",
      old_importance: 5,
      new_importance: 6,
      old_confidence: 1,
      new_confidence: 1,
      reason: "4 recall hits, 0 misses, 2 accesses, 0 correcting or contradicting links; importance 5→6, confidence 1→1",
    });
    expect((await alice.get(`/memory/${recalled}`)).body.importance).toBe(6);
    expect((await alice.post(`/intelligence/reconsolidate/${recalled}`)).body).toMatchObject({ action: "unchanged", new_importance: 6, reason: expect.stringContaining("already reconsolidated") });
    expect((await alice.post(`/intelligence/reconsolidate/${missed}`)).body).toMatchObject({ action: "weakened", new_importance: 4, new_confidence: 0.9 });
    expect((await alice.post(`/intelligence/reconsolidate/${challenged}`)).body).toMatchObject({ action: "corrected", new_importance: 4, new_confidence: 0.8 });
    const ids = (await alice.get("/intelligence/reconsolidation/candidates")).body.results.map((r: { memory_id: number }) => r.memory_id);
    expect(ids).not.toContain(recalled);
  });

  it("another tenant's memory is a 404 and never a candidate", async () => {
    const res = await bob.post(`/intelligence/reconsolidate/${missed}`);
    expect(res.status).toBe(404);
    expect(res.body).toEqual({ error: "memory not found" });
    expect((await bob.get("/intelligence/reconsolidation/candidates")).body).toEqual({ results: [], count: 0 });
  });

  it("bad input is a 400 naming the field", async () => {
    expect((await alice.post("/intelligence/reconsolidate/abc")).status).toBe(400);
    expect((await alice.get("/intelligence/reconsolidation/candidates?limit=101")).body).toEqual({ error: "limit: must be between 1 and 100" });
  });
});

describe("the pipeline and dream", () => {
  it("runs the contract's six tasks in dependency order and reports each", async () => {
    const res = await alice.post("/intelligence/run");
    expect(res.status).toBe(200);
    const reports = res.body.reports as { name: string; status: string; output: Record<string, unknown> }[];
    expect(reports.map((r) => [r.name, r.status])).toEqual([
      ["deduplicate", "ok"],
      ["consolidation_sweep", "ok"],
      ["contradiction_scan", "ok"],
      ["temporal_detect", "ok"],
      ["reconsolidation", "ok"],
      ["reflections_generate", "ok"],
    ]);
    // The duplicate scan is a dry run: it reports, it supersedes nothing.
    expect(reports[0]!.output).toMatchObject({ dry_run: true, merged: 0 });
    expect(reports.find((r) => r.name === "temporal_detect")!.output).toEqual({ patterns: 1 });
    expect(res.body).toMatchObject({ ok_count: 6, failed_count: 0, skipped_count: 0 });
    // Bob's run sees only his own (empty) data.
    const bobs = (await bob.post("/intelligence/run")).body.reports as { name: string; output: Record<string, unknown> }[];
    expect(bobs.find((r) => r.name === "temporal_detect")!.output).toEqual({ patterns: 0 });
    expect(bobs.find((r) => r.name === "reconsolidation")!.output).toEqual({ changed: 0 });
  });

  it("dream answers unavailable: no brain backend is configured", async () => {
    const res = await alice.post("/intelligence/dream");
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: "unavailable", message: expect.any(String) });
  });

  it("needs write", async () => {
    const reader = (await keyFor(server.url, admin, aliceId, "read")).api;
    expect((await reader.post("/intelligence/run")).status).toBe(403);
    expect((await reader.post("/intelligence/reconsolidate/1")).status).toBe(403);
    // Pure queries need only read.
    expect((await reader.post("/intelligence/predictive/recall")).status).toBe(200);
  });
});

describe("grounding with execution off", () => {
  it("execute is 403 for everyone, admin included, before the body is read", async () => {
    for (const who of [admin, alice]) {
      const res = await who.post("/grounding/execute", { tool: "system_info" });
      expect(res.status).toBe(403);
    }
    expect((await admin.post("/grounding/execute", { tool: "" })).body.error).toMatch(/ENGRAM_GROUNDING_EXEC=1/);
    expect((await admin.get("/grounding/providers")).body.providers.map((p: { status: string }) => p.status)).toEqual(["disabled", "disabled"]);
  });

  it("sessions: create, list, get, delete; another tenant's is a 404", async () => {
    const created = await alice.post("/grounding/sessions", { name: "checks", metadata: { ticket: 7 } });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ name: "checks", backend: "shell", status: "connected", tools: ["shell_exec", "file_read", "file_list", "git_status"], metadata: { ticket: 7 } });
    const id = created.body.id as number;
    expect((await alice.post("/grounding/sessions", { backend: "system" })).body.tools).toEqual(["system_info"]);
    expect((await alice.get("/grounding/sessions")).body.count).toBe(2);
    expect((await alice.get(`/grounding/sessions/${id}`)).body.id).toBe(id);
    expect((await bob.get(`/grounding/sessions/${id}`)).status).toBe(404);
    expect((await bob.del(`/grounding/sessions/${id}`)).status).toBe(404);
    expect((await bob.get("/grounding/sessions")).body).toEqual({ sessions: [], count: 0 });
    expect((await alice.del(`/grounding/sessions/${id}`)).body).toEqual({ destroyed: true, id });
    expect((await alice.get(`/grounding/sessions/${id}`)).status).toBe(404);
  });

  it("tools and quality", async () => {
    const tools = (await alice.get("/grounding/tools")).body;
    expect(tools.tools.map((t: { name: string }) => t.name)).toEqual(["shell_exec", "file_read", "file_list", "git_status", "system_info"]);
    expect(tools.count).toBe(5);
    expect((await alice.get("/grounding/quality")).body).toEqual({ records: [], count: 0 });
  });

  it("bad input is a 400 naming the field", async () => {
    expect((await alice.post("/grounding/sessions", { backend: "ftp" })).body).toEqual({ error: "backend: must be one of shell, mcp, web, gui, system" });
    expect((await alice.post("/grounding/sessions", { timeout_ms: 60_001 })).body).toEqual({ error: "timeout_ms: must be between 1 and 60000" });
    expect((await alice.post("/grounding/sessions", { metadata: [] })).body).toEqual({ error: "metadata: must be an object" });
    expect((await alice.get("/grounding/quality?limit=201")).status).toBe(400);
    expect((await alice.get("/grounding/sessions/x")).status).toBe(400);
  });
});
