import http from "node:http";
import { describe, expect, it } from "vitest";
import { api, bootstrap, startServer } from "../../../test/support/server.js";

/**
 * ENGRAM_RATE_LIMIT_ENABLED=0 and ENGRAM_SHUTDOWN_TIMEOUT_MS, on one server that the last test
 * stops: a request that never finishes is cut once the timeout has passed, and the server exits.
 */

describe("rate limits off, and the shutdown timeout", () => {
  it("ENGRAM_RATE_LIMIT_ENABLED=0 serves past the budget without rate-limit headers; a request still open after ENGRAM_SHUTDOWN_TIMEOUT_MS is cut", async () => {
    const s = await startServer({
      ENGRAM_EMBEDDING_PROVIDER: "none",
      ENGRAM_RATE_LIMIT_ENABLED: "0",
      ENGRAM_RATE_LIMIT_PER_MINUTE: "3",
      ENGRAM_SHUTDOWN_TIMEOUT_MS: "300",
    });
    const key = await bootstrap(s.url);
    const c = api(s.url, key);
    for (let i = 0; i < 10; i++) {
      const res = await c.get("/list?limit=1");
      expect(res.status).toBe(200);
      expect(res.headers.get("x-ratelimit-limit")).toBeNull();
    }

    // A store whose body never comes: the server holds it (100 Continue) until the timeout cuts it.
    const req = http.request(`${s.url}/store`, {
      method: "POST",
      agent: false,
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json", "content-length": 100, expect: "100-continue" },
    });
    const cut = new Promise<string>((resolve) => {
      req.on("error", (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
      req.on("response", (res) => resolve(`answered ${res.statusCode}`));
    });
    req.flushHeaders();
    await new Promise<void>((resolve) => req.once("continue", resolve));
    const signalled = performance.now();
    const code = await s.stop("SIGTERM");
    expect(await cut).toBe("ECONNRESET");
    // Cut after 300 ms, not the default 10 s (the margin is for a busy machine).
    expect(performance.now() - signalled).toBeLessThan(5_000);
    expect(code).toBe(0);
    expect(s.logs.join("\n")).toMatch(/in-flight requests did not finish in time[\s\S]*database closed/);
  });
});
