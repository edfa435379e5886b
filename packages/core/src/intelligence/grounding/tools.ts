/**
 * The grounding tools (contracts/intelligence.md §5.11): what an agent may run on the server host
 * to check its beliefs against the machine. Every tool is asynchronous and bounded: output is
 * capped, directory walks stop at a count, and the caller's timeout ends the wait (and kills a
 * shell command's whole process group).
 */
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { z } from "zod";
import { runProcess } from "./process.js";

export type ToolBackend = "shell" | "system";

export interface ToolOutcome {
  ok: boolean;
  content: string;
  error: string | null;
}

/** Output kept of one call; the rest is dropped and the content says so. */
export const MAX_OUTPUT_BYTES = 64 * 1024;
const MAX_READ_BYTES = 1024 * 1024;
const MAX_LIST_ENTRIES = 1000;
const MAX_LIST_DEPTH = 10;

const pathArg = z.string({ error: "must be a string" }).trim().min(1, "must not be empty").max(4096);

interface ToolDef<S extends z.ZodType> {
  name: string;
  description: string;
  backend: ToolBackend;
  /** Read-only tools may be retried on failure; a shell command is never re-run. */
  retriable: boolean;
  args: S;
  parameters: Record<string, { type: string; required: boolean; description: string }>;
  run(args: z.infer<S>, timeoutMs: number): Promise<ToolOutcome>;
}

const define = <S extends z.ZodType>(d: ToolDef<S>) => d as unknown as ToolDef<z.ZodType<unknown>>;

const fsError = (err: unknown): ToolOutcome => ({ ok: false, content: "", error: (err as NodeJS.ErrnoException).code ? `${(err as NodeJS.ErrnoException).code}: ${(err as Error).message}` : String(err) });

async function readHead(file: string, maxLines: number): Promise<ToolOutcome> {
  // A FIFO or device would hold a thread of libuv's small pool (opening a FIFO waits for a writer).
  if (!(await fs.stat(file)).isFile()) return { ok: false, content: "", error: "not a regular file" };
  const handle = await fs.open(file, "r");
  try {
    const buf = Buffer.alloc(MAX_READ_BYTES);
    const { bytesRead } = await handle.read(buf, 0, MAX_READ_BYTES, 0);
    const lines = buf.subarray(0, bytesRead).toString("utf8").split("\n");
    const kept = lines.slice(0, maxLines);
    const more = lines.length > maxLines || bytesRead === MAX_READ_BYTES;
    return { ok: true, content: kept.join("\n") + (more ? `\n[truncated: first ${kept.length} lines shown]` : ""), error: null };
  } finally {
    await handle.close();
  }
}

async function listDir(root: string, recursive: boolean): Promise<ToolOutcome> {
  const out: string[] = [];
  const queue: { dir: string; depth: number }[] = [{ dir: root, depth: 0 }];
  while (queue.length > 0 && out.length < MAX_LIST_ENTRIES) {
    const { dir, depth } = queue.shift()!;
    const entries = await fs.readdir(dir, { withFileTypes: true });
    entries.sort((a, b) => a.name.localeCompare(b.name));
    for (const e of entries) {
      if (out.length >= MAX_LIST_ENTRIES) break;
      const rel = path.relative(root, path.join(dir, e.name));
      out.push(e.isDirectory() ? `${rel}/` : rel);
      if (recursive && e.isDirectory() && depth + 1 < MAX_LIST_DEPTH) queue.push({ dir: path.join(dir, e.name), depth: depth + 1 });
    }
  }
  const more = out.length >= MAX_LIST_ENTRIES ? `\n[truncated at ${MAX_LIST_ENTRIES} entries]` : "";
  return { ok: true, content: out.join("\n") + more, error: null };
}

export const TOOLS = [
  define({
    name: "shell_exec",
    description: "Run a shell command (/bin/sh -c) on the server host; stdout and stderr, capped at 64 KiB",
    backend: "shell",
    retriable: false,
    args: z.object({ command: z.string({ error: "must be a string" }).trim().min(1, "must not be empty").max(10_000), cwd: pathArg.optional() }),
    parameters: {
      command: { type: "string", required: true, description: "the command line" },
      cwd: { type: "string", required: false, description: "working directory" },
    },
    async run(args, timeoutMs) {
      const r = await runProcess("/bin/sh", ["-c", args.command], { cwd: args.cwd, timeoutMs, maxBytes: MAX_OUTPUT_BYTES });
      const content = r.output + (r.truncated ? `\n[truncated at ${MAX_OUTPUT_BYTES} bytes]` : "");
      if (r.spawnError) return { ok: false, content, error: r.spawnError };
      if (r.timedOut) return { ok: false, content, error: `timed out after ${timeoutMs} ms` };
      return r.code === 0 ? { ok: true, content, error: null } : { ok: false, content, error: `exit code ${r.code}` };
    },
  }),
  define({
    name: "file_read",
    description: "Read the first lines of a text file (at most 1 MiB)",
    backend: "shell",
    retriable: true,
    args: z.object({ path: pathArg, max_lines: z.number({ error: "must be a number" }).int("must be an integer").min(1, "must be between 1 and 10000").max(10_000, "must be between 1 and 10000").default(200) }),
    parameters: {
      path: { type: "string", required: true, description: "file path" },
      max_lines: { type: "integer", required: false, description: "lines to return, 1..10000 (200)" },
    },
    run: (args) => readHead(path.resolve(args.path), args.max_lines).catch(fsError),
  }),
  define({
    name: "file_list",
    description: "List a directory (recursively up to 10 levels), at most 1000 entries; directories end in /",
    backend: "shell",
    retriable: true,
    args: z.object({ path: pathArg, recursive: z.boolean({ error: "must be a boolean" }).default(false) }),
    parameters: {
      path: { type: "string", required: true, description: "directory path" },
      recursive: { type: "boolean", required: false, description: "descend into subdirectories (false)" },
    },
    run: (args) => listDir(path.resolve(args.path), args.recursive).catch(fsError),
  }),
  define({
    name: "git_status",
    description: "git status --porcelain --branch of a working tree",
    backend: "shell",
    retriable: true,
    args: z.object({ path: pathArg }),
    parameters: { path: { type: "string", required: true, description: "a path inside the working tree" } },
    async run(args, timeoutMs) {
      const r = await runProcess("git", ["-C", path.resolve(args.path), "status", "--porcelain=v1", "--branch"], { timeoutMs, maxBytes: MAX_OUTPUT_BYTES });
      if (r.spawnError) return { ok: false, content: "", error: r.spawnError };
      if (r.timedOut) return { ok: false, content: r.output, error: `timed out after ${timeoutMs} ms` };
      return r.code === 0 ? { ok: true, content: r.output, error: null } : { ok: false, content: r.output, error: `git exited with ${r.code}` };
    },
  }),
  define({
    name: "system_info",
    description: "The host's platform, CPUs, memory, load and uptime, as JSON",
    backend: "system",
    retriable: true,
    args: z.object({}),
    parameters: {},
    run: async () => ({
      ok: true,
      error: null,
      content: JSON.stringify({
        hostname: os.hostname(),
        platform: os.platform(),
        release: os.release(),
        arch: os.arch(),
        cpus: os.cpus().length,
        total_memory_bytes: os.totalmem(),
        free_memory_bytes: os.freemem(),
        load_average: os.loadavg(),
        uptime_secs: Math.round(os.uptime()),
        node_version: process.version,
      }),
    }),
  }),
];

export type GroundingTool = (typeof TOOLS)[number];
