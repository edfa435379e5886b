import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, startServer, type RunningServer } from "../../../test/support/server.js";
import { twoTenants, type Client } from "../../../test/support/tenants.js";

/**
 * POST /header (contracts/platform.md §8.1) and GET /prompt (contracts/services.md §18) over HTTP:
 * exact shapes, each prompt format, the token budget, two tenants, bad input.
 */
let server: RunningServer;
let alice: Client;
let bob: Client;
const ids: Record<string, number> = {};

async function store(who: Client, body: Record<string, unknown>): Promise<number> {
  const res = await who.post("/store", body);
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.id as number;
}

/** What the contract estimates a packed memory costs: characters / 4 (rounded up) + 10. */
const cost = (content: string) => Math.ceil(Array.from(content).length / 4) + 10;

const LONG = `The migration runbook: ${"step by step, drain the queue, snapshot the volume, switch the DNS. ".repeat(30)}`;

beforeAll(async () => {
  server = await startServer({ ENGRAM_EMBEDDING_PROVIDER: "none" });
  const t = await twoTenants(server.url);
  alice = t.alice.api;
  bob = t.bob.api;
  ids.rule = await store(alice, { content: "Always run the linter before pushing", category: "rule", is_static: true, importance: 9 });
  ids.mine = await store(alice, { content: "Refactored the billing exporter into two modules", model: "claude-opus", source: "claude-code" });
  ids.gpt = await store(alice, { content: "Wrote the Postgres backup schedule for the reporting cluster", model: "gpt-5", source: "codex", category: "ops" });
  ids.gemini = await store(alice, { content: `Reviewed the onboarding doc ${"🙂".repeat(250)}`, model: "gemini-2", category: "docs" });
  ids.plain = await store(alice, { content: "The office wifi password rotates monthly" });
  ids.forgotten = await store(alice, { content: "Drafted a retired plan for the kiosk fleet", model: "forgotten-model" });
  expect((await alice.post(`/memory/${ids.forgotten}/forget`, {})).status).toBe(200);
  ids.archived = await store(alice, { content: "Sketched the archived idea about printers", model: "archived-model" });
  expect((await alice.post(`/memory/${ids.archived}/archive`, {})).status).toBe(200);
  ids.long = await store(alice, { content: LONG });
  ids.bob = await store(bob, { content: "Bob's zebrafish tank needs a new heater", model: "bob-model", is_static: true });
});
afterAll(() => server.stop());

describe("POST /store with model", () => {
  it("keeps the authoring model and the memory object returns it; null when none was given", async () => {
    expect((await alice.get(`/memory/${ids.gpt}`)).body.model).toBe("gpt-5");
    expect((await alice.get(`/memory/${ids.plain}`)).body.model).toBeNull();
  });

  it("an empty or over-long model is a 400 naming the field, and nothing is stored", async () => {
    const before = (await alice.get("/list?limit=1000")).body.results.length;
    for (const model of ["", "m".repeat(101), 7]) {
      const res = await alice.post("/store", { content: "A memory with a bad model name", model });
      expect(res.status).toBe(400);
      expect(res.body.error).toMatch(/^model: /);
    }
    expect((await alice.get("/list?limit=1000")).body.results.length).toBe(before);
  });
});

