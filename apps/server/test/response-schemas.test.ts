import { createHash } from "node:crypto";
import { Ajv2020, type ValidateFunction } from "ajv/dist/2020.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, startServer, type ApiResponse, type RunningServer } from "../../../test/support/server.js";

/**
 * Every documented route, driven with a real request, answers a body that matches the schema
 * /openapi.json declares for its path, method and status: the document the client's types are
 * generated from describes what the server really sends. Error answers must be declared by
 * status too (the `default` entry stands only for the failures no route causes itself).
 */

type Client = ReturnType<typeof api>;
type Method = "GET" | "POST" | "PUT" | "DELETE";
interface Operation {
  responses: Record<string, { content?: Record<string, { schema: object }> }>;
}
interface OpenApiDocument {
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, object> };
}

let server: RunningServer;
let doc: OpenApiDocument;
let anon: Client;
let admin: Client;
let alice: Client;
let reader: Client;
let aliceId: number;
const ajv = new Ajv2020({ allErrors: true });
const validators = new Map<string, ValidateFunction>();
/** "METHOD /documented/path" of each route the test called. */
const exercised = new Set<string>();

/**
 * The document's references point at #/components/schemas/…; ajv finds them under the id
 * "engram". Objects are closed on the way in, so a field the server sends undeclared fails too.
 */
function loadDocument(d: OpenApiDocument) {
  const close = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(close);
    if (node === null || typeof node !== "object") return node;
    const out = Object.fromEntries(Object.entries(node).map(([k, v]) => [k, close(v)]));
    if ("properties" in out && !("additionalProperties" in out)) out.unevaluatedProperties = false;
    return out;
  };
  const retarget = (schema: object) => close(JSON.parse(JSON.stringify(schema).replaceAll('"#/components/schemas/', '"engram#/$defs/'))) as object;
  ajv.addSchema({ $id: "engram", $defs: retarget(d.components.schemas) });
  return retarget;
}
let retarget: (schema: object) => object;

function schemaFor(method: Method, path: string, status: number, mediaType: string): ValidateFunction {
  const key = `${method} ${path} ${status} ${mediaType}`;
  let validate = validators.get(key);
  if (!validate) {
    const op = doc.paths[path]?.[method.toLowerCase()];
    expect(op, `${method} ${path} is not in /openapi.json`).toBeDefined();
    const response = op!.responses[String(status)];
    expect(response, `${method} ${path} answered ${status}, which it does not declare`).toBeDefined();
    const schema = response!.content?.[mediaType]?.schema;
    expect(schema, `${method} ${path} ${status} declares no ${mediaType} body`).toBeDefined();
    validate = ajv.compile(retarget(schema!));
    validators.set(key, validate);
  }
  return validate;
}

function expectMatches(method: Method, path: string, res: ApiResponse, mediaType = "application/json") {
  const validate = schemaFor(method, path, res.status, mediaType);
  const ok = validate(res.body);
  expect(ok, `${method} ${path} ${res.status}: ${ajv.errorsText(validate.errors)}\n${JSON.stringify(res.body).slice(0, 2000)}`).toBe(true);
}

/**
 * Calls a documented route (`{id}` filled from `id`), checks the status and checks the body
 * against the document's schema for that status.
 */
async function call(
  who: Client,
  method: Method,
  path: string,
  status: number,
  opts: { id?: number; query?: string; body?: unknown } = {},
): Promise<ApiResponse> {
  const url = path.replace("{id}", String(opts.id)) + (opts.query ? `?${opts.query}` : "");
  const res = await who.raw(method, url, opts.body ?? (method === "POST" || method === "PUT" ? {} : undefined));
  expect(res.status, `${method} ${url}: ${JSON.stringify(res.body).slice(0, 500)}`).toBe(status);
  expectMatches(method, path, res);
  exercised.add(`${method} ${path}`);
  return res;
}

/** A list that came back empty would check no item against its schema. */
function items(res: ApiResponse, field: string): unknown[] {
  const list = (res.body as Record<string, unknown>)[field] as unknown[];
  expect(list.length, `${field} is empty`).toBeGreaterThan(0);
  return list;
}

