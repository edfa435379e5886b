import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { Readable, Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import { ONNX_FILE_NAME } from "../embed/index.js";

/**
 * Downloads a model from a Hugging Face-compatible hub into <modelsDir>/<id>/, in the layout
 * the ONNX loader reads: tokenizer files and configs at the top, the ONNX file where the
 * repository keeps it (the folder itself or onnx/). The hub's URL layout:
 *   GET {hub}/api/models/{id}/tree/{revision}?recursive=true  → [{ path, size, lfs?: { oid, size } }]
 *   GET {hub}/api/models/{id}                                  → { siblings: [{ rfilename }] } (fallback)
 *   GET {hub}/{id}/resolve/{revision}/{path}                   → the file (redirects followed, Range honoured)
 */

export interface PullOptions {
  hub: string;
  modelsDir: string;
  /** Hub model id, e.g. BAAI/bge-small-en-v1.5. */
  id: string;
  revision?: string;
  /** ONNX file name looked for at the top of the repository or in onnx/. */
  onnxFile: string;
  onProgress?: (event: PullProgress) => void;
  /** Attempts per file when a transfer breaks off; each resumes where the last one stopped. */
  attempts?: number;
  /** No file may be larger (listed or received); a download is stopped as soon as it passes this. */
  maxFileBytes: number;
  /** Takes files the hub lists with neither a size nor a hash (so nothing can check them), up to maxFileBytes. */
  allowUnverified?: boolean;
}

export type PullProgress =
  | { kind: "start"; file: string; total: number | undefined; resumedAt: number }
  | { kind: "data"; file: string; received: number; total: number | undefined }
  | { kind: "done"; file: string; bytes: number; verified: "sha256" | "git-sha1" | "size" | "none" }
  | { kind: "skip"; file: string; bytes: number }
  | { kind: "retry"; file: string; received: number; error: string };

export interface PulledFile {
  path: string;
  bytes: number;
  verified: "sha256" | "git-sha1" | "size" | "none";
}

export interface PullResult {
  dir: string;
  files: PulledFile[];
}

/** A hub that cannot be reached, a model or file it does not have, or a download that failed its checks. */
export class ModelHubError extends Error {
  override name = "ModelHubError";
  constructor(
    message: string,
    /** True when the hub could not be reached at all (offline, wrong address). */
    readonly unreachable = false,
  ) {
    super(message);
  }
}

/** Files a model folder needs (tokenizer.json and the ONNX file) or uses when the repository has them. */
const REQUIRED = ["tokenizer.json"];
const OPTIONAL = ["config.json", "tokenizer_config.json", "special_tokens_map.json", "sentence_bert_config.json", "1_Pooling/config.json"];

interface Entry {
  path: string;
  size: number | undefined;
  /** LFS files: the content's sha256. */
  sha256: string | undefined;
  /** Files kept in git itself: the blob id, sha1 of "blob <size>\0" and the content. */
  gitSha1: string | undefined;
}

const MODEL_ID = /^[A-Za-z0-9][\w.-]*(\/[A-Za-z0-9][\w.-]*)?$/;

export function modelDir(modelsDir: string, id: string): string {
  if (!MODEL_ID.test(id) || id.split("/").some((part) => part === "." || part === "..")) {
    throw new ModelHubError(`invalid model id ${JSON.stringify(id)}: expected <name> or <organisation>/<name>`);
  }
  return path.join(modelsDir, ...id.split("/"));
}

/** The files to put in the folder by hand when the hub cannot be used. */
export function manualInstallHint(modelsDir: string, id: string, onnxFile: string): string {
  const dir = modelDir(modelsDir, id);
  return (
    `put the model's files into ${dir}${path.sep} by hand: tokenizer.json, tokenizer_config.json, config.json, ` +
    `1_Pooling/config.json (sentence-transformers models) and ${onnxFile} (or onnx/${onnxFile}), ` +
    `then start the server with ENGRAM_EMBEDDING_MODEL=${id}`
  );
}

/** Errors that mean no connection could be made at all; a transfer cut off later is retried instead. */
const CONNECTION_ERRORS = new Set(["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "EHOSTUNREACH", "ENETUNREACH", "UND_ERR_CONNECT_TIMEOUT"]);

function connectionErrorCode(err: unknown): string | undefined {
  for (let e = err as { code?: string; cause?: unknown } | undefined; e; e = e.cause as typeof e) {
    if (e.code && CONNECTION_ERRORS.has(e.code)) return e.code;
  }
  return undefined;
}

export async function pullModel(opts: PullOptions): Promise<PullResult> {
  const dir = modelDir(opts.modelsDir, opts.id);
  if (!ONNX_FILE_NAME.test(opts.onnxFile)) {
    throw new ModelHubError(`invalid ONNX file name ${JSON.stringify(opts.onnxFile)}: expected a file name ending in .onnx, without a folder`);
  }
  const revision = opts.revision ?? "main";
  const hub = opts.hub.replace(/\/+$/, "");
  const entries = await listFiles(hub, opts, revision, dir);
  const byPath = new Map(entries.map((e) => [e.path, e]));

  const onnx = [opts.onnxFile, `onnx/${opts.onnxFile}`].find((p) => byPath.has(p));
  if (!onnx) {
    const available = entries.filter((e) => e.path.endsWith(".onnx")).map((e) => e.path);
    throw new ModelHubError(
      `${opts.id} has no ${opts.onnxFile} or onnx/${opts.onnxFile}` +
        (available.length ? `; it has ${available.join(", ")}: set ENGRAM_EMBEDDING_ONNX_FILE to one of their names` : "; it has no ONNX export"),
    );
  }
  const missing = REQUIRED.filter((p) => !byPath.has(p));
  if (missing.length) throw new ModelHubError(`${opts.id} has no ${missing.join(", ")}, so it cannot be loaded here`);
  // Exports over 2 GB keep their weights beside the graph (ONNX external data).
  const external = [`${onnx}_data`, `${onnx}.data`].filter((p) => byPath.has(p));
  const wanted = [...REQUIRED, ...OPTIONAL.filter((p) => byPath.has(p)), onnx, ...external];
  // Every file is checked against the listing before the first byte is fetched.
  for (const file of wanted) admissible(byPath.get(file)!, opts);

  const files: PulledFile[] = [];
  for (const file of wanted) {
    const entry = byPath.get(file)!;
    const url = `${hub}/${opts.id}/resolve/${encodeURIComponent(revision)}/${file.split("/").map(encodeURIComponent).join("/")}`;
    files.push(await fetchFile(url, path.join(dir, ...file.split("/")), entry, opts));
  }
  return { dir, files };
}

/**
 * Refuses a file the listing says is too large, and one it gives neither a size nor a hash for
 * (nothing would bound or check the download) unless the caller allows unverified files.
 */
function admissible(entry: Entry, opts: PullOptions): void {
  if (entry.size !== undefined && entry.size > opts.maxFileBytes) {
    throw new ModelHubError(
      `${entry.path}: the hub lists ${entry.size} bytes, more than ENGRAM_MODEL_MAX_FILE_BYTES (${opts.maxFileBytes}); nothing was downloaded`,
    );
  }
  if (entry.size === undefined && !entry.sha256 && !entry.gitSha1 && !opts.allowUnverified) {
    throw new ModelHubError(
      `${entry.path}: the hub lists neither its size nor a hash, so the download could not be checked; nothing was downloaded. ` +
        `Pass --allow-unverified to take it as the hub sends it (at most ENGRAM_MODEL_MAX_FILE_BYTES, ${opts.maxFileBytes} bytes)`,
    );
  }
}

/** A download that passed its bound: stopped at once, and its partial file deleted. */
class TooLargeError extends ModelHubError {}

function tooLarge(file: string, limit: number, listed: boolean): TooLargeError {
  const bound = listed ? `the ${limit} bytes the hub lists` : `ENGRAM_MODEL_MAX_FILE_BYTES (${limit} bytes)`;
  return new TooLargeError(`${file}: the hub sent more than ${bound}; the download was stopped and discarded`);
}

async function hubGet(url: string, opts: PullOptions, headers: Record<string, string> = {}): Promise<Response> {
  try {
    return await fetch(url, { headers, redirect: "follow" });
  } catch (err) {
    const code = connectionErrorCode(err);
    if (code) {
      throw new ModelHubError(`cannot reach the model hub ${opts.hub} (${code}); ${manualInstallHint(opts.modelsDir, opts.id, opts.onnxFile)}`, true);
    }
    throw err;
  }
}

/** The repository's files with sizes and, for LFS files, their sha256; names only from the older endpoint. */
async function listFiles(hub: string, opts: PullOptions, revision: string, dir: string): Promise<Entry[]> {
  const base = `${hub}/api/models/${opts.id}`;
  const tree = await hubGet(`${base}/tree/${encodeURIComponent(revision)}?recursive=true`, opts);
  if (tree.ok) {
    const body = (await tree.json()) as { type?: string; path?: unknown; size?: unknown; oid?: unknown; lfs?: { oid?: unknown; size?: unknown } }[];
    if (!Array.isArray(body)) throw new ModelHubError(`${hub} answered the file listing of ${opts.id} with something other than a list`);
    return body
      .filter((e) => e.type !== "directory" && typeof e.path === "string")
      .map((e) => ({
        path: e.path as string,
        size: typeof e.lfs?.size === "number" ? e.lfs.size : typeof e.size === "number" ? e.size : undefined,
        sha256: typeof e.lfs?.oid === "string" && /^[0-9a-f]{64}$/.test(e.lfs.oid) ? e.lfs.oid : undefined,
        gitSha1: !e.lfs && typeof e.oid === "string" && /^[0-9a-f]{40}$/.test(e.oid) ? e.oid : undefined,
      }));
  }
  const info = await hubGet(base, opts);
  if (info.status === 401 || info.status === 403 || info.status === 404) {
    throw new ModelHubError(`${hub} has no model ${opts.id} (HTTP ${info.status}; gated and private models are not supported); nothing was written to ${dir}`);
  }
  if (!info.ok) throw new ModelHubError(`${hub} answered HTTP ${info.status} for ${opts.id}`);
  const body = (await info.json()) as { siblings?: { rfilename?: unknown }[] };
  return (body.siblings ?? [])
    .filter((s): s is { rfilename: string } => typeof s.rfilename === "string")
    .map((s) => ({ path: s.rfilename, size: undefined, sha256: undefined, gitSha1: undefined }));
}

async function hashOf(file: string, algorithm: "sha256" | "sha1", prefix = ""): Promise<string> {
  const hash = createHash(algorithm);
  hash.update(prefix);
  await pipeline(fs.createReadStream(file), hash);
  return hash.digest("hex");
}

/** Which check a downloaded (or already present) file passes: the listed hash, else the listed size. */
async function verify(file: string, entry: Entry, bytes: number): Promise<{ ok: boolean; how: "sha256" | "git-sha1" | "size" | "none"; got?: string }> {
  if (entry.size !== undefined && bytes !== entry.size) return { ok: false, how: "size", got: `${bytes} bytes` };
  if (entry.sha256) {
    const got = await hashOf(file, "sha256");
    return { ok: got === entry.sha256, how: "sha256", got };
  }
  if (entry.gitSha1) {
    const got = await hashOf(file, "sha1", `blob ${bytes}\0`);
    return { ok: got === entry.gitSha1, how: "git-sha1", got };
  }
  return { ok: true, how: entry.size !== undefined ? "size" : "none" };
}

async function sizeOf(file: string): Promise<number | undefined> {
  try {
    return (await fs.promises.stat(file)).size;
  } catch {
    return undefined;
  }
}

/**
 * One file: kept when it is already there and checks out; otherwise downloaded to <file>.part,
 * resumed with a Range request when a .part exists (from this run or an earlier one), checked
 * against the listed size and sha256, and renamed into place.
 */
async function fetchFile(url: string, dest: string, entry: Entry, opts: PullOptions): Promise<PulledFile> {
  const progress = opts.onProgress ?? (() => {});
  const existing = await sizeOf(dest);
  if (existing !== undefined) {
    const check = await verify(dest, entry, existing);
    if (check.ok) {
      progress({ kind: "skip", file: entry.path, bytes: existing });
      return { path: entry.path, bytes: existing, verified: check.how };
    }
  }
  await fs.promises.mkdir(path.dirname(dest), { recursive: true });
  const part = `${dest}.part`;
  const attempts = opts.attempts ?? 5;
  let total = entry.size;
  for (let attempt = 1; ; attempt++) {
    let offset = (await sizeOf(part)) ?? 0;
    if (offset > (total ?? opts.maxFileBytes)) {
      await fs.promises.rm(part);
      offset = 0;
    }
    try {
      total = await transfer(url, part, offset, total, entry.path, opts, progress);
      break;
    } catch (err) {
      if (err instanceof TooLargeError) await fs.promises.rm(part, { force: true });
      if (err instanceof ModelHubError || attempt >= attempts) throw err;
      const received = (await sizeOf(part)) ?? 0;
      progress({ kind: "retry", file: entry.path, received, error: (err as Error).message });
    }
  }
  const bytes = (await sizeOf(part))!;
  const check = await verify(part, { ...entry, size: total }, bytes);
  if (!check.ok) {
    await fs.promises.rm(part, { force: true });
    const expected = check.how === "size" ? `${total} bytes` : check.how === "sha256" ? entry.sha256 : entry.gitSha1;
    throw new ModelHubError(`${entry.path}: ${check.how} check failed (got ${check.got}, the hub lists ${expected}); the download was discarded`);
  }
  await fs.promises.rename(part, dest);
  progress({ kind: "done", file: entry.path, bytes, verified: check.how });
  return { path: entry.path, bytes, verified: check.how };
}

/**
 * One request: appends to the .part from `offset` (206) or rewrites it (200). Returns the full
 * size when known. Stops as soon as the file would pass its listed size (or, unlisted, the
 * size the response announces, and always maxFileBytes): a hub that sends more fills neither
 * the disk nor the time.
 */
async function transfer(
  url: string,
  part: string,
  offset: number,
  total: number | undefined,
  file: string,
  opts: PullOptions,
  progress: (e: PullProgress) => void,
): Promise<number | undefined> {
  if (total !== undefined && offset === total) return total;
  // What the listing said (fetchFile passes it in); `total` may learn the size from the response below.
  const listedSize = total;
  const res = await hubGet(url, opts, offset > 0 ? { range: `bytes=${offset}-` } : {});
  let start = 0;
  if (res.status === 206) {
    const range = /bytes (\d+)-\d+\/(\d+|\*)/.exec(res.headers.get("content-range") ?? "");
    if (!range || Number(range[1]) !== offset) throw new ModelHubError(`${file}: the hub resumed at the wrong place (${res.headers.get("content-range")})`);
    start = offset;
    if (range[2] !== "*") total ??= Number(range[2]);
  } else if (res.status === 416 && offset > 0) {
    // The .part is at least as long as the file: start over rather than guess.
    await fs.promises.rm(part, { force: true });
    throw new Error("range not satisfiable; restarting");
  } else if (!res.ok) {
    throw new ModelHubError(`${file}: the hub answered HTTP ${res.status} for ${url}`);
  } else {
    // A compressed body's length is not the file's; fetch hands back the decompressed bytes.
    const length = Number(res.headers.get("content-length"));
    if (!res.headers.get("content-encoding") && Number.isFinite(length) && length > 0) total ??= length;
  }
  if (!res.body) throw new ModelHubError(`${file}: empty response from ${url}`);
  const limit = Math.min(total ?? opts.maxFileBytes, opts.maxFileBytes);
  const announced = Number(res.headers.get("content-length"));
  if (!res.headers.get("content-encoding") && Number.isFinite(announced) && start + announced > limit) {
    await res.body.cancel();
    throw tooLarge(file, limit, limit === listedSize);
  }
  progress({ kind: "start", file, total, resumedAt: start });
  let received = start;
  const counter = new Transform({
    transform(chunk: Buffer, _enc, done) {
      received += chunk.length;
      // Failing the stream here destroys the response body: the connection closes at once.
      if (received > limit) return done(tooLarge(file, limit, limit === listedSize));
      progress({ kind: "data", file, received, total });
      done(null, chunk);
    },
  });
  await pipeline(Readable.fromWeb(res.body as import("node:stream/web").ReadableStream), counter, fs.createWriteStream(part, { flags: start > 0 ? "a" : "w" }));
  return total;
}

export interface InstalledModel {
  id: string;
  dir: string;
  bytes: number;
  /** The ONNX file found (relative to dir), or undefined when the folder lacks it. */
  onnx: string | undefined;
  pooling: "cls" | "mean" | "other" | undefined;
}

/** Model folders under modelsDir (<name>/ or <organisation>/<name>/), recognised by their tokenizer.json. */
export async function listModels(modelsDir: string, onnxFile: string): Promise<InstalledModel[]> {
  const out: InstalledModel[] = [];
  const visit = async (rel: string[], depth: number) => {
    const dir = path.join(modelsDir, ...rel);
    let names: fs.Dirent[];
    try {
      names = await fs.promises.readdir(dir, { withFileTypes: true });
    } catch {
      return;
    }
    if (rel.length > 0 && names.some((n) => n.isFile() && n.name === "tokenizer.json")) {
      out.push(await describe(rel.join("/"), dir, onnxFile));
      return;
    }
    if (depth === 0) return;
    for (const n of names) if (n.isDirectory() && !n.name.startsWith(".")) await visit([...rel, n.name], depth - 1);
  };
  await visit([], 2);
  return out.sort((a, b) => a.id.localeCompare(b.id));
}

async function describe(id: string, dir: string, onnxFile: string): Promise<InstalledModel> {
  const onnx = [onnxFile, `onnx/${onnxFile}`].find((p) => fs.existsSync(path.join(dir, p)));
  let pooling: InstalledModel["pooling"];
  try {
    const cfg = JSON.parse(await fs.promises.readFile(path.join(dir, "1_Pooling", "config.json"), "utf8")) as Record<string, unknown>;
    pooling = cfg["pooling_mode_cls_token"] === true ? "cls" : cfg["pooling_mode_mean_tokens"] === true ? "mean" : "other";
  } catch {
    pooling = undefined;
  }
  let bytes = 0;
  const walk = async (d: string) => {
    for (const n of await fs.promises.readdir(d, { withFileTypes: true })) {
      const p = path.join(d, n.name);
      if (n.isDirectory()) await walk(p);
      else bytes += (await fs.promises.stat(p)).size;
    }
  };
  await walk(dir);
  return { id, dir, bytes, onnx, pooling };
}
