import { spawnSync } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, rawRequest, SERVER_BIN, startServer, tempDir, type RunningServer } from "../../../test/support/server.js";

/**
 * Finding 7: open-access mode served the admin API to any Host and Origin (DNS rebinding,
 * cross-site requests), and ENGRAM_HOST=127.attacker.example passed its loopback check.
 */
let server: RunningServer;
let memoryId: number;

beforeAll(async () => {
  server = await startServer({ ENGRAM_OPEN_ACCESS: "1", ENGRAM_EMBEDDING_PROVIDER: "none" });
  memoryId = (await api(server.url).post("/store", { content: "the staging database is db-stage-4" })).body.id;
});
afterAll(() => server.stop());

const keyCount = async () => (await api(server.url).get("/keys")).body.keys.length as number;
const memoryStatus = async () => (await api(server.url).get(`/memory/${memoryId}`)).body.status as string;
const req = (method: string, path: string, headers: Record<string, string>) => rawRequest(server.url + path, { method, headers });

describe("open-access mode refuses what a web page could send (finding 7)", () => {
  it("refuses a foreign Host, as a DNS-rebinding page's requests carry", async () => {
    const before = await keyCount();
    const host = `rebind.attacker.example:${server.port}`;
    const list = await req("GET", "/list", { host });
    expect(list.status).toBe(403);
    expect(list.body.error).toBe(`open-access mode answers only requests addressed to a loopback host, not Host "${host}"`);
    expect((await req("POST", "/keys", { host })).status).toBe(403);
    expect((await req("POST", `/memory/${memoryId}/forget`, { host: `127.0.0.1.nip.io:${server.port}` })).status).toBe(403);
    expect(await keyCount()).toBe(before);
    expect(await memoryStatus()).toBe("active");
  });

  it("refuses body-less cross-site POSTs: a foreign Origin, or Sec-Fetch-Site: cross-site", async () => {
    const before = await keyCount();
    const host = `127.0.0.1:${server.port}`;
    const forget = await req("POST", `/memory/${memoryId}/forget`, { host, origin: "https://evil.example" });
    expect(forget.status).toBe(403);
    expect(forget.body.error).toBe('open-access mode answers only loopback origins, not Origin "https://evil.example"');
    expect((await req("POST", "/keys", { host, origin: "null" })).status).toBe(403);
    const crossSite = await req("POST", "/keys", { host, "sec-fetch-site": "cross-site" });
    expect(crossSite.status).toBe(403);
    expect(crossSite.body.error).toMatch(/cross-site/);
    expect((await req("GET", "/list", { host, "sec-fetch-site": "cross-site" })).status).toBe(403);
    expect(await keyCount()).toBe(before);
    expect(await memoryStatus()).toBe("active");
  });

  it("serves loopback clients: localhost, 127.0.0.1 and [::1] as Host, a loopback Origin", async () => {
    for (const host of [`localhost:${server.port}`, `127.0.0.1:${server.port}`, `[::1]:${server.port}`]) {
      expect((await req("GET", "/list", { host })).status, host).toBe(200);
    }
    const local = await req("POST", "/keys", { host: `localhost:${server.port}`, origin: "http://localhost:3000", "sec-fetch-site": "same-site" });
    expect(local.status).toBe(201);
  });
});

describe("open access binds only to loopback addresses (finding 7)", () => {
  const start = (host: string) =>
    spawnSync(process.execPath, [SERVER_BIN], {
      env: { PATH: process.env.PATH, ENGRAM_DATA_DIR: tempDir(), ENGRAM_PORT: "0", ENGRAM_OPEN_ACCESS: "1", ENGRAM_HOST: host },
      encoding: "utf8",
      timeout: 30_000,
    });

  it.each(["127.attacker.example", "10.0.0.1", "::ffff:10.0.0.1"])("refuses ENGRAM_HOST=%s with one line and exit status 2", (host) => {
    const res = start(host);
    expect(res.status).toBe(2);
    expect(res.stderr).toMatch(new RegExp(`^engram-server: invalid .*ENGRAM_HOST=${host.replace(/\./g, "\\.")}.*loopback`));
    expect(res.stderr.trim().split("\n")).toHaveLength(1);
  });

  it("starts on a name that resolves only to loopback (localhost)", async () => {
    const s = await startServer({ ENGRAM_OPEN_ACCESS: "1", ENGRAM_HOST: "localhost", ENGRAM_EMBEDDING_PROVIDER: "none" });
    try {
      expect((await api(s.url).get("/health")).status).toBe(200);
    } finally {
      await s.stop();
    }
  });
});
