import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { FakeLlm } from "../../../test/support/fake-llm.js";
import { startServerWithFakeLlm } from "../../../test/support/fake-llm-server.js";
import type { Client } from "../../../test/support/tenants.js";

/**
 * POST /ingest with mode "extract" against a FAKE LLM endpoint (a remote LLM cannot exist
 * here): its facts become the memories; garbage or an error falls back to the rules path,
 * one memory per chunk, and the request still succeeds.
 */
let llm: FakeLlm;
let alice: Client;

let stop: () => Promise<void>;

beforeAll(async () => {
  ({ fake: llm, alice, stop } = await startServerWithFakeLlm());
});
afterAll(() => stop());

const contents = async (ids: number[]) => Promise.all(ids.map(async (id) => (await alice.get(`/memory/${id}`)).body.content as string));

describe("ingest mode extract (fake LLM)", () => {
  it("stores the LLM's atomic facts, each tagged with its chunk", async () => {
    llm.answer({ json: { facts: ["The backup job runs at 02:00 on host vega.", "Snapshots are kept for 14 days.", 42] } });
    const res = await alice.post("/ingest", { text: "# Backups\n\nThe backup job runs at 02:00 on host vega and snapshots are kept for 14 days.", mode: "extract" });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: "completed", method: "llm", ingested: 2, chunks_processed: 1 });
    expect(await contents(res.body.memory_ids)).toEqual(["The backup job runs at 02:00 on host vega.", "Snapshots are kept for 14 days."]);
    expect(String((llm.requests[0]!.messages as { content: string }[])[1]!.content)).toContain("snapshots are kept for 14 days");
  });

  it("garbage or an HTTP error falls back to the rules path: the chunk itself, method rules", async () => {
    for (const answer of [{ content: "I cannot do that." }, { status: 500 }]) {
      llm.reset();
      llm.setDefault(answer);
      const text = `Fallback ${JSON.stringify(answer)}: the VPN gateway moved to gw-4 on the 3rd.`;
      const res = await alice.post("/ingest", { text, mode: "extract" });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ status: "completed", method: "rules", ingested: 1 });
      expect(await contents(res.body.memory_ids)).toEqual([text]);
    }
  });
});
