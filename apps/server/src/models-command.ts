import { SingleBar, Presets } from "cli-progress";
import { listModels, ModelHubError, pullModel, type Config, type PullProgress } from "@engram/core";
import { parseFlags } from "./cli-flags.js";

export const MODELS_USAGE = `usage:
  engram-server models pull <hub-model-id> [--revision <rev>] [--onnx-file <name>] [--allow-unverified]
      download tokenizer, configs and the ONNX file from ENGRAM_MODEL_HUB into ENGRAM_MODELS_DIR/<id>/;
      --allow-unverified takes files the hub lists with neither a size nor a hash
  engram-server models list
      the model folders in ENGRAM_MODELS_DIR
`;

interface Io {
  out: NodeJS.WriteStream;
  err: NodeJS.WriteStream;
}

const mb = (bytes: number) => (bytes / 1_048_576).toFixed(1);

/** `engram-server models …`; resolves with the process exit code. */
export async function runModelsCommand(args: string[], config: Config, io: Io): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === "list") return list(config, io);
  if (sub !== "pull") {
    io.err.write(sub ? `engram-server: unknown models command ${JSON.stringify(sub)}\n${MODELS_USAGE}` : MODELS_USAGE);
    return 2;
  }
  const parsed = parseFlags(rest, ["revision", "onnx-file"], ["allow-unverified"]);
  if (typeof parsed === "string" || parsed.positional.length !== 1) {
    io.err.write(`engram-server: ${typeof parsed === "string" ? parsed : "models pull takes exactly one model id"}\n${MODELS_USAGE}`);
    return 2;
  }
  const id = parsed.positional[0]!;
  const progress = io.out.isTTY ? barProgress(io.out) : lineProgress(io.out);
  try {
    const result = await pullModel({
      hub: config.modelHub,
      modelsDir: config.modelsDir,
      id,
      revision: parsed.flags["revision"],
      onnxFile: parsed.flags["onnx-file"] ?? config.embeddingOnnxFile,
      onProgress: progress.update,
      maxFileBytes: config.modelMaxFileBytes,
      allowUnverified: parsed.flags["allow-unverified"] === "true",
    });
    progress.stop();
    const total = result.files.reduce((s, f) => s + f.bytes, 0);
    io.out.write(`${id}: ${result.files.length} files, ${mb(total)} MB in ${result.dir}\n`);
    io.out.write(`use it: ENGRAM_EMBEDDING_MODEL=${id} engram-server\n`);
    return 0;
  } catch (err) {
    progress.stop();
    if (err instanceof ModelHubError) {
      io.err.write(`engram-server: ${err.message}\n`);
      return 1;
    }
    io.err.write(`engram-server: download of ${id} failed: ${(err as Error).message}\n`);
    return 1;
  }
}

async function list(config: Config, io: Io): Promise<number> {
  const models = await listModels(config.modelsDir, config.embeddingOnnxFile);
  if (models.length === 0) {
    io.out.write(`no models in ${config.modelsDir} (the bundled USE-lite model needs none; see \`engram-server models pull\`)\n`);
    return 0;
  }
  for (const m of models) {
    const onnx = m.onnx ?? `no ${config.embeddingOnnxFile}`;
    io.out.write(`${m.id}\t${mb(m.bytes)} MB\t${onnx}\tpooling: ${m.pooling ?? "mean (default)"}\n`);
  }
  return 0;
}

interface Progress {
  update(e: PullProgress): void;
  stop(): void;
}

/** A bar per file on a terminal. */
function barProgress(out: NodeJS.WriteStream): Progress {
  let bar: SingleBar | null = null;
  const finish = () => {
    bar?.stop();
    bar = null;
  };
  return {
    update(e) {
      if (e.kind === "start") {
        finish();
        bar = new SingleBar(
          { format: "{file} [{bar}] {percentage}% {done}/{size} MB", stream: out, hideCursor: true, clearOnComplete: false },
          Presets.shades_classic,
        );
        const total = e.total ?? 0;
        bar.start(total, e.resumedAt, { file: e.file, done: mb(e.resumedAt), size: e.total ? mb(e.total) : "?" });
      } else if (e.kind === "data") {
        if (e.total === undefined) bar?.setTotal(e.received);
        bar?.update(e.received, { done: mb(e.received) });
      } else if (e.kind === "done") {
        finish();
        out.write(`  ${e.file}: ${mb(e.bytes)} MB, ${e.verified} verified\n`);
      } else if (e.kind === "skip") {
        out.write(`${e.file}: already complete\n`);
      } else if (e.kind === "retry") {
        finish();
        out.write(`${e.file}: interrupted at ${mb(e.received)} MB (${e.error}); resuming\n`);
      }
    },
    stop: finish,
  };
}

/** Plain lines for logs and pipes: start, every quarter, done. */
function lineProgress(out: NodeJS.WriteStream): Progress {
  let lastQuarter = -1;
  return {
    update(e) {
      if (e.kind === "start") {
        lastQuarter = e.total ? Math.floor((4 * e.resumedAt) / e.total) : -1;
        const size = e.total !== undefined ? `${mb(e.total)} MB` : "size unknown";
        out.write(`${e.file}: downloading (${size}${e.resumedAt > 0 ? `, resuming at ${mb(e.resumedAt)} MB` : ""})\n`);
      } else if (e.kind === "data" && e.total) {
        const quarter = Math.floor((4 * e.received) / e.total);
        if (quarter > lastQuarter && quarter < 4) {
          lastQuarter = quarter;
          out.write(`${e.file}: ${quarter * 25}%\n`);
        }
      } else if (e.kind === "done") {
        out.write(`${e.file}: done, ${mb(e.bytes)} MB, ${e.verified} verified\n`);
      } else if (e.kind === "skip") {
        out.write(`${e.file}: already complete\n`);
      } else if (e.kind === "retry") {
        out.write(`${e.file}: interrupted at ${mb(e.received)} MB (${e.error}); resuming\n`);
      }
    },
    stop: () => {},
  };
}
