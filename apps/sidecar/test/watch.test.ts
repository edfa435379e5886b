import fs from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { api, bootstrap, startServer, tempDir } from "../../../test/support/server.js";
import { eventually, memoriesOn, startSidecar, type RunningSidecar } from "./sidecar-process.js";

/**
 * The transcript watcher on real files: lines appended in pieces, a file rotated by rename, a
 * file truncated in place, and sidecar restarts, checked against what the server ends up holding.
 */

const running: { stop(): Promise<unknown> }[] = [];
afterEach(async () => {
  for (const p of running.splice(0).reverse()) await p.stop();
});

/** A Claude Code transcript line; `sessionId: null` leaves the field out. */
const line = (role: "user" | "assistant", text: string, sessionId: string | null = "claude-session") =>
  `${JSON.stringify({
    type: role,
    message: { role, content: role === "user" ? text : [{ type: "text", text }, { type: "tool_use", id: "t", name: "Bash", input: { command: "ls" } }] },
    ...(sessionId === null ? {} : { sessionId }),
    timestamp: new Date().toISOString(),
  })}\n`;

/** Lines that carry nothing worth remembering: they must not turn into memories. */
const NOISE = [
  line("user", "Can you look at the failing build?"),
  line("assistant", "Let me check the logs first."),
  `${JSON.stringify({ type: "summary", summary: "We decided to use Postgres", leafUuid: "x" })}\n`,
  "this line is not JSON at all\n",
];

