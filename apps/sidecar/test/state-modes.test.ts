import fs from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { bootstrap, startServer, tempDir } from "../../../test/support/server.js";
import { eventually, startSidecar } from "./sidecar-process.js";

/**
 * The sidecar's state (unsent memories, transcript offsets, the token in sidecar.json) is the
 * owner's alone whatever the umask: the built binary runs under umask 022, as from a default
 * login shell, and every folder and file it wrote is checked with stat.
 */

const running: { stop(): Promise<unknown> }[] = [];
afterEach(async () => {
  for (const p of running.splice(0).reverse()) await p.stop();
});

const mode = (p: string) => fs.statSync(p).mode & 0o777;
const octal = (m: number) => m.toString(8).padStart(4, "0");

/** Every regular file in `dir` with its mode, e.g. `{ "buffer.jsonl": "0600" }`. */
function fileModes(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) if (e.isFile()) out[e.name] = octal(mode(path.join(dir, e.name)));
  return out;
}

const transcriptLine = (text: string) => `${JSON.stringify({ type: "user", message: { role: "user", content: text }, sessionId: "modes" })}\n`;

describe("state dir and files are owner-only under umask 022", () => {
  it("creates ~/.engram/sidecar/<session> 0700 and writes every state file 0600", async () => {
    const server = await startServer({ ENGRAM_EMBEDDING_PROVIDER: "none" });
    running.push(server);
    const key = await bootstrap(server.url);
    const home = tempDir("engram-home-");
    const watchDir = tempDir("engram-transcripts-");
    const sidecar = await startSidecar(["--session-id", "modes", "--watch", watchDir], { HOME: home, ENGRAM_URL: server.url, ENGRAM_API_KEY: key }, { umask: "022" });
    running.push(sidecar);
    const stateDir = path.join(home, ".engram", "sidecar", "modes");
    expect(sidecar.stateDir).toBe(stateDir);

    // Fill the state dir: buffered writes (one the server will refuse), transcript offsets, then a flush.
    await server.stop();
    expect((await sidecar.http.post("/store", { content: "Lima: buffered while the server is down" })).status).toBe(202);
    expect((await sidecar.http.post("/store", { content: "Mike: filed under a space that does not exist", space_id: 424_242 })).status).toBe(202);
    fs.writeFileSync(path.join(watchDir, "modes.jsonl"), transcriptLine("I prefer short commit messages in this repository."));
    await eventually(async () => expect((await sidecar.http.get("/health")).body.buffer.pending).toBe(3));
    const back = await startServer({ ENGRAM_EMBEDDING_PROVIDER: "none", ENGRAM_PORT: String(server.port) }, server.dataDir);
    running.push(back);
    expect((await sidecar.http.post("/flush")).body).toEqual({ flushed: 2, rejected: 1, pending: 0 });

    expect(octal(mode(path.join(home, ".engram")))).toBe("0700");
    expect(octal(mode(path.join(home, ".engram", "sidecar")))).toBe("0700");
    expect(octal(mode(stateDir))).toBe("0700");
    expect(fileModes(stateDir)).toEqual({
      "sidecar.json": "0600",
      "buffer.jsonl": "0600",
      "buffer.ack.json": "0600",
      "rejected.jsonl": "0600",
      "watch-offsets.json": "0600",
    });
  });

  it("narrows a state dir and files an older version left readable by others, and leaves the parent of --state-dir alone", async () => {
    const server = await startServer({ ENGRAM_EMBEDDING_PROVIDER: "none" });
    running.push(server);
    const key = await bootstrap(server.url);
    const parent = tempDir("engram-parent-");
    fs.chmodSync(parent, 0o755);
    const stateDir = path.join(parent, "state");
    fs.mkdirSync(stateDir, { mode: 0o755 });
    fs.chmodSync(stateDir, 0o755);
    const pending = { seq: 1, buffered_at: new Date().toISOString(), request: { content: "November: left by an older sidecar", session_id: "old" } };
    fs.writeFileSync(path.join(stateDir, "buffer.jsonl"), `${JSON.stringify(pending)}\n`, { mode: 0o644 });
    fs.writeFileSync(path.join(stateDir, "watch-offsets.json"), "{}", { mode: 0o644 });
    fs.chmodSync(path.join(stateDir, "buffer.jsonl"), 0o644);
    fs.chmodSync(path.join(stateDir, "watch-offsets.json"), 0o644);

    const sidecar = await startSidecar(["--session-id", "old", "--state-dir", stateDir], { ENGRAM_URL: server.url, ENGRAM_API_KEY: key }, { umask: "022" });
    running.push(sidecar);
    expect(octal(mode(stateDir))).toBe("0700");
    expect(fileModes(stateDir)).toEqual({ "sidecar.json": "0600", "buffer.jsonl": "0600", "watch-offsets.json": "0600" });
    // Not the sidecar's to change: a folder given with --state-dir may sit anywhere.
    expect(octal(mode(parent))).toBe("0755");
    // Narrowing the modes kept the content: the old entry is still pending.
    expect((await sidecar.http.get("/health")).body.buffer.pending).toBe(1);
  });
});
