import { access } from "node:fs/promises";
import path from "node:path";
import { EmbedderError } from "./errors.js";
import type { Pooling } from "./pooling.js";
import { readJson } from "./json-file.js";

/**
 * An ONNX file is named, never pathed: it is looked for at a model folder's top and in its onnx/
 * subfolder (and downloaded there), so a name like "../../x.onnx" must not reach a path join.
 */
export const ONNX_FILE_NAME = /^[A-Za-z0-9][\w.-]*\.onnx$/;

/** Finds the ONNX file in the folder itself or, as Hugging Face exports lay it out, in its onnx/ subfolder. */
export async function resolveOnnxFile(dir: string, onnxFile: string): Promise<string> {
  const candidates = [path.join(dir, onnxFile), path.join(dir, "onnx", onnxFile)];
  for (const file of candidates) {
    try {
      await access(file);
      return file;
    } catch {
      // not here; try the next place
    }
  }
  throw new EmbedderError(`ONNX file not found: tried ${candidates.join(" and ")}`);
}

/**
 * The pooling a sentence-transformers model was trained with, from 1_Pooling/config.json;
 * undefined when the folder has none. Other modes (max, last token, ...) are refused
 * rather than silently replaced by mean pooling, which would give poor vectors.
 */
export async function readPooling(dir: string): Promise<Pooling | undefined> {
  const file = path.join(dir, "1_Pooling", "config.json");
  const config = await readJson(file);
  if (config === undefined) return undefined;
  if (config["pooling_mode_cls_token"] === true) return "cls";
  if (config["pooling_mode_mean_tokens"] === true) return "mean";
  throw new EmbedderError(`${file} asks for a pooling mode other than cls or mean tokens; set pooling explicitly to override`);
}
