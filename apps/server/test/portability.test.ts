import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, bootstrap, rawRequest, startServer, tempDir, type RunningServer } from "../../../test/support/server.js";
import { newTenant, twoTenants, type Client, type TwoTenants } from "../../../test/support/tenants.js";

/**
 * GET /export and POST /import (contracts/platform.md §3.1, §3.2), black-box: a tenant's memories
 * with versions, tags, links, a space, a static and a forgotten memory go out as a bundle and come
 * back into a fresh tenant intact; imports are all or nothing, idempotent, and stay in their tenant.
 */
const IMPORT_LIMIT = 2 * 1024 * 1024;
const ENV = { ENGRAM_EMBEDDING_PROVIDER: "none", ENGRAM_INTELLIGENCE_JOBS: "0", ENGRAM_MAX_IMPORT_BYTES: String(IMPORT_LIMIT) };

let server: RunningServer;
let t: TwoTenants;
const running: RunningServer[] = [];
afterAll(async () => {
  for (const s of running) await s.stop();
});

interface Line {
  type: string;
  [k: string]: any;
}
const lines = (text: string): Line[] => text.trim().split("\n").map((l) => JSON.parse(l) as Line);
const ndjson = (records: object[]) => records.map((r) => JSON.stringify(r)).join("\n") + "\n";
const bundle = (records: object[]) =>
  ndjson([{ type: "header", format: "engram-ndjson", version: "2", exported_at: "2026-01-05T10:00:00Z", user_id: 1, username: "x", counts: {} }, ...records, { type: "footer", records: records.length }]);
const postNdjson = (c: Client, body: string) => c.raw("POST", "/import", body, { "content-type": "application/x-ndjson" });
/** Every row of the tenant, latest or not, forgotten or not, as content → version, by /list and /versions. */
async function everything(c: Client) {
  const list = (await c.get("/list?limit=1000&include_forgotten=true&include_archived=true")).body.results as any[];
  const rows = [];
  for (const m of list) for (const v of (await c.get(`/versions/${m.id}`)).body.versions as any[]) rows.push(v);
  return rows;
}

let alice: Client;
let exported: string;
let ids: { v1: number; v2: number; v3: number; rule: number; work: number; forgotten: number };

beforeAll(async () => {
  server = await startServer(ENV);
  running.push(server);
  t = await twoTenants(server.url);
  alice = t.alice.api;
  const v1 = (await alice.post("/store", { content: "The backup job runs nightly at 02:00 on db-01", tags: [" Ops ", "ops", "Backup"], importance: 7 })).body.id;
  const updated = await alice.post(`/memory/${v1}/update`, { content: "The backup job runs nightly at 03:00 on db-01" });
  expect(updated.status, JSON.stringify(updated.body)).toBe(200);
  const v2 = updated.body.id;
  const v3 = (await alice.post(`/memory/${v2}/update`, { content: "The backup job runs nightly at 03:30 on db-02", tags: ["ops"] })).body.id;
  const rule = (await alice.post("/store", { content: "Never push directly to the main branch", is_static: true, category: "rule", importance: 9 })).body.id;
  const space = await alice.post("/spaces", { name: "work", description: "day job" });
  expect(space.status).toBe(201);
  const work = (await alice.post("/store", { content: "Quarterly planning meeting moved to Thursday afternoons", space_id: space.body.id })).body.id;
  const forgotten = (await alice.post("/store", { content: "Temporary wifi password for the conference venue hall" })).body.id;
  expect((await alice.post(`/memory/${forgotten}/forget`, { reason: "stale" })).status).toBe(200);
  ids = { v1, v2, v3, rule, work, forgotten };
  // Bob's rows must not appear in Alice's export.
  await t.bob.api.post("/store", { content: "Bob keeps his bicycle in the basement storage room" });
  const res = await fetch(`${server.url}/export`, { headers: { authorization: `Bearer ${t.alice.key}` } });
  expect(res.status).toBe(200);
  exported = await res.text();
});

