import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, startServer, type RunningServer } from "../../../test/support/server.js";
import { twoTenants } from "../../../test/support/tenants.js";

let server: RunningServer;
let alice: ReturnType<typeof api>;
let bob: ReturnType<typeof api>;

beforeAll(async () => {
  server = await startServer({ ENGRAM_EMBEDDING_PROVIDER: "none" });
  const t = await twoTenants(server.url);
  alice = t.alice.api;
  bob = t.bob.api;
});
afterAll(() => server.stop());

const patch = (who: ReturnType<typeof api>, p: string, body: unknown) => who.raw("PATCH", p, body);
const store = async (who: ReturnType<typeof api>, content: string) => (await who.post("/store", { content })).body.id as number;

describe("/episodes", () => {
  it("creates an episode, assigns memories, finalizes a rules narrative that search and the episode list find", async () => {
    const created = await alice.post("/episodes", { title: "Release prep", session_id: "rel-1", agent: "claude", started_at: "2026-06-01T09:00:00Z" });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({ created: true, id: expect.any(Number), started_at: "2026-06-01T09:00:00.000Z", summary: null });
    const id = created.body.id as number;

    const tagged = await store(alice, "Tagged v2.4.0 after the quokkamigration passed. Then lunch.");
    const canary = await store(alice, "Rolled the canary to 10% of traffic");
    const bobs = await store(bob, "Bob's own memory about the release");
    const assigned = await alice.post(`/episodes/${id}/memories`, { memory_ids: [tagged, canary, bobs, 999_999] });
    expect(assigned.body).toEqual({ assigned: 2, episode_id: id, skipped: [bobs, 999_999] });
    // Bob's memory was never touched.
    expect((await bob.get(`/memory/${bobs}`)).status).toBe(200);

    const read = await alice.get(`/episodes/${id}`);
    expect(read.body).toMatchObject({ id, title: "Release prep", session_id: "rel-1", agent: "claude", memory_count: 2, ended_at: null });
    expect(read.body.memories.map((m: { id: number }) => m.id)).toEqual([tagged, canary]);

    const fin = await alice.post(`/episodes/${id}/finalize`, {});
    expect(fin.status).toBe(200);
    expect(fin.body).toMatchObject({ finalized: true, id, memory_count: 2, method: "rules" });
    expect(fin.body.summary).toMatch(/^Release prep: 2 memories from \S+ to \S+\. Tagged v2\.4\.0 after the quokkamigration passed\. Rolled the canary to 10% of traffic\.$/);
    expect(fin.body.duration_seconds).toBeGreaterThan(0);

    // Harmless again: the same narrative, the same end.
    const again = await alice.post(`/episodes/${id}/finalize`, {});
    expect(again.body).toMatchObject({ summary: fin.body.summary, ended_at: fin.body.ended_at });

    const byWords = await alice.get("/episodes?query=quokkamigration%20canary");
    expect(byWords.body.episodes.map((e: { id: number }) => e.id)).toEqual([id]);
    expect((await alice.get("/episodes?query=quokkamigration%20absentword")).body.episodes).toEqual([]);
    expect((await bob.get("/episodes?query=quokkamigration")).body.episodes).toEqual([]);

    // The narrative is a memory of its own, found by search (and so by /context).
    const hits = await alice.post("/search", { query: "Release prep quokkamigration canary" });
    const narrative = hits.body.results.find((r: { category: string }) => r.category === "episode");
    expect(narrative?.content).toBe(fin.body.summary);
    expect((await alice.get(`/memory/${narrative.id}`)).body).toMatchObject({ session_id: "rel-1", source: "episode" });

    // Regenerate after a rename: a new narrative, the narrative memory a new version of the same one.
    expect((await patch(alice, `/episodes/${id}`, { title: "Release 2.4" })).body).toEqual({ updated: true, id });
    const regen = await alice.post(`/episodes/${id}/finalize`, { regenerate: true });
    expect(regen.body.summary).toMatch(/^Release 2\.4: 2 memories/);
    const after = await alice.post("/search", { query: "quokkamigration canary" });
    const narratives = after.body.results.filter((r: { category: string }) => r.category === "episode");
    expect(narratives.map((r: { content: string }) => r.content)).toEqual([regen.body.summary]);
  });

  it("finalizes an empty episode, keeps a summary given at creation, and filters the list", async () => {
    const empty = (await alice.post("/episodes", { title: "Quiet day", agent: "cursor" })).body.id;
    expect((await alice.post(`/episodes/${empty}/finalize`, {})).body).toMatchObject({ summary: "Quiet day: no memories recorded.", memory_count: 0 });
    const given = (await alice.post("/episodes", { title: "Given", summary: "Written by hand." })).body.id;
    expect((await alice.post(`/episodes/${given}/finalize`, {})).body.summary).toBe("Written by hand.");
    expect((await alice.get("/episodes?agent=cursor")).body.episodes.map((e: { id: number }) => e.id)).toEqual([empty]);
    const old = (await alice.post("/episodes", { title: "Old", started_at: "2020-01-01T00:00:00Z" })).body.id;
    const before = await alice.get("/episodes?before=2021-01-01T00:00:00Z");
    expect(before.body.episodes.map((e: { id: number }) => e.id)).toEqual([old]);
    expect((await alice.get("/episodes?after=2021-01-01T00:00:00Z")).body.episodes.map((e: { id: number }) => e.id)).not.toContain(old);
    const ended = await patch(alice, `/episodes/${old}`, { ended_at: "2020-01-01T01:00:00Z" });
    expect(ended.status).toBe(200);
    expect((await alice.get(`/episodes/${old}`)).body).toMatchObject({ ended_at: "2020-01-01T01:00:00.000Z", duration_seconds: 3600 });
    expect((await alice.get("/episodes?limit=2")).body.episodes).toHaveLength(2);
  });

  it("keeps episodes to their tenant: another tenant's id is a 404 and never listed", async () => {
    const id = (await alice.post("/episodes", { title: "Private" })).body.id;
    const bobMemory = await store(bob, "Bob wants into alice's episode");
    expect((await bob.get(`/episodes/${id}`)).status).toBe(404);
    expect((await patch(bob, `/episodes/${id}`, { title: "Mine" })).status).toBe(404);
    expect((await bob.post(`/episodes/${id}/memories`, { memory_ids: [bobMemory] })).status).toBe(404);
    expect((await bob.post(`/episodes/${id}/finalize`, {})).status).toBe(404);
    expect((await bob.get("/episodes")).body.episodes).toEqual([]);
    expect((await alice.get(`/episodes/${id}`)).body).toMatchObject({ title: "Private", memory_count: 0, ended_at: null });
  });

  it("answers 400 naming the field for bad input", async () => {
    const id = (await alice.post("/episodes", { title: "Bad input" })).body.id;
    const cases: [string, string, unknown, RegExp][] = [
      ["POST", "/episodes", { title: "x".repeat(501) }, /^title: /],
      ["POST", "/episodes", { started_at: "yesterday" }, /^started_at: must be an ISO-8601 timestamp/],
      ["POST", "/episodes", { summary: 5 }, /^summary: must be a string/],
      ["PATCH", `/episodes/${id}`, {}, /title, summary or ended_at is required/],
      ["POST", `/episodes/${id}/memories`, { memory_ids: [] }, /^memory_ids: must hold at least one id/],
      ["POST", `/episodes/${id}/memories`, { memory_ids: ["a"] }, /^memory_ids\.0: must be an array of integers/],
      ["POST", `/episodes/${id}/memories`, {}, /^memory_ids: /],
      ["POST", `/episodes/${id}/finalize`, { regenerate: "yes" }, /^regenerate: must be a boolean/],
    ];
    for (const [method, path, body, error] of cases) {
      const res = await alice.raw(method, path, body);
      expect(res.status, `${method} ${path} ${JSON.stringify(body)}`).toBe(400);
      expect(res.body.error).toMatch(error);
    }
    expect((await alice.get("/episodes?limit=0")).status).toBe(400);
    expect((await alice.get("/episodes?after=soon")).status).toBe(400);
    expect((await alice.get("/episodes/abc")).status).toBe(400);
    expect((await alice.get("/episodes/0")).status).toBe(400);
    // FTS5 syntax in the query is only words.
    expect((await alice.get(`/episodes?query=${encodeURIComponent('input" OR NEAR(*')}`)).status).toBe(200);
  });
});