async function waitFor(what: string, done: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 600; i++) {
    if (await done()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${what}: not reached in 60 s`);
}

const TEXTS = [
  "Alice deploys the billing service to server web-01 with Terraform every Friday",
  "Alice keeps the billing service's Terraform state on server web-01",
  "The billing service on web-01 is deployed by Alice with Terraform",
];

beforeAll(async () => {
  // The default embedder, so re-embedding and the vector channel answer for real.
  server = await startServer({ ENGRAM_JOB_POLL_MS: "50" });
  anon = api(server.url);
  doc = (await anon.get("/openapi.json")).body as OpenApiDocument;
  retarget = loadDocument(doc);
});
afterAll(() => server.stop());

describe("responses match the schemas /openapi.json declares", () => {
  it("probes and bootstrap", async () => {
    for (const path of ["/health", "/health/live", "/live", "/health/ready", "/ready"]) await call(anon, "GET", path, 200);
    const boot = await call(anon, "POST", "/bootstrap", 201, { body: { name: "root" } });
    admin = api(server.url, boot.body.key);
    await call(anon, "POST", "/bootstrap", 403);
  });

  it("users, keys and spaces", async () => {
    aliceId = (await call(admin, "POST", "/users", 201, { body: { username: "alice", email: "alice@example.com" } })).body.id;
    await call(admin, "POST", "/users", 409, { body: { username: "alice" } });
    await call(admin, "POST", "/users", 400, { body: { username: "" } });
    await call(admin, "GET", "/users", 200);
    alice = api(server.url, (await call(admin, "POST", "/keys", 201, { body: { user_id: aliceId, scopes: "read,write", name: "alice" } })).body.key);
    reader = api(server.url, (await call(admin, "POST", "/keys", 201, { body: { user_id: aliceId, scopes: "read" } })).body.key);
    await call(reader, "GET", "/users", 403);
    await call(anon, "GET", "/keys", 401);
    expect((await call(admin, "GET", "/keys", 200, { query: `user_id=${aliceId}` })).body.keys).toHaveLength(2);
    const spare = (await call(alice, "POST", "/keys", 201, { body: { scopes: "read", ttl_secs: 3600 } })).body.id;
    await call(alice, "POST", "/keys/rotate", 201, { body: { key_id: spare, grace_hours: 1 } });
    await call(alice, "POST", "/keys/rotate", 409, { body: { key_id: spare } });
    await call(alice, "POST", "/keys/rotate", 404, { body: { key_id: 999_999 } });
    await call(alice, "DELETE", "/keys/{id}", 200, { id: spare });
    await call(alice, "DELETE", "/keys/{id}", 404, { id: 999_999 });

    const space = (await call(alice, "POST", "/spaces", 201, { body: { name: "work", description: "the day job" } })).body.id;
    await call(alice, "POST", "/spaces", 409, { body: { name: "work" } });
    await call(alice, "GET", "/spaces", 200);
    await call(alice, "DELETE", "/spaces/{id}", 200, { id: space });
    await call(alice, "DELETE", "/spaces/{id}", 404, { id: space });
  });

  it("memories, versions, tags and links", async () => {
    const ids: number[] = [];
    const paths = ["/store", "/memory", "/memories"] as const;
    for (const [i, content] of TEXTS.entries()) {
      ids.push((await call(alice, "POST", paths[i]!, 201, { body: { content, tags: ["billing"], importance: 7 } })).body.id);
    }
    await call(alice, "POST", "/store", 200, { body: { content: TEXTS[0] } });
    await call(alice, "POST", "/store", 400, { body: { content: "x", importance: 11 } });
    await call(reader, "POST", "/store", 403, { body: { content: "a reader may not write" } });
    await call(anon, "POST", "/store", 401, { body: { content: "nobody" } });
    const [a, b, c] = ids as [number, number, number];

    await call(alice, "GET", "/memory/{id}", 200, { id: a });
    await call(alice, "GET", "/memory/{id}", 404, { id: 999_999 });
    await call(alice, "GET", "/memory/{id}", 400, { id: 0 });
    items(await call(alice, "GET", "/list", 200, { query: "limit=10&include_archived=true" }), "results");
    await call(alice, "GET", "/list", 400, { query: "limit=0" });
    const updated = (await call(alice, "POST", "/memory/{id}/update", 200, { id: c, body: { content: `${TEXTS[2]}, on Fridays`, importance: 8 } })).body.id;
    await call(alice, "POST", "/memory/{id}/update", 409, { id: c, body: { importance: 3 } });
    await call(alice, "GET", "/versions/{id}", 200, { id: updated });
    items(await call(alice, "GET", "/links/{id}", 200, { id: a }), "links");
    await call(alice, "GET", "/tags", 200);
    await call(alice, "POST", "/tags/search", 200, { body: { tags: ["billing"], match_all: true } });
    await call(alice, "POST", "/tags/search", 400, { body: { tags: [] } });
    await call(alice, "PUT", "/memory/{id}/tags", 200, { id: b, body: { tags: ["billing", "terraform"] } });

    const scratch = (await call(alice, "POST", "/store", 201, { body: { content: "Scratch note about the espresso machine descaling schedule" } })).body.id;
    await call(alice, "POST", "/memory/{id}/archive", 200, { id: scratch });
    await call(alice, "POST", "/memory/{id}/unarchive", 200, { id: scratch });
    await call(alice, "POST", "/memory/{id}/forget", 200, { id: scratch, body: { reason: "stale" } });
    await call(alice, "POST", "/memory/{id}/forget", 404, { id: 999_999 });
    await call(alice, "DELETE", "/memory/{id}", 200, { id: scratch });
    await call(alice, "DELETE", "/memory/{id}", 404, { id: scratch });
  });

  it("search, recall, context and guard", async () => {
    items(await call(alice, "POST", "/search", 200, { body: { query: "billing Terraform web-01", limit: 5 } }), "results");
    await call(alice, "POST", "/memories/search", 200, { body: { query: "who deploys billing" } });
    await call(alice, "POST", "/search", 400, { body: { query: "  " } });
    items(await call(alice, "POST", "/search/explain", 200, { body: { query: "billing Terraform", channels: ["fts", "vector"] } }), "results");
    items(await call(alice, "POST", "/recall", 200, { body: { context: "deploying billing" } }), "memories");
    items(await call(alice, "POST", "/context", 200, { body: { query: "how is billing deployed", max_tokens: 500 } }), "blocks");
    await call(alice, "POST", "/context", 400, { body: { query: "billing", budget: 0 } });

    // The stream is documented as text/event-stream; its result event carries what /context answers.
    const stream = await alice.raw("POST", "/context/stream", { query: "how is billing deployed" });
    expect(stream.status).toBe(200);
    expect(stream.headers.get("content-type")).toMatch(/^text\/event-stream/);
    expectMatches("POST", "/context/stream", stream, "text/event-stream");
    exercised.add("POST /context/stream");
    const result = (stream.body as string).split("\n\n").find((e) => e.startsWith("event: result"));
    expect(result, stream.body as string).toBeDefined();
    expectMatches("POST", "/context", { ...stream, body: JSON.parse(result!.slice(result!.indexOf("data: ") + 6)) });

    await call(alice, "POST", "/store", 201, { body: { content: "Never deploy billing on a Friday afternoon", category: "rule", importance: 10 } });
    items(await call(alice, "POST", "/guard", 200, { body: { action: "deploy billing on Friday afternoon" } }), "rules");
    await call(alice, "POST", "/guard", 400, { body: { action: "" } });
  });

  it("entities", async () => {
    await waitFor("entity extraction", async () => (await alice.get("/entities")).body.entities.length > 0);
    const entity = (await call(alice, "POST", "/entities", 201, { body: { name: "Acme Billing", entity_type: "project", aliases: ["acme-billing"] } })).body.id;
    await call(alice, "POST", "/entities", 200, { body: { name: "Acme Billing", description: "the invoicing system" } });
    await call(alice, "POST", "/entities", 400, { body: { name: "" } });
    await call(alice, "POST", "/projects", 201, { body: { name: "Terraform migration" } });
    await call(alice, "POST", "/projects", 200, { body: { name: "Terraform migration", description: "moving to modules" } });
    const listed = (await call(alice, "GET", "/entities", 200, { query: "limit=20" })).body.entities as { id: number; name: string }[];
    const named = listed.find((e) => /web-01|terraform|billing/i.test(e.name)) ?? listed[0]!;
    items(await call(alice, "GET", "/entities/{id}", 200, { id: named.id }), "cooccurrences");
    await call(alice, "GET", "/entities/{id}", 404, { id: 999_999 });
    const mentioning = (await call(alice, "GET", "/entities/{id}/memories", 200, { id: named.id })).body.memory_ids as number[];
    expect(mentioning.length).toBeGreaterThan(0);
    await call(alice, "GET", "/entities/{id}/memories", 200, { id: entity });
    items(await call(alice, "GET", "/memory/{id}/entities", 200, { id: mentioning[0] }), "entities");
    await call(alice, "GET", "/memory/{id}/entities", 404, { id: 999_999 });
    await waitFor("entity pairs", async () => (await alice.get("/entity-relationships")).body.relationships.length > 0);
    items(await call(alice, "GET", "/entity-relationships", 200, { query: "limit=20" }), "relationships");
    await call(alice, "GET", "/entity-relationships", 200, { query: `entity_id=${named.id}` });
    await call(alice, "GET", "/entity-relationships", 404, { query: "entity_id=999999" });
    await call(alice, "GET", "/entity-relationships", 400, { query: "limit=0" });
  });

  it("FSRS and decay", async () => {
    const memory = (await alice.get("/list")).body.results[0].id as number;
    await call(alice, "POST", "/fsrs/review", 200, { body: { id: memory, grade: 4 } });
    await call(alice, "POST", "/fsrs/review", 400, { body: { grade: 5 } });
    await call(alice, "POST", "/fsrs/review", 404, { body: { memory_id: 999_999 } });
    await call(alice, "GET", "/fsrs/state", 200, { query: `id=${memory}` });
    await call(alice, "GET", "/fsrs/state", 404, { query: "id=999999" });
    await call(alice, "POST", "/fsrs/init", 200);
    items(await call(alice, "GET", "/decay/scores", 200, { query: "limit=5" }), "scores");
    await call(alice, "POST", "/decay/refresh", 200);
  });

  it("graph and communities", async () => {
    await waitFor("auto-linking", async () => (await alice.get("/jobs/stats")).body.pending === 0);
    const memory = (await alice.get("/list")).body.results[0].id as number;
    items(await call(alice, "GET", "/graph", 200, { query: "limit=50" }), "edges");
    await call(alice, "GET", "/graph", 400, { query: "limit=0" });
    await call(alice, "GET", "/graph/neighborhood/{id}", 200, { id: memory, query: "depth=2&link_types=similarity,updates" });
    await call(alice, "GET", "/graph/neighborhood/{id}", 404, { id: 999_999 });
    items(await call(alice, "GET", "/graph/timeline", 200, { query: "weeks=4" }), "weeks");
    items(await call(alice, "GET", "/graph/raw", 200, { query: "limit=50" }), "nodes");
    await call(alice, "GET", "/graph/raw", 400, { query: "offset=-1" });
    items(await call(alice, "POST", "/graph/search", 200, { body: { query: "billing deploys", depth: 2 } }), "nodes");
    await call(alice, "POST", "/graph/search", 400, { body: { query: "" } });
    await call(alice, "POST", "/graph/pagerank", 200);
    await call(alice, "POST", "/graph/communities", 200);
    await call(admin, "POST", "/admin/detect-communities", 200, { query: `user_id=${aliceId}` });
    await call(admin, "POST", "/admin/detect-communities", 404, { query: "user_id=999999" });
    await call(alice, "POST", "/admin/detect-communities", 403);
    await call(admin, "POST", "/admin/pagerank/rebuild", 200);
    const communities = (await call(alice, "GET", "/communities", 200)).body.communities as { id: number }[];
    expect(communities.length).toBeGreaterThan(0);
    await call(alice, "GET", "/communities/{id}", 200, { id: communities[0]!.id, query: "limit=5" });
    items(await call(alice, "GET", "/graph/view", 200, { query: "limit=50" }), "communities");
    await call(alice, "GET", "/graph/view", 400, { query: "limit=0" });
    await call(alice, "GET", "/communities/{id}", 404, { id: 999_999 });
  });

  it("jobs and the expiry sweep", async () => {
    const jobs = (await call(alice, "GET", "/jobs", 200, { query: "limit=5" })).body.jobs as { id: number }[];
    expect(jobs.length).toBeGreaterThan(0);
    await call(alice, "GET", "/jobs", 400, { query: "status=lost" });
    await call(admin, "GET", "/jobs/stats", 200);
    await call(alice, "GET", "/jobs/stats", 403, { query: "user_id=1" });
    for (const status of ["pending", "running", "failed"]) await call(alice, "GET", `/jobs/${status}`, 200);
    await call(alice, "GET", "/jobs/{id}", 200, { id: jobs[0]!.id });
    await call(alice, "GET", "/jobs/{id}", 404, { id: 999_999 });
    await call(alice, "POST", "/jobs/{id}/retry", 409, { id: jobs[0]!.id });
    await call(alice, "POST", "/jobs/retry", 200, { body: { type: "auto_link" } });
    await call(alice, "POST", "/jobs/purge", 200, { body: { status: "failed", older_than_days: 1 } });
    await call(alice, "POST", "/jobs/purge", 400, { body: { before: "yesterday" } });
    await call(alice, "POST", "/jobs/cleanup", 200);
    await call(alice, "POST", "/sweep", 200);
  });

  it("ingestion: /ingest, its stream, chunked uploads", async () => {
    const ingested = await call(alice, "POST", "/ingest", 200, { body: { text: "# Schema check\n\nThe ingest route answers its documented shape." } });
    expect(ingested.body.memory_ids.length).toBeGreaterThan(0);
    await call(alice, "POST", "/ingest", 400, { body: {} });
    const stream = await alice.raw("POST", "/ingest/stream", { text: "Streamed for the schema check." }, { accept: "text/event-stream" });
    expect(stream.status).toBe(200);
    expectMatches("POST", "/ingest/stream", stream, "text/event-stream");
    exercised.add("POST /ingest/stream");
    await call(alice, "POST", "/ingest/stream", 400, { body: { text: "" } });

    const sha = (b: string) => createHash("sha256").update(b).digest("hex");
    const upload = async (filename: string, content: string) => {
      const id = (await call(alice, "POST", "/ingest/upload/init", 201, { body: { filename } })).body.upload_id as string;
      await call(alice, "POST", "/ingest/upload/chunk", 200, { body: { upload_id: id, chunk_index: 0, chunk_hash: sha(content), data: Buffer.from(content).toString("base64") } });
      return id;
    };
    const small = await upload("small.md", "# Small upload\n\nIngested in the complete request.");
    await call(alice, "POST", "/ingest/upload/complete", 200, { body: { upload_id: small } });
    await call(alice, "POST", "/ingest/upload/complete", 409, { body: { upload_id: small } });
    const status = await alice.get(`/ingest/upload/${small}/status`);
    expectMatches("GET", "/ingest/upload/{upload_id}/status", status);
    expectMatches("GET", "/ingest/upload/{upload_id}/status", await alice.get("/ingest/upload/unknown/status"));
    exercised.add("GET /ingest/upload/{upload_id}/status");
    const binary = await upload("fake.pdf", "not really a pdf");
    await call(alice, "POST", "/ingest/upload/complete", 202, { body: { upload_id: binary } });
    await call(alice, "POST", "/ingest/upload/chunk", 404, { body: { upload_id: "unknown", chunk_index: 0, chunk_hash: sha("x"), data: "eA==" } });
    await call(alice, "POST", "/ingest/upload/abort", 200, { body: { upload_id: await upload("gone.txt", "aborted before completion") } });
    await call(alice, "POST", "/ingest/upload/abort", 409, { body: { upload_id: small } });
  });

  it("operations: stats, audit, embeddings, metrics", async () => {
    await call(alice, "GET", "/stats", 200);
    items(await call(admin, "GET", "/audit", 200, { query: "limit=20" }), "entries");
    await call(alice, "GET", "/audit", 403);
    await call(admin, "GET", "/admin/embedding-info", 200);
    const job = (await call(admin, "POST", "/admin/reembed", 202)).body.job_id as number;
    await call(admin, "GET", "/admin/reembed/{id}", 200, { id: job });
    await call(admin, "GET", "/admin/reembed/{id}", 404, { id: 999_999 });

    const metrics = await admin.get("/metrics");
    expect(metrics.status).toBe(200);
    expectMatches("GET", "/metrics", metrics, "text/plain");
    exercised.add("GET /metrics");
    await call(alice, "GET", "/metrics", 403);
  });

  it("every documented route was exercised", () => {
    const documented = Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`));
    expect(documented.filter((op) => !exercised.has(op))).toEqual([]);
  });
});

describe("the check itself", () => {
  it("refuses a body whose field was renamed", () => {
    const validate = schemaFor("GET", "/health", 200, "application/json");
    expect(validate({ status: "ok", version: "0.1.0", uptime_secs: 3 })).toBe(true);
    expect(validate({ status: "ok", version: "0.1.0", uptime_s: 3 })).toBe(false);
    expect(validate({ status: "ok", version: "0.1.0", uptime_secs: 3, undeclared: true })).toBe(false);
  });
});
