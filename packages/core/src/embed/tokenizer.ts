import path from "node:path";
import { Tokenizer } from "@huggingface/tokenizers";
import { EmbedderError } from "./errors.js";
import { readJson } from "./json-file.js";
import { tokenWindows } from "./windows.js";

/** One tokenized input: token ids and the segment (token type) of each. */
export interface Encoding {
  ids: number[];
  typeIds: number[];
}

/** Hugging Face writes int(1e30) as model_max_length when a tokenizer sets no limit. */
const NO_LIMIT_SENTINEL = 1e6;

/**
 * A Hugging Face tokenizer (tokenizer.json) with the truncation the Python library applies
 * and tokenizers.js lacks: the text (or the longer of a pair) is cut so that the result,
 * special tokens included, fits maxSeq, and the closing [SEP]/</s> is kept. Embedders use
 * `encodeWindows` instead, which covers a long text with several inputs of maxSeq tokens.
 */
export class TextTokenizer {
  private readonly specialSingle: number;
  private readonly specialPair: number;

  constructor(
    private readonly tokenizer: Tokenizer,
    readonly maxSeq: number,
    readonly padId: number,
  ) {
    this.specialSingle = this.postProcess([], null).ids.length;
    this.specialPair = this.postProcess([], []).ids.length;
  }

  /** Encodes a text, or a (query, passage) pair for a cross-encoder. */
  encode(text: string, pair?: string): Encoding {
    const first = this.tokenizer.tokenize(text);
    const second = pair === undefined ? null : this.tokenizer.tokenize(pair);
    const budget = Math.max(0, this.maxSeq - (second ? this.specialPair : this.specialSingle));
    truncateLongestFirst(first, second, budget);
    return this.postProcess(first, second);
  }

  /**
   * Encodes a text as windows of maxSeq tokens (special tokens included in each), so the whole
   * text is read rather than its start (see windows.ts for the overlap and the cap).
   */
  encodeWindows(text: string, maxWindows: number): Encoding[] {
    const size = Math.max(1, this.maxSeq - this.specialSingle);
    return tokenWindows<string>(this.tokenizer.tokenize(text), { size, maxWindows }).map((window) => this.postProcess(window, null));
  }

  private postProcess(first: string[], second: string[] | null): Encoding {
    const processor = this.tokenizer.post_processor;
    let tokens: string[];
    let typeIds: number[] | undefined;
    if (processor) {
      ({ tokens, token_type_ids: typeIds } = processor.post_process(first, second, true));
    } else {
      tokens = [...first, ...(second ?? [])];
    }
    typeIds ??= tokens.map((_, i) => (i < first.length ? 0 : 1));
    return { ids: tokens.map((t) => this.tokenId(t)), typeIds };
  }

  private tokenId(token: string): number {
    const id = this.tokenizer.token_to_id(token) ?? this.tokenizer.model?.unk_token_id;
    if (id === undefined) throw new EmbedderError(`token ${JSON.stringify(token)} is not in the vocabulary and the tokenizer has no unknown token`);
    return id;
  }
}

/** Drops tokens from the end of the longer sequence until both fit (Hugging Face's "longest_first"). */
function truncateLongestFirst(first: string[], second: string[] | null, budget: number): void {
  while (first.length + (second?.length ?? 0) > budget) {
    if (second && second.length > first.length) second.pop();
    else first.pop();
  }
}

/**
 * Reads tokenizer.json (required) and tokenizer_config.json (optional) from a model folder.
 * maxSeq is lowered to the tokenizer's model_max_length when that is smaller, since longer
 * inputs would overrun the model's position embeddings.
 */
export async function loadTokenizer(dir: string, maxSeq: number): Promise<TextTokenizer> {
  const tokenizerJson = await readJson(path.join(dir, "tokenizer.json"));
  if (tokenizerJson === undefined) throw new EmbedderError(`no tokenizer.json in ${dir}`);
  const config = (await readJson(path.join(dir, "tokenizer_config.json"))) ?? {};
  const tokenizer = new Tokenizer(tokenizerJson, config);
  const limit = config["model_max_length"];
  const effectiveMax = typeof limit === "number" && limit < NO_LIMIT_SENTINEL ? Math.min(maxSeq, limit) : maxSeq;
  return new TextTokenizer(tokenizer, effectiveMax, padTokenId(tokenizerJson, config, tokenizer));
}

/**
 * The id used to fill short rows of a batch. The attention mask hides those positions,
 * so any valid id works; the tokenizer's own pad token is used when it names one.
 */
function padTokenId(tokenizerJson: Record<string, unknown>, config: Record<string, unknown>, tokenizer: Tokenizer): number {
  const padding = tokenizerJson["padding"] as { pad_id?: unknown } | null | undefined;
  if (typeof padding?.pad_id === "number") return padding.pad_id;
  const padToken = config["pad_token"];
  const content = typeof padToken === "string" ? padToken : (padToken as { content?: string } | undefined)?.content;
  return (content !== undefined ? tokenizer.token_to_id(content) : undefined) ?? 0;
}
