import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startServer, type RunningServer } from "../../../test/support/server.js";
import { twoTenants, type Client } from "../../../test/support/tenants.js";

/**
 * /admin settings, maintenance mode, job counts, scale report and cold storage
 * (contracts/platform.md §8) over HTTP: admin only, bad keys refused whole, maintenance enforced
 * on non-admin writes and kept across a restart.
 */
let server: RunningServer;
let admin: Client;
let alice: Client;

beforeAll(async () => {
  server = await startServer({ ENGRAM_EMBEDDING_PROVIDER: "none", ENGRAM_INTELLIGENCE_JOBS: "0" });
  ({ admin, alice: { api: alice } } = await twoTenants(server.url));
}, 60_000);
afterAll(() => server.stop());

describe("admin routes", () => {
  it("are for admin keys only", async () => {
    for (const [method, path] of [["get", "/admin/settings"], ["get", "/admin/maintenance"], ["get", "/admin/tasks"], ["get", "/admin/scale-report"], ["get", "/admin/cold-storage"]] as const) {
      expect((await alice[method](path)).status, path).toBe(403);
    }
    expect((await alice.put("/admin/settings", { theme: "dark" })).status).toBe(403);
    expect((await alice.post("/admin/maintenance", { enabled: true })).status).toBe(403);
  });

  it("store settings, strings as they are and other values as JSON text, and refuse a bad or reserved key whole", async () => {
    expect((await admin.put("/admin/settings", { "ui.theme": "dark", retention: { days: 30 }, beta: true })).body).toEqual({ updated: 3 });
    expect((await admin.get("/admin/settings")).body).toMatchObject({ "ui.theme": "dark", retention: '{"days":30}', beta: "true" });
    for (const [body, error] of [
      [{ fine: "x", "bad key!": 1 }, /^bad key!: /],
      [{ fine: "x", bootstrap_claimed: "0" }, /^bootstrap_claimed: is kept by the server/],
      [{ "maintenance_state": "{}" }, /^maintenance_state: /],
      [{ "user:7:anything": "x" }, /^user:7:anything: /],
    ] as const) {
      const res = await admin.put("/admin/settings", body);
      expect(res.status).toBe(400);
      expect(res.body.error).toMatch(error);
    }
    expect((await admin.get("/admin/settings")).body.fine).toBeUndefined();
  });

  it("maintenance mode answers non-admin writes 503 with the message, lets reads and admins through, and survives a restart", async () => {
    const on = await admin.post("/admin/maintenance", { enabled: true, message: "upgrading the disk" });
    expect(on.body).toEqual({ enabled: true, message: "upgrading the disk", since: expect.any(String) });
    const refused = await alice.post("/store", { content: "written during maintenance" });
    expect(refused.status).toBe(503);
    expect(refused.body).toEqual({ error: "upgrading the disk" });
    expect(refused.headers.get("retry-after")).toBe("60");
    expect((await alice.get("/list")).status).toBe(200);
    expect((await admin.post("/store", { content: "an admin may still write" })).status).toBe(201);

    await server.stop();
    server = await startServer({ ENGRAM_EMBEDDING_PROVIDER: "none", ENGRAM_INTELLIGENCE_JOBS: "0", ENGRAM_PORT: String(server.port) }, server.dataDir);
    expect((await admin.get("/admin/maintenance")).body).toEqual(on.body);
    expect((await alice.post("/store", { content: "still refused after the restart" })).status).toBe(503);

    expect((await admin.post("/admin/maintenance", { enabled: false })).body).toEqual({ enabled: false, message: null, since: null });
    expect((await alice.post("/store", { content: "written after maintenance" })).status).toBe(201);
    expect((await admin.post("/admin/maintenance", {})).body.error).toMatch(/^enabled: /);
  });

  it("report job counts, table rows and size, and memories old enough for cold storage", async () => {
    expect((await admin.get("/admin/tasks")).body).toEqual({ pending: expect.any(Number), running: expect.any(Number), completed: expect.any(Number), failed: expect.any(Number) });
    const report = (await admin.get("/admin/scale-report")).body;
    expect(report.table_counts.memories).toBeGreaterThanOrEqual(2);
    expect(report.table_counts.users).toBe(3);
    expect(Object.keys(report.table_counts).some((t) => /_(data|idx|docsize|config)$/.test(t))).toBe(false);
    expect(report.database_size_bytes).toBeGreaterThan(0);
    expect((await admin.get("/admin/cold-storage")).body).toEqual({ eligible_count: 0, threshold_days: 90 });
    expect((await admin.get("/admin/cold-storage?days=0")).body.error).toMatch(/^days: /);
  });
});
