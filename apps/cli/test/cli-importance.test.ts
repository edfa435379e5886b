import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, bootstrap, startServer, type RunningServer } from "../../../test/support/server.js";
import { cli, parse } from "./cli-process.js";

/**
 * `--importance` as the reference's README writes it: a fraction in (0, 1) is read as tenths.
 * The built CLI runs against the built server; what was stored is read back over HTTP.
 * (Refusals of other values are in cli.test.ts.)
 */

let server: RunningServer;
let key: string;
const run = (...args: string[]) => cli(["--server", server.url, "--key", key, ...args]);
const stored = async (id: number) => (await api(server.url, key).get(`/memory/${id}`)).body;

beforeAll(async () => {
  server = await startServer({ ENGRAM_EMBEDDING_PROVIDER: "none" });
  key = await bootstrap(server.url);
});
afterAll(() => server?.stop());

describe("engram-cli --importance fractions", () => {
  it("runs the reference README's example verbatim: --importance 0.9 is stored as 9", async () => {
    const r = await run("store", "Deployed auth migration to production", "--category", "state", "--importance", "0.9");
    expect(r.code, r.stderr).toBe(0);
    const id = Number(/^stored #(\d+) imp 9\b/.exec(r.stdout)?.[1]);
    expect(await stored(id)).toMatchObject({ content: "Deployed auth migration to production", category: "state", importance: 9 });
  });

  it.each([
    ["0.05", 1, "The staging cluster runs on three spot instances"],
    ["0.04", 1, "Invoices are emailed on the first business day of each month"],
    [".5", 5, "Alice prefers tabs over spaces in Go code"],
    ["0.25", 3, "The VPN config lives in the ops wiki under networking"],
    ["0.95", 10, "Never force-push to the release branch"],
  ])("--importance %s is stored as %i", async (value, expected, content) => {
    const r = parse(await run("store", content, "--importance", value, "--json"));
    expect((await stored(r.id)).importance).toBe(expected);
  });

  it("update --importance takes a fraction too", async () => {
    const r = parse(await run("store", "Backups are verified by a weekly restore drill", "--json"));
    const v2 = parse(await run("update", String(r.id), "--importance", "0.7", "--json"));
    expect((await stored(v2.id)).importance).toBe(7);
  });

  it("says how a fraction is read in its help", async () => {
    const r = await cli(["store", "--help"]);
    expect(r.stdout.replace(/\s+/g, " ")).toContain("a fraction between 0 and 1 read as tenths (0.9 → 9; rounded half up, at least 1)");
  });
});
