import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import fs from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { embeddingGraph, writeModelFolder } from "../../../packages/core/test/fixtures/tiny-models.js";
import { api, bootstrap, SERVER_BIN, startServer, tempDir } from "../../../test/support/server.js";

/*
 * A stand-in for the Hugging Face hub (the real one is on the internet): a local HTTP server
 * with the hub's URL layout serving a model folder the test generates. The ONNX file is an
 * LFS file (sha256 in the listing), the others plain git files (blob sha1).
 */

interface Served {
  files: Map<string, Buffer>;
  /** Listing mode: the tree endpoint, or only the older siblings endpoint. */
  listing: "tree" | "siblings";
  /** Overrides the listed sha256 of a file, to serve a corrupt one. */
  wrongSha256?: string;
  /** Overrides the listed size of the ONNX file. */
  listedModelSize?: number;
}

const MODEL_FILE = "onnx/model_quantized.onnx";
const sha256 = (b: Buffer) => createHash("sha256").update(b).digest("hex");
const gitSha1 = (b: Buffer) => createHash("sha1").update(`blob ${b.length}\0`).update(b).digest("hex");

let hub: http.Server;
let hubUrl: string;
const repos = new Map<string, Served>();
/** Every request for the ONNX file: its Range header, so the test sees the resume. */
const modelRequests: (string | undefined)[] = [];
let cutNextModelDownload = true;

function readAll(dir: string, rel = ""): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  for (const e of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
    const p = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) for (const [k, v] of readAll(dir, p)) out.set(k, v);
    else out.set(p, fs.readFileSync(path.join(dir, p)));
  }
  return out;
}

function listing(repo: Served) {
  return [...repo.files].map(([p, content]) =>
    p.endsWith(".onnx")
      ? { type: "file", path: p, size: 134, oid: gitSha1(Buffer.from("pointer")), lfs: { oid: repo.wrongSha256 ?? sha256(content), size: repo.listedModelSize ?? content.length, pointerSize: 134 } }
      : { type: "file", path: p, size: content.length, oid: gitSha1(content) },
  );
}

function handle(req: http.IncomingMessage, res: http.ServerResponse) {
  const url = new URL(req.url!, "http://hub");
  const api = /^\/api\/models\/([^/]+\/[^/]+)(\/tree\/main)?$/.exec(url.pathname);
  if (api) {
    const repo = repos.get(api[1]!);
    if (!repo || (api[2] && repo.listing !== "tree")) return res.writeHead(404).end("{}");
    const body = api[2] ? listing(repo) : { id: api[1], siblings: [...repo.files.keys()].map((rfilename) => ({ rfilename })) };
    return res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(body));
  }
  // The hub redirects resolve URLs to its file store, as huggingface.co does for LFS files.
  const resolve = /^\/([^/]+\/[^/]+)\/resolve\/main\/(.+)$/.exec(url.pathname);
  if (resolve) return res.writeHead(302, { location: `/store/${resolve[1]}/${resolve[2]}` }).end();
  const store = /^\/store\/([^/]+\/[^/]+)\/(.+)$/.exec(url.pathname);
  const flooding = store && store[2] === MODEL_FILE && floods.get(store[1]!);
  if (flooding) return flood(res, flooding);
  const content = store && repos.get(store[1]!)?.files.get(decodeURIComponent(store[2]!));
  if (!content) return res.writeHead(404).end("not found");
  const isModel = store[2] === MODEL_FILE;
  if (isModel) modelRequests.push(req.headers.range);
  const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? "");
  if (range) {
    const from = Number(range[1]);
    res.writeHead(206, { "content-length": content.length - from, "content-range": `bytes ${from}-${content.length - 1}/${content.length}` });
    return res.end(content.subarray(from));
  }
  res.writeHead(200, { "content-length": content.length });
  if (isModel && cutNextModelDownload) {
    // Half the file, then the connection drops: the client must resume with a Range request.
    cutNextModelDownload = false;
    res.write(content.subarray(0, content.length >> 1), () => setTimeout(() => res.socket?.destroy(), 20));
    return;
  }
  res.end(content);
}

/**
 * Repositories whose ONNX file never ends: the hub streams 64 KiB chunks (as the socket takes
 * them) up to FLOOD_BYTES, with or without announcing that length, and records how much it
 * wrote and whether the client hung up first.
 */
const FLOOD_BYTES = 256 * 1024 * 1024;
interface Flood {
  announce: boolean;
  sent: number;
  finished: boolean;
  /** Resolves when the connection closed, whoever closed it. */
  closed: Promise<void>;
  onClose: () => void;
}
const floods = new Map<string, Flood>();