describe("POST /header", () => {
  it("lists the other models' recent work, newest first, with the header text", async () => {
    const res = await alice.post("/header", { actor_model: "claude-opus", actor_role: "reviewer" });
    expect(res.status).toBe(200);
    const gemini = (await alice.get(`/memory/${ids.gemini}`)).body;
    const gpt = (await alice.get(`/memory/${ids.gpt}`)).body;
    const geminiSummary = Array.from(gemini.content as string).slice(0, 200).join("");
    expect(res.body).toEqual({
      header: {
        actor_model: "claude-opus",
        actor_role: "reviewer",
        prior_models: ["gemini-2", "gpt-5"],
        prior_work_count: 2,
        prior_work: [
          { id: ids.gemini, model: "gemini-2", source: "unknown", category: "docs", summary: geminiSummary, created_at: gemini.created_at },
          { id: ids.gpt, model: "gpt-5", source: "codex", category: "ops", summary: gpt.content, created_at: gpt.created_at },
        ],
      },
      text: [
        "# Engram Task Header",
        "actor_model: claude-opus",
        "actor_role: reviewer",
        "prior_models: [gemini-2, gpt-5]",
        "",
        "## Attribution Rule",
        "You are claude-opus. Memories in Engram tagged with a different model were NOT created by you.",
        "",
        "## Recent Work by Other Models",
        `- [gemini-2] ${geminiSummary}`,
        `- [gpt-5] ${gpt.content}`,
      ].join("\n"),
      actor_model: "claude-opus",
      prior_models: ["gemini-2", "gpt-5"],
    });
    // The summary is cut at 200 characters, never inside one (each emoji is two UTF-16 units).
    expect(Array.from(geminiSummary)).toHaveLength(200);
  });

  it("defaults: actor unknown, role assistant; every model is prior work; limit caps the list", async () => {
    const res = await alice.post("/header", {});
    expect(res.body.actor_model).toBe("unknown");
    expect(res.body.header.actor_role).toBe("assistant");
    expect(res.body.prior_models).toEqual(["gemini-2", "gpt-5", "claude-opus"]);
    const one = await alice.post("/header", { limit: 1, context: "billing" });
    expect(one.body.header.prior_work.map((w: { id: number }) => w.id)).toEqual([ids.gemini]);
    expect(one.body.header.prior_work_count).toBe(1);
  });

  it("never shows forgotten or archived memories, nor another tenant's", async () => {
    const res = await alice.post("/header", { actor_model: "x" });
    const seen = JSON.stringify(res.body);
    for (const model of ["forgotten-model", "archived-model", "bob-model"]) expect(seen).not.toContain(model);
    const bobs = await bob.post("/header", { actor_model: "x" });
    expect(bobs.body.prior_models).toEqual(["bob-model"]);
    expect(bobs.body.header.prior_work.map((w: { id: number }) => w.id)).toEqual([ids.bob]);
  });

  it("a header without prior work has no work section", async () => {
    const res = await bob.post("/header", { actor_model: "bob-model" });
    expect(res.body.header).toMatchObject({ prior_models: [], prior_work_count: 0, prior_work: [] });
    expect(res.body.text).not.toContain("## Recent Work by Other Models");
    expect(res.body.text.split("\n")).toHaveLength(7);
  });

  it("bad input is a 400 naming the field; no key is a 401", async () => {
    for (const [body, field] of [
      [{ limit: 0 }, "limit"],
      [{ limit: 31 }, "limit"],
      [{ limit: 2.5 }, "limit"],
      [{ limit: "10" }, "limit"],
      [{ actor_model: "" }, "actor_model"],
      [{ actor_role: "r".repeat(101) }, "actor_role"],
      [{ context: 5 }, "context"],
    ] as const) {
      const res = await alice.post("/header", body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error).toMatch(new RegExp(`^${field}: `));
    }
    expect((await api(server.url).post("/header", {})).status).toBe(401);
  });
});

