import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bootstrap, rawRequest, startServer, type RunningServer } from "../../../test/support/server.js";

/**
 * Finding 10: keyless and bad-key requests were never limited, and each wrote its own fsync'ed
 * audit row. The attacker is 127.0.0.1; a second client comes from 127.0.0.2 (Linux routes
 * all of 127.0.0.0/8 to the loopback interface, so both reach a server bound to 127.0.0.1).
 */
const FAILURES_PER_MINUTE = 20;
const ATTEMPTS = 300;
let server: RunningServer;
let adminKey: string;

beforeAll(async () => {
  server = await startServer({ ENGRAM_AUTH_FAILURES_PER_MINUTE: String(FAILURES_PER_MINUTE) });
  adminKey = await bootstrap(server.url);
});
afterAll(() => server.stop());

const from = (localAddress: string, method: string, path: string, key?: string, body?: unknown) =>
  rawRequest(server.url + path, { method, localAddress, body, headers: key ? { authorization: `Bearer ${key}` } : {} });

describe("failed authentications (finding 10)", () => {
  it("limits them per client address before any key is checked, and counts them in a few audit rows", async () => {
    const statuses: number[] = [];
    let retryAfter: string | null = null;
    const started = Date.now();
    for (let i = 0; i < ATTEMPTS; i++) {
      const res = await from("127.0.0.1", "POST", "/store", "engram_" + "0".repeat(32), { content: `flood ${i}` });
      statuses.push(res.status);
      if (res.status === 429) {
        retryAfter = res.headers.get("retry-after");
        expect(res.body.error).toMatch(/too many failed authentications from 127\.0\.0\.1/);
      }
    }
    // The budget refills continuously (one failure every 3 s at 20 a minute): allow for what
    // the flood's own duration refilled, then every later attempt is refused, unchecked.
    const refilled = Math.floor(((Date.now() - started) * FAILURES_PER_MINUTE) / 60_000);
    const failed = statuses.indexOf(429);
    expect(failed).toBeGreaterThanOrEqual(FAILURES_PER_MINUTE);
    expect(failed).toBeLessThanOrEqual(FAILURES_PER_MINUTE + refilled);
    expect(statuses.slice(0, failed).every((s) => s === 401)).toBe(true);
    expect(statuses.slice(failed).every((s) => s === 429)).toBe(true);
    expect(Number(retryAfter)).toBeGreaterThanOrEqual(1);

    // Once the address is spent, even a good key from it is refused without being checked...
    expect((await from("127.0.0.1", "GET", "/list", adminKey)).status).toBe(429);
    // ...while another address is served, and probes stay open to everyone.
    const other = await from("127.0.0.2", "GET", "/list", adminKey);
    expect(other.status).toBe(200);
    expect((await from("127.0.0.1", "GET", "/health")).status).toBe(200);

    const entries = (await from("127.0.0.2", "GET", "/audit?limit=1000", adminKey)).body.entries as {
      route: string;
      method: string;
      status: number;
      remote_addr: string;
      count: number;
      user_id: number | null;
    }[];
    const flood = entries.filter((e) => e.remote_addr === "127.0.0.1" && e.route === "*");
    // One row per status and minute: at most two minutes were crossed.
    expect(flood.length).toBeGreaterThanOrEqual(2);
    expect(flood.length).toBeLessThanOrEqual(4);
    const counted = (status: number) => flood.filter((e) => e.status === status).reduce((n, e) => n + e.count, 0);
    expect(counted(401)).toBe(failed);
    expect(counted(429)).toBe(ATTEMPTS - failed + 1);
    expect(flood.every((e) => e.method === "*" && e.user_id === null)).toBe(true);
    expect(entries.filter((e) => e.route === "/store")).toEqual([]);
  });
});
