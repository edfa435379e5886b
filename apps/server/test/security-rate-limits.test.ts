import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, bootstrap, startServer, type RunningServer } from "../../../test/support/server.js";

/** Finding 8: rate limits counted per user as well as per key, so more keys do not buy more requests. */
const PER_USER = 12;
let server: RunningServer;

beforeAll(async () => {
  server = await startServer({ ENGRAM_RATE_LIMIT_PER_MINUTE: "1000", ENGRAM_RATE_LIMIT_PER_USER_PER_MINUTE: String(PER_USER) });
});
afterAll(() => server.stop());

describe("per-user rate limit (finding 8)", () => {
  it("N keys of one user share one budget; other users keep theirs", async () => {
    const admin = api(server.url, await bootstrap(server.url));
    const user = (await admin.post("/users", { username: "many-keys" })).body;
    const keys: string[] = [];
    for (let i = 0; i < 4; i++) keys.push((await admin.post("/keys", { user_id: user.id, name: `k${i}` })).body.key);
    const statuses: number[] = [];
    // Each key alone is far below its own limit (1000); together they spend the user's 12.
    for (let i = 0; i < 4 * PER_USER; i++) statuses.push((await api(server.url, keys[i % 4]).get("/list")).status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(PER_USER);
    expect(statuses.slice(0, PER_USER).every((s) => s === 200)).toBe(true);
    const refused = await api(server.url, keys[0]).get("/list");
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect(refused.body.error).toMatch(new RegExp(`rate limit of ${PER_USER} requests per minute for user ${user.id}, all its keys together exceeded`));
    // A fresh key of the same user does not get around it; the admin (another user) is unaffected.
    const fresh = (await admin.post("/keys", { user_id: user.id, name: "fresh" })).body.key;
    expect((await api(server.url, fresh).get("/list")).status).toBe(429);
    expect((await admin.get("/list")).status).toBe(200);
  });
});