describe("watching Claude Code transcripts", () => {
  it("stores each extracted memory once across partial lines, rotation, truncation and restarts", async () => {
    const server = await startServer({ ENGRAM_EMBEDDING_PROVIDER: "none" });
    running.push(server);
    const key = await bootstrap(server.url);
    const direct = api(server.url, key);
    const watchDir = tempDir("engram-transcripts-");
    const stateDir = tempDir("engram-sidecar-");
    const transcript = path.join(watchDir, "claude-session.jsonl");
    const older = path.join(watchDir, "older-session.jsonl");
    const start = async () => {
      const s = await startSidecar(["--session-id", "claude-session", "--state-dir", stateDir, "--watch", watchDir], {
        ENGRAM_URL: server.url,
        ENGRAM_API_KEY: key,
      });
      running.push(s);
      return s;
    };
    const expected: string[] = [];
    // Compared as sorted lists: after a rotation the two files' lines may be read in either order.
    const expectStored = async (...contents: string[]) => {
      expected.push(...contents);
      expected.sort();
      await eventually(async () => expect((await memoriesOn(direct)).map((m) => m.content).sort()).toEqual(expected));
    };

    // This session's transcript is caught up from its start; another session's, already there, only from its end.
    fs.writeFileSync(transcript, line("user", "I prefer integration tests over mocks in this codebase.") + NOISE.join(""));
    fs.writeFileSync(older, line("user", "We decided to use Jenkins for everything.", "older-session") + '{"type":"user","mess');
    let sidecar: RunningSidecar = await start();
    await expectStored("I prefer integration tests over mocks in this codebase.");
    await eventually(async () => expect((await sidecar.http.get("/health")).body.watcher.caught_up).toBe(true));
    fs.appendFileSync(older, 'age":{"role":"user","content":"half a line from before the start"}}\n');
    fs.appendFileSync(older, line("user", "Never deploy the older service on Fridays.", "older-session"));
    await expectStored("Never deploy the older service on Fridays.");

    // A line arriving in three writes is read once, whole, when its newline arrives.
    const split = line("assistant", "We decided to use SQLite with WAL mode for the local cache.");
    fs.appendFileSync(transcript, line("user", "Never commit directly to the main branch.") + split.slice(0, 40));
    await expectStored("Never commit directly to the main branch.");
    fs.appendFileSync(transcript, split.slice(40, 90));
    fs.appendFileSync(transcript, split.slice(90));
    await expectStored("We decided to use SQLite with WAL mode for the local cache.");

    // A line longer than one read (256 KB: this one spans four) is put together whole.
    fs.appendFileSync(transcript, line("assistant", `${"x".repeat(900_000)}\n\nWe decided to use Redis for session storage.`));
    await expectStored("We decided to use Redis for session storage.");

    // Rotation by rename: the rest of the old file is still read under its new name, the new file from 0.
    fs.appendFileSync(transcript, line("assistant", "The fix was to raise the inotify watch limit on the CI runners."));
    fs.renameSync(transcript, `${transcript}.1`);
    fs.writeFileSync(transcript, line("assistant", "The deploy pipeline runs on GitHub Actions with self-hosted runners."));
    await expectStored(
      "The fix was to raise the inotify watch limit on the CI runners.",
      "The deploy pipeline runs on GitHub Actions with self-hosted runners.",
    );

    // A restart resumes where it stopped; lines written while it was down are not missed.
    await sidecar.stop();
    fs.appendFileSync(transcript, NOISE.join("") + line("user", "Always squash merge feature branches."));
    sidecar = await start();
    await expectStored("Always squash merge feature branches.");

    // Truncated in place (copytruncate) and rewritten: read again from the start.
    fs.truncateSync(transcript, 0);
    fs.appendFileSync(transcript, line("user", "I'd rather keep the changelog in the repository root, written by hand."));
    await expectStored("I'd rather keep the changelog in the repository root, written by hand.");

    // One more restart with nothing new: nothing is stored again.
    await sidecar.stop();
    sidecar = await start();
    await eventually(async () => expect((await sidecar.http.get("/health")).body.watcher.caught_up).toBe(true));
    // Every file (the rotated one too) resumed at its end: not a line read again.
    expect((await sidecar.http.get("/health")).body.watcher).toEqual({ dir: watchDir, caught_up: true, files: 3, lines_read: 0, memories_stored: 0 });

    const all = await memoriesOn(direct);
    expect(all.map((m) => m.content).sort()).toEqual(expected);
    for (const m of all) {
      // source_count 1: no line was ever stored twice, not even as a near-duplicate the server absorbed.
      expect(m).toMatchObject({ source: "sidecar", tags: ["auto-extracted"], source_count: 1 });
    }
    // Each memory is filed under the session its line names.
    const sessions = new Map(all.map((m) => [m.content, m.session_id]));
    expect(sessions.get("Never deploy the older service on Fridays.")).toBe("older-session");
    expect(sessions.get("Always squash merge feature branches.")).toBe("claude-session");
    const byContent = new Map(all.map((m) => [m.content, m.category]));
    expect(byContent.get("Never commit directly to the main branch.")).toBe("preference");
    expect(byContent.get("We decided to use SQLite with WAL mode for the local cache.")).toBe("decision");
    expect(byContent.get("The fix was to raise the inotify watch limit on the CI runners.")).toBe("error-resolution");
    expect(byContent.get("The deploy pipeline runs on GitHub Actions with self-hosted runners.")).toBe("fact");
  });

  it("buffers what it extracts while the server is down and flushes it when the server returns", async () => {
    const first = await startServer({ ENGRAM_EMBEDDING_PROVIDER: "none" });
    running.push(first);
    const key = await bootstrap(first.url);
    const watchDir = tempDir("engram-transcripts-");
    const sidecar = await startSidecar(["--session-id", "offline", "--state-dir", tempDir("engram-sidecar-"), "--watch", watchDir], {
      ENGRAM_URL: first.url,
      ENGRAM_API_KEY: key,
    });
    running.push(sidecar);
    await first.stop();

    // Created after the start, so read from its beginning; its line names no session, so the sidecar's is used.
    fs.writeFileSync(path.join(watchDir, "transcript.jsonl"), line("assistant", "We settled on weekly dependency updates via Renovate.", null));
    await eventually(async () => expect((await sidecar.http.get("/health")).body.buffer.pending).toBe(1));

    const second = await startServer({ ENGRAM_EMBEDDING_PROVIDER: "none", ENGRAM_PORT: String(first.port) }, first.dataDir);
    running.push(second);
    expect((await sidecar.http.post("/flush")).body).toEqual({ flushed: 1, rejected: 0, pending: 0 });
    expect(await memoriesOn(api(second.url, key))).toEqual([
      expect.objectContaining({ content: "We settled on weekly dependency updates via Renovate.", category: "decision", session_id: "offline", source: "sidecar" }),
    ]);
  });
});
