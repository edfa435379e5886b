import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, bootstrap, startServer, type RunningServer } from "../../../test/support/server.js";

let server: RunningServer;
let c: ReturnType<typeof api>;

beforeAll(async () => {
  server = await startServer();
  c = api(server.url, await bootstrap(server.url));
  // A client's own vector is checked against the active model, so the model must have loaded.
  while ((await c.get("/health/ready")).body.checks?.embedder !== "loaded") await new Promise((r) => setTimeout(r, 100));
});
afterAll(() => server.stop());

const count = async () => (await c.get("/list?limit=1000&include_archived=true&include_forgotten=true")).body.results.length;

describe("storing memories", () => {
  it("stores with defaults and answers 201 with the reference shape", async () => {
    const res = await c.post("/store", { content: "The staging cluster runs Kubernetes 1.29", tags: [" Infra ", "infra", "K8S"] });
    expect(res.status).toBe(201);
    // A new memory starts with the dual-strength retention 0.7·1 + 0.3·1/10 (see fsrs/model.ts).
    expect(res.body).toMatchObject({ stored: true, importance: 5, embedded: true, tags: ["infra", "k8s"], decay_score: 0.73 });
    expect(typeof res.body.id).toBe("number");
    expect(new Date(res.body.created_at).toISOString()).toBe(res.body.created_at);
    const got = await c.get(`/memory/${res.body.id}`);
    expect(got.body).toMatchObject({
      content: "The staging cluster runs Kubernetes 1.29",
      category: "general",
      source: "unknown",
      version: 1,
      is_latest: true,
      is_forgotten: false,
      is_archived: false,
      status: "active",
      source_count: 1,
    });
  });

  it("answers on the /memory and /memories aliases too", async () => {
    expect((await c.post("/memory", { content: "alias one: the VPN gateway is vpn-gw-2" })).status).toBe(201);
    expect((await c.post("/memories", { content: "alias two: the mail relay is smtp-relay-9" })).status).toBe(201);
  });

  it.each([
    ["missing content", {}, /content: is required/],
    ["blank content", { content: "   \n\t" }, /content: must not be empty/],
    ["numeric content", { content: 42 }, /content: must be a string/],
    ["content over 102400 bytes", { content: "x".repeat(102_401) }, /content: must be at most 102400 bytes/],
    ["importance 11", { content: "ok", importance: 11 }, /importance: must be between 1 and 10/],
    ["importance 2.5", { content: "ok", importance: 2.5 }, /importance: must be an integer/],
    ["importance as a string", { content: "ok", importance: "5" }, /importance/],
    ["tags as a string", { content: "ok", tags: "a,b" }, /tags/],
    ["unknown space", { content: "ok", space_id: 99999 }, /space_id: no such space/],
    ["unknown parent", { content: "ok", parent_memory_id: 99999 }, /parent_memory_id: no such memory/],
    ["an embedding of the wrong dimension", { content: "ok", embedding: [0.1, 0.2] }, /embedding: has 2 dimensions; the active model use-lite-512 has 512/],
    [
      "an embedding with a value beyond float32 range",
      { content: "ok", embedding: [1e39, ...new Array(511).fill(0.01)] },
      /^embedding: must contain only numbers within float32 range \(magnitude below 3\.4e38\)$/,
    ],
  ])("rejects %s with a 400 naming the field, storing nothing", async (_label, body, message) => {
    const before = await count();
    const res = await c.post("/store", body);
    expect(res.status).toBe(400);
    expect(res.body.error).toMatch(message);
    expect(await count()).toBe(before);
  });

  it("accepts content of exactly 102400 bytes", async () => {
    const res = await c.post("/store", { content: "é".repeat(51_200) });
    expect(res.status).toBe(201);
  });

  it("answers malformed JSON with a 400", async () => {
    const res = await c.raw("POST", "/store", "{not json", { "content-type": "application/json" });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatch(/JSON/);
  });
});

