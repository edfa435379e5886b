import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bootstrap, startServer, tempDir } from "../../../test/support/server.js";
import { startSidecar, type RunningSidecar } from "../../sidecar/test/sidecar-process.js";
import { cli } from "./cli-process.js";

/**
 * engram-cli pointed at an engram-sidecar (its URL as the server, its token as the key) whose
 * engram-server is down: stores are acknowledged from the sidecar's buffer, and the CLI says so.
 */

let sidecar: RunningSidecar;
let env: Record<string, string>;

beforeAll(async () => {
  const server = await startServer({ ENGRAM_EMBEDDING_PROVIDER: "none" });
  const key = await bootstrap(server.url);
  await server.stop();
  sidecar = await startSidecar(["--session-id", "cli-outage", "--state-dir", tempDir("engram-cli-sidecar-")], { ENGRAM_URL: server.url, ENGRAM_API_KEY: key });
  env = { ENGRAM_URL: sidecar.url, ENGRAM_API_KEY: sidecar.token };
});
afterAll(() => sidecar?.stop());

describe("engram-cli through a sidecar while the server is down", () => {
  it("reports a buffered store as buffered, in words and as JSON", async () => {
    const words = await cli(["store", "The nightly backup moved to 03:00"], env);
    expect(words.code, words.stderr).toBe(0);
    expect(words.stdout).toBe("buffered by the sidecar (position 1): the server is unreachable; it is stored when the server is back\n");
    const json = await cli(["store", "--json", "The weekly report goes out on Fridays"], env);
    expect(JSON.parse(json.stdout)).toEqual({ buffered: true, position: 2, seq: expect.any(Number) });
  });

  it("counts buffered entries of an import apart from stored ones", async () => {
    const file = path.join(tempDir("engram-cli-sidecar-import-"), "notes.jsonl");
    fs.writeFileSync(file, `${JSON.stringify({ content: "Alerts page the on-call phone first" })}\n${JSON.stringify({ content: "Runbooks live in the ops wiki" })}\n`);
    const r = await cli(["import", file], env);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe(`imported ${file}: 0 stored, 0 duplicates, 2 buffered by the sidecar, 0 failed (2 entries)\n`);
  });
});
