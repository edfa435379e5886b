import { afterAll, describe, expect, it } from "vitest";
import { api, bootstrap, startServer, tempDir, type RunningServer } from "../../../test/support/server.js";

/**
 * A mutation and its audit row share one transaction: the server is killed (SIGKILL, through
 * the test-only ENGRAM_TEST_EXIT_AT_COMMIT hook) just before or just after the commit of a
 * POST /store, restarted on the same data, and must hold both the memory and its audit row
 * or neither.
 */
const running: RunningServer[] = [];
afterAll(async () => {
  for (const s of running) await s.stop();
});

const CONTENT = "The staging cluster certificate renews on the first Monday of each month";

async function crashDuringStore(phase: "before" | "after") {
  const dataDir = tempDir();
  const env = { ENGRAM_EMBEDDING_PROVIDER: "none" };
  const doomed = await startServer({ ...env, ENGRAM_TEST_EXIT_AT_COMMIT: phase }, dataDir);
  running.push(doomed);
  const key = await bootstrap(doomed.url);
  const exited = new Promise((resolve) => doomed.proc.once("exit", (_code, signal) => resolve(signal)));
  // The process dies before answering: the request fails at the socket.
  await expect(api(doomed.url, key).post("/store", { content: CONTENT })).rejects.toThrow();
  expect(await exited).toBe("SIGKILL");

  const after = await startServer(env, dataDir);
  running.push(after);
  const c = api(after.url, key);
  const memories = (await c.get("/list")).body.results as { id: number; content: string }[];
  const entries = (await c.get("/audit")).body.entries as { route: string; method: string; status: number; target_ids: number[]; user_id: number | null }[];
  return { memories: memories.filter((m) => m.content === CONTENT), stores: entries.filter((e) => e.method === "POST" && e.route === "/store") };
}

describe("the audit row is written in the mutation's transaction", () => {
  it("killed just after the commit: the memory and its audit row both exist, the row marked unanswered", async () => {
    const { memories, stores } = await crashDuringStore("after");
    expect(memories).toHaveLength(1);
    expect(stores).toHaveLength(1);
    // Status 0: committed, never answered. The user is known; the new id was not reported yet.
    expect(stores[0]).toMatchObject({ status: 0, user_id: 1 });
  });

  it("killed just before the commit: neither exists", async () => {
    const { memories, stores } = await crashDuringStore("before");
    expect(memories).toEqual([]);
    expect(stores).toEqual([]);
  });

  it("an answered store's row carries its status and the new memory's id, written once", async () => {
    const server = await startServer({ ENGRAM_EMBEDDING_PROVIDER: "none" });
    running.push(server);
    const c = api(server.url, await bootstrap(server.url));
    const stored = await c.post("/store", { content: CONTENT });
    expect(stored.status).toBe(201);
    const refused = await c.post("/store", { content: "  " });
    expect(refused.status).toBe(400);
    const entries = (await c.get("/audit")).body.entries as { route: string; status: number; target_ids: number[] }[];
    expect(entries.filter((e) => e.route === "/store").map((e) => [e.status, e.target_ids])).toEqual([
      [400, []],
      [201, [stored.body.id]],
    ]);
  });
});