describe("near-duplicates", () => {
  it("returns the duplicate shape and raises source_count instead of storing", async () => {
    const first = await c.post("/store", { content: "Deployments to production need two approvals from the platform team." });
    const before = await count();
    const dup = await c.post("/store", { content: "deployments to production need TWO approvals, from the platform team!" });
    expect(dup.status).toBe(200);
    expect(dup.body).toEqual({ stored: false, duplicate: true, existing_id: first.body.id, boosted: true, distance: 0 });
    expect(await count()).toBe(before);
    expect((await c.get(`/memory/${first.body.id}`)).body.source_count).toBe(2);
  });

  it("stores texts that only share words", async () => {
    const a = await c.post("/store", { content: "Alice owns the billing service and its on-call rota." });
    const b = await c.post("/store", { content: "Bob owns the search service and its on-call rota." });
    expect(a.status).toBe(201);
    expect(b.status).toBe(201);
  });
});

describe("versions", () => {
  it("writes a new version in one step and keeps the chain", async () => {
    const v1 = (await c.post("/store", { content: "The API rate limit is 100 requests per minute", importance: 6 })).body.id;
    const v2 = await c.post(`/memory/${v1}/update`, { content: "The API rate limit is 500 requests per minute" });
    expect(v2.status).toBe(200);
    expect(v2.body).toMatchObject({ version: 2, is_latest: true, parent_memory_id: v1, root_memory_id: v1, importance: 6 });
    const v3 = await c.post(`/memory/${v2.body.id}/update`, { importance: 8, tags: ["Limits"] });
    expect(v3.body).toMatchObject({ version: 3, parent_memory_id: v2.body.id, root_memory_id: v1, importance: 8, tags: ["limits"] });

    const chain = await c.get(`/versions/${v2.body.id}`);
    expect(chain.body.versions.map((v: { id: number }) => v.id)).toEqual([v1, v2.body.id, v3.body.id]);
    expect(chain.body.versions.map((v: { is_latest: boolean }) => v.is_latest)).toEqual([false, false, true]);
    expect((await c.get(`/memory/${v1}`)).body.is_latest).toBe(false);

    const links = await c.get(`/links/${v2.body.id}`);
    expect(links.body.links).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ source_id: v2.body.id, target_id: v1, type: "updates" }),
        expect.objectContaining({ source_id: v3.body.id, target_id: v2.body.id, type: "updates" }),
      ]),
    );
  });

  it("refuses to update a stale version with 409 and changes nothing", async () => {
    const v1 = (await c.post("/store", { content: "The wiki lives at wiki.internal.example" })).body.id;
    const v2 = (await c.post(`/memory/${v1}/update`, { content: "The wiki lives at docs.internal.example" })).body.id;
    const res = await c.post(`/memory/${v1}/update`, { content: "The wiki lives somewhere else" });
    expect(res.status).toBe(409);
    expect((await c.get(`/versions/${v2}`)).body.versions).toHaveLength(2);
  });

  it("needs at least one field and validates it", async () => {
    const id = (await c.post("/store", { content: "The build cache is 40 GB" })).body.id;
    expect((await c.post(`/memory/${id}/update`, {})).status).toBe(400);
    const bad = await c.post(`/memory/${id}/update`, { importance: 0 });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatch(/importance/);
    expect((await c.post(`/memory/${id}/update`, { content: "x" }, {})).status).toBe(200);
  });

  it("sets, keeps or clears the expiry with forget_after / ttl_secs, as at store", async () => {
    const v1 = (await c.post("/store", { content: "The visitor wifi password is tulip-42", forget_after: "2999-01-01T00:00:00Z" })).body.id;
    // Left out: the new version keeps the old one's expiry.
    const kept = (await c.post(`/memory/${v1}/update`, { importance: 7 })).body;
    expect(kept.forget_after).toBe("2999-01-01T00:00:00.000Z");
    const moved = (await c.post(`/memory/${kept.id}/update`, { forget_after: "2998-06-01T12:00:00+02:00" })).body;
    expect(moved.forget_after).toBe("2998-06-01T10:00:00.000Z");
    const before = Date.now();
    const ttl = (await c.post(`/memory/${moved.id}/update`, { ttl_secs: 3600 })).body;
    const expiry = Date.parse(ttl.forget_after);
    expect(expiry).toBeGreaterThanOrEqual(before + 3_600_000 - 1000);
    expect(expiry).toBeLessThanOrEqual(Date.now() + 3_600_000 + 1000);
    const cleared = (await c.post(`/memory/${ttl.id}/update`, { forget_after: null })).body;
    expect(cleared.forget_after).toBeNull();
    expect(cleared.version).toBe(5);

    // Bad expiries are refused, naming the field, and write no version.
    for (const [body, error] of [
      [{ forget_after: "2001-01-01T00:00:00Z" }, /^forget_after: must be in the future$/],
      [{ forget_after: "next week" }, /^forget_after: /],
      [{ ttl_secs: 0 }, /^ttl_secs: /],
      [{ ttl_secs: 1.5 }, /^ttl_secs: /],
      [{ forget_after: "2999-01-01T00:00:00Z", ttl_secs: 60 }, /^forget_after: give forget_after or ttl_secs, not both$/],
    ] as const) {
      const res = await c.post(`/memory/${cleared.id}/update`, body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error).toMatch(error);
    }
    expect((await c.get(`/versions/${cleared.id}`)).body.versions).toHaveLength(5);
  });

  it("an expiry set by update is swept like one set at store, and only for the caller", async () => {
    const id = (await c.post("/store", { content: "Tonight's door code is 5190" })).body.id;
    const other = await c.post("/users", { username: "update-ttl-other" });
    const otherKey = (await c.post("/keys", { user_id: other.body.id })).body.key;
    const stranger = api(server.url, otherKey);
    expect((await stranger.post(`/memory/${id}/update`, { ttl_secs: 1 })).status).toBe(404);
    expect((await c.get(`/memory/${id}`)).body.forget_after).toBeNull();

    const v2 = (await c.post(`/memory/${id}/update`, { ttl_secs: 1 })).body.id;
    // The sweep's clock is the server's: poll until the second has passed.
    for (;;) {
      const swept = (await c.post("/sweep")).body.ids as number[];
      if (swept.includes(v2)) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect((await c.get(`/memory/${v2}`)).status).toBe(404);
  });
});

