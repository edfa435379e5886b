import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, startServer, type RunningServer } from "../../../test/support/server.js";
import { twoTenants } from "../../../test/support/tenants.js";

/**
 * Every route that takes an id ({id}, {memory_id}), called by one tenant with another tenant's id: the answer is
 * the same 404 a missing id gets (or 403 where the route needs a scope the caller lacks), and
 * the owner's records are unchanged afterwards. Routes are read from /openapi.json, so a new
 * route with an id fails here until it is listed in KINDS and proven to keep tenants apart.
 */

type Kind = "memory" | "entity" | "community" | "job" | "key" | "space" | "reembed" | "causal_chain" | "grounding_session" | "approval" | "conversation" | "episode" | "upload";

/** Which record a path's {id} names, by path prefix. */
const KINDS: [RegExp, Kind][] = [
  [/^\/(memory|versions|links|graph\/neighborhood|inbox)\//, "memory"],
  [/^\/intelligence\/(valence|causal\/backward|reconsolidate)\//, "memory"],
  [/^\/intelligence\/causal\/chains\//, "causal_chain"],
  [/^\/grounding\/sessions\//, "grounding_session"],
  [/^\/(intelligence\/)?(contradictions|decompose)\//, "memory"],
  [/^\/approvals\//, "approval"],
  [/^\/entities\//, "entity"],
  [/^\/communities\//, "community"],
  [/^\/jobs\//, "job"],
  [/^\/keys\//, "key"],
  [/^\/spaces\//, "space"],
  [/^\/admin\/reembed\//, "reembed"],
  [/^\/conversations\//, "conversation"],
  [/^\/episodes\//, "episode"],
  [/^\/ingest\/upload\//, "upload"],
];

/** Bodies that pass validation, so the ownership check (not a 400) is what answers. */
const BODIES: Record<string, unknown> = {
  "POST /memory/{id}/update": { content: "overwritten by another tenant" },
  "PUT /memory/{id}/tags": { tags: ["hijacked"] },
  "POST /memory/{id}/forget": { reason: "another tenant" },
  "POST /inbox/{id}/edit": { content: "approved by another tenant" },
  "POST /approvals/{id}/decide": { decision: "approved", decided_by: "bob" },
  "PATCH /conversations/{id}": { title: "renamed by another tenant" },
  "POST /conversations/{id}/messages": { role: "user", content: "written by another tenant" },
  "PATCH /episodes/{id}": { title: "renamed by another tenant" },
  // Any well-formed id list: the episode's owner check answers before any id is looked at.
  "POST /episodes/{id}/memories": { memory_ids: [1] },
};

let server: RunningServer;
let admin: ReturnType<typeof api>;
let alice: ReturnType<typeof api>;
let bob: ReturnType<typeof api>;
const ids = {} as Record<Kind, number | string>;
let aliceKey: string;
let aliceId: number;
let bobId: number;

beforeAll(async () => {
  server = await startServer();
  const t = await twoTenants(server.url, { scopes: "read,write" });
  admin = t.admin;
  [aliceId, aliceKey, alice] = [t.alice.id, t.alice.key, t.alice.api];
  [bobId, bob] = [t.bob.id, t.bob.api];

  const texts = [
    "Alice deploys the billing service to server web-01 with Terraform every Friday",
    "Alice keeps the billing service's Terraform state on server web-01",
    "The billing service on web-01 is deployed by Alice with Terraform",
  ];
  for (const content of texts) await alice.post("/store", { content, tags: ["billing"] });
  ids.memory = (await alice.get("/list")).body.results[0].id;
  ids.space = (await alice.post("/spaces", { name: "private" })).body.id;
  ids.key = (await alice.get("/keys")).body.keys[0].id;
  // Auto-link and entity extraction run as jobs: wait until Alice's have run.
  await waitFor(async () => (await alice.get("/jobs/stats")).body.pending === 0 && (await alice.get("/entities")).body.entities.length > 0);
  ids.job = (await alice.get("/jobs")).body.jobs[0].id;
  ids.entity = (await alice.get("/entities")).body.entities[0].id;
  await admin.post(`/admin/detect-communities?user_id=${aliceId}`);
  await waitFor(async () => (await alice.get("/communities")).body.communities.length > 0);
  ids.community = (await alice.get("/communities")).body.communities[0].id;
  ids.reembed = (await admin.post("/admin/reembed")).body.job_id;
  ids.causal_chain = (await alice.post("/intelligence/causal/chains", { root_memory_id: ids.memory, description: "Alice's chain" })).body.id;
  ids.grounding_session = (await alice.post("/grounding/sessions", { name: "alice" })).body.id;
  ids.approval = (await alice.post("/approvals", { action: "restart billing on web-01", requester: "alice-agent", window_secs: 3600 })).body.id;
  ids.conversation = (await alice.post("/conversations/bulk", { agent: "claude", messages: [{ role: "user", content: "Alice's own words" }] })).body.id;
  ids.episode = (await alice.post("/episodes", { title: "Alice's episode" })).body.id;
  await alice.post(`/episodes/${ids.episode}/memories`, { memory_ids: [ids.memory] });
  ids.upload = (await alice.post("/ingest/upload/init", { filename: "alice.md", total_chunks: 1 })).body.upload_id;
});
afterAll(() => server.stop());

async function waitFor(done: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 300; i++) {
    if (await done()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error("condition not reached in 30 s");
}

const pick = (o: Record<string, unknown>, keys: string[]) => Object.fromEntries(keys.map((k) => [k, o[k]]));

/** What Alice can see of her own records; compared before and after Bob's attempts. */
async function aliceView() {
  return {
    memory: (await alice.get(`/memory/${ids.memory}`)).body,
    versions: (await alice.get(`/versions/${ids.memory}`)).body,
    links: (await alice.get(`/links/${ids.memory}`)).body,
    entity: (await alice.get(`/entities/${ids.entity}`)).body,
    community: (await alice.get(`/communities/${ids.community}`)).body,
    job: (await alice.get(`/jobs/${ids.job}`)).body,
    // seconds_remaining moves with the clock; the decision fields must not.
    approval: pick((await alice.get(`/approvals/${ids.approval}`)).body, ["id", "status", "decision_by", "decided_at"]),
    // last_used_at moves with Alice's own requests; everything else about her keys must not.
    keys: ((await alice.get("/keys")).body.keys as Record<string, unknown>[]).map(({ last_used_at: _, ...k }) => k),
    spaces: (await alice.get("/spaces")).body,
    chain: (await alice.get(`/intelligence/causal/chains/${ids.causal_chain}`)).body,
    session: (await alice.get(`/grounding/sessions/${ids.grounding_session}`)).body,
    conversation: (await alice.get(`/conversations/${ids.conversation}`)).body,
    episode: (await alice.get(`/episodes/${ids.episode}`)).body,
    upload: (await alice.get(`/ingest/upload/${ids.upload}/status`)).body,
    // The stored FSRS state (retrievability "now" moves with the clock, so it is left out).
    fsrs: pick((await alice.get(`/fsrs/state?id=${ids.memory}`)).body, ["fsrs_stability", "fsrs_difficulty", "fsrs_storage_strength", "decay_score"]),
  };
}

describe("another tenant's ids", () => {
  it("every route with an {id} answers as for a missing id and changes nothing", async () => {
    const before = await aliceView();
    const doc = (await admin.get("/openapi.json")).body as { paths: Record<string, Record<string, unknown>> };
    // Any path parameter names a record: {id}, or {memory_id} on the intelligence routes.
    const param = /\{[a-z_]+\}/;
    const routes = Object.entries(doc.paths).flatMap(([path, ops]) => (param.test(path) ? Object.keys(ops).map((m) => [m.toUpperCase(), path] as const) : []));
    expect(routes.length).toBeGreaterThan(15);
    for (const [method, path] of routes) {
      const kind = KINDS.find(([re]) => re.test(path))?.[1];
      expect(kind, `${method} ${path}: list the record its id names in KINDS`).toBeDefined();
      const res = await bob.raw(method, path.replace(param, String(ids[kind!])), BODIES[`${method} ${path}`] ?? (method === "GET" || method === "DELETE" ? undefined : {}));
      // Admin routes refuse Bob for his scope before any lookup; every other route must not tell Alice's id from a missing one.
      const expected = path.startsWith("/admin/") ? 403 : 404;
      expect(res.status, `${method} ${path}: ${JSON.stringify(res.body)}`).toBe(expected);
    }
    expect(await aliceView()).toEqual(before);
  });

  it("ids in bodies and queries are scoped too: FSRS, spaces, parents, key rotation, admin-only user targets", async () => {
    const before = await aliceView();
    const refused: [Promise<{ status: number }>, number][] = [
      [bob.post("/fsrs/review", { id: ids.memory, grade: 1 }), 404],
      [bob.post("/fsrs/review", { memory_id: ids.memory, grade: 4 }), 404],
      [bob.get(`/fsrs/state?id=${ids.memory}`), 404],
      [bob.post("/store", { content: "Bob hangs a version off Alice's memory", parent_memory_id: ids.memory }), 400],
      [bob.post("/store", { content: "Bob writes into Alice's space", space_id: ids.space }), 400],
      [bob.post("/keys/rotate", { key_id: ids.key, grace_hours: 0 }), 404],
      [bob.get(`/keys?user_id=${aliceId}`), 200],
      [bob.get(`/jobs?user_id=${aliceId}`), 403],
      [bob.post(`/admin/detect-communities?user_id=${aliceId}`), 403],
      [bob.get(`/admin/export?user_id=${aliceId}`), 403],
    ];
    for (const [call, status] of refused) expect((await call).status).toBe(status);
    // Listing with another user's id shows Bob's own keys only (non-admins are narrowed to themselves).
    const listed = (await bob.get(`/keys?user_id=${aliceId}`)).body.keys as { user_id: number }[];
    expect(listed.every((k) => k.user_id === bobId)).toBe(true);
    for (const [path, body] of [
      ["/search", { query: "billing Terraform web-01", space_id: ids.space }],
      ["/context", { query: "billing Terraform web-01", space_id: ids.space }],
    ] as const) {
      const res = await bob.post(path, body);
      expect(JSON.stringify(res.body)).not.toMatch(/Alice/);
    }
    expect((await bob.get(`/list?space_id=${ids.space}`)).body.results).toEqual([]);
    expect(await aliceView()).toEqual(before);
    // Alice's key still works: Bob's rotation attempt did not expire it.
    expect((await api(server.url, aliceKey).get("/stats")).status).toBe(200);
  });
});
