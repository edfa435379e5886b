import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, startServer, type RunningServer } from "../../../test/support/server.js";

/** Properties a security review found sound; these tests keep them so. */

const BOOTSTRAP_SECRET = "bootstrap-secret-7f3a9c";
const PEPPER = "pepper-5d1e08";

let server: RunningServer;
let admin: ReturnType<typeof api>;
let adminKey: string;

beforeAll(async () => {
  server = await startServer({
    ENGRAM_EMBEDDING_PROVIDER: "none",
    ENGRAM_BOOTSTRAP_SECRET: BOOTSTRAP_SECRET,
    ENGRAM_API_KEY_PEPPER: PEPPER,
    // The most verbose level: a secret must not appear in any log line.
    ENGRAM_LOG_LEVEL: "trace",
  });
  // Many bootstraps at once on an empty database: exactly one wins.
  const racers = await Promise.all(Array.from({ length: 20 }, (_, i) => api(server.url).post("/bootstrap", { name: `racer-${i}`, secret: BOOTSTRAP_SECRET })));
  const won = racers.filter((r) => r.status === 201);
  expect(won).toHaveLength(1);
  expect(racers.filter((r) => r.status === 403)).toHaveLength(19);
  adminKey = won[0]!.body.key;
  admin = api(server.url, adminKey);
});
afterAll(() => server.stop());

describe("robustness at the edge", () => {
  it("a bootstrap race leaves one user and one key", async () => {
    expect((await admin.get("/users")).body.users).toHaveLength(1);
    expect((await admin.get("/keys")).body.keys).toHaveLength(1);
  });

  it("answers deeply nested JSON with a 400 and stays up", async () => {
    const depth = 200_000;
    const bodies = [
      `{"content":${"[".repeat(depth)}${"]".repeat(depth)}}`,
      `${'{"a":'.repeat(depth / 2)}1${"}".repeat(depth / 2)}`,
      `{"query":"x","tags":${"[".repeat(depth)}${"]".repeat(depth)}}`,
    ];
    for (const [path, body] of [["/store", bodies[0]!], ["/store", bodies[1]!], ["/search", bodies[2]!]] as const) {
      const res = await admin.raw("POST", path, body, { "content-type": "application/json" });
      expect(res.status, `${path}: ${JSON.stringify(res.body).slice(0, 200)}`).toBe(400);
      expect(res.body.error).toEqual(expect.any(String));
    }
    expect((await api(server.url).get("/health")).status).toBe(200);
    expect((await admin.get("/list")).body.results).toEqual([]);
  });

  it("survives clients that hang up in the middle of a /context/stream", async () => {
    await admin.post("/store", { content: "The staging cluster is rebuilt every Monday" });
    const hangups = Array.from({ length: 10 }, async () => {
      const abort = new AbortController();
      const res = await fetch(`${server.url}/context/stream`, {
        method: "POST",
        headers: { authorization: `Bearer ${adminKey}`, "content-type": "application/json" },
        body: JSON.stringify({ query: "when is staging rebuilt?" }),
        signal: abort.signal,
      });
      expect(res.status).toBe(200);
      abort.abort();
    });
    await Promise.all(hangups);
    // A whole stream still arrives afterwards, and nothing went wrong on the server's side.
    const full = await admin.raw("POST", "/context/stream", { query: "when is staging rebuilt?" });
    expect(String(full.body)).toContain("event: result");
    expect((await api(server.url).get("/health")).status).toBe(200);
    expect(server.logs.filter((l) => /unhandled|uncaught/i.test(l))).toEqual([]);
  });

  it("never writes keys, the bootstrap secret or the pepper to its log", async () => {
    const issued = (await admin.post("/keys", { name: "second", scopes: "read,write" })).body;
    const rotated = (await admin.post("/keys/rotate", { key_id: issued.id, grace_hours: 1 })).body;
    await api(server.url, issued.key).post("/store", { content: "a memory stored with the second key" });
    await api(server.url, rotated.key).get("/list");
    // Refused keys are logged as refusals, never echoed.
    const wrong = `engram_${"0".repeat(31)}1`;
    await api(server.url, wrong).get("/list");
    await api(server.url).raw("GET", "/list", undefined, { authorization: `Basic ${wrong}` });
    await api(server.url).post("/bootstrap", { secret: BOOTSTRAP_SECRET });
    const log = server.logs.join("\n");
    for (const secret of [adminKey, issued.key, rotated.key, wrong, BOOTSTRAP_SECRET, PEPPER]) {
      expect(log).not.toContain(secret);
      // The key without its prefix is as good as the key.
      expect(log).not.toContain(secret.replace(/^engram_/, ""));
    }
    expect(log).toContain('"status":401');
  });
});
