import { readFile } from "node:fs/promises";
import { EmbedderError } from "./errors.js";

/** Parses a JSON object file, or returns undefined when the file does not exist. */
export async function readJson(file: string): Promise<Record<string, unknown> | undefined> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw err;
  }
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch (err) {
    throw new EmbedderError(`${file} is not valid JSON: ${(err as Error).message}`);
  }
}
