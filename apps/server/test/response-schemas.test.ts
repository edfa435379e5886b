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
type Method = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
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
 * Calls a documented route (`{id}` or `{memory_id}` filled from `id`), checks the status and checks the body
 * against the document's schema for that status.
 */
async function call(
  who: Client,
  method: Method,
  path: string,
  status: number,
  opts: { id?: number | string; query?: string; body?: unknown } = {},
): Promise<ApiResponse> {
  const url = path.replace(/\{[a-z_]+\}/, String(opts.id)) + (opts.query ? `?${opts.query}` : "");
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
  // Grounding execution on, so /grounding/execute's success answer is checked too.
  server = await startServer({ ENGRAM_JOB_POLL_MS: "50", ENGRAM_GROUNDING_EXEC: "1" });
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

    await call(alice, "POST", "/batch", 200, { body: { ops: [{ op: "store", body: { content: "Batch note: the espresso machine is descaled monthly" } }, { op: "link", body: { source_id: a, target_id: b } }] } });
    await call(alice, "POST", "/batch", 400, { body: { ops: [] } });
    await call(alice, "POST", "/batch", 404, { body: { ops: [{ op: "update", body: { id: 999_999, importance: 2 } }] } });
    await call(alice, "POST", "/batch", 409, { body: { ops: [{ op: "update", body: { id: c, importance: 2 } }] } });
    await call(reader, "POST", "/batch", 403, { body: { ops: [{ op: "store", body: { content: "a reader may not write" } }] } });
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

    await call(alice, "POST", "/store", 201, { body: { content: "Billing deploys go through the blue-green switch", model: "other-model" } });
    const header = await call(alice, "POST", "/header", 200, { body: { actor_model: "this-model", limit: 5 } });
    expect((header.body as { header: { prior_work: unknown[] } }).header.prior_work.length).toBeGreaterThan(0);
    await call(alice, "POST", "/header", 400, { body: { limit: 31 } });
    expect((await call(alice, "GET", "/prompt", 200, { query: "format=anthropic&tokens=500&context=billing" })).body).toMatchObject({ format: "anthropic" });
    await call(alice, "GET", "/prompt", 400, { query: "format=yaml" });

    await call(alice, "POST", "/store", 201, { body: { content: "Never deploy billing on a Friday afternoon", category: "rule", importance: 10 } });
    items(await call(alice, "POST", "/guard", 200, { body: { action: "deploy billing on Friday afternoon" } }), "rules");
    await call(alice, "POST", "/guard", 400, { body: { action: "" } });
  });

  it("review inbox, gate and approvals", async () => {
    const pending = (await call(alice, "POST", "/store", 201, { body: { content: "Inbox shape check: the staging DNS moved", review_status: "pending" } })).body.id as number;
    const other = (await call(alice, "POST", "/store", 201, { body: { content: "Inbox shape check two: the CDN purge key rotated", review_status: "pending" } })).body.id as number;
    const third = (await call(alice, "POST", "/store", 201, { body: { content: "Inbox shape check three: the VPN profile changed", review_status: "pending" } })).body.id as number;
    items(await call(alice, "GET", "/inbox", 200), "pending");
    items(await call(alice, "GET", "/pending", 200, { query: "limit=5" }), "pending");
    await call(alice, "GET", "/inbox", 400, { query: "limit=0" });
    await call(alice, "POST", "/inbox/{id}/edit", 200, { id: pending, body: { content: "Inbox shape check: the staging DNS moved to Route 53" } });
    await call(alice, "POST", "/inbox/{id}/approve", 409, { id: pending });
    await call(alice, "POST", "/inbox/{id}/approve", 200, { id: other });
    await call(alice, "POST", "/inbox/{id}/reject", 200, { id: third, body: { reason: "stale" } });
    await call(alice, "POST", "/inbox/{id}/reject", 404, { id: 999_999 });
    await call(alice, "POST", "/inbox/{id}/edit", 404, { id: 999_999, body: {} });
    items(await call(alice, "POST", "/inbox/bulk", 200, { body: { ids: [pending, 999_999], action: "approve" } }), "failed");
    await call(alice, "POST", "/inbox/bulk", 400, { body: { ids: [], action: "approve" } });

    const blocked = (await call(alice, "POST", "/gate/check", 201, { body: { command: "git push --force origin main", agent: "shape-check" } })).body;
    await call(alice, "POST", "/gate/check", 400, { body: { agent: "shape-check" } });
    await call(alice, "POST", "/gate/respond", 409, { body: { gate_id: blocked.gate_id, approved: true } });
    await call(alice, "POST", "/gate/respond", 404, { body: { gate_id: 999_999, approved: true } });
    const waiting = (await call(alice, "POST", "/gate/check", 201, { body: { command: "cat {{secret:db_password}}", agent: "shape-check" } })).body;
    await call(alice, "POST", "/gate/respond", 200, { body: { gate_id: waiting.gate_id, approved: true } });
    await call(alice, "POST", "/gate/complete", 200, { body: { gate_id: blocked.gate_id, output: "rejected", known_secrets: ["hunter2hunter2"] } });
    await call(alice, "POST", "/gate/complete", 400, { body: { gate_id: blocked.gate_id } });

    const approval = (await call(alice, "POST", "/approvals", 201, { body: { action: "restart the queue", requester: "shape-check" } })).body.id as string;
    await call(alice, "POST", "/approvals", 400, { body: { action: "x" } });
    items(await call(alice, "GET", "/approvals/pending", 200), "approvals");
    await call(alice, "GET", "/approvals/{id}", 200, { id: approval });
    await call(alice, "GET", "/approvals/{id}", 404, { id: "00000000-0000-4000-8000-000000000000" });
    await call(alice, "POST", "/approvals/{id}/decide", 200, { id: approval, body: { decision: "approved" } });
    await call(alice, "POST", "/approvals/{id}/decide", 409, { id: approval, body: { decision: "denied" } });
    await call(alice, "POST", "/approvals/{id}/decide", 400, { id: approval, body: { decision: "maybe" } });
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

  it("facts, contradictions, extraction, decomposition, time travel, derive", async () => {
    const a = (await call(alice, "POST", "/store", 201, { body: { content: "I live in Lisbon and I work at Globex as an analyst, on the data team." } })).body.id;
    const b = (await call(alice, "POST", "/store", 201, { body: { content: "I moved to Porto last week." } })).body.id;
    await waitFor("facts", async () => (await alice.get(`/facts?memory_id=${b}`)).body.facts.length > 0);
    items(await call(alice, "GET", "/facts", 200, { query: "limit=10" }), "facts");
    await call(alice, "GET", "/facts", 400, { query: "at=soon" });
    await call(alice, "GET", "/facts", 404, { query: "memory_id=999999" });
    items(await call(alice, "POST", "/contradictions", 200), "contradictions");
    await call(alice, "POST", "/contradictions", 400, { body: { limit: 0 } });
    items(await call(alice, "GET", "/contradictions", 200, { query: "limit=5" }), "contradictions");
    await call(alice, "GET", "/contradictions", 400, { query: "limit=0" });
    items(await call(alice, "POST", "/intelligence/contradictions", 200, { body: { subject: "user" } }), "contradictions");
    await call(alice, "POST", "/intelligence/contradictions", 400, { body: { subject: 5 } });
    for (const path of ["/contradictions/{memory_id}", "/intelligence/contradictions/{memory_id}"]) {
      items(await call(alice, "GET", path, 200, { id: b }), "contradictions");
      await call(alice, "GET", path, 404, { id: 999_999 });
      await call(alice, "GET", path, 400, { id: 0 });
    }
    await call(alice, "POST", "/intelligence/extract", 200, { body: { memory_id: a } });
    await call(alice, "POST", "/intelligence/extract", 400, { body: {} });
    await call(alice, "POST", "/intelligence/extract", 404, { body: { memory_id: 999_999 } });
    items(await call(alice, "POST", "/intelligence/decompose/{memory_id}", 200, { id: a }), "child_ids");
    await call(alice, "POST", "/intelligence/decompose/{memory_id}", 404, { id: 999_999 });
    await call(alice, "POST", "/intelligence/decompose/{memory_id}", 400, { id: 0 });
    items(await call(alice, "POST", "/timetravel", 200, { body: { timestamp: new Date().toISOString(), query: "Porto" } }), "facts");
    await call(alice, "POST", "/timetravel", 400, { body: {} });
    items(await call(alice, "POST", "/derive", 200, { body: { memory_ids: [a, b], dry_run: true } }), "derived");
    await call(alice, "POST", "/derive", 400, { body: {} });
    await call(alice, "POST", "/derive", 404, { body: { memory_ids: [999_999] } });
    await call(admin, "POST", "/admin/backfill-facts", 200, { body: { user_id: aliceId } });
    await call(admin, "POST", "/admin/backfill-facts", 404, { body: { user_id: 999_999 } });
    await call(admin, "POST", "/admin/backfill-facts", 400, { body: { limit: 0 } });
    await call(alice, "POST", "/admin/backfill-facts", 403);
    await call(admin, "POST", "/admin/decompose-sweep", 200, { body: { user_id: aliceId, limit: 5 } });
    await call(admin, "POST", "/admin/decompose-sweep", 404, { body: { user_id: 999_999 } });
    await call(admin, "POST", "/admin/decompose-sweep", 400, { body: { limit: 5001 } });
    await call(alice, "POST", "/admin/decompose-sweep", 403);
  });

  it("correction and maintenance", async () => {
    const [x, y] = ((await alice.get("/list")).body.results as { id: number }[]).map((m) => m.id);
    items(await call(alice, "GET", "/duplicates", 200, { query: "threshold=0" }), "duplicates");
    await call(alice, "GET", "/duplicates", 400, { query: "threshold=2" });
    await call(alice, "POST", "/deduplicate", 200);
    await call(alice, "POST", "/deduplicate", 400, { body: { threshold: 2 } });
    await call(alice, "POST", "/intelligence/consolidation-candidates", 200, { body: { threshold: 0 } });
    await call(alice, "POST", "/intelligence/consolidation-candidates", 400, { body: { threshold: "x" } });
    await call(alice, "POST", "/consolidate", 201, { body: { memory_ids: [x, y] } });
    await call(alice, "POST", "/consolidate", 400, { body: { memory_ids: [x] } });
    await call(alice, "POST", "/consolidate", 404, { body: { memory_ids: [x, 999_999] } });
    await call(alice, "POST", "/intelligence/consolidate", 201, { body: { memory_ids: [y, x] } });
    items(await call(alice, "GET", "/intelligence/consolidations", 200), "consolidations");
    await call(alice, "GET", "/intelligence/consolidations", 400, { query: "limit=0" });
    const wrong = (await call(alice, "POST", "/store", 201, { body: { content: "The billing service's staging port is 8081" } })).body.id;
    await call(alice, "POST", "/correct", 201, { body: { memory_id: wrong, content: "The billing service's staging port is 8082", reason: "typo" } });
    await call(alice, "POST", "/correct", 409, { body: { memory_id: wrong, content: "The billing service's staging port is 8083" } });
    await call(alice, "POST", "/correct", 404, { body: { memory_id: 999_999, content: "nothing" } });
    await call(alice, "POST", "/correct", 400, { body: { memory_id: wrong } });
    await call(alice, "GET", "/memory-health", 200);
    await call(alice, "POST", "/feedback", 201, { body: { memory_id: x, rating: "helpful" } });
    await call(alice, "POST", "/feedback", 400, { body: { memory_id: x, rating: "great" } });
    await call(alice, "POST", "/feedback", 404, { body: { memory_id: 999_999, rating: "helpful" } });
    await call(alice, "GET", "/feedback/stats", 200);
  });

  it("reflections, growth and digests", async () => {
    const x = ((await alice.get("/list")).body.results as { id: number }[])[0]!.id;
    await call(alice, "POST", "/reflections", 201, { body: { content: "Billing deploys go smoothly on Fridays", source_memory_ids: [x] } });
    await call(alice, "POST", "/reflections", 400, { body: { content: "" } });
    await call(alice, "POST", "/reflections", 404, { body: { content: "x", source_memory_ids: [999_999] } });
    await call(alice, "POST", "/intelligence/reflections", 201, { body: { content: "Terraform state needs a lock" } });
    items(await call(alice, "GET", "/reflections", 200), "reflections");
    await call(alice, "GET", "/reflections", 400, { query: "limit=0" });
    items(await call(alice, "GET", "/intelligence/reflections", 200), "reflections");
    await call(alice, "POST", "/reflect", 201, { body: { period: "month" } });
    await call(alice, "POST", "/reflect", 201, { body: { content: "A written reflection" } });
    await call(alice, "POST", "/reflect", 400, { body: { period: "year" } });
    await call(alice, "POST", "/reflect", 404, { body: { content: "x", source_memory_ids: [999_999] } });
    await call(alice, "POST", "/reflections/generate", 200);
    await call(alice, "POST", "/reflections/generate", 400, { query: "limit=0" });
    await call(alice, "POST", "/intelligence/reflections/generate", 200);
    await call(alice, "POST", "/growth/reflect", 200, { body: { service: "agent", context: ["the user asked for tests first"] } });
    await call(alice, "POST", "/growth/reflect", 400, { body: { service: "agent", context: [] } });
    await call(alice, "GET", "/growth/observations", 200);
    await call(alice, "POST", "/growth/materialize", 404, { body: { observation_id: x } });
    await call(alice, "POST", "/growth/materialize", 400, { body: {} });
    await call(alice, "POST", "/digests/generate", 201, { body: { period: "weekly" } });
    await call(alice, "POST", "/digests/generate", 400, { body: { period: "hourly" } });
    await call(alice, "POST", "/intelligence/digests/generate", 201);
    items(await call(alice, "GET", "/digests", 200), "digests");
    await call(alice, "GET", "/digests", 400, { query: "limit=0" });
    items(await call(alice, "GET", "/intelligence/digests", 200), "digests");
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

  it("portability: /export and /import", async () => {
    const exported = await alice.get("/export");
    expect(exported.status).toBe(200);
    expectMatches("GET", "/export", exported, "application/x-ndjson");
    const asJson = await alice.get("/export?format=json");
    expect(asJson.status).toBe(200);
    exercised.add("GET /export");
    await call(alice, "GET", "/export", 400, { query: "format=csv" });
    await call(alice, "POST", "/import", 200, { body: [{ content: "Imported for the schema check" }, { content: " " }] });
    await call(alice, "POST", "/import", 400, { body: { hello: "world" } });
    await call(reader, "POST", "/import", 403, { body: [] });
    const adminExport = await admin.get(`/admin/export?user_id=${aliceId}`);
    expect(adminExport.status).toBe(200);
    expectMatches("GET", "/admin/export", adminExport, "application/x-ndjson");
    exercised.add("GET /admin/export");
    await call(admin, "GET", "/admin/export", 404, { query: "user_id=999999" });
    await call(admin, "GET", "/admin/export", 400, { query: "user_id=abc" });
    await call(alice, "GET", "/admin/export", 403);
    await call(alice, "POST", "/import/json", 200, { body: { version: 1, memories: [{ content: "Imported by /import/json for the schema check" }] } });
    await call(alice, "POST", "/import/json", 400, { body: { memories: [] } });
    await call(alice, "POST", "/import/mem0", 200, { body: [{ memory: "Imported by /import/mem0 for the schema check" }] });
    await call(alice, "POST", "/import/mem0", 400, { body: {} });
    await call(alice, "POST", "/import/supermemory", 200, { body: [{ content: "Imported by /import/supermemory for the schema check", type: "note" }] });
    await call(alice, "POST", "/import/supermemory", 400, { body: {} });
    await call(alice, "POST", "/import/bulk", 202, { body: { text: "Imported by /import/bulk for the schema check", mode: "raw" } });
    await call(alice, "POST", "/import/bulk", 400, { body: { url: "https://example.com" } });
    await call(alice, "POST", "/import/bulk", 404, { body: { text: "An episode that is not there", episode_id: 999_999 } });
    for (const route of ["/import/json", "/import/mem0", "/import/supermemory", "/import/bulk"]) await call(reader, "POST", route, 403, { body: [] });
  });

  it("backups: /backup and /backup/verify", async () => {
    const backup = await admin.get("/backup");
    expect(backup.status).toBe(200);
    expectMatches("GET", "/backup", backup, "application/octet-stream");
    exercised.add("GET /backup");
    await call(alice, "GET", "/backup", 403);
    await call(admin, "POST", "/backup/verify", 200);
    const bad = await admin.raw("POST", "/backup/verify", "not a database", { "content-type": "application/octet-stream" });
    expect(bad.status).toBe(422);
    expectMatches("POST", "/backup/verify", bad);
    await call(admin, "POST", "/backup/verify", 400, { body: { snapshot: "../x.db" } });
    await call(admin, "POST", "/backup/verify", 404, { body: { snapshot: "missing.db" } });
    await call(alice, "POST", "/backup/verify", 403);
  });

  it("operations: stats, audit, embeddings, metrics", async () => {
    await call(alice, "GET", "/stats", 200);
    items(await call(admin, "GET", "/audit", 200, { query: "limit=20" }), "entries");
    await call(alice, "GET", "/audit", 403);
    await call(admin, "GET", "/admin/embedding-info", 200);
    const job = (await call(admin, "POST", "/admin/reembed", 202)).body.job_id as number;
    await call(admin, "GET", "/admin/reembed/{id}", 200, { id: job });
    await call(admin, "GET", "/admin/reembed/{id}", 404, { id: 999_999 });
    await call(admin, "PUT", "/admin/settings", 200, { body: { "ui.theme": "dark" } });
    await call(admin, "PUT", "/admin/settings", 400, { body: { bootstrap_claimed: "0" } });
    await call(admin, "GET", "/admin/settings", 200);
    await call(alice, "GET", "/admin/settings", 403);
    await call(admin, "POST", "/admin/maintenance", 200, { body: { enabled: false } });
    await call(admin, "POST", "/admin/maintenance", 400, { body: {} });
    await call(admin, "GET", "/admin/maintenance", 200);
    await call(admin, "GET", "/admin/tasks", 200);
    await call(admin, "GET", "/admin/scale-report", 200);
    await call(admin, "GET", "/admin/cold-storage", 200, { query: "days=30" });
    await call(admin, "GET", "/admin/cold-storage", 400, { query: "days=0" });
    await call(alice, "GET", "/me", 200);
    await call(alice, "GET", "/me/stats", 200);
    await call(admin, "POST", "/tenants/provision", 201, { body: { username: "provisioned-tenant" } });
    await call(admin, "POST", "/tenants/provision", 409, { body: { username: "provisioned-tenant" } });
    await call(admin, "POST", "/tenants/provision", 400, { body: { username: "" } });
    await call(admin, "GET", "/admin/tenants", 200);
    await call(admin, "GET", "/admin/usage", 200);

    const metrics = await admin.get("/metrics");
    expect(metrics.status).toBe(200);
    expectMatches("GET", "/metrics", metrics, "text/plain");
    exercised.add("GET /metrics");
    await call(alice, "GET", "/metrics", 403);
  });

  it("intelligence: valence, causal chains, temporal and predictive, reconsolidation, run, grounding", async () => {
    const memory = (await call(alice, "POST", "/store", 201, { body: { content: "Thrilled that the billing deploy finally worked because Alice fixed Terraform" } })).body.id as number;
    items(await call(alice, "POST", "/intelligence/valence/score", 200, { body: { memory_id: memory } }), "all_emotions");
    await call(alice, "POST", "/intelligence/valence/score", 400, { body: {} });
    await call(alice, "POST", "/intelligence/valence/score", 404, { body: { memory_id: 999_999 } });
    await call(alice, "GET", "/intelligence/valence/{memory_id}", 200, { id: memory });
    await call(alice, "GET", "/intelligence/valence/{memory_id}", 404, { id: 999_999 });
    items(await call(alice, "GET", "/intelligence/valence/profile", 200), "emotions");
    await call(alice, "POST", "/intelligence/sentiment/analyze", 200, { body: { content: "great work" } });
    await call(reader, "POST", "/intelligence/sentiment/analyze", 200, { body: { memory_id: memory } });
    items(await call(alice, "GET", "/intelligence/sentiment/history", 200), "history");
    await call(alice, "GET", "/intelligence/sentiment/history", 400, { query: "limit=0" });

    const chain = (await call(alice, "POST", "/intelligence/causal/chains", 201, { body: { root_memory_id: memory, description: "why" } })).body.id as number;
    const effect = (await call(alice, "POST", "/store", 201, { body: { content: "The invoices went out on time this month" } })).body.id as number;
    await call(alice, "POST", "/intelligence/causal/links", 201, { body: { chain_id: chain, cause_memory_id: memory, effect_memory_id: effect } });
    await call(alice, "POST", "/intelligence/causal/links", 400, { body: { chain_id: chain, cause_memory_id: memory, effect_memory_id: memory } });
    items(await call(alice, "GET", "/intelligence/causal/chains/{id}", 200, { id: chain }), "links");
    await call(alice, "GET", "/intelligence/causal/chains/{id}", 404, { id: 999_999 });
    items(await call(alice, "GET", "/intelligence/causal/chains", 200), "chains");
    items(await call(reader, "POST", "/intelligence/causal/backward/{memory_id}", 200, { id: effect, body: { max_depth: 3 } }), "ancestors");
    await call(alice, "POST", "/intelligence/causal/backward/{memory_id}", 404, { id: 999_999 });

    await call(alice, "POST", "/intelligence/temporal/detect", 200);
    await call(alice, "GET", "/intelligence/temporal/patterns", 200);
    await call(alice, "GET", "/intelligence/predictive/patterns", 400, { query: "limit=0" });
    await call(alice, "GET", "/intelligence/predictive/patterns", 200);
    await call(reader, "POST", "/intelligence/predictive/recall", 200);
    await call(alice, "POST", "/intelligence/predictive/sequences", 200, { body: { window_mins: 30 } });
    await call(alice, "POST", "/intelligence/predictive/sequences", 400, { body: { window_mins: 0 } });
    await call(alice, "POST", "/intelligence/reconsolidate/{memory_id}", 200, { id: memory });
    await call(alice, "POST", "/intelligence/reconsolidate/{memory_id}", 404, { id: 999_999 });
    await call(alice, "GET", "/intelligence/reconsolidation/candidates", 200);
    items(await call(alice, "POST", "/intelligence/run", 200), "reports");
    await call(reader, "POST", "/intelligence/run", 403);
    await call(alice, "POST", "/intelligence/dream", 200);

    const session = (await call(alice, "POST", "/grounding/sessions", 201, { body: { name: "checks" } })).body.id as number;
    await call(alice, "POST", "/grounding/sessions", 400, { body: { backend: "ftp" } });
    items(await call(alice, "GET", "/grounding/sessions", 200), "sessions");
    await call(alice, "GET", "/grounding/sessions/{id}", 200, { id: session });
    await call(alice, "GET", "/grounding/sessions/{id}", 404, { id: 999_999 });
    await call(alice, "DELETE", "/grounding/sessions/{id}", 200, { id: session });
    items(await call(alice, "GET", "/grounding/tools", 200), "tools");
    items(await call(alice, "GET", "/grounding/providers", 200), "providers");
    await call(admin, "POST", "/grounding/execute", 200, { body: { tool: "system_info" } });
    await call(admin, "POST", "/grounding/execute", 400, { body: { tool: "nope" } });
    await call(admin, "POST", "/grounding/execute", 404, { body: { tool: "system_info", session_id: 999_999 } });
    await call(alice, "POST", "/grounding/execute", 403, { body: { tool: "system_info" } });
    items(await call(admin, "GET", "/grounding/quality", 200), "records");
    await call(alice, "GET", "/grounding/quality", 400, { query: "limit=0" });
  });

  it("conversations and messages", async () => {
    const conv = (await call(alice, "POST", "/conversations", 201, { body: { agent: "claude", session_id: "s1", metadata: { a: 1 } } })).body.id as number;
    await call(alice, "POST", "/conversations", 400, { body: {} });
    await call(alice, "POST", "/conversations/{id}/messages", 201, { id: conv, body: { role: "user", content: "We chose Postgres." } });
    await call(alice, "POST", "/conversations/{id}/messages", 201, { id: conv, body: [{ role: "assistant", content: "Postgres it is.", metadata: { t: 1 } }] });
    await call(alice, "POST", "/conversations/{id}/messages", 413, { id: conv, body: { role: "user", content: "x".repeat(102_401) } });
    await call(alice, "POST", "/conversations/{id}/messages", 404, { id: 999_999, body: { role: "user", content: "x" } });
    items(await call(alice, "GET", "/conversations", 200), "conversations");
    items(await call(alice, "GET", "/conversations/{id}", 200, { id: conv }), "messages");
    items(await call(alice, "GET", "/conversations/{id}/messages", 200, { id: conv }), "messages");
    await call(alice, "GET", "/conversations/{id}", 404, { id: 999_999 });
    await call(alice, "PATCH", "/conversations/{id}", 200, { id: conv, body: { title: "Stack" } });
    await call(alice, "POST", "/conversations/bulk", 201, { body: { agent: "cursor", messages: [{ role: "user", content: "hi" }] } });
    await call(alice, "POST", "/conversations/upsert", 200, { body: { agent: "claude", session_id: "s1", messages: [{ role: "user", content: "more" }] } });
    items(await call(alice, "POST", "/messages/search", 200, { body: { query: "Postgres" } }), "messages");
    await call(alice, "POST", "/messages/search", 400, { body: { query: " " } });
    await call(alice, "DELETE", "/conversations/{id}", 200, { id: conv });
  });

  it("/add, episodes, personality and profile", async () => {
    const added = await call(alice, "POST", "/add", 200, { body: { messages: [{ role: "user", content: "I really love hiking in the Alps and I value honesty." }], session_id: "s2" } });
    await call(alice, "POST", "/add", 400, { body: {} });
    await call(alice, "POST", "/add", 404, { body: { messages: "I moved to Porto last year.", episode_id: 999_999 } });
    await call(alice, "POST", "/add", 413, { body: { messages: [{ role: "user", content: "x".repeat(102_401) }] } });
    const ep = (await call(alice, "POST", "/episodes", 201, { body: { title: "Trip" } })).body.id as number;
    await call(alice, "POST", "/episodes", 400, { body: { started_at: "soon" } });
    await call(alice, "POST", "/episodes/{id}/memories", 200, { id: ep, body: { memory_ids: [added.body.results[0].id, 999_999] } });
    items(await call(alice, "GET", "/episodes/{id}", 200, { id: ep }), "memories");
    await call(alice, "GET", "/episodes/{id}", 404, { id: 999_999 });
    await call(alice, "PATCH", "/episodes/{id}", 200, { id: ep, body: { title: "Alps trip" } });
    await call(alice, "POST", "/episodes/{id}/finalize", 200, { id: ep, body: {} });
    items(await call(alice, "GET", "/episodes", 200, { query: "query=alps" }), "episodes");
    items(await call(alice, "POST", "/personality/detect", 200, { body: { content: "I want to learn Rust." } }), "signals");
    await call(alice, "POST", "/personality/signals", 201, { body: { signal_type: "value", value: 0.8, subject: "honesty" } });
    await call(alice, "POST", "/personality/signals", 400, { body: { signal_type: "mood", value: 0.8 } });
    items(await call(alice, "GET", "/personality/signals", 200), "signals");
    await call(alice, "POST", "/personality/profile/update", 200);
    await call(alice, "GET", "/personality/profile", 200);
    await call(alice, "POST", "/profile/synthesize", 200);
    await call(alice, "GET", "/profile", 200);
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
