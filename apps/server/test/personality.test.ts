import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, startServer, type RunningServer } from "../../../test/support/server.js";
import { twoTenants } from "../../../test/support/tenants.js";

let server: RunningServer;
let alice: ReturnType<typeof api>;
let bob: ReturnType<typeof api>;
let reader: ReturnType<typeof api>;

beforeAll(async () => {
  server = await startServer({ ENGRAM_EMBEDDING_PROVIDER: "none", ENGRAM_JOB_POLL_MS: "50" });
  const t = await twoTenants(server.url);
  alice = t.alice.api;
  bob = t.bob.api;
  reader = api(server.url, (await t.admin.post("/keys", { user_id: t.alice.id, scopes: "read" })).body.key);
});
afterAll(() => server.stop());

async function until<T>(what: string, probe: () => Promise<T | undefined>): Promise<T> {
  for (let i = 0; i < 300; i++) {
    const v = await probe();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${what}: not reached`);
}

const signalsOf = async (who: ReturnType<typeof api>, memoryId: number) =>
  ((await who.get("/personality/signals?limit=1000")).body.signals as { memory_id: number; signal_type: string; subject: string }[]).filter((s) => s.memory_id === memoryId);

describe("/personality and /profile", () => {
  it("detects the contract's example without storing anything; a read key may call it", async () => {
    const res = await reader.post("/personality/detect", { content: "I love hiking in the Alps, and I value honesty. I want to learn Rust." });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      signals: [
        { signal_type: "preference", value: 0.6, subject: "hiking in the Alps", valence: "positive", source_text: "I love hiking in the Alps," },
        { signal_type: "value", value: 0.7, subject: "honesty", valence: "positive", source_text: "I value honesty." },
        { signal_type: "motivation", value: 0.6, subject: "learn Rust", valence: "positive", source_text: "I want to learn Rust." },
      ],
    });
    expect((await alice.get("/personality/signals")).body).toEqual({ signals: [], count: 0 });
  });

  it("derives a stored memory's signals in the post-store job, and a new version replaces them", async () => {
    const id = (await alice.post("/store", { content: "I really love sailing on windy days and I am a night owl." })).body.id as number;
    const found = await until("signals of the stored memory", async () => {
      const s = await signalsOf(alice, id);
      return s.length >= 2 ? s : undefined;
    });
    expect(found.map((s) => [s.signal_type, s.subject]).sort()).toEqual([
      ["identity", "night owl"],
      ["preference", "sailing on windy days"],
    ]);
    const full = (await alice.get("/personality/signals?type=preference")).body.signals.find((s: { memory_id: number }) => s.memory_id === id);
    expect(full).toMatchObject({ valence: "positive", value: 0.78, intensity: 0.78, agent: "unknown", source_text: "I really love sailing on windy days and I am a night owl." });

    // Too short to read: no signals.
    const short = (await alice.post("/store", { content: "I love tea." })).body.id as number;
    const newId = (await alice.post(`/memory/${id}/update`, { content: "I decided to sell the boat." })).body.id as number;
    await until("signals of the new version", async () => ((await signalsOf(alice, newId)).length === 1 ? true : undefined));
    expect((await signalsOf(alice, newId)).map((s) => [s.signal_type, s.subject])).toEqual([["decision", "sell the boat"]]);
    expect(await signalsOf(alice, short)).toEqual([]);
    // The replaced version's signals went with it: the profile reads the current text only.
    expect(await signalsOf(alice, id)).toEqual([]);
  });

  it("records signals by hand, lists them by type, and keeps the profile as the mean per type", async () => {
    const posted = await alice.post("/personality/signals", { signal_type: "value", value: 0.9, evidence: "said so twice", subject: "craftsmanship", valence: "positive", agent: "claude" });
    expect(posted.status).toBe(201);
    expect(posted.body).toMatchObject({ memory_id: null, signal_type: "value", value: 0.9, intensity: 0.9, subject: "craftsmanship", evidence: "said so twice", agent: "claude" });
    await alice.post("/personality/signals", { signal_type: "value", value: 0.5 });
    const values = await alice.get("/personality/signals?type=value");
    expect(values.body.count).toBe(2);
    expect(values.body.signals[0].value).toBe(0.5);

    const updated = await alice.post("/personality/profile/update");
    expect(updated.status).toBe(200);
    expect(updated.body.traits.value).toBe(0.7);
    expect(updated.body.counts.value).toBe(2);
    expect(updated.body.signal_count).toBe(Object.values(updated.body.counts as Record<string, number>).reduce((a, b) => a + b, 0));
    expect(updated.body.traits.motivation).toBeUndefined();
    // A new signal makes the profile stale: the next read recomputes it.
    await alice.post("/personality/signals", { signal_type: "motivation", value: 0.4 });
    expect((await alice.get("/personality/profile")).body.traits.motivation).toBe(0.4);
  });

  it("synthesizes the rules summary from the latest memories, keeping hand-posted signals; /profile shows it", async () => {
    await alice.post("/store", { content: "I hate crowded trains in the morning.", tags: ["commute"] });
    await alice.post("/store", { content: "I care about honesty above everything.", tags: ["commute"] });
    const res = await alice.post("/profile/synthesize");
    expect(res.status).toBe(200);
    expect(res.body.method).toBe("rules");
    expect(res.body.personality_summary).toMatch(/^PREFERENCES: [^.]*dislikes crowded trains in the morning[^.]*\. CORE VALUES: [^.]*honesty above everything/);
    expect(res.body.personality_summary).toContain("craftsmanship");
    expect(res.body.memory_count).toBeGreaterThanOrEqual(3);
    expect(res.body.top_tags).toContainEqual({ tag: "commute", count: 2 });
    const profile = await alice.get("/profile");
    expect(profile.body).toMatchObject({ user_id: res.body.user_id, personality_summary: res.body.personality_summary, memory_count: res.body.memory_count });
    expect(profile.body.top_categories).toContainEqual({ category: "general", count: expect.any(Number) });
    // Synthesis again leaves the same signals (derived ones replaced, not added).
    const before = (await alice.get("/personality/signals?limit=1000")).body.count;
    await alice.post("/profile/synthesize");
    expect((await alice.get("/personality/signals?limit=1000")).body.count).toBe(before);
  });

  it("keeps signals and profiles to their tenant", async () => {
    expect((await bob.get("/personality/signals")).body).toEqual({ signals: [], count: 0 });
    expect((await bob.get("/personality/profile")).body).toMatchObject({ traits: {}, signal_count: 0 });
    const empty = await bob.post("/profile/synthesize");
    expect(empty.body).toMatchObject({ personality_summary: "No personality signals yet.", memory_count: 0, personality_traits: {}, oldest_memory: null });
    expect((await bob.get("/profile")).body.personality_summary).toBe("No personality signals yet.");
    // Bob's memory gives bob's signal, never listed for alice.
    const id = (await bob.post("/store", { content: "I prefer dark roast coffee every morning." })).body.id as number;
    await until("bob's signal", async () => ((await signalsOf(bob, id)).length > 0 ? true : undefined));
    expect(await signalsOf(alice, id)).toEqual([]);
  });

  it("answers 400 naming the field for bad input", async () => {
    const cases: [string, unknown, RegExp][] = [
      ["/personality/detect", {}, /^content: is required/],
      ["/personality/detect", { content: "" }, /^content: must not be empty/],
      ["/personality/detect", { content: "x".repeat(102_401) }, /^content: must be at most 102400 bytes/],
      ["/personality/signals", { signal_type: "mood", value: 0.5 }, /^signal_type: must be one of preference/],
      ["/personality/signals", { signal_type: "value", value: 1.5 }, /^value: /],
      ["/personality/signals", { signal_type: "value" }, /^value: is required/],
      ["/personality/signals", { signal_type: "value", value: 0.5, valence: "great" }, /^valence: /],
    ];
    for (const [path, body, error] of cases) {
      const res = await alice.post(path, body);
      expect(res.status, `${path} ${JSON.stringify(body).slice(0, 80)}`).toBe(400);
      expect(res.body.error).toMatch(error);
    }
    expect((await alice.get("/personality/signals?type=mood")).status).toBe(400);
    expect((await alice.get("/personality/signals?limit=0")).status).toBe(400);
    expect((await reader.post("/personality/signals", { signal_type: "value", value: 0.5 })).status).toBe(403);
  });
});
