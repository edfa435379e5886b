import fs from "node:fs";
import path from "node:path";
import { OnnxReranker, type Reranker } from "../embed/index.js";
import type { SearchHit } from "./service.js";

/**
 * The optional last stage: a cross-encoder reads query and memory together and reorders the
 * top K. It only runs once its model has loaded (off the request path), so a search never
 * waits for it; hits below the top K keep their order after the reranked ones.
 */
export class SearchReranker {
  constructor(
    readonly model: Reranker,
    private readonly topK: number,
  ) {}

  /** Loads the model in the background; a model that fails to load leaves search without the stage. */
  start(log: { info(obj: object, msg: string): void; warn(obj: object, msg: string): void }): void {
    this.model.load().then(
      () => log.info({ reranker: this.model.id, top_k: this.topK }, "reranker loaded"),
      (err: unknown) => log.warn({ reranker: this.model.id, err: String(err) }, "reranker failed to load; searching without it"),
    );
  }

  ready(): boolean {
    return this.model.status() === "loaded";
  }

  async rerank<H extends SearchHit>(query: string, hits: H[]): Promise<H[]> {
    const head = hits.slice(0, this.topK);
    const scores = await this.model.rerank(
      query,
      head.map((h) => h.memory.content),
    );
    const reranked = head.map((h, i) => ({ ...h, reranked: scores[i]! })).sort((a, b) => b.reranked - a.reranked || b.score - a.score);
    return [...reranked, ...hits.slice(this.topK)];
  }
}

/** Where the cross-encoder lives and how many of the top results it reorders (ENGRAM_RERANKER_*). */
export interface RerankerConfig {
  dir: string;
  onnxFile: string;
  topK: number;
}

/**
 * The reranker of a model folder, or null, saying so once in the log, when the folder holds
 * no cross-encoder (tokenizer.json plus the ONNX file, at the top or under onnx/).
 */
export function rerankerFromFolder(
  cfg: RerankerConfig,
  log: { info(obj: object, msg: string): void },
): SearchReranker | null {
  const onnx = [path.join(cfg.dir, cfg.onnxFile), path.join(cfg.dir, "onnx", cfg.onnxFile)].some((f) => fs.existsSync(f));
  if (!onnx || !fs.existsSync(path.join(cfg.dir, "tokenizer.json"))) {
    log.info({ dir: cfg.dir }, `reranker off: no cross-encoder model (tokenizer.json and ${cfg.onnxFile}) in ${cfg.dir}`);
    return null;
  }
  return new SearchReranker(new OnnxReranker({ dir: cfg.dir, onnxFile: cfg.onnxFile }), cfg.topK);
}
