import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, startServer, type RunningServer } from "../../../test/support/server.js";
import { twoTenants } from "../../../test/support/tenants.js";

let server: RunningServer;
let admin: ReturnType<typeof api>;
let alice: ReturnType<typeof api>;
let bob: ReturnType<typeof api>;
let forcePush: number;
let fridays: number;

beforeAll(async () => {
  server = await startServer({ ENGRAM_EMBEDDING_PROVIDER: "none" });
  const t = await twoTenants(server.url);
  admin = t.admin;
  alice = t.alice.api;
  bob = t.bob.api;
  forcePush = (await alice.post("/store", { content: "Never force-push to the main branch", category: "rule", importance: 10 })).body.id;
  fridays = (await alice.post("/store", { content: "Don't deploy to production on Fridays", is_static: true, importance: 6 })).body.id;
  // An ordinary memory that says "never" is not a rule.
  await alice.post("/store", { content: "I never drink coffee after lunch" });
  await bob.post("/store", { content: "Never delete the staging database", category: "rule", importance: 10 });
});
afterAll(() => server.stop());

describe("POST /guard", () => {
  it("blocks an action that clearly breaks an important rule", async () => {
    const res = await alice.post("/guard", { action: "force-push my branch to main" });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      signal: "block",
      action: "force-push my branch to main",
      rules: [{ id: forcePush, content: "Never force-push to the main branch", importance: 10 }],
      message: `Blocked: rule #${forcePush} forbids this: "Never force-push to the main branch"`,
      method: "rules",
    });
  });

  it("warns on a less important rule, and on a weaker match", async () => {
    const friday = await alice.post("/guard", { action: "deploy the API to production this Friday" });
    expect(friday.body).toMatchObject({ signal: "warn", rules: [{ id: fridays, importance: 6 }] });
    expect(friday.body.message).toBe(`Check first: rule #${fridays} may apply: "Don't deploy to production on Fridays"`);
    const push = await alice.post("/guard", { action: "push the docs to main" });
    expect(push.body).toMatchObject({ signal: "warn", rules: [{ id: forcePush }] });
  });

  it("allows what no rule touches", async () => {
    const res = await alice.post("/guard", { action: "drink coffee after lunch" });
    expect(res.body).toEqual({ signal: "allow", action: "drink coffee after lunch", rules: [], message: "No stored rule applies to this action.", method: "rules" });
  });

  it("never applies another user's rules", async () => {
    expect((await alice.post("/guard", { action: "delete the staging database" })).body.signal).toBe("allow");
    expect((await bob.post("/guard", { action: "delete the staging database" })).body.signal).toBe("block");
    expect((await bob.post("/guard", { action: "force-push to the main branch" })).body).toMatchObject({ signal: "allow", rules: [] });
    // The admin has no rules at all.
    expect((await admin.post("/guard", { action: "force-push to the main branch" })).body.message).toBe("No rules are stored, so nothing forbids this action.");
  });

  it("a forgotten rule stops applying", async () => {
    const id = (await alice.post("/store", { content: "never rename the billing tables", category: "rule", importance: 9 })).body.id;
    expect((await alice.post("/guard", { action: "rename billing tables" })).body.signal).toBe("block");
    await alice.post(`/memory/${id}/forget`, { reason: "migration done" });
    expect((await alice.post("/guard", { action: "rename billing tables" })).body.signal).toBe("allow");
  });

  it("a rule waiting in the review inbox or rejected does not apply; approved, it does", async () => {
    const id = (await alice.post("/store", { content: "never truncate the ledger table", category: "rule", importance: 10, review_status: "pending" })).body.id;
    expect((await alice.post("/guard", { action: "truncate the ledger table" })).body.signal).toBe("allow");
    await alice.post(`/inbox/${id}/approve`);
    expect((await alice.post("/guard", { action: "truncate the ledger table" })).body).toMatchObject({ signal: "block", rules: [{ id }] });
    const rejected = (await alice.post("/store", { content: "never vacuum the archive db", category: "rule", importance: 10, status: "pending" })).body.id;
    await alice.post(`/inbox/${rejected}/reject`);
    expect((await alice.post("/guard", { action: "vacuum the archive db" })).body.signal).toBe("allow");
  });

  it("rejects a missing, empty or non-string action with 400", async () => {
    for (const [body, error] of [
      [{}, "action: is required"],
      [{ action: "" }, "action: must not be empty"],
      [{ action: "   " }, "action: must not be empty"],
      [{ action: 42 }, "action: must be a string"],
    ] as const) {
      const res = await alice.post("/guard", body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body).toEqual({ error });
    }
  });

  it("needs a key", async () => {
    expect((await api(server.url).post("/guard", { action: "anything" })).status).toBe(401);
  });

  it("records the check in the audit log with the rules it ran into", async () => {
    await alice.post("/guard", { action: "force-push to main" });
    const entry = (await admin.get("/audit?limit=1")).body.entries[0];
    expect(entry).toMatchObject({ method: "POST", route: "/guard", target_ids: [forcePush], status: 200 });
  });
});