describe("GET /export", () => {
  it("streams NDJSON: a header, every version of every chain by id, links, spaces, and a footer counting the records", async () => {
    const res = await fetch(`${server.url}/export`, { headers: { authorization: `Bearer ${t.alice.key}` } });
    expect(res.headers.get("content-type")).toBe("application/x-ndjson");
    expect(res.headers.get("content-disposition")).toMatch(/^attachment; filename="engram-export-alice-\d{8}T\d{6}Z\.ndjson"$/);
    const recs = lines(exported);
    expect(recs[0]).toMatchObject({ type: "header", format: "engram-ndjson", version: "2", user_id: t.alice.id, username: "alice" });
    expect(recs[0]!.counts).toMatchObject({ memory: 5, space: 2, link: 2 });
    expect(recs.at(-1)).toEqual({ type: "footer", records: recs.length - 2 });
    const memories = recs.filter((r) => r.type === "memory");
    expect(memories.map((m) => m.id)).toEqual([ids.v1, ids.v2, ids.v3, ids.rule, ids.work]);
    expect(memories.map((m) => [m.version, m.is_latest])).toEqual([[1, false], [2, false], [3, true], [1, true], [1, true]]);
    const v3 = memories.find((m) => m.id === ids.v3)!;
    expect(v3).toMatchObject({ parent_memory_id: ids.v2, root_memory_id: ids.v1, tags: ["ops"], space: "default", is_forgotten: false });
    expect(v3.sync_id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(new Set(memories.map((m) => m.sync_id)).size).toBe(5);
    expect(memories.find((m) => m.id === ids.v1)!.tags).toEqual(["ops", "backup"]);
    expect(memories.find((m) => m.id === ids.rule)).toMatchObject({ is_static: true, category: "rule", importance: 9 });
    expect(memories.find((m) => m.id === ids.work)!.space).toBe("work");
    expect(Object.keys(v3)).toEqual(expect.arrayContaining(["fsrs_stability", "fsrs_reps", "decay_score", "review_status", "forget_reason", "created_at", "updated_at"]));
    expect(recs.filter((r) => r.type === "space").map((s) => s.name).sort()).toEqual(["default", "work"]);
    expect(recs.filter((r) => r.type === "link").map((l) => [l.source_id, l.target_id, l.link_type])).toEqual([
      [ids.v2, ids.v1, "updates"],
      [ids.v3, ids.v2, "updates"],
    ]);
    expect(exported).not.toContain("bicycle");
  });

  it("holds forgotten memories only with include_forgotten=true", async () => {
    expect(exported).not.toContain("wifi password");
    const all = lines((await alice.get("/export?include_forgotten=true")).body as string);
    expect(all.find((r) => r.type === "memory" && r.id === ids.forgotten)).toMatchObject({ is_forgotten: true, status: "forgotten", forget_reason: "stale" });
  });

  it("format=json answers one object with the records grouped, without their type", async () => {
    const res = await alice.get("/export?format=json");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/json");
    expect(Object.keys(res.body).sort()).toEqual(["entities", "exported_at", "links", "memories", "spaces", "user_id", "username", "version"]);
    expect(res.body.version).toBe("2");
    expect(res.body.memories.map((m: any) => m.id)).toEqual([ids.v1, ids.v2, ids.v3, ids.rule, ids.work]);
    expect(res.body.memories[0].type).toBeUndefined();
    expect(res.body.links).toHaveLength(2);
  });

  it("refuses an unknown format, naming the field", async () => {
    const res = await alice.get("/export?format=csv");
    expect(res.status).toBe(400);
    expect(res.body.error).toMatch(/^format: /);
  });
});

describe("POST /import", () => {
  it("an export imported into a fresh tenant: the same chains, versions, tags, links, spaces and flags, findable by search", async () => {
    const carol = (await newTenant(server.url, t.admin, "carol")).api;
    const res = await postNdjson(carol, exported);
    expect(res.body).toEqual({ imported: 5, skipped: 0, format: "engram-ndjson", by_type: { memory: 5, link: 2, space: 1 }, errors: [] });

    const list = (await carol.get("/list?limit=100")).body.results as any[];
    expect(list.map((m) => m.content).sort()).toEqual(
      ["The backup job runs nightly at 03:30 on db-02", "Never push directly to the main branch", "Quarterly planning meeting moved to Thursday afternoons"].sort(),
    );
    const latest = list.find((m) => m.content.includes("03:30"));
    expect(latest).toMatchObject({ version: 3, is_latest: true, tags: ["ops"] });
    const versions = (await carol.get(`/versions/${latest.id}`)).body.versions as any[];
    expect(versions.map((v) => [v.version, v.is_latest, v.content])).toEqual([
      [1, false, "The backup job runs nightly at 02:00 on db-01"],
      [2, false, "The backup job runs nightly at 03:00 on db-01"],
      [3, true, "The backup job runs nightly at 03:30 on db-02"],
    ]);
    const v1 = (await carol.get(`/memory/${versions[0].id}`)).body;
    expect(v1.tags).toEqual(["ops", "backup"]);
    expect(latest.root_memory_id).toBe(versions[0].id);
    expect(latest.parent_memory_id).toBe(versions[1].id);
    const links = (await carol.get(`/links/${versions[1].id}`)).body.links as any[];
    expect(links.map((l) => [l.source_id, l.target_id, l.type]).sort()).toEqual(
      [[versions[1].id, versions[0].id, "updates"], [latest.id, versions[1].id, "updates"]].sort(),
    );
    expect(list.find((m) => m.is_static)).toMatchObject({ content: "Never push directly to the main branch", category: "rule", importance: 9 });
    const spaces = (await carol.get("/spaces")).body.spaces as any[];
    const work = spaces.find((s) => s.name === "work");
    expect(work).toBeDefined();
    expect(list.find((m) => m.content.startsWith("Quarterly")).space_id).toBe(work.id);
    const found = (await carol.post("/search", { query: "quarterly planning Thursday" })).body.results as any[];
    expect(found[0]?.content).toBe("Quarterly planning meeting moved to Thursday afternoons");
    // The forgotten memory was not exported, so it is not here.
    expect(await everything(carol)).toHaveLength(5);
  });

  it("is idempotent: importing the same export twice adds nothing", async () => {
    const dave = (await newTenant(server.url, t.admin, "dave")).api;
    expect((await postNdjson(dave, exported)).body.imported).toBe(5);
    const again = await postNdjson(dave, exported);
    expect(again.body).toMatchObject({ imported: 0, skipped: 5, by_type: { memory: 0, link: 0, space: 0 } });
    expect(await everything(dave)).toHaveLength(5);
  });

  it("format=json exports import too, and the forgotten memory comes back forgotten with include_forgotten", async () => {
    const erin = (await newTenant(server.url, t.admin, "erin")).api;
    const json = (await alice.get("/export?format=json&include_forgotten=true")).body;
    const res = await erin.post("/import", json);
    expect(res.body).toMatchObject({ imported: 6, skipped: 0, format: "engram", by_type: { memory: 6, link: 2 } });
    const forgotten = ((await erin.get("/list?include_forgotten=true")).body.results as any[]).find((m) => m.content.includes("wifi"));
    expect(forgotten).toMatchObject({ is_forgotten: true, status: "forgotten" });
    expect((await erin.get(`/memory/${forgotten.id}`)).status).toBe(404);
  });

  it("writes only into the caller's tenant and never changes another's rows", async () => {
    const aliceBefore = await everything(alice);
    const bobBefore = await everything(t.bob.api);
    const res = await postNdjson(t.bob.api, exported);
    expect(res.body.imported).toBe(5);
    expect(await everything(alice)).toEqual(aliceBefore);
    expect(await everything(t.bob.api)).toHaveLength(bobBefore.length + 5);
    const bobExport = lines((await t.bob.api.get("/export")).body as string);
    expect(bobExport[0]).toMatchObject({ user_id: t.bob.id, username: "bob" });
    // Bob's copies have Bob's ids, not Alice's.
    const bobIds = bobExport.filter((r) => r.type === "memory").map((r) => r.id);
    expect(bobIds.some((id) => Object.values(ids).includes(id))).toBe(false);
  });

  it("skips records without usable content and lists them by line; keeps the rest", async () => {
    const frank = (await newTenant(server.url, t.admin, "frank")).api;
    const res = await postNdjson(
      frank,
      bundle([
        { type: "memory", id: 1, content: "Rotate the staging TLS certificates every ninety days" },
        { type: "memory", id: 2, content: "   " },
        { type: "memory", id: 3, content: "x".repeat(102_401) },
        { type: "memory", id: 4, parent_memory_id: 99, version: 4, content: "Its parent is not in the file, so this starts a chain" },
        { type: "entity", id: 1, name: "staging" },
      ]),
    );
    expect(res.body).toEqual({
      imported: 2,
      skipped: 2,
      format: "engram-ndjson",
      by_type: { memory: 2, link: 0, space: 0 },
      errors: [
        { line: 3, error: "content: must not be empty" },
        { line: 4, error: "content: must be at most 102400 bytes" },
      ],
    });
    const orphan = ((await frank.get("/list")).body.results as any[]).find((m) => m.content.startsWith("Its parent"));
    expect(orphan).toMatchObject({ version: 1, parent_memory_id: null, is_latest: true });
  });

  it("imports mem0 exports and plain arrays with their defaults, skipping near-duplicates on a second import", async () => {
    const gina = (await newTenant(server.url, t.admin, "gina")).api;
    const mem0 = { results: [{ memory: "Prefers dark roast coffee in the morning", metadata: { importance: 6, tags: ["Food"] } }, { text: "Lives in Lisbon near the river" }] };
    expect((await gina.post("/import", mem0)).body).toMatchObject({ imported: 2, skipped: 0, format: "mem0" });
    const list = (await gina.get("/list")).body.results as any[];
    expect(list.find((m) => m.content.startsWith("Prefers"))).toMatchObject({ source: "mem0-import", category: "general", importance: 6, tags: ["food"] });
    expect(list.find((m) => m.content.startsWith("Lives"))).toMatchObject({ source: "mem0-import", tags: ["mem0-import"] });
    const again = await gina.post("/import", mem0);
    expect(again.body).toMatchObject({ imported: 0, skipped: 2 });
    expect(((await gina.get("/list")).body.results as any[]).every((m) => m.source_count === 1)).toBe(true);

    const arr = await gina.post("/import", [{ content: "Standup is at 09:15 every weekday", category: "task", tags: ["Work"] }, { text: "Dentist appointment in March" }]);
    expect(arr.body).toMatchObject({ imported: 2, format: "array" });
    const docs = await gina.post("/import", { documents: [{ content: "Library books are due back on Friday" }] });
    expect(docs.body).toMatchObject({ imported: 1, format: "array" });
  });

  describe("bad input: 400 naming the line or field, and nothing written", () => {
    let hank: Client;
    beforeAll(async () => {
      hank = (await newTenant(server.url, t.admin, "hank")).api;
    });
    const good = { type: "memory", id: 1, content: "A perfectly good memory that must not be written" };
    const cases: [string, () => Promise<any>, string][] = [
      ["a record after the footer", () => postNdjson(hank, bundle([good]) + "{oops\n"), "line 4: record after the footer"],
      ["a broken line", () => postNdjson(hank, bundle([good, good]).split("\n").map((l, i) => (i === 2 ? "{not json" : l)).join("\n")), "line 3: not valid JSON"],
      ["no header", () => postNdjson(hank, ndjson([good, { type: "footer", records: 1 }])), 'line 1: missing header (the first record must have "type":"header")'],
      ["a footer that miscounts", () => postNdjson(hank, bundle([good]).replace('"records":1', '"records":2')), "line 3: records: says 2 but the bundle holds 1"],
      ["a truncated bundle (no footer)", () => postNdjson(hank, bundle([good, good]).split("\n").slice(0, 3).join("\n")), "line 3: missing footer: the bundle is truncated"],
      ["a bad field", () => postNdjson(hank, bundle([good, { ...good, id: 2, importance: "high" }])), "line 3: importance: must be a number"],
      ["a bad link", () => postNdjson(hank, bundle([good, { type: "link", source_id: 1 }])), "line 3: target_id: must be a number"],
      ["a bad field in a JSON export", () => hank.post("/import", { version: "2", memories: [good, { content: "x", tags: [1] }] }), "index 1: tags.0: must be a string"],
      ["an unrecognised body", () => hank.post("/import", { hello: "world" }), "body: unrecognized import format"],
      ["text that is neither JSON nor NDJSON", () => hank.raw("POST", "/import", "just some words", { "content-type": "text/plain" }), "body: unrecognized import format"],
      ["a JSON body of more than 5000 memories", () => hank.post("/import", Array.from({ length: 5001 }, (_, i) => ({ content: `m${i}` }))), "body: at most 5000 memories per JSON body (send NDJSON for more)"],
    ];
    for (const [what, send, message] of cases) {
      it(what, async () => {
        const res = await send();
        expect(res.status).toBe(400);
        expect(res.body).toEqual({ error: message });
        expect(await everything(hank)).toEqual([]);
      });
    }
  });

  it("needs the write scope", async () => {
    const reader = await newTenant(server.url, t.admin, "ivy", "read");
    const res = await reader.api.post("/import", [{ content: "Should never be written" }]);
    expect(res.status).toBe(403);
    expect((await reader.api.get("/export")).status).toBe(200);
  });

  it("takes bodies up to ENGRAM_MAX_IMPORT_BYTES (past the server-wide 1 MiB) and refuses a larger one with 413", async () => {
    const jackTenant = await newTenant(server.url, t.admin, "jack");
    const jack = jackTenant.api;
    const records = Array.from({ length: 16 }, (_, i) => ({ type: "memory", id: i + 1, content: `Large import record ${i} ` + "lorem ipsum dolor ".repeat(5000) }));
    const big = bundle(records);
    expect(big.length).toBeGreaterThan(1024 * 1024);
    expect(big.length).toBeLessThan(IMPORT_LIMIT);
    expect((await postNdjson(jack, big)).body.imported).toBe(16);
    // Declared, not sent: the limit is checked on Content-Length before the body is read.
    const over = await rawRequest(`${server.url}/import`, {
      method: "POST",
      headers: { authorization: `Bearer ${jackTenant.key}`, "content-type": "application/x-ndjson", "content-length": String(IMPORT_LIMIT + 1) },
    });
    expect(over.status).toBe(413);
  });
});

describe("a crash mid-import", () => {
  it("killed just before the import's commit: after a restart, nothing of it exists", async () => {
    const dataDir = tempDir();
    const doomed = await startServer({ ...ENV, ENGRAM_TEST_EXIT_AT_COMMIT: "before" }, dataDir);
    running.push(doomed);
    const key = await bootstrap(doomed.url);
    const exited = new Promise((resolve) => doomed.proc.once("exit", (_code, signal) => resolve(signal)));
    await expect(api(doomed.url, key).raw("POST", "/import", exported, { "content-type": "application/x-ndjson" })).rejects.toThrow();
    expect(await exited).toBe("SIGKILL");
    const after = await startServer(ENV, dataDir);
    running.push(after);
    const c = api(after.url, key);
    expect(await everything(c)).toEqual([]);
    expect((await c.get("/spaces")).body.spaces.map((s: any) => s.name)).toEqual(["default"]);
  });
});

describe("format-specific imports (§3.3)", () => {
  it("POST /import/json: an Engram JSON export by name, with its defaults and checks", async () => {
    const kim = (await newTenant(server.url, t.admin, "kim")).api;
    const body = {
      version: "1",
      memories: [
        { content: "The VPN gateway moved to vpn-02.example.net", tags: '["Network","vpn"]', confidence: 0.8, is_static: true, created_at: "2025-03-01T09:00:00Z" },
        { content: "Lunch orders close at 11:30", importance: 3, source: "chat" },
        { content: "" },
      ],
    };
    const res = await kim.post("/import/json", body);
    expect(res).toMatchObject({ status: 200, body: { imported: { memories: 2, skipped: 1 } } });
    const list = (await kim.get("/list")).body.results as any[];
    expect(list.find((m) => m.content.startsWith("The VPN"))).toMatchObject({ source: "import", tags: ["network", "vpn"], is_static: true, created_at: "2025-03-01T09:00:00.000Z" });
    expect(list.find((m) => m.content.startsWith("Lunch"))).toMatchObject({ source: "chat", importance: 3 });
    expect((await kim.post("/import/json", body)).body).toEqual({ imported: { memories: 0, skipped: 3 } });

    expect((await kim.post("/import/json", { memories: [{ content: "x" }] })).body).toEqual({ error: "version: missing (not an Engram export)" });
    expect((await kim.post("/import/json", { version: 1, memories: [] })).body).toEqual({ error: "memories: must not be empty" });
    expect((await kim.post("/import/json", { version: 1, memories: [{ content: "ok text here" }, { content: "bad", confidence: 3 }] })).body).toEqual({
      error: "index 1: confidence: must be between 0 and 1",
    });
    expect((await kim.raw("POST", "/import/json", "{nope", { "content-type": "application/json" })).body).toEqual({ error: "body: malformed JSON" });
    expect(await everything(kim)).toHaveLength(2);
  });

  it("POST /import/mem0", async () => {
    const lee = (await newTenant(server.url, t.admin, "lee")).api;
    const res = await lee.post("/import/mem0", [{ memory: "Allergic to peanuts", metadata: { category: "health", tags: ["Food", "food"] } }, { text: "Drives a blue hatchback" }]);
    expect(res.body).toEqual({ imported: 2, skipped: 0, source: "mem0" });
    const list = (await lee.get("/list")).body.results as any[];
    expect(list.find((m) => m.content.startsWith("Allergic"))).toMatchObject({ category: "health", source: "mem0-import", tags: ["food"] });
    expect(list.find((m) => m.content.startsWith("Drives"))).toMatchObject({ category: "general", tags: ["mem0-import"] });
    expect((await lee.post("/import/mem0", { results: [{ memory: "Allergic to peanuts" }] })).body).toEqual({ imported: 0, skipped: 1, source: "mem0" });
    expect((await lee.post("/import/mem0", { other: [] })).body.error).toMatch(/^memories: missing/);
  });

  it("POST /import/supermemory: categories from the type, spaces and type as tags", async () => {
    const max = (await newTenant(server.url, t.admin, "max")).api;
    const res = await max.post("/import/supermemory", {
      documents: [
        { content: "A thread about SQLite WAL checkpoints", type: "tweet", spaces: ["Reading"], tags: ["DB"] },
        { text: "Design doc for the billing rewrite", type: "document", space: "work", metadata: { importance: 8, source: "drive" } },
        { description: "Chat with Sam about the offsite", type: "conversation" },
        { raw: "Plain note without a type" },
      ],
    });
    expect(res.body).toEqual({ imported: 4, skipped: 0, source: "supermemory" });
    const list = (await max.get("/list")).body.results as any[];
    const by = (start: string) => list.find((m) => m.content.startsWith(start));
    expect(by("A thread")).toMatchObject({ category: "discovery", tags: ["supermemory-import", "reading", "db", "tweet"], source: "supermemory-import" });
    expect(by("Design doc")).toMatchObject({ category: "task", importance: 8, source: "drive", tags: ["supermemory-import", "work", "document"] });
    expect(by("Chat with")).toMatchObject({ category: "state" });
    expect(by("Plain note")).toMatchObject({ category: "general", tags: ["supermemory-import"] });
  });
});

describe("GET /admin/export (§3.4)", () => {
  it("exports the named tenant for an admin; 404 for an unknown user; 403 without admin", async () => {
    const res = await t.admin.get(`/admin/export?user_id=${t.alice.id}`);
    expect(res.status).toBe(200);
    const recs = lines(res.body as string);
    expect(recs[0]).toMatchObject({ user_id: t.alice.id, username: "alice" });
    expect(recs.filter((r) => r.type === "memory").map((r) => r.id)).toEqual([ids.v1, ids.v2, ids.v3, ids.rule, ids.work]);
    const own = lines((await t.admin.get("/admin/export")).body as string);
    expect(own[0]).toMatchObject({ user_id: 1 });
    expect((await t.admin.get("/admin/export?user_id=999999")).body).toEqual({ error: "user not found" });
    expect((await t.admin.get("/admin/export?user_id=abc")).body.error).toMatch(/^user_id: /);
    expect((await alice.get(`/admin/export?user_id=${t.alice.id}`)).status).toBe(403);
  });
});

describe("POST /import/bulk (§3.3)", () => {
  it("ingests text into memories through the ingestion pipeline and answers 202 with the totals", async () => {
    const nia = (await newTenant(server.url, t.admin, "nia")).api;
    const text = "# Runbook\n\nRestart the queue worker with systemctl restart worker.\n\n## Escalation\n\nPage the on-call engineer after ten minutes.";
    const res = await nia.post("/import/bulk", { text, mode: "raw", category: "task" });
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ status: "completed", total_documents: 1, errors: [] });
    expect(res.body.total_memories).toBeGreaterThan(0);
    const list = (await nia.get("/list")).body.results as any[];
    expect(list).toHaveLength(res.body.total_memories);
    expect(list.every((m) => m.source === "import" && m.category === "task")).toBe(true);
  });

  it("refuses a url, a missing text and another tenant's episode, writing nothing", async () => {
    const oli = (await newTenant(server.url, t.admin, "oli")).api;
    expect((await oli.post("/import/bulk", { url: "https://example.com/a.md" })).body).toEqual({ error: "url: not supported; send text" });
    expect((await oli.post("/import/bulk", { mode: "raw" })).body).toEqual({ error: "text: missing" });
    expect((await oli.post("/import/bulk", { text: "x", mode: "fast" })).body.error).toMatch(/^mode: /);
    const episode = (await alice.post("/episodes", { title: "Alice's" })).body.id;
    expect((await oli.post("/import/bulk", { text: "Some words to ingest here", episode_id: episode })).status).toBe(404);
    expect(await everything(oli)).toEqual([]);
  });
});
