import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDb } from "@engram/core";
import { api, startServer, type RunningServer } from "../../../test/support/server.js";
import { twoTenants, type Client } from "../../../test/support/tenants.js";

/**
 * The gate and approvals over HTTP (contracts/intelligence.md §5.8), with ENGRAM_GATE_APPROVAL_TOOLS
 * naming "Deploy" so that step 8 can be driven, and ENGRAM_GATE_BLOCKED_PATTERNS for step 3.
 */
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let server: RunningServer;
let alice: Client;
let bob: Client;
let rule: number;

beforeAll(async () => {
  server = await startServer({
    ENGRAM_EMBEDDING_PROVIDER: "none",
    ENGRAM_GATE_APPROVAL_TOOLS: "Deploy, Publish",
    ENGRAM_GATE_BLOCKED_PATTERNS: "curl evil.example,  TERRAFORM DESTROY",
  });
  const t = await twoTenants(server.url);
  alice = t.alice.api;
  bob = t.bob.api;
  rule = (await alice.post("/store", { content: "Never run migrations against the billing cluster", category: "rule", importance: 10 })).body.id;
  await alice.post("/store", { content: "Don't restart the search workers during business hours", category: "rule", importance: 6 });
});
afterAll(() => server.stop());

const check = (client: Client, body: Record<string, unknown>) => client.post("/gate/check", { agent: "claude-code", ...body });

