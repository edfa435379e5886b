import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EngramApiError, EngramClient } from "@engram/client";
import { startServer, type RunningServer } from "../../../test/support/server.js";

/** Resolves with the error a call rejects with; fails the test when it does not reject. */
async function failure(p: Promise<unknown>): Promise<EngramApiError> {
  const err = await p.then(
    () => expect.fail("expected the call to fail"),
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(EngramApiError);
  return err as EngramApiError;
}

describe("EngramClient against a running engram-server", () => {
  let server: RunningServer;
  let client: EngramClient;

  beforeAll(async () => {
    server = await startServer();
    // The trailing slash must not double up in request paths.
    const boot = await new EngramClient({ baseUrl: `${server.url}/` }).bootstrap({ name: "sdk" });
    client = new EngramClient({ baseUrl: server.url, apiKey: boot.key });
  });
  afterAll(() => server.stop());

  it("health needs no key", async () => {
    expect(await new EngramClient({ baseUrl: server.url }).health()).toMatchObject({ status: "ok", version: expect.any(String) });
  });

  it("stores, reads, tags, searches and recalls", async () => {
    const stored = await client.store({ content: "the launch code is in the blue binder", category: "ops", tags: ["Secret"] });
    if (!stored.stored) throw new Error("expected a new memory");
    expect(stored.tags).toEqual(["secret"]);

    const m = await client.get(stored.id);
    expect(m).toMatchObject({ id: stored.id, category: "ops", is_latest: true, status: "active" });

    expect((await client.setTags(stored.id, ["binder", "OPS"])).tags).toEqual(["binder", "ops"]);
    expect((await client.tags()).tags).toEqual(expect.arrayContaining([{ tag: "binder", count: 1 }]));
    expect((await client.searchTags({ tags: ["binder"] })).results.map((r) => r.id)).toEqual([stored.id]);

    const found = await client.search({ query: "blue binder" });
    expect(found.results.find((r) => r.id === stored.id)).toMatchObject({ content: "the launch code is in the blue binder", search_type: expect.any(String) });
    expect(found.abstained).toBe(false);

    const recalled = await client.recall({ query: "launch code" });
    expect(recalled.memories.map((r) => r.id)).toContain(stored.id);
    expect((await client.get(stored.id)).access_count).toBeGreaterThan(m.access_count);

    expect((await client.links(stored.id)).links).toEqual([]);
  });

  it("archive and unarchive round-trip", async () => {
    const stored = await client.store({ content: "a memory that goes to the archive and back" });
    if (!stored.stored) throw new Error("expected a new memory");
    expect(await client.archive(stored.id)).toEqual({ id: stored.id, status: "archived" });
    expect((await client.list()).results.map((r) => r.id)).not.toContain(stored.id);
    expect(await client.unarchive(stored.id)).toEqual({ id: stored.id, status: "active" });
    expect((await client.list()).results.map((r) => r.id)).toContain(stored.id);
  });

  it("spaces, stats and audit", async () => {
    const space = await client.createSpace({ name: "scratch", description: "temporary" });
    expect((await client.listSpaces()).spaces.map((s) => s.name)).toEqual(["default", "scratch"]);
    expect(await client.deleteSpace(space.id)).toEqual({ deleted: true, id: space.id });

    const stats = await client.stats();
    expect(stats.memories.active).toBe((await client.list()).results.length);

    const audit = await client.audit({ limit: 5 });
    expect(audit.entries.length).toBeGreaterThan(0);
    expect(audit.entries[0]).toMatchObject({ method: "DELETE", route: "/spaces/:id", target_ids: [space.id] });
  });

  it("users and keys", async () => {
    const user = await client.createUser({ username: "bob", role: "writer" });
    expect((await client.listUsers()).users.map((u) => u.username)).toContain("bob");
    const issued = await client.createKey({ user_id: user.id, name: "bob-laptop" });
    expect(issued).toMatchObject({ user_id: user.id, scopes: "read,write" });
    expect((await client.listKeys({ user_id: user.id })).keys.map((k) => k.id)).toEqual([issued.id]);

    const rotated = await client.rotateKey({ key_id: issued.id, grace_hours: 1 });
    expect(rotated.rotated_from).toBe(issued.id);
    expect(await client.revokeKey(rotated.id)).toEqual({ revoked: true, id: rotated.id, also_revoked: [] });
  });

  it("turns the server's {error} into EngramApiError with the status", async () => {
    const missing = await failure(client.get(999_999));
    expect(missing.status).toBe(404);
    expect(missing.message).toBe("memory not found");

    const invalid = await failure(client.store({ content: "x", importance: 11 }));
    expect(invalid.status).toBe(400);
    expect(invalid.message).toMatch(/^importance: /);

    const unauthorized = await failure(new EngramClient({ baseUrl: server.url, apiKey: "engram_00000000000000000000000000000000" }).list());
    expect(unauthorized.status).toBe(401);
    expect(unauthorized.message).toBe("invalid API key");
  });
});

describe("EngramClient transport failures", () => {
  /** A plain HTTP server standing in for what sits in front of engram-server when things go wrong. */
  async function listen(handler: http.RequestListener): Promise<{ url: string; close(): Promise<void> }> {
    const srv = http.createServer(handler);
    await new Promise<void>((resolve) => srv.listen(0, "127.0.0.1", resolve));
    const url = `http://127.0.0.1:${(srv.address() as AddressInfo).port}`;
    return {
      url,
      close: () =>
        new Promise<void>((resolve) => {
          srv.closeAllConnections();
          srv.close(() => resolve());
        }),
    };
  }

  /** Runs `fn` against a peer answering with `handler`, closing the peer whatever happens. */
  async function withPeer(handler: http.RequestListener, fn: (url: string) => Promise<void>) {
    const peer = await listen(handler);
    try {
      await fn(peer.url);
    } finally {
      await peer.close();
    }
  }

  it("an unreachable server is status 0 with the URL and the reason", async () => {
    // A port that just closed: nothing listens there any more.
    const gone = await listen(() => {});
    await gone.close();
    const err = await failure(new EngramClient({ baseUrl: gone.url }).health());
    expect(err.status).toBe(0);
    expect(err.message).toBe(`cannot reach engram-server at ${gone.url}: ECONNREFUSED`);
  });

  it("a server that never answers times out as status 0", async () => {
    await withPeer(() => {}, async (url) => {
      const err = await failure(new EngramClient({ baseUrl: url, timeoutMs: 200 }).health());
      expect(err.status).toBe(0);
      expect(err.message).toBe(`engram-server at ${url} did not answer within 200 ms`);
    });
  });

  it("a body that stalls after the headers times out the same way", async () => {
    await withPeer((_req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.write('{"status":');
    }, async (url) => {
      const err = await failure(new EngramClient({ baseUrl: url, timeoutMs: 200 }).health());
      expect(err.status).toBe(0);
      expect(err.message).toBe(`engram-server at ${url} did not answer within 200 ms`);
    });
  });

  it("a non-JSON error page keeps its status and a readable message", async () => {
    await withPeer((_req, res) => {
      res.writeHead(502, { "content-type": "text/html" }).end("<h1>Bad Gateway</h1>");
    }, async (url) => {
      const err = await failure(new EngramClient({ baseUrl: url }).health());
      expect(err.status).toBe(502);
      expect(err.message).toBe("HTTP 502 Bad Gateway: <h1>Bad Gateway</h1>");
    });
  });

  it("a 200 that is not JSON is not taken for an answer", async () => {
    await withPeer((_req, res) => {
      res.writeHead(200, { "content-type": "text/plain" }).end("hello");
    }, async (url) => {
      const err = await failure(new EngramClient({ baseUrl: url }).health());
      expect(err.status).toBe(200);
      expect(err.message).toMatch(/did not answer with JSON/);
    });
  });

  it("sends the key as a bearer token and JSON bodies with their content type", async () => {
    let seen: { method?: string; url?: string; auth?: string; type?: string; body?: string } = {};
    await withPeer((req, res) => {
      let body = "";
      req.on("data", (c: Buffer) => (body += c.toString()));
      req.on("end", () => {
        seen = { method: req.method, url: req.url, auth: req.headers.authorization, type: req.headers["content-type"], body };
        res.writeHead(200, { "content-type": "application/json" }).end("{}");
      });
    }, async (url) => {
      const c = new EngramClient({ baseUrl: url, apiKey: "engram_k" });
      await c.list({ limit: 5, include_archived: true, category: undefined });
      expect(seen).toMatchObject({ method: "GET", url: "/list?limit=5&include_archived=true", auth: "Bearer engram_k" });
      await c.forget(7, "stale");
      expect(seen).toMatchObject({ method: "POST", url: "/memory/7/forget", type: "application/json", body: '{"reason":"stale"}' });
    });
  });

  it("rejects a base URL that is not http(s) up front", () => {
    expect(() => new EngramClient({ baseUrl: "localhost:4200" })).toThrow(/invalid engram-server URL "localhost:4200"/);
    expect(() => new EngramClient({ baseUrl: "not a url" })).toThrow(/invalid engram-server URL/);
  });
});
