import http from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, bootstrap, logged, startServer, type RunningServer } from "../../../test/support/server.js";

/**
 * ENGRAM_VECTOR_WEIGHT, black-box: three servers (the default weight, 0 and 3) embedding through
 * a fake OpenAI-compatible endpoint on loopback (written here, not a real provider) that answers
 * 4-dimension vectors, one axis per topic word it finds anywhere in the text, so the vector
 * channel finds "kilnroom" for the query "kiln" while the lexical channel does not.
 */

const AXES = ["kiln", "garden", "invoice", "guitar"];
let fake: http.Server;
const servers: RunningServer[] = [];
const admins = new Map<string, ReturnType<typeof api>>();

beforeAll(async () => {
  fake = http.createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString()));
    req.on("end", () => {
      const parsed = JSON.parse(body) as { input: string[] };
      const data = parsed.input.map((text, index) => ({ index, embedding: AXES.map((w) => (text.toLowerCase().includes(w) ? 1 : 0.01)) }));
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ data }));
    });
  });
  await new Promise<void>((resolve) => fake.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(fake.address() as import("node:net").AddressInfo).port}/v1`;
  for (const weight of ["default", "0", "3"]) {
    const env: Record<string, string> = { ENGRAM_EMBEDDING_URL: url, ENGRAM_EMBEDDING_MODEL: "fake-embed", ENGRAM_RATE_LIMIT_ENABLED: "false" };
    if (weight !== "default") env.ENGRAM_VECTOR_WEIGHT = weight;
    const server = await startServer(env);
    servers.push(server);
    await logged(server, "embedding model loaded");
    const admin = api(server.url, await bootstrap(server.url));
    for (const content of ["the kiln needs a new thermocouple", "the pottery kilnroom is cold in winter"]) {
      expect((await admin.post("/store", { content })).body.embedded).toBe(true);
    }
    admins.set(weight, admin);
  }
});
afterAll(async () => {
  for (const s of servers) await s.stop();
  await new Promise((resolve) => fake.close(resolve));
});

type Hit = { content: string; score: number; channels: string[]; scores: { vector: number | null } };
async function search(weight: string) {
  const body = (await admins.get(weight)!.post("/search/explain", { query: "kiln", fusion: "score" })).body as { results: Hit[]; pipeline: { channels: string[] } };
  const vectorOnly = body.results.find((h) => h.content.includes("kilnroom"));
  return { ran: body.pipeline.channels, vectorOnly };
}

describe("ENGRAM_VECTOR_WEIGHT (embeddings from a fake OpenAI-compatible endpoint)", () => {
  it("=0 drops the vector channel; =3 raises the fused score of a memory only the vector channel finds", async () => {
    const base = await search("default");
    expect(base.ran).toContain("vector");
    expect(base.vectorOnly).toBeDefined();
    expect(base.vectorOnly!.channels).toEqual(["vector"]);

    const off = await search("0");
    expect(off.ran).not.toContain("vector");
    // (It may still come through the graph channel, by its auto-link to the other kiln memory.)
    expect(off.vectorOnly?.channels ?? []).not.toContain("vector");

    const heavy = await search("3");
    expect(heavy.vectorOnly!.scores.vector!).toBeCloseTo(base.vectorOnly!.scores.vector!, 6);
    expect(heavy.vectorOnly!.score).toBeGreaterThan(base.vectorOnly!.score);
  });
});
