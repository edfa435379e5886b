import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { embeddingGraph, writeModelFolder } from "../../../packages/core/test/fixtures/tiny-models.js";
import { api, bootstrap, listeningPort, SERVER_BIN, tempDir } from "../../../test/support/server.js";

/**
 * The data folder must be the server's own user's alone, whatever umask it starts under:
 * the server runs under `umask 022` here (files 644 and folders 755 by default), with a tiny
 * ONNX model and ENGRAM_LANCE_THRESHOLD=0 so that the tenant's vectors go to a LanceDB table.
 */
async function startUnderUmask022(dataDir: string, modelDir: string) {
  const proc = spawn("sh", ["-c", 'umask 022; exec "$0" "$@"', process.execPath, SERVER_BIN], {
    env: {
      PATH: process.env.PATH ?? "",
      ENGRAM_HOST: "127.0.0.1",
      ENGRAM_PORT: "0",
      ENGRAM_DATA_DIR: dataDir,
      ENGRAM_EMBEDDING_MODEL_DIR: modelDir,
      ENGRAM_LANCE_THRESHOLD: "0",
      ENGRAM_VECTOR_MIN_SIMILARITY: "-1",
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const logs: string[] = [];
  const exited = new Promise<number | null>((resolve) => proc.once("exit", (code) => resolve(code)));
  const port = await listeningPort(proc, "server", logs);
  return {
    url: `http://127.0.0.1:${port}`,
    logs,
    stop: (signal: NodeJS.Signals = "SIGTERM") => {
      proc.kill(signal);
      return exited;
    },
  };
}

const mode = (p: string) => (fs.statSync(p).mode & 0o777).toString(8);

/** Every folder and file under dir (dir included), with its mode. */
function modesUnder(dir: string): { path: string; dir: boolean; mode: string }[] {
  const out = [{ path: dir, dir: true, mode: mode(dir) }];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...modesUnder(p));
    else out.push({ path: p, dir: false, mode: mode(p) });
  }
  return out;
}

/** Stores a memory and searches it by vector, so the tenant's LanceDB table exists. */
async function storeAndSearch(url: string, key: string) {
  const c = api(url, key);
  for (;;) {
    const info = (await c.get("/admin/embedding-info")).body;
    if (info.status === "loaded") break;
    await new Promise((r) => setTimeout(r, 50));
  }
  expect((await c.post("/store", { content: "the staging database password rotates on Mondays" })).body).toMatchObject({ stored: true, embedded: true });
  const hits = (await c.post("/search", { query: "staging database password", channels: ["vector"] })).body.results;
  expect(hits).toHaveLength(1);
}

describe.skipIf(process.platform === "win32")("file modes of the data folder", () => {
  it("creates the data folder 0700 and the database, its WAL and shared memory, and the LanceDB tables 0600 under umask 022", async () => {
    const modelDir = await writeModelFolder(path.join(tempDir(), "tiny-bert"), { graph: embeddingGraph(), modelPath: "model_quantized.onnx" });
    const dataDir = path.join(tempDir(), "data"); // the server creates it
    const server = await startUnderUmask022(dataDir, modelDir);
    let stopped = false;
    try {
      await storeAndSearch(server.url, await bootstrap(server.url));
      expect(mode(dataDir)).toBe("700");
      for (const f of ["engram.db", "engram.db-wal", "engram.db-shm"]) expect(mode(path.join(dataDir, f)), f).toBe("600");
      expect(fs.existsSync(path.join(dataDir, "lance"))).toBe(true);
      expect(await server.stop()).toBe(0); // the shutdown flushes the buffered vector rows into the table
      stopped = true;
      const lance = modesUnder(path.join(dataDir, "lance"));
      expect(lance.filter((e) => !e.dir).length).toBeGreaterThan(0);
      for (const e of lance) expect(`${e.path} ${e.mode}`).toBe(`${e.path} ${e.dir ? "700" : "600"}`);
      expect(mode(path.join(dataDir, "engram.db"))).toBe("600");
    } finally {
      if (!stopped) await server.stop();
    }
  });

  it("restricts a data folder an earlier run left open to other users, and says so in the log", async () => {
    const modelDir = await writeModelFolder(path.join(tempDir(), "tiny-bert"), { graph: embeddingGraph(), modelPath: "model_quantized.onnx" });
    const dataDir = path.join(tempDir(), "data");
    const first = await startUnderUmask022(dataDir, modelDir);
    const key = await bootstrap(first.url);
    await storeAndSearch(first.url, key);
    const lanceDir = path.join(dataDir, "lance");
    const db = path.join(dataDir, "engram.db");
    // A crash leaves the WAL and shared-memory files beside the database.
    await first.stop("SIGKILL");
    // As an older version under umask 022 left them.
    for (const [p, m] of [[dataDir, 0o755], [lanceDir, 0o755], [db, 0o644], [`${db}-wal`, 0o644], [`${db}-shm`, 0o644]] as const) fs.chmodSync(p, m);

    const second = await startUnderUmask022(dataDir, modelDir);
    try {
      expect(mode(dataDir)).toBe("700");
      expect(mode(lanceDir)).toBe("700");
      expect(mode(db)).toBe("600");
      for (const f of ["engram.db-wal", "engram.db-shm"]) expect(mode(path.join(dataDir, f)), f).toBe("600");
      const restricted = second.logs
        .map((l) => JSON.parse(l) as { msg?: string; path?: string; mode?: string; now?: string })
        .filter((r) => r.msg === "data was open to other local users; restricted it")
        .map((r) => [r.path, r.mode, r.now]);
      expect(restricted).toEqual([
        [dataDir, "755", "700"],
        [lanceDir, "755", "700"],
        [db, "644", "600"],
        [`${db}-wal`, "644", "600"],
        [`${db}-shm`, "644", "600"],
      ]);
      // The memory the crashed run stored is still there.
      expect((await api(second.url, key).get("/list")).body.results).toHaveLength(1);
    } finally {
      expect(await second.stop()).toBe(0);
    }
  });
});
