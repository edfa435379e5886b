import { afterAll, describe, expect, it } from "vitest";
import { api, startServer, type RunningServer } from "../../../test/support/server.js";
import { twoTenants } from "../../../test/support/tenants.js";

/**
 * Through the server: each tenant's lexical index is its own, so bob storing hundreds of memories
 * full of alice's query words leaves alice's BM25 ranking and scores exactly as they were. The
 * server is restarted before alice asks again, so her answers cannot come from the search cache.
 */

const ENV = { ENGRAM_EMBEDDING_PROVIDER: "none" };
// Enough memories that most words are rare (positive IDF): the relative scores below the top hit then carry the statistics.
const ALICE = [
  "The billing database backup runs nightly at 02:00",
  "Production PostgreSQL lives at db-prod-3.internal port 5433, user app_rw",
  "The billing service talks to the payments gateway over gRPC",
  "Ben moved the staging database to a new host last week",
  "Anna reviews the quarterly budget every March",
  "The office coffee machine was replaced on Monday",
  "Grafana dashboards show request latency per route",
  "Deploys happen on Tuesdays after the standup",
  "The mobile app release is planned for September",
  "Kafka topics are retained for seven days",
];
const QUERIES = ["billing database backup", "payments gateway billing", "staging database host"];
let server: RunningServer | undefined;
afterAll(() => server?.stop());

async function answers(client: ReturnType<typeof api>) {
  const out = [];
  for (const query of QUERIES) {
    const res = await client.post("/search", { query, limit: 10, channels: ["fts"] });
    expect(res.status).toBe(200);
    const explained = await client.post("/search/explain", { query, limit: 10, channels: ["fts"] });
    expect(explained.status).toBe(200);
    // Everything but the final score, whose recency factor moves with the clock between the two rounds.
    const scores = (r: { scores: { final: number } }) => ({ ...r.scores, final: undefined });
    out.push({
      query,
      ranking: res.body.results.map((r: { id: number }) => r.id),
      explained: explained.body.results.map((r: { id: number; scores: { final: number } }) => ({ id: r.id, scores: scores(r) })),
    });
  }
  return out;
}

describe("per-tenant BM25 statistics through the server", () => {
  it("keeps alice's search results and scores identical after bob stores 300 memories full of her query words", async () => {
    server = await startServer(ENV);
    const t = await twoTenants(server.url);
    for (const content of ALICE) expect((await t.alice.api.post("/store", { content })).status).toBe(201);
    const before = await answers(t.alice.api);
    expect(before.every((a) => a.ranking.length > 0)).toBe(true);
    // The statistics show below the top hit, where scores are relative to it.
    expect(before.some((a) => a.explained.some((r: { scores: { lexical: number | null } }) => r.scores.lexical! > 0.01 && r.scores.lexical! < 1))).toBe(true);

    const words = QUERIES.join(" ").split(" ");
    for (let i = 0; i < 300; i++) {
      // Distinct filler words in each, so none is taken for a near-duplicate of another.
      const filler = Array.from({ length: 12 }, (_, k) => `w${((i * 12 + k) * 7919) % 100_003}`);
      const content = `${words.slice(i % words.length).join(" ")} ${filler.join(" ")} ${words.join(" ")}`;
      expect((await t.bob.api.post("/store", { content })).status).toBe(201);
    }
    const dataDir = server.dataDir;
    await server.stop();
    server = await startServer(ENV, dataDir);
    expect(await answers(api(server.url, t.alice.key))).toEqual(before);
  }, 120_000);
});