describe("GET /prompt", () => {
  it("raw (the default): static first, then by decay score, within the default budget of 4000", async () => {
    const res = await alice.get("/prompt");
    expect(res.status).toBe(200);
    expect(Object.keys(res.body).sort()).toEqual(["format", "memories_included", "prompt", "tokens_estimated"]);
    expect(res.body.format).toBe("raw");
    const blocks = (res.body.prompt as string).split("\n\n");
    expect(blocks[0]).toBe("[rule] Always run the linter before pushing");
    expect(blocks).toHaveLength(res.body.memories_included);
    expect(res.body.memories_included).toBe(6);
    expect(res.body.tokens_estimated).toBeLessThanOrEqual(4000);
    const live = [ids.rule, ids.mine, ids.gpt, ids.gemini, ids.plain, ids.long];
    const contents = await Promise.all(live.map(async (id) => (await alice.get(`/memory/${id}`)).body.content as string));
    expect(res.body.tokens_estimated).toBe(contents.reduce((sum, c) => sum + cost(c), 0));
    for (const left of ["kiosk", "printers", "zebrafish"]) expect(res.body.prompt).not.toContain(left);
  });

  it("respects the token budget: a memory that does not fit is skipped, smaller ones still go in", async () => {
    const res = await alice.get("/prompt?tokens=100");
    expect(res.status).toBe(200);
    expect(res.body.tokens_estimated).toBeLessThanOrEqual(100);
    expect(res.body.prompt).not.toContain("migration runbook");
    expect(res.body.memories_included).toBeGreaterThan(0);
    expect(res.body.prompt.startsWith("[rule] Always run the linter")).toBe(true);
    expect(cost(LONG)).toBeGreaterThan(100);
  });

  it("context adds its search hits: a hit outranks memories that only have their decay score, static ones win a tie", async () => {
    const res = await alice.get(`/prompt?tokens=120&context=${encodeURIComponent("wifi password")}`);
    expect(res.status).toBe(200);
    const blocks = (res.body.prompt as string).split("\n\n");
    expect(blocks[0]).toBe("[rule] Always run the linter before pushing");
    expect(blocks[1]).toBe("[general] The office wifi password rotates monthly");
    expect(res.body.tokens_estimated).toBeLessThanOrEqual(120);
  });

  it("wraps the block for each format", async () => {
    const raw = (await alice.get("/prompt?tokens=100")).body;
    const block = raw.prompt as string;
    const n = raw.memories_included;
    const t = raw.tokens_estimated;

    const anthropic = (await alice.get("/prompt?tokens=100&format=anthropic")).body;
    expect(anthropic).toMatchObject({ format: "anthropic", memories_included: n, tokens_estimated: t });
    expect(anthropic.prompt.startsWith(`<context>\n<engram-memories count="${n}" tokens="~${t}">\n${block}\n</engram-memories>\n</context>\n\n`)).toBe(true);
    expect(anthropic.prompt).toMatch(/conversation/);

    const openai = (await alice.get("/prompt?tokens=100&format=openai")).body;
    expect(openai).toMatchObject({ format: "openai", memories_included: n, tokens_estimated: t });
    expect(openai.prompt.startsWith("# Persistent Memory (Engram)\n")).toBe(true);
    expect(openai.prompt).toContain(`\n\n${block}\n\n`);

    const llamaindex = (await alice.get("/prompt?tokens=100&format=llamaindex")).body;
    expect(llamaindex).toEqual({ prompt: `[MEMORY CONTEXT]\n${block}\n[/MEMORY CONTEXT]`, format: "llamaindex", memories_included: n, tokens_estimated: t });
  });

  it("never packs another tenant's memories, even when the context names them", async () => {
    const res = await alice.get("/prompt?context=zebrafish%20heater&tokens=128000");
    expect(res.status).toBe(200);
    expect(res.body.prompt).not.toContain("zebrafish");
    const bobs = await bob.get("/prompt?format=llamaindex");
    expect(bobs.body).toMatchObject({ memories_included: 1, prompt: "[MEMORY CONTEXT]\n[general] Bob's zebrafish tank needs a new heater\n[/MEMORY CONTEXT]" });
  });

  it("a forgotten memory is never packed", async () => {
    const extra = await store(bob, { content: "A scratch note that bob forgets again" });
    expect((await bob.post(`/memory/${extra}/forget`, {})).status).toBe(200);
    expect((await bob.get("/prompt?format=raw&tokens=100")).body).toMatchObject({ memories_included: 1 });
  });

  it("bad input is a 400 naming the field; no key is a 401", async () => {
    for (const [query, field] of [
      ["format=yaml", "format"],
      ["tokens=99", "tokens"],
      ["tokens=128001", "tokens"],
      ["tokens=many", "tokens"],
      ["tokens=1.5", "tokens"],
    ] as const) {
      const res = await alice.get(`/prompt?${query}`);
      expect(res.status, query).toBe(400);
      expect(res.body.error).toMatch(new RegExp(`^${field}: `));
    }
    expect((await api(server.url).get("/prompt")).status).toBe(401);
  });
});
