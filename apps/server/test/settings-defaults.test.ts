import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, bootstrap, startServer, type RunningServer } from "../../../test/support/server.js";

/**
 * Behaviour no other test reached, each with an effect seen from outside: the default per-key
 * rate budget and its headers, the audit row of a refused (401) write, the space and source
 * filters of search, and the context modes. One server with the default settings.
 */

let server: RunningServer;
let admin: ReturnType<typeof api>;

beforeAll(async () => {
  server = await startServer({ ENGRAM_EMBEDDING_PROVIDER: "none" });
  admin = api(server.url, await bootstrap(server.url));
});
afterAll(() => server.stop());

describe("rate limits by default", () => {
  it("gives a key 600 requests a minute, counted down in X-RateLimit headers, then 429 with Retry-After", async () => {
    const key = api(server.url, (await admin.post("/keys", { name: "budget" })).body.key);
    const first = await key.get("/list?limit=1");
    expect(first.status).toBe(200);
    expect(first.headers.get("x-ratelimit-limit")).toBe("600");
    expect(first.headers.get("x-ratelimit-remaining")).toBe("599");
    let last = first;
    for (let i = 1; i < 600; i++) last = await key.get("/list?limit=1");
    expect(last.status).toBe(200);
    // The bucket refills at 10 tokens a second, so some have come back meanwhile; far fewer than spent.
    expect(Number(last.headers.get("x-ratelimit-remaining"))).toBeLessThan(300);
    let refused = last;
    for (let i = 0; i < 600 && refused.status !== 429; i++) refused = await key.get("/list?limit=1");
    expect(refused.status).toBe(429);
    expect(refused.headers.get("x-ratelimit-remaining")).toBe("0");
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
    // Another key of the same user has its own bucket.
    expect((await admin.get("/list?limit=1")).status).toBe(200);
  });
});

describe("audit", () => {
  it("records a write refused with 401, without a user, in a counted row per address", async () => {
    const res = await api(server.url, "engram_not_a_real_key").post("/store", { content: "should not be stored" });
    expect(res.status).toBe(401);
    const entries = (await admin.get("/audit?limit=50")).body.entries as Record<string, unknown>[];
    expect(entries).toContainEqual(
      expect.objectContaining({ status: 401, user_id: null, key_id: null, remote_addr: "127.0.0.1", count: expect.any(Number) }),
    );
  });
});

describe("search filters", () => {
  it("space_id and source narrow the results", async () => {
    const space = (await admin.post("/spaces", { name: "side-project" })).body.id as number;
    const inSpace = (await admin.post("/store", { content: "the gazebo paint is sage green", space_id: space, source: "chat" })).body.id;
    const outside = (await admin.post("/store", { content: "the gazebo roof is cedar shingles", source: "import" })).body.id;
    const ids = async (body: Record<string, unknown>) =>
      ((await admin.post("/search", { query: "gazebo", ...body })).body.results as { id: number }[]).map((r) => r.id).sort();
    expect(await ids({})).toEqual([inSpace, outside].sort());
    expect(await ids({ space_id: space })).toEqual([inSpace]);
    expect(await ids({ source: "import" })).toEqual([outside]);
    expect(await ids({ source: "chat" })).toEqual([inSpace]);
  });
});

describe("context modes", () => {
  const tokensIn = (blocks: { section: string; tokens: number }[], section: string) =>
    blocks.filter((b) => b.section === section).reduce((n, b) => n + b.tokens, 0);
  // Random words: similar texts would be dropped as near-duplicates, at store or in the context.
  const words = () => `${randomUUID()} ${randomUUID()}`.replace(/-/g, " ");

  it("fast reads fewer hits than balanced, deep more, and decision gives rules more room", async () => {
    const topic = "kiln";
    for (let i = 0; i < 70; i++) {
      await admin.post("/store", { content: `${topic} firing log: ${words()}` });
    }
    for (let i = 0; i < 6; i++) {
      await admin.post("/store", { content: `${topic} rule: ${words()}`, category: "rule", is_static: true, importance: 9 });
    }
    const ctx = async (mode: string, budget = 8000) => (await admin.post("/context", { query: `${topic} firing log rule`, mode, budget })).body;

    // Search hits per mode: fast 10, balanced 20, deep 40, each up to three times that as the
    // budget allows (one per 25 tokens): at 8,000 tokens 30, 60 and 120 (71 memories match).
    const semanticCount = (r: { blocks: { section: string }[] }) => r.blocks.filter((b) => b.section === "semantic").length;
    const [fast, balanced, deep] = [semanticCount(await ctx("fast")), semanticCount(await ctx("balanced")), semanticCount(await ctx("deep"))];
    expect(fast).toBeLessThanOrEqual(30);
    expect(balanced).toBeGreaterThan(30);
    expect(balanced).toBeLessThanOrEqual(60);
    expect(deep).toBeGreaterThan(60);

    const tight = 250;
    expect(tokensIn((await ctx("decision", tight)).blocks, "static")).toBeGreaterThan(tokensIn((await ctx("balanced", tight)).blocks, "static"));
  });
});