describe("lifecycle", () => {
  it("forgets, archives, unarchives and deletes", async () => {
    const id = (await c.post("/store", { content: "Temporary: the old office door code was 4711" })).body.id;
    expect((await c.post(`/memory/${id}/archive`)).body).toEqual({ id, status: "archived" });
    let list = (await c.get("/list?limit=1000")).body.results.map((m: { id: number }) => m.id);
    expect(list).not.toContain(id);
    list = (await c.get("/list?limit=1000&include_archived=true")).body.results.map((m: { id: number }) => m.id);
    expect(list).toContain(id);
    expect((await c.post(`/memory/${id}/unarchive`)).body).toEqual({ id, status: "active" });

    expect((await c.post(`/memory/${id}/forget`, { reason: "obsolete" })).body).toEqual({ id, status: "forgotten" });
    expect((await c.get(`/memory/${id}`)).status).toBe(404);
    list = (await c.get("/list?limit=1000&include_forgotten=true")).body.results.map((m: { id: number }) => m.id);
    expect(list).toContain(id);

    expect((await c.del(`/memory/${id}`)).body).toEqual({ deleted: true, id });
    expect((await c.del(`/memory/${id}`)).status).toBe(404);
    expect((await c.get(`/versions/${id}`)).status).toBe(404);
  });

  it("deletes a memory's links and search rows with it", async () => {
    const v1 = (await c.post("/store", { content: "Zebra-unique-term memory about the lab printer" })).body.id;
    const v2 = (await c.post(`/memory/${v1}/update`, { content: "Zebra-unique-term memory about the lab printer, moved" })).body.id;
    const search = async (channels: string[]) =>
      (await c.post("/search", { query: "zebra unique term lab printer", latest_only: false, channels })).body.results.map((h: { id: number }) => h.id);
    expect((await search(["fts"])).sort()).toEqual([v1, v2].sort());
    expect(await search(["vector"])).toContain(v2);
    await c.del(`/memory/${v2}`);
    expect((await c.get(`/links/${v1}`)).body.links).toEqual([]);
    expect(await search(["fts"])).toEqual([v1]);
    expect(await search(["vector"])).not.toContain(v2);
  });

  it("makes the previous version latest again when the latest is deleted", async () => {
    const v1 = (await c.post("/store", { content: "The release train leaves every second Tuesday" })).body.id;
    const v2 = (await c.post(`/memory/${v1}/update`, { content: "The release train leaves every Thursday" })).body.id;
    await c.del(`/memory/${v2}`);
    expect((await c.get(`/memory/${v1}`)).body.is_latest).toBe(true);
    expect((await c.get("/list?limit=1000")).body.results.map((m: { id: number }) => m.id)).toContain(v1);
    expect((await c.post(`/memory/${v1}/update`, { importance: 9 })).status).toBe(200);
  });

  it("lists newest first with paging and filters", async () => {
    const ids: number[] = [];
    for (const topic of ["kafka retention", "grafana dashboards", "terraform state"]) {
      ids.push((await c.post("/store", { content: `paging probe about ${topic}`, category: "probe" })).body.id);
    }
    const page = await c.get("/list?category=probe&limit=2");
    expect(page.body.results.map((m: { id: number }) => m.id)).toEqual([ids[2], ids[1]]);
    const next = await c.get("/list?category=probe&limit=2&offset=2");
    expect(next.body.results.map((m: { id: number }) => m.id)).toEqual([ids[0]]);
    expect((await c.get("/list?limit=5000")).status).toBe(400);
    expect((await c.get("/list?include_archived=perhaps")).body.error).toMatch(/include_archived/);
  });

  it("answers a non-numeric id with 400 and a missing one with 404", async () => {
    expect((await c.get("/memory/abc")).body.error).toMatch(/^id:/);
    expect((await c.get("/memory/987654")).status).toBe(404);
  });
});

