import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, startServer, type RunningServer } from "../../../test/support/server.js";
import { twoTenants, type Client } from "../../../test/support/tenants.js";

/**
 * Digests (contracts/services.md §16) and their /intelligence aliases (intelligence.md §5.4) over
 * HTTP: shapes, periods, what a digest counts, two tenants, bad input. The window's edges are
 * tested in core with a manual clock (digests/service.test.ts).
 */
let server: RunningServer;
let alice: Client;
let aliceKey: string;
let bob: Client;

async function store(who: Client, body: Record<string, unknown>): Promise<number> {
  const res = await who.post("/store", body);
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.id as number;
}

beforeAll(async () => {
  server = await startServer({ ENGRAM_EMBEDDING_PROVIDER: "none", ENGRAM_INTELLIGENCE_JOBS: "0" });
  const t = await twoTenants(server.url);
  alice = t.alice.api;
  aliceKey = t.alice.key;
  bob = t.bob.api;
  await store(alice, { content: "The nightly backup of the billing database runs at 02:00", category: "ops", importance: 8 });
  await store(alice, { content: `The staging cluster was rebuilt on Kubernetes 1.31 ${"with every node pool replaced ".repeat(5)}`, category: "state", importance: 9 });
  const forgotten = await store(alice, { content: "A forgotten note about the kiosk fleet", importance: 10 });
  expect((await alice.post(`/memory/${forgotten}/forget`, {})).status).toBe(200);
  await store(bob, { content: "Bob's zebrafish tank needs a new heater", importance: 10 });
}, 60_000);
afterAll(() => server.stop());

describe("POST /digests/generate", () => {
  it("summarises the day's memories, most important first, and stores the digest", async () => {
    const res = await alice.post("/digests/generate", {});
    expect(res.status).toBe(201);
    expect(Object.keys(res.body).sort()).toEqual(["content", "created_at", "ended_at", "id", "memory_count", "period", "started_at", "user_id"]);
    expect(res.body).toMatchObject({ period: "daily", memory_count: 2, user_id: expect.any(Number) });
    expect(Date.parse(res.body.ended_at) - Date.parse(res.body.started_at)).toBe(86_400_000);
    const lines = (res.body.content as string).split("\n");
    expect(lines[0]).toBe("daily period summary (2 memories):");
    expect(lines[1]).toBe(`[state] (importance:9) ${"The staging cluster was rebuilt on Kubernetes 1.31 with every node pool replaced with every node pool replaced ".slice(0, 100)}`);
    expect(lines[2]).toBe("[ops] (importance:8) The nightly backup of the billing database runs at 02:00");
    expect(lines).toHaveLength(3);
  });

  it("takes a weekly or monthly window, also without a body and through the /intelligence alias", async () => {
    const weekly = await alice.post("/intelligence/digests/generate", { period: "weekly" });
    expect(weekly.status).toBe(201);
    expect(weekly.body).toMatchObject({ period: "weekly", memory_count: 2 });
    expect(Date.parse(weekly.body.ended_at) - Date.parse(weekly.body.started_at)).toBe(7 * 86_400_000);
    const bare = await fetch(`${server.url}/digests/generate`, { method: "POST", headers: { authorization: `Bearer ${aliceKey}` } });
    expect(bare.status).toBe(201);
    expect(await bare.json()).toMatchObject({ period: "daily" });
  });

  it("refuses another period, naming the field, and stores nothing", async () => {
    const before = (await alice.get("/digests?limit=500")).body.digests.length;
    for (const body of [{ period: "hourly" }, { period: 7 }]) {
      const res = await alice.post("/digests/generate", body);
      expect(res.status).toBe(400);
      expect(res.body.error).toMatch(/^period: must be one of daily, weekly, monthly/);
    }
    expect((await alice.get("/digests?limit=500")).body.digests.length).toBe(before);
  });

  it("needs the write scope", async () => {
    const reader = (await alice.post("/keys", { scopes: "read" })).body.key as string;
    expect((await api(server.url, reader).post("/digests/generate", {})).status).toBe(403);
  });
});

describe("GET /digests", () => {
  it("lists the tenant's own digests, newest first, as many as asked, also through the alias", async () => {
    const all = (await alice.get("/digests")).body.digests as { id: number; period: string }[];
    expect(all.length).toBeGreaterThanOrEqual(3);
    expect(all.map((d) => d.id)).toEqual([...all.map((d) => d.id)].sort((a, b) => b - a));
    expect((await alice.get("/intelligence/digests?limit=1")).body.digests).toEqual([all[0]]);
    expect((await alice.get("/digests?limit=0")).status).toBe(400);
    expect((await alice.get("/digests?limit=501")).body.error).toMatch(/^limit: /);
  });

  it("never shows or counts another tenant's memories or digests", async () => {
    expect((await bob.get("/digests")).body.digests).toEqual([]);
    const own = await bob.post("/digests/generate", {});
    expect(own.body).toMatchObject({ memory_count: 1, content: "daily period summary (1 memories):\n[general] (importance:10) Bob's zebrafish tank needs a new heater" });
    expect((await bob.get("/digests")).body.digests.map((d: { id: number }) => d.id)).toEqual([own.body.id]);
    expect((await alice.get("/digests?limit=500")).body.digests.some((d: { id: number }) => d.id === own.body.id)).toBe(false);
  });
});