describe("POST /gate/check", () => {
  it("answers the contract's example: force push to main is blocked and stored", async () => {
    const res = await check(alice, { command: "git push --force origin main" });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({
      allowed: false,
      reason: "Force push to main/master branch blocked",
      resolved_command: "git push --force origin main",
      gate_id: expect.any(Number),
      requires_approval: false,
    });
    // Stored: it can be completed (and is the caller's own).
    expect((await alice.post("/gate/complete", { gate_id: res.body.gate_id, output: "" })).body).toEqual({ ok: true });
  });

  it("runs the steps in order, the first hit deciding", async () => {
    // 1. Read-only tools pass even with a dangerous-looking command.
    expect((await check(alice, { command: "rm -rf /", tool_name: "Read" })).body).toMatchObject({ allowed: true });
    // 2. Dangerous commands.
    expect((await check(alice, { command: "sudo rm -rf /etc/nginx" })).body).toMatchObject({ allowed: false, reason: expect.stringMatching(/Recursive forced delete/) });
    // 3. The configured patterns, matched without regard to case.
    expect((await check(alice, { command: "terraform destroy -auto-approve" })).body).toMatchObject({ allowed: false, reason: "Blocked pattern (ENGRAM_GATE_BLOCKED_PATTERNS): TERRAFORM DESTROY" });
    // 4. The caller's own rules: a block names the rule; a warning rides along as enrichment.
    expect((await check(alice, { command: "run migrations against the billing cluster" })).body).toMatchObject({
      allowed: false,
      reason: `rule #${rule}: Never run migrations against the billing cluster`,
    });
    const warned = (await check(alice, { command: "restart the search workers" })).body;
    expect(warned).toMatchObject({ allowed: true, enrichment: expect.stringMatching(/^rule #\d+ may apply: Don't restart the search workers/) });
    // 5. ssh to loopback, link-local, metadata or unspecified addresses in any notation.
    for (const target of ["127.0.0.1", "2130706433", "0x7f.1", "[::ffff:127.0.0.1]", "169.254.169.254", "0.0.0.0", "fe80::1"]) {
      const res = (await check(alice, { command: `ssh -p 22 root@${target}` })).body;
      expect(res.allowed, target).toBe(false);
      expect(res.reason, target).toMatch(/^ssh to a (loopback|link-local|metadata|unspecified) address/);
    }
    expect((await check(alice, { command: "ssh deploy@10.0.0.5 uptime" })).body).toMatchObject({ allowed: true });
    // 6. systemctl is allowed with a note.
    expect((await check(alice, { command: "sudo systemctl reload nginx" })).body).toMatchObject({
      allowed: true,
      enrichment: "systemctl reload nginx: check `systemctl status nginx` afterwards",
    });
    // 7. Unresolved secret placeholders wait.
    expect((await check(alice, { command: "curl -H 'Authorization: {{secret:github_token}}' https://api.github.com" })).body).toMatchObject({
      allowed: false,
      requires_approval: true,
      reason: expect.stringMatching(/placeholders/),
    });
    // Nothing objects: allowed.
    expect((await check(alice, { command: "ls -la" })).body).toMatchObject({ allowed: true, requires_approval: false });
  });

  it("another tenant's rules never apply", async () => {
    expect((await check(bob, { command: "run migrations against the billing cluster" })).body.allowed).toBe(true);
  });

  it("rejects bad input with 400 naming the field", async () => {
    for (const [body, error] of [
      [{ agent: "a" }, /^command: is required/],
      [{ command: "ls" }, /^agent: is required/],
      [{ command: "  ", agent: "a" }, /^command: /],
      [{ command: "ls", agent: "a", wait_secs: 121 }, /^wait_secs: /],
      [{ command: "ls", agent: "a", wait_secs: -1 }, /^wait_secs: /],
      [{ command: "ls", agent: "x".repeat(101) }, /^agent: /],
    ] as const) {
      const res = await alice.post("/gate/check", body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error).toMatch(error);
    }
  });
});

describe("approvals through the gate", () => {
  it("wait_secs 0 answers at once with the approval to decide; gate/respond settles it", async () => {
    const res = await check(alice, { command: "deploy web to production", tool_name: "Deploy", wait_secs: 0 });
    expect(res.body).toMatchObject({ allowed: false, requires_approval: true, approval_id: expect.stringMatching(/^[0-9a-f-]{36}$/) });
    const approval = (await alice.get(`/approvals/${res.body.approval_id}`)).body;
    expect(approval).toMatchObject({ action: "Deploy: deploy web to production", requester: "claude-code", status: "pending", seconds_remaining: expect.any(Number) });
    expect(approval.seconds_remaining).toBeGreaterThan(0);
    expect((await alice.post("/gate/respond", { gate_id: res.body.gate_id, approved: true, reason: "looks fine" })).body).toEqual({
      ok: true,
      approved: true,
      command: "deploy web to production",
    });
    expect((await alice.get(`/approvals/${res.body.approval_id}`)).body).toMatchObject({ status: "approved", decision_reason: "looks fine", seconds_remaining: 0 });
    // Answered once: a second answer is a conflict.
    expect((await alice.post("/gate/respond", { gate_id: res.body.gate_id, approved: false })).status).toBe(409);
  });

  it("a waiting check holds no thread: other requests are served meanwhile, and the decision wakes it", async () => {
    let settled = false;
    const waiting = check(alice, { command: "publish package 2.0", tool_name: "Publish", wait_secs: 120 }).then((r) => {
      settled = true;
      return r;
    });
    // The approval appears while the check waits; finding it takes requests the server must answer.
    let pending: { id: string; action: string }[] = [];
    while (!pending.some((a) => a.action === "Publish: publish package 2.0")) {
      pending = (await alice.get("/approvals/pending")).body.approvals;
    }
    const approvalId = pending.find((a) => a.action === "Publish: publish package 2.0")!.id;
    expect((await alice.post("/store", { content: "served while a gate check waits" })).status).toBe(201);
    expect((await bob.post("/guard", { action: "anything at all" })).status).toBe(200);
    expect((await api(server.url).get("/health")).status).toBe(200);
    expect(settled).toBe(false);
    const decided = await alice.post(`/approvals/${approvalId}/decide`, { decision: "denied", decided_by: "alice", reason: "not today" });
    expect(decided.body).toMatchObject({ id: approvalId, status: "denied", decision_by: "alice", decision_reason: "not today" });
    const res = await waiting;
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ allowed: false, requires_approval: true, approval_id: approvalId, reason: "Denied: not today" });
  });

  it("an approval decided while the check waits lets the command through", async () => {
    const waiting = check(alice, { command: "deploy api", tool_name: "Deploy", wait_secs: 60 });
    let id: string | undefined;
    while (!id) id = ((await alice.get("/approvals/pending")).body.approvals as { id: string; action: string }[]).find((a) => a.action === "Deploy: deploy api")?.id;
    await alice.post(`/approvals/${id}/decide`, { decision: "approved" });
    expect((await waiting).body).toMatchObject({ allowed: true, approval_id: id, reason: "Approved" });
  });
});

describe("POST /gate/respond and /gate/complete", () => {
  it("complete stores the output scrubbed; another tenant's gate id is a 404 on both", async () => {
    const { gate_id } = (await check(alice, { command: "curl -u admin:$TOKEN https://x", tool_name: "Deploy", wait_secs: 0 })).body;
    expect((await bob.post("/gate/respond", { gate_id, approved: true })).status).toBe(404);
    expect((await bob.post("/gate/complete", { gate_id, output: "x" })).status).toBe(404);
    expect((await alice.post("/gate/respond", { gate_id: 9_999_999, approved: true })).body).toEqual({ error: "gate request not found" });
    const secret = "hunter2-very-secret";
    const out = `token=${secret} b64=${Buffer.from(secret).toString("base64")} url=${encodeURIComponent("p@ss/" + secret)}`;
    expect((await alice.post("/gate/complete", { gate_id, output: out, known_secrets: [secret] })).body).toEqual({ ok: true });
    // No route reads a gate request back, so the stored row is read from the database file.
    const db = openDb({ path: server.dbPath });
    try {
      const row = db.sqlite.prepare("SELECT status, output FROM gate_requests WHERE id = ?").get(gate_id);
      expect(row).toEqual({ status: "completed", output: `token=[REDACTED] b64=[REDACTED:b64] url=p%40ss%2F[REDACTED]` });
    } finally {
      db.close();
    }
  });

  it("bad input is a 400 naming the field", async () => {
    for (const [path, body, error] of [
      ["/gate/respond", { approved: true }, /^gate_id: is required/],
      ["/gate/respond", { gate_id: 1 }, /^approved: is required/],
      ["/gate/respond", { gate_id: "x", approved: true }, /^gate_id: /],
      ["/gate/complete", { gate_id: 1 }, /^output: is required/],
      ["/gate/complete", { gate_id: 1, output: "x", known_secrets: "s" }, /^known_secrets: /],
    ] as const) {
      const res = await alice.post(path, body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error).toMatch(error);
    }
  });
});

describe("/approvals", () => {
  it("create, read, list pending soonest first, decide once", async () => {
    const later = (await alice.post("/approvals", { action: "rotate the TLS certificate", requester: "ops-bot", window_secs: 600 })).body;
    const sooner = (await alice.post("/approvals", { action: "restart the queue", requester: "ops-bot", context: "queue stuck", window_secs: 300 })).body;
    expect(sooner).toEqual({
      id: expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/),
      action: "restart the queue",
      context: "queue stuck",
      requester: "ops-bot",
      status: "pending",
      decision_by: null,
      decision_reason: null,
      created_at: expect.any(String),
      expires_at: expect.any(String),
      decided_at: null,
      user_id: expect.any(Number),
      seconds_remaining: expect.any(Number),
    });
    const ids = ((await alice.get("/approvals/pending")).body.approvals as { id: string }[]).map((a) => a.id);
    expect(ids.indexOf(sooner.id)).toBeLessThan(ids.indexOf(later.id));
    expect((await alice.get(`/approvals/${later.id}`)).body.id).toBe(later.id);
    const decided = await alice.post(`/approvals/${later.id}/decide`, { decision: "approved", decided_by: "alice" });
    expect(decided.status).toBe(200);
    expect(decided.body).toMatchObject({ status: "approved", decision_by: "alice", decided_at: expect.any(String), seconds_remaining: 0 });
    const again = await alice.post(`/approvals/${later.id}/decide`, { decision: "denied" });
    expect(again.status).toBe(409);
    expect(again.body.error).toMatch(/is approved, not pending/);
  });

  it("an approval past its window is expired: listed as such, and deciding it is a 409", async () => {
    const { id } = (await alice.post("/approvals", { action: "short window", requester: "bot", window_secs: 1 })).body;
    // Polls until the one-second window has closed; the server marks it expired when read. The
    // pause keeps the polling under the per-key rate limit, which would answer 429 to a busy loop.
    let status = "pending";
    while (status === "pending") {
      await sleep(100);
      status = (await alice.get(`/approvals/${id}`)).body.status;
    }
    expect(status).toBe("expired");
    const res = await alice.post(`/approvals/${id}/decide`, { decision: "approved" });
    expect(res.status).toBe(409);
    expect(res.body.error).toMatch(/is expired/);
    const other = (await alice.post("/approvals", { action: "another short one", requester: "bot", window_secs: 1 })).body.id;
    let listed = await alice.get("/approvals/pending");
    while ((listed.body.approvals as { id: string }[]).some((a) => a.id === other)) {
      await sleep(100);
      listed = await alice.get("/approvals/pending");
    }
    expect(listed.body.expired_count).toBeGreaterThanOrEqual(1);
    expect(listed.body.count).toBe(listed.body.approvals.length);
  });

  it("another tenant's approval is a 404 and never listed", async () => {
    const mine = (await alice.post("/approvals", { action: "drop the cache", requester: "bot" })).body.id;
    expect((await bob.get(`/approvals/${mine}`)).body).toEqual({ error: "approval not found" });
    expect((await bob.post(`/approvals/${mine}/decide`, { decision: "approved" })).status).toBe(404);
    expect(((await bob.get("/approvals/pending")).body.approvals as { id: string }[]).map((a) => a.id)).not.toContain(mine);
    expect((await alice.get(`/approvals/${mine}`)).body.status).toBe("pending");
    expect((await alice.get("/approvals/not-a-uuid")).status).toBe(404);
  });

  it("bad input is a 400 naming the field", async () => {
    const id = (await alice.post("/approvals", { action: "x", requester: "bot" })).body.id;
    for (const [path, body, error] of [
      ["/approvals", { requester: "bot" }, /^action: is required/],
      ["/approvals", { action: "x" }, /^requester: is required/],
      ["/approvals", { action: "x", requester: "bot", window_secs: 0 }, /^window_secs: /],
      ["/approvals", { action: "x", requester: "bot", window_secs: 3601 }, /^window_secs: /],
      [`/approvals/${id}/decide`, { decision: "maybe" }, /^decision: /],
      [`/approvals/${id}/decide`, {}, /^decision: /],
    ] as const) {
      const res = await alice.post(path, body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error).toMatch(error);
    }
    expect((await alice.get(`/approvals/${id}`)).body.status).toBe("pending");
  });
});