describe("tags", () => {
  it("counts, searches and replaces tags", async () => {
    const a = (await c.post("/store", { content: "tag probe alpha about redis", tags: ["Cache", "redis"] })).body.id;
    const b = (await c.post("/store", { content: "tag probe beta about memcached", tags: ["cache"] })).body.id;
    const tags = (await c.get("/tags")).body.tags;
    expect(tags).toEqual(expect.arrayContaining([{ tag: "cache", count: 2 }, { tag: "redis", count: 1 }]));
    const any = (await c.post("/tags/search", { tags: ["CACHE"] })).body.results.map((m: { id: number }) => m.id);
    expect(any.sort()).toEqual([a, b].sort());
    const all = (await c.post("/tags/search", { tags: ["cache", "redis"], match_all: true })).body.results.map((m: { id: number }) => m.id);
    expect(all).toEqual([a]);
    const put = await c.put(`/memory/${b}/tags`, { tags: ["Memcached ", "memcached"] });
    expect(put.body.tags).toEqual(["memcached"]);
    expect((await c.post("/tags/search", { tags: [] })).status).toBe(400);
  });
});

describe("spaces", () => {
  it("creates, lists, scopes and deletes spaces", async () => {
    const s = await c.post("/spaces", { name: "research", description: "papers" });
    expect(s.status).toBe(201);
    expect((await c.post("/spaces", { name: "research" })).status).toBe(409);
    const m = await c.post("/store", { content: "space probe: transformer paper notes", space_id: s.body.id });
    expect(m.status).toBe(201);
    const inSpace = (await c.get(`/list?space_id=${s.body.id}`)).body.results;
    expect(inSpace.map((x: { id: number }) => x.id)).toEqual([m.body.id]);
    const spaces = (await c.get("/spaces")).body.spaces;
    expect(spaces.map((x: { name: string }) => x.name)).toEqual(["default", "research"]);
    expect((await c.del(`/spaces/${s.body.id}`)).status).toBe(409);
    await c.del(`/memory/${m.body.id}`);
    expect((await c.del(`/spaces/${s.body.id}`)).body).toEqual({ deleted: true, id: s.body.id });
    expect((await c.del(`/spaces/${spaces[0].id}`)).status).toBe(409);
  });
});
