import net from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, bootstrap, startServer, tempDir, type RunningServer } from "../../../test/support/server.js";
import { memoriesOn, startSidecar, type RunningSidecar } from "./sidecar-process.js";

/**
 * The sidecar checks a store with the server's own schema (@engram/schemas). Checked where it
 * matters: with the server unreachable the sidecar alone decides between buffering and refusing,
 * so each body below goes to the real server and to a sidecar that can only buffer, and both
 * must refuse it with the same status and the same field error.
 */

let server: RunningServer;
let key: string;
let offline: RunningSidecar;
let online: RunningSidecar;

/** A loopback port with nothing listening on it. */
async function closedPort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((resolve) => srv.listen(0, "127.0.0.1", resolve));
  const { port } = srv.address() as net.AddressInfo;
  await new Promise((resolve) => srv.close(resolve));
  return port;
}

beforeAll(async () => {
  server = await startServer({ ENGRAM_EMBEDDING_PROVIDER: "none" });
  key = await bootstrap(server.url);
  offline = await startSidecar(["--session-id", "offline", "--state-dir", tempDir("engram-sidecar-")], {
    ENGRAM_URL: `http://127.0.0.1:${await closedPort()}`,
    ENGRAM_API_KEY: key,
  });
  online = await startSidecar(["--session-id", "online", "--state-dir", tempDir("engram-sidecar-")], { ENGRAM_URL: server.url, ENGRAM_API_KEY: key });
});
afterAll(async () => {
  await offline?.stop();
  await online?.stop();
  await server?.stop();
});

describe("stores refused by engram-server are refused by the sidecar, with the same error", () => {
  it.each([
    ["missing content", {}],
    ["content a number", { content: 7 }],
    ["blank content", { content: " \t" }],
    ["content over 102400 bytes", { content: "x".repeat(102_401) }],
    ["importance 2.5", { content: "ok", importance: 2.5 }],
    ["importance 0", { content: "ok", importance: 0 }],
    ["importance a string", { content: "ok", importance: "9" }],
    ["blank category", { content: "ok", category: "  " }],
    ["a tag over 100 characters", { content: "ok", tags: ["t".repeat(101)] }],
    ["space_id negative", { content: "ok", space_id: -3 }],
    ["ttl_secs negative", { content: "ok", ttl_secs: -1 }],
    ["ttl_secs fractional", { content: "ok", ttl_secs: 1.5 }],
    ["forget_after not a date", { content: "ok", forget_after: "next tuesday" }],
    ["an array body", [1, 2]],
  ])("%s", async (_label, body) => {
    const direct = await api(server.url, key).post("/store", body);
    expect(direct.status).toBe(400);
    const buffered = await offline.http.post("/store", body);
    expect({ status: buffered.status, error: buffered.body.error }).toEqual({ status: 400, error: direct.body.error });
  });

  it("stored nothing and buffered nothing for them", async () => {
    expect(await memoriesOn(api(server.url, key))).toEqual([]);
    expect((await offline.http.get("/health")).body.buffer).toMatchObject({ pending: 0 });
  });
});

describe("fields of the server's store schema pass through the sidecar", () => {
  it("keeps ttl_secs, so the memory gets its forget_after", async () => {
    const res = await online.http.post("/store", { content: "The visitor wifi password rotates on Mondays", ttl_secs: 3600 });
    expect(res.status).toBe(201);
    const m = (await api(server.url, key).get(`/memory/${res.body.id}`)).body;
    expect(m.forget_after).toEqual(expect.any(String));
  });
});
