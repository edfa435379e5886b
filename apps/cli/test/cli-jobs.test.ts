import { createEngram, DEFAULT_JOBS_CONFIG } from "@engram/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, startServer, tempDir, type RunningServer } from "../../../test/support/server.js";
import { twoTenants } from "../../../test/support/tenants.js";
import { cli, expectOneLineError, parse } from "./cli-process.js";

/**
 * `engram-cli jobs` against the built server. Failed jobs are made by the real core queue over
 * the server's own database file while the server is stopped (a handler that always throws), as
 * the server's jobs test does; the server then starts on that data dir with the scheduled sweep off.
 */

const NO_MODEL = { ENGRAM_EMBEDDING_PROVIDER: "none", ENGRAM_SWEEP_INTERVAL_SECS: "0" };
let server: RunningServer;
let keys: { admin: string; alice: string; bob: string };
let aliceId: number;
const failed = { alice: [] as number[], bob: 0 };

const as = (who: keyof typeof keys, ...args: string[]) => cli(["--server", server.url, "--key", keys[who], ...args]);

beforeAll(async () => {
  const dataDir = tempDir();
  const setup = await startServer(NO_MODEL, dataDir);
  const t = await twoTenants(setup.url);
  keys = { admin: t.adminKey, alice: t.alice.key, bob: t.bob.key };
  aliceId = t.alice.id;
  expect(await setup.stop()).toBe(0);

  const engram = createEngram(
    { dbPath: setup.dbPath, dbSynchronous: "full", apiKeyPepper: "", embedder: null, vectorMinSimilarity: 0.2, jobs: { ...DEFAULT_JOBS_CONFIG, sweepIntervalMs: 0 } },
    {},
  );
  engram.jobs.register("test_upstream", () => {
    throw new Error("upstream unavailable");
  }, { maxAttempts: 1 });
  failed.alice = [1, 2].map((n) => engram.jobs.enqueue("test_upstream", { n }, { userId: aliceId }));
  failed.bob = engram.jobs.enqueue("test_upstream", { n: 3 }, { userId: t.bob.id });
  engram.jobs.start();
  await engram.jobs.idle();
  await engram.jobs.stop();
  engram.close();

  server = await startServer(NO_MODEL, dataDir);
});
afterAll(() => server?.stop());

describe("engram-cli jobs", () => {
  it("lists a tenant's own failed jobs as a table, and as the server's JSON with --json", async () => {
    const r = await as("alice", "jobs", "list", "--status", "failed");
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.trimEnd().split("\n");
    expect(lines[0]).toMatch(/^ID\s+TYPE\s+STATUS\s+ATTEMPTS\s+USER\s+RUN AT\s+ERROR$/);
    expect(lines.slice(1).map((l) => Number(l.split(/\s+/)[0])).sort()).toEqual([...failed.alice].sort());
    for (const line of lines.slice(1)) expect(line).toMatch(new RegExp(`test_upstream\\s+failed\\s+1/1\\s+${aliceId}\\s+.*upstream unavailable$`));

    const body = parse(await as("alice", "jobs", "--status", "failed", "--json"));
    expect(body).toMatchObject({ count: 2, limit: 50, offset: 0 });
    expect(body.jobs.map((j: { id: number }) => j.id).sort()).toEqual([...failed.alice].sort());
    expect(body).toEqual((await api(server.url, keys.alice).get("/jobs?status=failed")).body);
  });

  it("an admin sees every tenant's jobs, or one tenant's with --user", async () => {
    const all = parse(await as("admin", "jobs", "list", "--type", "test_upstream", "--json"));
    expect(all.jobs.map((j: { id: number }) => j.id).sort()).toEqual([...failed.alice, failed.bob].sort());
    const one = parse(await as("admin", "jobs", "list", "--type", "test_upstream", "--user", String(aliceId), "--json"));
    expect(one.jobs.map((j: { id: number }) => j.id).sort()).toEqual([...failed.alice].sort());
  });

  it("shows one job in full, and another tenant's job is not found", async () => {
    const r = await as("alice", "jobs", "get", String(failed.alice[0]));
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^job #${failed.alice[0]} test_upstream  failed, attempt 1 of 1\\n`));
    expect(r.stdout).toContain("error: upstream unavailable\n");
    expect(r.stdout).toContain('payload: {"n":1}\n');
    expect(parse(await as("alice", "jobs", "get", String(failed.alice[0]), "--json"))).toMatchObject({ id: failed.alice[0], status: "failed", payload: { n: 1 } });
    expectOneLineError(await as("alice", "jobs", "get", String(failed.bob)), /^error: .*not found/);
  });

  it("counts jobs by status and type", async () => {
    const r = await as("alice", "jobs", "stats");
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^\d+ jobs: \d+ pending, \d+ running, \d+ completed, 2 failed\n/);
    expect(r.stdout).toMatch(/^test_upstream\s+0\s+0\s+0\s+2$/m);
    const body = parse(await as("alice", "jobs", "stats", "--json"));
    expect(body.by_type.test_upstream).toEqual({ pending: 0, running: 0, completed: 0, failed: 2 });
  });

  it("retries one failed job, and refuses another tenant's", async () => {
    const r = await as("alice", "jobs", "retry", String(failed.alice[0]));
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe(`retried job #${failed.alice[0]} (test_upstream): pending again\n`);
    expectOneLineError(await as("alice", "jobs", "retry", String(failed.bob)), /^error: .*not found/);
    expect((await api(server.url, keys.bob).get(`/jobs/${failed.bob}`)).body.status).toBe("failed");
  });

  it("retries every failed job of a tenant at once", async () => {
    const body = parse(await as("alice", "jobs", "retry", "--type", "test_upstream", "--json"));
    expect(body.ids).toContain(failed.alice[1]);
    expect(body.ids).not.toContain(failed.bob);
  });

  it("a retry with an id takes no filters", async () => {
    expectOneLineError(await as("alice", "jobs", "retry", "1", "--type", "x"), "--type and --user apply only without a job id");
  });

  it("purges a tenant's failed jobs, leaving other tenants' alone", async () => {
    const r = await as("bob", "jobs", "purge", "--type", "test_upstream");
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe("deleted 1 failed job\n");
    expect((await api(server.url, keys.bob).get(`/jobs/${failed.bob}`)).status).toBe(404);
  });

  it("cleans up completed jobs older than a cutoff", async () => {
    const body = parse(await as("alice", "jobs", "cleanup", "--older-than-days", "30", "--json"));
    expect(body).toEqual({ cleaned: 0, before: expect.any(String) });
    const r = await as("alice", "jobs", "cleanup", "--before", "2000-01-01T00:00:00Z");
    expect(r.stdout).toBe("deleted 0 completed jobs from before 2000-01-01T00:00:00.000Z\n");
  });

  it("refuses a bad status before any request", async () => {
    const r = await as("alice", "jobs", "list", "--status", "done");
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/option '--status <status>' argument 'done' is invalid\. Allowed choices are pending, running, completed, failed/);
  });
});
