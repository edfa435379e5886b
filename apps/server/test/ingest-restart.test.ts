import { createHash } from "node:crypto";
import { afterAll, describe, expect, it } from "vitest";
import { api, bootstrap, startServer, tempDir, type RunningServer } from "../../../test/support/server.js";

/**
 * An upload ingested by the durable ingest_upload job survives a crash: the server is killed
 * (SIGKILL) while the job is part-way through, restarted on the same data, and the job then
 * completes from where it stopped: every chunk is one memory, none stored twice.
 */
const running: RunningServer[] = [];
afterAll(async () => {
  for (const s of running) await s.stop();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const sha = (b: string) => createHash("sha256").update(b).digest("hex");

describe("ingest_upload survives a restart", () => {
  it("killed mid-job, restarted: the job completes and nothing is duplicated", { timeout: 240_000 }, async () => {
    const dataDir = tempDir();
    const env = { ENGRAM_EMBEDDING_PROVIDER: "none", ENGRAM_JOB_POLL_MS: "50", ENGRAM_AUTOLINK_ENABLED: "0" };
    const first = await startServer(env, dataDir);
    running.push(first);
    const key = await bootstrap(first.url);
    const c1 = api(first.url, key);

    // 1.5 MB of distinct paragraphs: over the 1 MiB inline limit, so complete hands it to the job.
    const text = Array.from({ length: 20000 }, (_, i) => `Entry ${i}: sensor ${i % 97} in hall ${i % 13} logged reading ${(i * 37) % 1000} units at step ${i}.`).join("\n\n");
    const id = (await c1.post("/ingest/upload/init", { filename: "log.txt", source: "restart" })).body.upload_id as string;
    const part = 512 * 1024;
    for (let i = 0; i * part < text.length; i++) {
      const slice = text.slice(i * part, (i + 1) * part);
      expect((await c1.post("/ingest/upload/chunk", { upload_id: id, chunk_index: i, chunk_hash: sha(slice), data: Buffer.from(slice).toString("base64") })).status).toBe(200);
    }
    const done = await c1.post("/ingest/upload/complete", { upload_id: id, chunk: { max_chunk_size: 20000, overlap: 0 } });
    expect(done.status).toBe(202);

    // Wait until the job has stored some chunks, then crash the server.
    let progress: { chunks_done: number; chunks_total: number } | null = null;
    while (!progress || progress.chunks_done === 0) {
      await sleep(20);
      progress = (await c1.get(`/ingest/upload/${id}/status`)).body.progress;
    }
    first.proc.kill("SIGKILL");
    await first.stop();
    expect(progress.chunks_done, "the job finished before the crash: nothing was tested").toBeLessThan(progress.chunks_total);

    const second = await startServer(env, dataDir);
    running.push(second);
    const c2 = api(second.url, key);
    let status: { status: string; ingested_memories: number; progress: { chunks_done: number; chunks_total: number; memories_created: number } };
    do {
      await sleep(100);
      status = (await c2.get(`/ingest/upload/${id}/status`)).body;
    } while (status.status === "processing");
    expect(status.status).toBe("completed");
    const total = status.progress.chunks_total;
    expect(status.progress).toMatchObject({ chunks_done: total, memories_created: total });
    expect(status.ingested_memories).toBe(total);

    const memories: { content: string; source_count: number; tags: string[] }[] = [];
    for (let offset = 0; ; offset += 1000) {
      const page = (await c2.get(`/list?source=restart&limit=1000&offset=${offset}`)).body.results;
      memories.push(...page);
      if (page.length < 1000) break;
    }
    expect(memories).toHaveLength(total);
    // A chunk stored twice would be refused as a near-duplicate and raise the first's source_count.
    expect(memories.filter((m) => m.source_count !== 1)).toEqual([]);
    const positions = new Set(memories.map((m) => m.tags.find((t) => t.startsWith("chunk:"))));
    expect(positions.size).toBe(total);
  });
});
