import http from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, bootstrap, logged, startServer, type RunningServer } from "../../../test/support/server.js";

/**
 * ENGRAM_EMBEDDING_URL / _MODEL / _KEY against a fake OpenAI-compatible embedding server on
 * loopback (written here, not a real provider): it records each request and answers 4-dimension
 * vectors, one axis per topic word, so the vector channel's answer is known.
 */

const AXES = ["kiln", "garden", "invoice", "guitar"];
const requests: { authorization: string | undefined; path: string | undefined; model: string; input: string[] }[] = [];
let fake: http.Server;
let server: RunningServer;
let admin: ReturnType<typeof api>;

beforeAll(async () => {
  fake = http.createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString()));
    req.on("end", () => {
      const parsed = JSON.parse(body) as { model: string; input: string[] };
      requests.push({ authorization: req.headers.authorization, path: req.url, ...parsed });
      const data = parsed.input.map((text, index) => ({ index, embedding: AXES.map((w) => (text.toLowerCase().includes(w) ? 1 : 0.01)) }));
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ data }));
    });
  });
  await new Promise<void>((resolve) => fake.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(fake.address() as import("node:net").AddressInfo).port}/v1`;
  server = await startServer({ ENGRAM_EMBEDDING_URL: url, ENGRAM_EMBEDDING_MODEL: "fake-embed", ENGRAM_EMBEDDING_KEY: "sk-test-key" });
  await logged(server, "embedding model loaded");
  admin = api(server.url, await bootstrap(server.url));
});
afterAll(async () => {
  await server.stop();
  await new Promise((resolve) => fake.close(resolve));
});

describe("an OpenAI-compatible embedding endpoint (fake, on loopback)", () => {
  it("is called at <url>/embeddings with the configured model and key, and its vectors serve the vector channel", async () => {
    const kiln = (await admin.post("/store", { content: "the kiln needs a new thermocouple" })).body;
    const garden = (await admin.post("/store", { content: "the garden hose leaks at the tap" })).body;
    expect(kiln.embedded).toBe(true);
    expect(garden.embedded).toBe(true);
    expect(requests.length).toBeGreaterThan(0);
    for (const r of requests) expect(r).toMatchObject({ authorization: "Bearer sk-test-key", path: "/v1/embeddings", model: "fake-embed" });
    expect(requests.flatMap((r) => r.input)).toContain("the kiln needs a new thermocouple");
    expect((await admin.get("/admin/embedding-info")).body).toMatchObject({ model: "openai:fake-embed", dimension: 4, vectors: 2 });

    const hits = (await admin.post("/search", { query: "kiln", channels: ["vector"] })).body.results as { id: number }[];
    expect(hits[0]!.id).toBe(kiln.id);
  });
});
