import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, startServer, type RunningServer } from "../../../test/support/server.js";
import { twoTenants } from "../../../test/support/tenants.js";

let server: RunningServer;
let alice: ReturnType<typeof api>;
let bob: ReturnType<typeof api>;
let aliceMemory: number;
let aliceOld: number;

beforeAll(async () => {
  server = await startServer();
  const t = await twoTenants(server.url);
  alice = t.alice.api;
  bob = t.bob.api;
  aliceOld = (await alice.post("/store", { content: "Alice's secret: the vault passphrase hint is osprey", tags: ["secret"] })).body.id;
  aliceMemory = (await alice.post(`/memory/${aliceOld}/update`, { content: "Alice's secret: the vault passphrase hint is kestrel" })).body.id;
  await bob.post("/store", { content: "Bob's note about the osprey migration", tags: ["bob-only"] });
});
afterAll(() => server.stop());

describe("tenant isolation", () => {
  it("read: another tenant's memory is a 404, as if it did not exist", async () => {
    const res = await bob.get(`/memory/${aliceMemory}`);
    expect(res.status).toBe(404);
    expect(res.body.error).toBe("memory not found");
    expect((await bob.get(`/versions/${aliceMemory}`)).status).toBe(404);
    expect((await bob.get(`/links/${aliceMemory}`)).status).toBe(404);
  });

  it("delete: cannot delete another tenant's memory", async () => {
    expect((await bob.del(`/memory/${aliceMemory}`)).status).toBe(404);
    for (const action of ["forget", "archive", "unarchive"]) {
      expect((await bob.post(`/memory/${aliceMemory}/${action}`)).status).toBe(404);
    }
    expect((await alice.get(`/memory/${aliceMemory}`)).body.status).toBe("active");
  });

  it("update: cannot update another tenant's memory or hang a version off it", async () => {
    expect((await bob.post(`/memory/${aliceMemory}/update`, { content: "hijacked" })).status).toBe(404);
    expect((await bob.put(`/memory/${aliceMemory}/tags`, { tags: ["hijacked"] })).status).toBe(404);
    const child = await bob.post("/store", { content: "bob tries to parent onto alice", parent_memory_id: aliceMemory });
    expect(child.status).toBe(400);
    expect((await alice.get(`/memory/${aliceMemory}`)).body.content).toMatch(/kestrel/);
  });

  it("search: never returns another tenant's memories, current or old versions", async () => {
    // Bait for the other channels, deleted again at the end so later counts are unchanged:
    // Alice's preference (personality) and turns of both tenants under one session id (session).
    const bait = [
      [alice, (await alice.post("/store", { content: "Alice prefers the kestrel vault passphrase hints", category: "preference" })).body.id],
      [bob, (await bob.post("/store", { content: "Bob asks about the vault passphrase", session_id: "shared-session" })).body.id],
      [alice, (await alice.post("/store", { content: "Alice answers in her own session with the same id", session_id: "shared-session" })).body.id],
    ] as const;
    // Every channel alone and with the expansions it feeds, and the whole pipeline (undefined).
    const combos = [["fts"], ["vector"], ["personality"], ["fts", "session"], ["fts", "vector", "graph"], undefined];
    for (const channels of combos) {
      // Alice's exact words: the nearest vector in the whole database is hers.
      const query = "Alice's secret: the vault passphrase hint is kestrel";
      const hits = (await bob.post("/search", { query, latest_only: false, channels })).body.results;
      expect(hits.every((h: { content: string }) => h.content.startsWith("Bob")), channels?.join("+") ?? "all").toBe(true);
    }
    const recalled = (await bob.post("/recall", { query: "vault passphrase kestrel osprey" })).body.memories;
    expect(recalled.every((m: { content: string }) => m.content.startsWith("Bob"))).toBe(true);
    const context = (await bob.post("/context", { query: "vault passphrase kestrel osprey" })).body.context as string;
    expect(context).not.toMatch(/Alice/);
    const aliceHits = (await alice.post("/search", { query: "vault passphrase hint", channels: ["vector"] })).body.results;
    expect(aliceHits[0].id).toBe(aliceMemory);
    for (const [owner, id] of bait) expect((await owner.del(`/memory/${id}`)).status).toBe(200);
  });

  it("list: shows only your own memories", async () => {
    const mine = (await bob.get("/list?include_forgotten=true&include_archived=true")).body.results;
    expect(mine.map((m: { content: string }) => m.content)).toEqual(["Bob's note about the osprey migration"]);
  });

  it("tags: counts and tag search see only your own tags", async () => {
    expect((await bob.get("/tags")).body.tags).toEqual([{ tag: "bob-only", count: 1 }]);
    expect((await bob.post("/tags/search", { tags: ["secret"] })).body.results).toEqual([]);
  });

  it("spaces: another tenant's space can neither be used nor deleted", async () => {
    const aliceSpace = (await alice.post("/spaces", { name: "private" })).body.id;
    const res = await bob.post("/store", { content: "bob writes into alice's space", space_id: aliceSpace });
    expect(res.status).toBe(400);
    expect((await bob.del(`/spaces/${aliceSpace}`)).status).toBe(404);
    expect((await bob.get(`/list?space_id=${aliceSpace}`)).body.results).toEqual([]);
  });

  it("stats count only your own memories", async () => {
    const stats = (await bob.get("/stats")).body;
    expect(stats.memories.active).toBe(1);
    expect(stats.versions.superseded).toBe(0);
  });
});