function addFlood(repo: string, announce: boolean): Flood {
  let onClose!: () => void;
  const closed = new Promise<void>((resolve) => (onClose = resolve));
  const f: Flood = { announce, sent: 0, finished: false, closed, onClose };
  floods.set(repo, f);
  return f;
}

function flood(res: http.ServerResponse, f: Flood) {
  const chunk = Buffer.alloc(64 * 1024, 7);
  res.writeHead(200, f.announce ? { "content-length": FLOOD_BYTES } : {});
  res.on("close", f.onClose);
  const pump = () => {
    while (f.sent < FLOOD_BYTES) {
      if (res.destroyed) return;
      f.sent += chunk.length;
      if (!res.write(chunk)) return void res.once("drain", pump);
    }
    f.finished = true;
    res.end();
  };
  pump();
}

let source: Map<string, Buffer>;

beforeAll(async () => {
  const dir = await writeModelFolder(path.join(tempDir(), "tiny"), { graph: embeddingGraph(), modelPath: MODEL_FILE, pooling: "mean" });
  fs.writeFileSync(path.join(dir, "README.md"), "not downloaded: the pull takes only what the loader reads\n");
  source = readAll(dir);
  repos.set("acme/tiny-embedder", { files: source, listing: "tree" });
  repos.set("legacy/tiny-embedder", { files: source, listing: "siblings" });
  repos.set("broken/tiny-embedder", { files: source, listing: "tree", wrongSha256: "0".repeat(64) });
  for (const repo of ["liar/tiny-embedder", "announcer/tiny-embedder"]) repos.set(repo, { files: source, listing: "tree", listedModelSize: 1000 });
  repos.set("unlisted/tiny-embedder", { files: source, listing: "siblings" });
  // A hub whose listing names files outside the repository: only the loader's fixed names are fetched.
  const hostile = new Map(source);
  for (const name of ["../../escaped.json", "onnx/../../../escaped.onnx", "/tmp/escaped-absolute.json", "..\\..\\escaped.json"]) hostile.set(name, Buffer.from("{}"));
  repos.set("hostile/tiny-embedder", { files: hostile, listing: "tree" });
  hub = http.createServer(handle);
  await new Promise<void>((resolve) => hub.listen(0, "127.0.0.1", resolve));
  hubUrl = `http://127.0.0.1:${(hub.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => hub.close(resolve));
});

/** Runs the built engram-server with arguments; resolves with its exit code and output. */
function run(args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const proc = spawn(process.execPath, [SERVER_BIN, ...args], { env: { PATH: process.env.PATH ?? "", ...env }, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  proc.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
  proc.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
  return new Promise((resolve) => proc.on("close", (code) => resolve({ code, stdout, stderr })));
}

describe("engram-server models pull (against a fake hub on loopback)", () => {
  const modelsDir = tempDir("engram-models-");
  const env = () => ({ ENGRAM_MODEL_HUB: hubUrl, ENGRAM_MODELS_DIR: modelsDir, ENGRAM_DATA_DIR: tempDir() });

  it("downloads the files the loader needs, resumes a cut-off transfer and checks hashes", async () => {
    const result = await run(["models", "pull", "acme/tiny-embedder"], env());
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    const dir = path.join(modelsDir, "acme", "tiny-embedder");
    for (const file of ["tokenizer.json", "tokenizer_config.json", "config.json", "1_Pooling/config.json", MODEL_FILE]) {
      expect(fs.readFileSync(path.join(dir, file))).toEqual(source.get(file));
    }
    expect(fs.existsSync(path.join(dir, "README.md"))).toBe(false);
    expect(fs.readdirSync(path.join(dir, "onnx"))).toEqual(["model_quantized.onnx"]); // no .part left behind
    // The first request was cut at half; the second asked for the rest.
    const half = source.get(MODEL_FILE)!.length >> 1;
    expect(modelRequests).toEqual([undefined, `bytes=${half}-`]);
    expect(result.stdout).toContain(`${MODEL_FILE}: interrupted at`);
    expect(result.stdout).toContain(`${MODEL_FILE}: done, 0.0 MB, sha256 verified`);
    expect(result.stdout).toContain("tokenizer.json: done, 0.0 MB, git-sha1 verified");
    expect(result.stdout).toContain("ENGRAM_EMBEDDING_MODEL=acme/tiny-embedder");

    const again = await run(["models", "pull", "acme/tiny-embedder"], env());
    expect(again.code).toBe(0);
    expect(again.stdout).toContain(`${MODEL_FILE}: already complete`);
    expect(modelRequests).toHaveLength(2);

    const listed = await run(["models", "list"], env());
    expect(listed.stdout).toMatch(/^acme\/tiny-embedder\t[\d.]+ MB\tonnx\/model_quantized\.onnx\tpooling: mean$/m);
  });

  it("serves the pulled model when ENGRAM_EMBEDDING_MODEL names it", async () => {
    const server = await startServer({ ENGRAM_MODELS_DIR: modelsDir, ENGRAM_EMBEDDING_MODEL: "acme/tiny-embedder" });
    try {
      const admin = api(server.url, await bootstrap(server.url));
      let info = (await admin.get("/admin/embedding-info")).body;
      while (info.status === "loading") info = (await admin.get("/admin/embedding-info")).body;
      expect(info).toMatchObject({ model: "onnx:tiny-embedder", dimension: 8, status: "loaded" });
      expect((await admin.post("/store", { content: "the database server is down" })).body).toMatchObject({ stored: true, embedded: true });
      const hits = (await admin.post("/search", { query: "database down", channels: ["vector"] })).body.results;
      expect(hits.map((h: { content: string }) => h.content)).toEqual(["the database server is down"]);
    } finally {
      await server.stop();
    }
  });

  it("refuses files the hub lists with neither size nor hash, unless --allow-unverified is passed", async () => {
    const refused = await run(["models", "pull", "legacy/tiny-embedder"], env());
    expect(refused.code).toBe(1);
    expect(refused.stderr).toBe(
      "engram-server: tokenizer.json: the hub lists neither its size nor a hash, so the download could not be checked; nothing was downloaded. " +
        "Pass --allow-unverified to take it as the hub sends it (at most ENGRAM_MODEL_MAX_FILE_BYTES, 4294967296 bytes)\n",
    );
    expect(fs.existsSync(path.join(modelsDir, "legacy"))).toBe(false);
    expect((await run(["models", "pull", "legacy/tiny-embedder", "--allow-unverified=yes"], env())).stderr).toContain("--allow-unverified takes no value");

    const result = await run(["models", "pull", "legacy/tiny-embedder", "--allow-unverified"], env());
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`${MODEL_FILE}: done, 0.0 MB, size verified`);
    expect(fs.readFileSync(path.join(modelsDir, "legacy", "tiny-embedder", MODEL_FILE))).toEqual(source.get(MODEL_FILE));
  });

  it("rejects a file whose sha256 does not match the listing and leaves nothing in its place", async () => {
    const result = await run(["models", "pull", "broken/tiny-embedder"], env());
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`engram-server: ${MODEL_FILE}: sha256 check failed`);
    expect(result.stderr).toContain(`the hub lists ${"0".repeat(64)}`);
    const onnxDir = path.join(modelsDir, "broken", "tiny-embedder", "onnx");
    expect(fs.existsSync(onnxDir) ? fs.readdirSync(onnxDir) : []).toEqual([]);
  });

  it("stops a download as soon as the hub sends more than it listed, and keeps none of it (fake hub streaming 256 MiB for 1,000 bytes)", async () => {
    const f = addFlood("liar/tiny-embedder", false);
    const result = await run(["models", "pull", "liar/tiny-embedder"], env());
    // The client hung up: the hub could push only what the socket buffers held, far from 256 MiB.
    await f.closed;
    expect(f.finished).toBe(false);
    expect(f.sent).toBeLessThan(32 * 1024 * 1024);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(`engram-server: ${MODEL_FILE}: the hub sent more than the 1000 bytes the hub lists; the download was stopped and discarded\n`);
    const onnxDir = path.join(modelsDir, "liar", "tiny-embedder", "onnx");
    expect(fs.existsSync(onnxDir) ? fs.readdirSync(onnxDir) : []).toEqual([]); // neither the file nor its .part
  });

  it("refuses a response announcing more than the listing before reading it (fake hub)", async () => {
    const f = addFlood("announcer/tiny-embedder", true);
    const result = await run(["models", "pull", "announcer/tiny-embedder"], env());
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`${MODEL_FILE}: the hub sent more than the 1000 bytes the hub lists; the download was stopped and discarded`);
    await f.closed;
    expect(f.finished).toBe(false);
    expect(f.sent).toBeLessThan(32 * 1024 * 1024);
    const onnxDir = path.join(modelsDir, "announcer", "tiny-embedder", "onnx");
    expect(fs.existsSync(onnxDir) ? fs.readdirSync(onnxDir) : []).toEqual([]);
  });

  it("stops an unverified download at ENGRAM_MODEL_MAX_FILE_BYTES, and refuses a file listed larger than it (fake hub)", async () => {
    const f = addFlood("unlisted/tiny-embedder", false);
    const capped = { ...env(), ENGRAM_MODEL_MAX_FILE_BYTES: String(1024 * 1024) };
    const result = await run(["models", "pull", "unlisted/tiny-embedder", "--allow-unverified"], capped);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`${MODEL_FILE}: the hub sent more than ENGRAM_MODEL_MAX_FILE_BYTES (1048576 bytes); the download was stopped and discarded`);
    await f.closed;
    expect(f.sent).toBeLessThan(32 * 1024 * 1024);
    const onnxDir = path.join(modelsDir, "unlisted", "tiny-embedder", "onnx");
    expect(fs.existsSync(onnxDir) ? fs.readdirSync(onnxDir) : []).toEqual([]);

    const tokenizer = source.get("tokenizer.json")!.length;
    const small = await run(["models", "pull", "acme/tiny-embedder"], { ...env(), ENGRAM_MODELS_DIR: tempDir("engram-models-"), ENGRAM_MODEL_MAX_FILE_BYTES: "100" });
    expect(small.code).toBe(1);
    expect(small.stderr).toBe(
      `engram-server: tokenizer.json: the hub lists ${tokenizer} bytes, more than ENGRAM_MODEL_MAX_FILE_BYTES (100); nothing was downloaded\n`,
    );
    const bad = await run(["models", "pull", "acme/tiny-embedder"], { ...env(), ENGRAM_MODEL_MAX_FILE_BYTES: "lots" });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('invalid ENGRAM_MODEL_MAX_FILE_BYTES="lots"');
  });

  it("fetches only the loader's fixed file names, whatever the listing names, and refuses an ONNX name with a folder", async () => {
    const root = tempDir("engram-models-hostile-");
    const modelsDir = path.join(root, "models", "inner");
    const result = await run(["models", "pull", "hostile/tiny-embedder"], { ...env(), ENGRAM_MODELS_DIR: modelsDir });
    expect(result.code, result.stderr).toBe(0);
    const written = [...readAll(root).keys()].sort();
    expect(written).toEqual(
      ["1_Pooling/config.json", "config.json", MODEL_FILE, "tokenizer.json", "tokenizer_config.json"].map((f) => `models/inner/hostile/tiny-embedder/${f}`).sort(),
    );
    expect(fs.existsSync("/tmp/escaped-absolute.json")).toBe(false);
    const traversal = await run(["models", "pull", "acme/tiny-embedder", "--onnx-file", "../../escaped.onnx"], { ...env(), ENGRAM_MODELS_DIR: modelsDir });
    expect(traversal.code).toBe(1);
    expect(traversal.stderr).toBe('engram-server: invalid ONNX file name "../../escaped.onnx": expected a file name ending in .onnx, without a folder\n');
  });

  it("names a missing ONNX file and the ones the repository has", async () => {
    const result = await run(["models", "pull", "acme/tiny-embedder", "--onnx-file", "model.onnx"], env());
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("acme/tiny-embedder has no model.onnx or onnx/model.onnx; it has onnx/model_quantized.onnx");
  });

  it("reports an unknown model and bad arguments without writing anything", async () => {
    const unknown = await run(["models", "pull", "nobody/nothing"], env());
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain("has no model nobody/nothing (HTTP 404");
    expect(fs.existsSync(path.join(modelsDir, "nobody"))).toBe(false);
    const bad = await run(["models", "pull", "../escape"], env());
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('invalid model id "../escape"');
    const usage = await run(["models", "pull"], env());
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain("usage:");
  });

  it("fails at once when the hub cannot be reached, naming the folder to fill by hand", async () => {
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const result = await run(["models", "pull", "BAAI/bge-small-en-v1.5"], { ...env(), ENGRAM_MODEL_HUB: `http://127.0.0.1:${port}` });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`cannot reach the model hub http://127.0.0.1:${port} (ECONNREFUSED)`);
    expect(result.stderr).toContain(`${path.join(modelsDir, "BAAI", "bge-small-en-v1.5")}${path.sep}`);
    expect(result.stderr).toContain("tokenizer.json");
    expect(result.stderr).toContain("onnx/model_quantized.onnx");
    expect(fs.existsSync(path.join(modelsDir, "BAAI"))).toBe(false);
  });
});
