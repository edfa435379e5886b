import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startServer, type RunningServer } from "../../../test/support/server.js";
import { twoTenants, type Client } from "../../../test/support/tenants.js";

/**
 * Where ingested memories go and when their facts date from (contract §5.1, §4, §5.5; issue 12):
 * `episode_id` makes them members of the episode, `entity_ids` links each to those entities, both
 * the caller's own (another tenant's is a 404 and nothing is stored). A fact from a chat export
 * dates from its conversation; a fact from an episode's narrative, from the episode's start.
 */

let server: RunningServer;
let alice: Client;
let aliceKey: string;
let bob: Client;
let bobEpisode: number;
let bobEntity: number;

beforeAll(async () => {
  server = await startServer({ ENGRAM_EMBEDDING_PROVIDER: "none", ENGRAM_PAGERANK_ENABLED: "0", ENGRAM_JOB_POLL_MS: "20" });
  const t = await twoTenants(server.url);
  alice = t.alice.api;
  aliceKey = t.alice.key;
  bob = t.bob.api;
  bobEpisode = (await bob.post("/episodes", { title: "Bob's sprint" })).body.id;
  bobEntity = (await bob.post("/entities", { name: "Bob's Secret Project", entity_type: "project" })).body.id;
});
afterAll(async () => {
  await server?.stop();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** Waits until the user's background jobs (post_store, auto_link) are done. */
async function settled(c: Client) {
  for (;;) {
    const stats = (await c.get("/jobs/stats")).body;
    if (stats.pending === 0 && stats.running === 0) {
      expect(stats.failed).toBe(0);
      return;
    }
    await sleep(50);
  }
}
const memoryCount = async (c: Client) => ((await c.get("/list?limit=1000&include_archived=true")).body.results as unknown[]).length;
const factsOf = async (c: Client, memoryId: number) => (await c.get(`/facts?memory_id=${memoryId}`)).body.facts as { predicate: string; object: string; valid_at: string; episode_id: number | null }[];
const sha = (b: string) => createHash("sha256").update(b).digest("hex");

describe("episode_id on /ingest and upload complete", () => {
  it("the memories join the episode: listed by GET /episodes/{id}, counted, their facts carry it", async () => {
    const episode = (await alice.post("/episodes", { title: "Harbour survey" })).body.id as number;
    const text = "# Survey log\n\nI work at Harbourworks and the survey boat leaves at dawn.";
    const res = await alice.post("/ingest", { text, episode_id: episode });
    expect(res.status).toBe(200);
    expect(res.body.status).toBe("completed");
    const got = (await alice.get(`/episodes/${episode}`)).body;
    expect(got.memory_count).toBe(1);
    expect(got.memories.map((m: { id: number }) => m.id)).toEqual(res.body.memory_ids);
    await settled(alice);
    expect((await factsOf(alice, res.body.memory_ids[0]))[0]).toMatchObject({ predicate: "works_at", object: "Harbourworks", episode_id: episode });
  });

  it("a chunked upload's complete takes episode_id too", async () => {
    const episode = (await alice.post("/episodes", { title: "Upload episode" })).body.id as number;
    const content = "The upload episode note says the ferry timetable changes in October.";
    const id = (await alice.post("/ingest/upload/init", { filename: "ferry.txt" })).body.upload_id as string;
    await alice.post("/ingest/upload/chunk", { upload_id: id, chunk_index: 0, chunk_hash: sha(content), data: Buffer.from(content).toString("base64") });
    const done = await alice.post("/ingest/upload/complete", { upload_id: id, episode_id: episode });
    expect(done.status).toBe(200);
    expect(done.body).toMatchObject({ status: "completed", ingested_memories: 1 });
    const got = (await alice.get(`/episodes/${episode}`)).body;
    expect(got.memories.map((m: { content: string }) => m.content)).toEqual([content]);
  });

  it("another tenant's or an unknown episode is a 404 and nothing is stored, the upload stays active", async () => {
    const text = "The foreign episode note is about the lantern festival schedule.";
    const before = await memoryCount(alice);
    for (const episode_id of [bobEpisode, 999_999]) {
      const res = await alice.post("/ingest", { text, episode_id });
      expect(res.status).toBe(404);
      expect(res.body.error).toBe("episode not found");
    }
    // The stream refuses it before any event, as JSON.
    const streamed = await alice.raw("POST", "/ingest/stream", { text, episode_id: bobEpisode }, { accept: "text/event-stream" });
    expect(streamed.status).toBe(404);
    expect(streamed.body).toEqual({ error: "episode not found" });
    const id = (await alice.post("/ingest/upload/init", { filename: "lantern.txt" })).body.upload_id as string;
    await alice.post("/ingest/upload/chunk", { upload_id: id, chunk_index: 0, chunk_hash: sha(text), data: Buffer.from(text).toString("base64") });
    expect((await alice.post("/ingest/upload/complete", { upload_id: id, episode_id: bobEpisode })).status).toBe(404);
    expect((await alice.get(`/ingest/upload/${id}/status`)).body).toMatchObject({ status: "active", chunks_received: 1 });
    expect(await memoryCount(alice)).toBe(before);
    expect((await bob.get(`/episodes/${bobEpisode}`)).body.memory_count).toBe(0);
    // Nothing recorded either: the same text is new, not a skipped repeat.
    expect((await alice.post("/ingest", { text })).body.status).toBe("completed");
  });

  it("episode_id must be a positive integer", async () => {
    for (const episode_id of ["5", 0, 1.5]) {
      const res = await alice.post("/ingest", { text: "Never stored: a bad episode id.", episode_id });
      expect(res.status).toBe(400);
      expect(res.body.error).toMatch(/^episode_id: /);
    }
  });
});

describe("entity_ids on /ingest", () => {
  it("links each created memory to the entities; extraction still finds the ones it names", async () => {
    const orion = (await alice.post("/entities", { name: "Orion cluster", entity_type: "project" })).body.id as number;
    const vega = (await alice.post("/entities", { name: "Vega rollout", entity_type: "project" })).body.id as number;
    const text = "# Capacity\n\nThe Acme Corp nodes need new disks before the quarter ends.";
    const res = await alice.post("/ingest", { text, entity_ids: [orion, vega] });
    expect(res.status).toBe(200);
    const memoryId = res.body.memory_ids[0] as number;
    await settled(alice);
    const named = ((await alice.get(`/memory/${memoryId}/entities`)).body.entities as { id: number; name: string }[]).map((e) => e.name).sort();
    expect(named).toEqual(expect.arrayContaining(["Acme Corp", "Orion cluster", "Vega rollout"]));
    const members = (await alice.get(`/entities/${orion}/memories`)).body.memories as { id: number }[];
    expect(members.map((m) => m.id)).toContain(memoryId);
    expect((await alice.get(`/entities/${orion}`)).body.occurrence_count).toBe(1);
  });

  it("the form's entity_ids (comma-separated) and episode_id work as the JSON ones", async () => {
    const lyra = (await alice.post("/entities", { name: "Lyra migration", entity_type: "project" })).body.id as number;
    const episode = (await alice.post("/episodes", { title: "Form episode" })).body.id as number;
    const f = new FormData();
    f.append("file", new Blob(["The form ingestion note is about the lyra database move."]), "lyra.txt");
    f.append("entity_ids", String(lyra));
    f.append("episode_id", String(episode));
    const res = await fetch(server.url + "/ingest", { method: "POST", headers: { authorization: `Bearer ${aliceKey}` }, body: f });
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(((await alice.get(`/entities/${lyra}/memories`)).body.memories as { id: number }[]).map((m) => m.id)).toEqual(body.memory_ids);
    expect((await alice.get(`/episodes/${episode}`)).body.memory_count).toBe(1);
  });

  it("another tenant's or an unknown entity is a 404 naming it, and nothing is stored", async () => {
    const own = (await alice.post("/entities", { name: "Draco service", entity_type: "project" })).body.id as number;
    const text = "The refused entity note covers the draco service restart.";
    const before = await memoryCount(alice);
    for (const ids of [[own, bobEntity], [999_999]]) {
      const res = await alice.post("/ingest", { text, entity_ids: ids });
      expect(res.status).toBe(404);
      expect(res.body.error).toBe(`entity_ids ${ids.at(-1)}: entity not found`);
    }
    expect(await memoryCount(alice)).toBe(before);
    expect((await alice.get(`/entities/${own}`)).body.occurrence_count).toBe(0);
    expect((await bob.get(`/entities/${bobEntity}/memories`)).body.memories).toEqual([]);
  });

  it("entity_ids must be an array of positive integers", async () => {
    for (const entity_ids of ["1,2", [1, "x"], [0]]) {
      const res = await alice.post("/ingest", { text: "Never stored: bad entity ids.", entity_ids });
      expect(res.status).toBe(400);
      expect(res.body.error).toMatch(/^entity_ids/);
    }
  });
});

describe("fact valid_at from a document's time", () => {
  it("a ChatGPT export created in 2023: its undated facts date from the conversation, relative ones count from it", async () => {
    // 2023-07-22T04:26:40Z.
    const created = 1_690_000_000;
    const msg = (role: string, text: string) => ({ author: { role }, content: { content_type: "text", parts: [text] } });
    const exportJson = [
      {
        title: "Moving abroad",
        create_time: created,
        mapping: {
          root: { id: "root", parent: null, children: ["u1"], message: null },
          u1: { id: "u1", parent: "root", children: ["a1"], message: msg("user", "I live in Lisbon. I joined Initech two weeks ago.") },
          a1: { id: "a1", parent: "u1", children: [], message: msg("assistant", "Congratulations on the new job!") },
        },
      },
    ];
    const res = await alice.post("/ingest", { text: JSON.stringify(exportJson), format: "chatgpt-export" });
    expect(res.body.status).toBe("completed");
    await settled(alice);
    const facts = await factsOf(alice, res.body.memory_ids[0]);
    expect(facts.find((f) => f.predicate === "lives_in")).toMatchObject({ object: "Lisbon", valid_at: "2023-07-22T04:26:40.000Z" });
    expect(facts.find((f) => f.predicate === "works_at")).toMatchObject({ object: "Initech", valid_at: "2023-07-08T00:00:00.000Z" });
  });

  it("a plain document has no such time: its facts date from when it was stored", async () => {
    const res = await alice.post("/ingest", { text: "I live in Coimbra for the semester." });
    await settled(alice);
    const [fact] = await factsOf(alice, res.body.memory_ids[0]);
    expect(fact!.valid_at.slice(0, 4)).toBe(String(new Date().getUTCFullYear()));
  });

  it("facts of a finalized episode's narrative carry the episode's started_at", async () => {
    const episode = (await alice.post("/episodes", { title: "Relocation", started_at: "2023-02-01T09:00:00Z" })).body.id as number;
    const member = (await alice.post("/store", { content: "I live in Faro near the old harbour." })).body.id as number;
    await alice.post(`/episodes/${episode}/memories`, { memory_ids: [member] });
    const done = await alice.post(`/episodes/${episode}/finalize`, {});
    expect(done.status).toBe(200);
    await settled(alice);
    const narratives = ((await alice.get("/list?category=episode&limit=100")).body.results as { id: number; content: string }[]).filter((m) => m.content === done.body.summary);
    expect(narratives).toHaveLength(1);
    const facts = await factsOf(alice, narratives[0]!.id);
    expect(facts.find((f) => f.predicate === "lives_in")).toMatchObject({ object: "Faro near the old harbour", valid_at: "2023-02-01T09:00:00.000Z" });
    // The member itself was said today.
    const [own] = await factsOf(alice, member);
    expect(own!.valid_at.startsWith("2023")).toBe(false);
  });
});
