import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, bootstrap, startServer, type RunningServer } from "../../../test/support/server.js";
import { newTenant } from "../../../test/support/tenants.js";
import { cli, expectOneLineError, parse } from "./cli-process.js";

/**
 * recall, context, guard, fsrs, graph, tags and spaces: the built CLI against a real server,
 * its requests checked through the HTTP API.
 */

describe("engram-cli retrieval and organisation commands", () => {
  let server: RunningServer;
  let key: string;
  const run = (...args: string[]) => cli(["--server", server.url, "--key", key, ...args]);
  const http = () => api(server.url, key);
  let deployId: number;
  let heronId: number;

  beforeAll(async () => {
    server = await startServer({ ENGRAM_EMBEDDING_PROVIDER: "none" });
    key = await bootstrap(server.url);
    deployId = (await http().post("/store", { content: "the deploy window is Tuesday at 14:00 UTC", category: "decision", importance: 8, tags: ["ops"] })).body.id;
    heronId = (await http().post("/store", { content: "the staging database is called heron", tags: ["ops", "db"] })).body.id;
  });
  afterAll(() => server.stop());

  describe("recall", () => {
    it("--query recalls the memories for a topic, one line each", async () => {
      const r = await run("recall", "--query", "deploy window", "--limit", "5");
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toContain(`#${deployId} [decision] imp 8  the deploy window is Tuesday at 14:00 UTC\n`);
      expect(r.stdout).not.toContain("heron");
      const json = parse(await run("recall", "--query", "deploy window", "--json"));
      expect(json.memories.map((m: { id: number }) => m.id)).toContain(deployId);
      expect(parse(await run("recall", "--limit", "1", "--json")).memories).toHaveLength(1);
    });

    it("without a query, the most important recent memories", async () => {
      const json = parse(await run("recall", "--json"));
      expect(json.memories.map((m: { id: number }) => m.id)).toEqual(expect.arrayContaining([deployId, heronId]));
    });

    it("an id and --query together are a usage error", async () => {
      expectOneLineError(await run("recall", String(deployId), "--query", "x"), "recall takes either an id or --query/--limit/--space, not both");
      expectOneLineError(await run("recall", "--limit", "500"), /--limit <n>' argument '500' is invalid\. must be an integer from 1 to 100/);
    });
  });

  describe("context", () => {
    it("prints the assembled context alone, ready to pipe into a prompt", async () => {
      const r = await run("context", "which", "database", "is", "staging", "--max-tokens", "400", "--strategy", "precision");
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toContain("the staging database is called heron");
      const json = parse(await run("context", "which database is staging", "--max-tokens", "400", "--strategy", "precision", "--json"));
      expect(json).toMatchObject({ token_budget: 400, strategy: "precision" });
      expect(json.blocks.map((b: { id: number }) => b.id)).toContain(heronId);
      expect(r.stdout).toBe(`${json.context}\n`);
    });

    it("rejects an unknown strategy before any request", async () => {
      expectOneLineError(await run("context", "x", "--strategy", "wide"), /Allowed choices are balanced, precision, breadth/);
    });
  });

  describe("guard", () => {
    let ruleId: number;
    beforeAll(async () => {
      ruleId = (await http().post("/store", { content: "never force-push to the main branch", category: "rule", importance: 10 })).body.id;
      await http().post("/store", { content: "do not deploy on Fridays", category: "rule", importance: 5 });
    });

    it("a blocked action prints the verdict and the rule, and exits 2", async () => {
      const r = await run("guard", "force-push", "to", "the", "main", "branch");
      expect(r.code).toBe(2);
      expect(r.stdout).toBe(`block  Blocked: rule #${ruleId} forbids this: "never force-push to the main branch"\n  #${ruleId} imp 10  never force-push to the main branch\n`);
      expect(r.stderr).toBe("");
      const json = await run("guard", "force-push to main branch", "--json");
      expect(json.code).toBe(2);
      expect(JSON.parse(json.stdout)).toMatchObject({ signal: "block", rules: [{ id: ruleId }] });
    });

    it("warn and allow exit 0", async () => {
      const warn = await run("guard", "deploy the API on Friday");
      expect(warn.code, warn.stderr).toBe(0);
      expect(warn.stdout).toMatch(/^warn {2}Check first: rule #\d+ may apply: "do not deploy on Fridays"\n/);
      const allow = await run("guard", "water the plants");
      expect(allow.code, allow.stderr).toBe(0);
      expect(allow.stdout).toBe("allow  No stored rule applies to this action.\n");
    });
  });

  describe("fsrs and graph", () => {
    it("fsrs review grades a memory; fsrs state shows its schedule", async () => {
      const before = (await http().get(`/memory/${heronId}`)).body;
      const reps = before.fsrs_reps as number;
      const r = await run("fsrs", "review", String(heronId), "--grade", "4");
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toMatch(new RegExp(`^#${heronId} reviewed: stability [\\d.]+ d, difficulty [\\d.]+, reps ${reps + 1}, lapses 0\\n$`));
      const after = (await http().get(`/memory/${heronId}`)).body;
      expect(after.fsrs_reps).toBe(reps + 1);
      // The grade reaches the scheduler: Easy raises stability, where the same-day Good (the default) would not.
      expect(after.fsrs_stability).toBeGreaterThan(before.fsrs_stability);

      const state = await run("fsrs", "state", String(heronId));
      expect(state.code, state.stderr).toBe(0);
      expect(state.stdout).toMatch(new RegExp(`^#${heronId} retrievability [\\d.]+, next review in [\\d.]+ d, stability [\\d.]+ d, difficulty [\\d.]+\\n$`));
      expect(parse(await run("fsrs", "state", String(heronId), "--json"))).toMatchObject({ id: heronId, fsrs_reps: reps + 1 });
    });

    it("fsrs review --grade 1 records a lapse and lowers stability", async () => {
      const id = (await http().post("/store", { content: "the coffee machine descaling is on Fridays" })).body.id as number;
      const before = (await http().get(`/memory/${id}`)).body;
      const r = await run("fsrs", "review", String(id), "--grade", "1");
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toMatch(new RegExp(`^#${id} reviewed: stability [\\d.]+ d, difficulty [\\d.]+, reps ${before.fsrs_reps + 1}, lapses 1\\n$`));
      const after = (await http().get(`/memory/${id}`)).body;
      expect(after).toMatchObject({ fsrs_lapses: 1 });
      expect(after.fsrs_stability).toBeLessThan(before.fsrs_stability);
    });

    it("a grade outside 1-4 is refused before any request", async () => {
      const reps = (await http().get(`/memory/${heronId}`)).body.fsrs_reps as number;
      expectOneLineError(await run("fsrs", "review", String(heronId), "--grade", "5"), /Allowed choices are 1, 2, 3, 4/);
      expect((await http().get(`/memory/${heronId}`)).body.fsrs_reps).toBe(reps);
    });

    it("graph neighborhood lists the memory and its linked ones", async () => {
      const json = parse(await run("graph", "neighborhood", String(heronId), "--json"));
      expect(json.center).toBe(heronId);
      expect(json.nodes.map((n: { id: number }) => n.id)).toContain(heronId);
      const r = await run("graph", "neighborhood", String(heronId));
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout.split("\n")[0]).toBe(`#${heronId} [general] imp 5  the staging database is called heron  (center)`);
    });

    it("graph neighborhood reaches a linked memory and lists the link", async () => {
      const v1 = (await http().post("/store", { content: "the office printer is on floor three" })).body.id as number;
      const v2 = (await http().post(`/memory/${v1}/update`, { content: "the office printer moved to floor four" })).body.id as number;
      const json = parse(await run("graph", "neighborhood", String(v2), "--json"));
      expect(json.nodes.map((n: { id: number }) => n.id).sort()).toEqual([v1, v2].sort());
      expect(json.edges).toEqual([expect.objectContaining({ source_id: v2, target_id: v1, type: "updates" })]);
    });

    it("another tenant's memory is not found", async () => {
      const admin = http();
      const mallory = (await newTenant(server.url, admin, "mallory")).key;
      const as = (...args: string[]) => cli(["--server", server.url, "--key", mallory, ...args]);
      expectOneLineError(await as("fsrs", "state", String(heronId)), "memory not found");
      expectOneLineError(await as("recall", String(heronId)), "memory not found");
    });
  });

  describe("tags and spaces", () => {
    it("tags lists each tag with its count", async () => {
      const r = await run("tags");
      expect(r.code, r.stderr).toBe(0);
      const lines = r.stdout.trimEnd().split("\n");
      expect(lines[0]).toMatch(/^TAG\s+COUNT$/);
      expect(lines).toContainEqual(expect.stringMatching(/^ops\s+2$/));
      expect(lines).toContainEqual(expect.stringMatching(/^db\s+1$/));
      expect(parse(await run("tags", "--json")).tags).toEqual(expect.arrayContaining([{ tag: "ops", count: 2 }]));
    });

    it("spaces lists, creates and deletes spaces", async () => {
      const created = await run("spaces", "create", "research", "--description", "papers to read");
      expect(created.code, created.stderr).toBe(0);
      const id = Number(/^created space #(\d+) research\n$/.exec(created.stdout)![1]);

      const table = await run("spaces");
      expect(table.code, table.stderr).toBe(0);
      expect(table.stdout).toMatch(/^ID\s+NAME\s+MEMORIES\s+CREATED\s+DESCRIPTION\n/);
      expect(table.stdout).toMatch(new RegExp(`^${id}\\s+research\\s+0\\s+\\S+\\s+papers to read$`, "m"));
      expect((await run("spaces", "list")).stdout).toBe(table.stdout);

      expect((await run("spaces", "delete", String(id))).stdout).toBe(`deleted space #${id}\n`);
      expect((await http().get("/spaces")).body.spaces.map((s: { id: number }) => s.id)).not.toContain(id);
    });
  });
});
