import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, startServer, type RunningServer } from "../../../test/support/server.js";
import { keyFor, newTenant, twoTenants, type Client } from "../../../test/support/tenants.js";

/**
 * Facts, contradictions, extraction, decomposition, time travel and derivation over HTTP
 * (contracts/intelligence.md §5.1 /derive, §5.2), rules-only: no LLM is configured.
 */
let server: RunningServer;
let admin: Client;
let alice: Client;
let bob: Client;
let reader: Client;
let aliceId: number;
const ids: Record<string, number> = {};

async function until<T>(what: string, probe: () => Promise<T | undefined>): Promise<T> {
  for (let i = 0; i < 300; i++) {
    const v = await probe();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${what}: not reached`);
}
const factsOf = async (who: Client, memoryId: number) => (await who.get(`/facts?memory_id=${memoryId}`)).body.facts as Record<string, unknown>[];
/** Stores and waits for the post_store job's facts, as a client reading /facts later would see them. */
async function storeWithFacts(who: Client, content: string, expected = 1): Promise<number> {
  const res = await who.post("/store", { content });
  expect(res.status).toBe(201);
  await until(`facts of "${content}"`, async () => ((await factsOf(who, res.body.id)).length >= expected ? true : undefined));
  return res.body.id as number;
}

beforeAll(async () => {
  server = await startServer({ ENGRAM_EMBEDDING_PROVIDER: "none", ENGRAM_JOB_POLL_MS: "20" });
  const t = await twoTenants(server.url);
  admin = t.admin;
  alice = t.alice.api;
  bob = t.bob.api;
  aliceId = t.alice.id;
  reader = (await keyFor(server.url, admin, aliceId, "read")).api;
  ids.berlin = await storeWithFacts(alice, "I live in Berlin and I work at Acme.", 2);
  ids.munich = await storeWithFacts(alice, "I moved to Munich.");
  ids.jazz = await storeWithFacts(alice, "I like jazz.");
  ids.noJazz = await storeWithFacts(alice, "I don't like jazz.");
  ids.acme = await storeWithFacts(alice, "Acme is located in Oslo.");
  ids.bobRome = await storeWithFacts(bob, "I live in Rome.");
});
afterAll(() => server.stop());

describe("GET /facts", () => {
  it("lists facts newest first with their windows; a move closed the old place", async () => {
    const res = await alice.get("/facts?predicate=lives_in");
    expect(res.status).toBe(200);
    const [munich, berlin] = res.body.facts;
    expect(munich).toMatchObject({ memory_id: ids.munich, subject: "user", predicate: "lives_in", object: "Munich", negated: false, exclusive: true, invalid_at: null, method: "rules", user_id: aliceId, quantity: null, unit: null, confidence: 1, episode_id: null });
    expect(berlin).toMatchObject({ memory_id: ids.berlin, object: "Berlin", invalid_at: munich.valid_at, invalidated_by: munich.id });
  });

  it("filters: at an instant, current windows only, subject, memory_id; pages with limit and offset", async () => {
    const berlin = (await factsOf(alice, ids.berlin)).find((f) => f.predicate === "lives_in")!;
    const at = await alice.get(`/facts?predicate=lives_in&at=${encodeURIComponent(berlin.valid_at as string)}`);
    expect(at.body.facts.map((f: { object: string }) => f.object)).toEqual(["Berlin"]);
    const current = await alice.get("/facts?current=true&predicate=lives_in");
    expect(current.body.facts.map((f: { object: string }) => f.object)).toEqual(["Munich"]);
    expect((await alice.get("/facts?subject=Acme")).body.facts.map((f: { object: string }) => f.object)).toEqual(["Oslo"]);
    const all = (await alice.get("/facts?limit=1000")).body.facts;
    expect(all).toHaveLength(6);
    const page = (await alice.get("/facts?limit=2&offset=2")).body.facts;
    expect(page).toEqual(all.slice(2, 4));
  });

  it("another tenant's memory is a 404 and its facts never appear", async () => {
    expect((await alice.get(`/facts?memory_id=${ids.bobRome}`)).status).toBe(404);
    expect((await alice.get(`/facts?memory_id=999999`)).status).toBe(404);
    const all = (await alice.get("/facts?limit=1000")).body.facts;
    expect(all.some((f: { object: string }) => f.object === "Rome")).toBe(false);
    expect((await bob.get("/facts")).body.facts.map((f: { object: string }) => f.object)).toEqual(["Rome"]);
  });

  it("bad query values are a 400 naming the field", async () => {
    for (const [q, field] of [["at=yesterday", "at"], ["limit=0", "limit"], ["current=maybe", "current"], ["memory_id=abc", "memory_id"], ["offset=-1", "offset"]]) {
      const res = await alice.get(`/facts?${q}`);
      expect(res.status, q).toBe(400);
      expect(res.body.error, q).toMatch(new RegExp(`^${field}: `));
    }
  });
});

describe("contradictions", () => {
  it("POST, GET and the /intelligence alias scan the caller's facts: value and negation, older memory first", async () => {
    const expected = [
      { memory_a: ids.jazz, memory_b: ids.noJazz, kind: "negation", subject: "user", predicate: "likes", object_a: "jazz", object_b: "jazz", confidence: 0.8 },
      { memory_a: ids.berlin, memory_b: ids.munich, kind: "value", predicate: "lives_in", object_a: "Berlin", object_b: "Munich", description: "Conflicting lives_in: 'Berlin' vs 'Munich' (subject: user)" },
    ];
    for (const res of [await alice.post("/contradictions"), await alice.get("/contradictions"), await alice.post("/intelligence/contradictions", { limit: 10 })]) {
      expect(res.status).toBe(200);
      expect(res.body.count).toBe(2);
      expect(res.body.contradictions).toMatchObject(expected);
      expect(typeof res.body.contradictions[0].fact_a).toBe("number");
    }
    expect((await alice.post("/contradictions", { subject: "acme" })).body).toEqual({ contradictions: [], count: 0 });
    expect((await alice.get("/contradictions?limit=1")).body.count).toBe(1);
  });

  it("a read-only key may scan (a pure query)", async () => {
    expect((await reader.post("/contradictions")).status).toBe(200);
  });

  it("the pairs of one memory name it as memory_a; the store recorded a contradicts link newer → older", async () => {
    for (const path of [`/contradictions/${ids.munich}`, `/intelligence/contradictions/${ids.munich}`]) {
      const res = await alice.get(path);
      expect(res.status).toBe(200);
      expect(res.body.contradictions).toMatchObject([{ memory_a: ids.munich, memory_b: ids.berlin, object_a: "Munich", object_b: "Berlin", kind: "value" }]);
    }
    const links = (await alice.get(`/links/${ids.munich}`)).body.links.filter((l: { type: string }) => l.type === "contradicts");
    expect(links).toMatchObject([{ source_id: ids.munich, target_id: ids.berlin }]);
  });

  it("another tenant's memory is a 404; bob never sees alice's pairs; bad input is a 400", async () => {
    expect((await alice.get(`/contradictions/${ids.bobRome}`)).status).toBe(404);
    expect((await bob.get(`/contradictions/${ids.munich}`)).status).toBe(404);
    expect((await bob.post("/contradictions")).body).toEqual({ contradictions: [], count: 0 });
    const bad = await alice.post("/contradictions", { limit: 0 });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatch(/^limit: /);
    expect((await alice.get("/contradictions/abc")).status).toBe(400);
    expect((await alice.post("/contradictions", "{not json")).status).toBe(400);
  });

  it("forgetting a side ends the pair and closes its facts", async () => {
    const a = await storeWithFacts(alice, "I work as a nurse.");
    const b = await storeWithFacts(alice, "I work as a pilot.");
    expect((await alice.get(`/contradictions/${b}`)).body.count).toBe(1);
    expect((await alice.post(`/memory/${b}/forget`, { reason: "wrong" })).status).toBe(200);
    expect((await alice.get(`/contradictions/${a}`)).body.count).toBe(0);
    const pilot = (await factsOf(alice, b))[0]!;
    expect(pilot.invalid_at).not.toBeNull();
  });

  it("correcting a memory closes its facts at that moment (POST /correct)", async () => {
    const old = await storeWithFacts(alice, "I work as a welder.");
    expect((await factsOf(alice, old))[0]!.invalid_at).toBeNull();
    const corrected = await alice.post("/correct", { memory_id: old, content: "I work as a carpenter.", reason: "wrong trade" });
    expect(corrected.status).toBe(201);
    expect((await factsOf(alice, old))[0]!.invalid_at).not.toBeNull();
  });

  it("a corrected memory's closed facts name the replacement's first fact in invalidated_by", async () => {
    // A tenant of its own, so alice's lives_in windows stay as the other tests left them.
    const dora = (await newTenant(server.url, admin, "dora")).api;
    const old = await storeWithFacts(dora, "I live in Berlin");
    const corrected = await dora.post("/correct", { memory_id: old, content: "I live in Lisbon" });
    expect(corrected.status).toBe(201);
    const [lisbon] = await until("facts of the correction", async () => {
      const facts = await factsOf(dora, corrected.body.id);
      return facts.length > 0 ? facts : undefined;
    });
    expect(lisbon).toMatchObject({ predicate: "lives_in", object: "Lisbon", invalid_at: null });
    const [berlin] = await factsOf(dora, old);
    expect(berlin).toMatchObject({ predicate: "lives_in", object: "Berlin", invalidated_by: lisbon!.id });
    expect(berlin!.invalid_at).not.toBeNull();
    expect((await alice.get(`/facts?memory_id=${old}`)).status).toBe(404);
  });
});

describe("POST /intelligence/extract", () => {
  it("runs the extractor on a memory; a second run adds nothing", async () => {
    const res = await alice.post("/intelligence/extract", { memory_id: ids.berlin });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ memory_id: ids.berlin, facts: 2, preferences: 0, method: "rules" });
    expect(res.body.fact_ids).toHaveLength(2);
  });

  it("with content, stores a memory first (source extraction) and extracts from it", async () => {
    const res = await alice.post("/intelligence/extract", { content: "I have 2 cats and I enjoy climbing." });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ facts: 2, preferences: 1, state_updates: 0, method: "rules" });
    expect((await alice.get(`/memory/${res.body.memory_id}`)).body.source).toBe("extraction");
  });

  it("another tenant's memory is a 404; neither or both fields a 400; a reader may not write", async () => {
    expect((await alice.post("/intelligence/extract", { memory_id: ids.bobRome })).status).toBe(404);
    const neither = await alice.post("/intelligence/extract", {});
    expect(neither.status).toBe(400);
    expect(neither.body.error).toMatch(/^memory_id: /);
    expect((await alice.post("/intelligence/extract", { memory_id: "7" })).body.error).toMatch(/^memory_id: /);
    expect((await alice.post("/intelligence/extract", { memory_id: ids.berlin, content: "x y z" })).status).toBe(400);
    expect((await reader.post("/intelligence/extract", { memory_id: ids.berlin })).status).toBe(403);
  });
});

describe("POST /intelligence/decompose/{memory_id}", () => {
  const LONG = "So basically the backup job runs at 02:00 on host vega and the restore drill happens every Friday. As I mentioned, the staging database lives on 10.0.0.7.";

  it("splits into child fact memories linked has_fact; the parent is unchanged; a second call returns the same children", async () => {
    const parent = (await alice.post("/store", { content: LONG, importance: 8, tags: ["ops"] })).body.id;
    const res = await alice.post(`/intelligence/decompose/${parent}`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ tier: "tier2-rules", method: "rules" });
    expect(res.body.child_ids).toHaveLength(3);
    const child = (await alice.get(`/memory/${res.body.child_ids[2]}`)).body;
    expect(child).toMatchObject({ content: "The staging database lives on 10.0.0.7.", category: "fact", source: "decomposition", importance: 8, tags: ["ops"] });
    expect((await alice.get(`/memory/${parent}`)).body.content).toBe(LONG);
    const links = (await alice.get(`/links/${parent}`)).body.links.filter((l: { type: string }) => l.type === "has_fact");
    expect(links.map((l: { target_id: number }) => l.target_id)).toEqual(res.body.child_ids);
    expect((await alice.post(`/intelligence/decompose/${parent}`)).body.child_ids).toEqual(res.body.child_ids);
    // The children are searchable like any stored memory.
    const hits = (await alice.post("/search", { query: "staging database 10.0.0.7" })).body.results.map((r: { id: number }) => r.id);
    expect(hits).toContain(res.body.child_ids[2]);
  });

  it("a short memory gets no children; another tenant's id is a 404; a bad id a 400", async () => {
    expect((await alice.post(`/intelligence/decompose/${ids.jazz}`)).body).toEqual({ child_ids: [], tier: null, method: "rules" });
    expect((await alice.post(`/intelligence/decompose/${ids.bobRome}`)).status).toBe(404);
    expect((await alice.post("/intelligence/decompose/0")).status).toBe(400);
  });
});

describe("POST /timetravel", () => {
  it("memories as they stood then: the version latest then, and the facts valid then", async () => {
    const v1 = (await alice.post("/store", { content: "I work at Initech as a tester." })).body.id;
    await until("facts of v1", async () => ((await factsOf(alice, v1)).length > 0 ? true : undefined));
    const then = (await alice.get(`/memory/${v1}`)).body.created_at;
    await new Promise((r) => setTimeout(r, 20));
    const v2 = (await alice.post(`/memory/${v1}/update`, { content: "I work at Hooli as a tester." })).body.id;
    await until("facts of v2", async () => ((await factsOf(alice, v2)).length > 0 ? true : undefined));
    const past = await alice.post("/timetravel", { timestamp: then, query: "tester" });
    expect(past.status).toBe(200);
    expect(past.body.results.map((r: { id: number }) => r.id)).toEqual([v1]);
    expect(past.body).toMatchObject({ timestamp: then, count: 1 });
    expect(past.body.facts.filter((f: { predicate: string }) => f.predicate === "works_at").map((f: { object: string }) => f.object)).toEqual(["Initech"]);
    const now = await alice.post("/timetravel", { timestamp: new Date().toISOString(), query: "tester" });
    expect(now.body.results.map((r: { id: number }) => r.id)).toEqual([v2]);
    expect((await reader.post("/timetravel", { timestamp: then })).status).toBe(200);
  });

  it("never shows another tenant's memories; a missing or bad timestamp is a 400", async () => {
    const res = await bob.post("/timetravel", { timestamp: new Date().toISOString() });
    expect(res.body.results.map((r: { content: string }) => r.content)).toEqual(["I live in Rome."]);
    for (const body of [{}, { timestamp: "last tuesday" }, { timestamp: 5 }]) {
      const bad = await alice.post("/timetravel", body);
      expect(bad.status).toBe(400);
      expect(bad.body.error).toMatch(/^timestamp: /);
    }
  });
});

describe("POST /derive", () => {
  it("chains facts; dry_run stores nothing, a real run stores derived memories linked derived_from", async () => {
    const dry = await alice.post("/derive", { memory_ids: [ids.berlin, ids.acme], dry_run: true });
    expect(dry.status).toBe(200);
    expect(dry.body).toEqual({
      derived: [{ id: null, content: "User works at Acme, which is located in Oslo", source_ids: [ids.berlin, ids.acme], confidence: 0.9 }],
      count: 1,
      method: "rules",
    });
    const real = await alice.post("/derive", { memory_ids: [ids.berlin, ids.acme] });
    const id = real.body.derived[0].id;
    expect((await alice.get(`/memory/${id}`)).body).toMatchObject({ category: "derived", source: "derive" });
    const links = (await alice.get(`/links/${id}`)).body.links.filter((l: { type: string }) => l.type === "derived_from");
    expect(links.map((l: { target_id: number }) => l.target_id).sort()).toEqual([ids.berlin, ids.acme].sort());
  });

  it("a query's top hits are the premises; a value change is stated with its date", async () => {
    const res = await alice.post("/derive", { query: "live Berlin Munich moved", dry_run: true });
    expect(res.status).toBe(200);
    expect(res.body.derived.map((d: { content: string }) => d.content)).toContainEqual(expect.stringMatching(/^User changed lives in from Berlin to Munich on \d{4}-\d{2}-\d{2}$/));
  });

  it("another tenant's premise is a 404 naming it; bad bodies are a 400 naming the field", async () => {
    const foreign = await alice.post("/derive", { memory_ids: [ids.berlin, ids.bobRome] });
    expect(foreign.status).toBe(404);
    expect(foreign.body.error).toContain(String(ids.bobRome));
    for (const [body, field] of [[{}, "memory_ids"], [{ memory_ids: [] }, "memory_ids"], [{ memory_ids: "1" }, "memory_ids"], [{ query: "x", limit: 21 }, "limit"], [{ query: "x", dry_run: "yes" }, "dry_run"]] as const) {
      const res = await alice.post("/derive", body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error).toMatch(new RegExp(`^${field}: `));
    }
    expect((await reader.post("/derive", { query: "x" })).status).toBe(403);
  });
});

describe("admin: backfill and decompose sweep", () => {
  it("backfill-facts is admin-only, targets a user, and finds nothing left to do after the post-store jobs", async () => {
    expect((await alice.post("/admin/backfill-facts")).status).toBe(403);
    const res = await admin.post("/admin/backfill-facts", { user_id: aliceId, limit: 100 });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ processed: expect.any(Number), facts_created: 0 });
    expect((await admin.post("/admin/backfill-facts", { user_id: 999999 })).status).toBe(404);
    expect((await admin.post("/admin/backfill-facts", { limit: 0 })).body.error).toMatch(/^limit: /);
  });

  it("decompose-sweep answers at once for a few memories and runs as a job with progress for more than 50", async () => {
    const few = await admin.post("/admin/decompose-sweep", { user_id: aliceId });
    expect(few.status).toBe(200);
    expect(few.body).toEqual({ processed: expect.any(Number), children_created: expect.any(Number), skipped: expect.any(Number) });
    const carol = (await admin.post("/users", { username: "carol" })).body.id;
    const carolApi = (await keyFor(server.url, admin, carol)).api;
    for (let i = 0; i < 52; i++) {
      expect((await carolApi.post("/store", { content: `Server ${i} runs Debian ${i % 5}. Its backups go to bucket b-${i} at night.` })).status).toBe(201);
    }
    const started = await admin.post("/admin/decompose-sweep", { user_id: carol, limit: 1000 });
    expect(started.status).toBe(202);
    const done = await until("the sweep's last batch", async () => {
      const jobs = (await admin.get(`/jobs?type=decompose_sweep&user_id=${carol}`)).body.jobs as { status: string; result: { done: boolean; processed: number; children_created: number } | null }[];
      return jobs.find((j) => j.status === "completed" && j.result?.done)?.result ?? undefined;
    });
    expect(done).toMatchObject({ processed: 52, children_created: 104, done: true });
    expect((await alice.post("/admin/decompose-sweep")).status).toBe(403);
  });
});
