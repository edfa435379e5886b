/** The formats /ingest reads (contracts/intelligence.md §5.1) and how an input's format is decided. */
export const INGEST_FORMATS = [
  "markdown",
  "plaintext",
  "html",
  "pdf",
  "docx",
  "csv",
  "jsonl",
  "chatgpt-export",
  "claude-export",
  "messages",
  "zip",
] as const;
export type IngestFormat = (typeof INGEST_FORMATS)[number];

/** Formats whose bytes are not text: parsed on a worker thread, and sent to uploads as jobs. */
export const BINARY_FORMATS: ReadonlySet<IngestFormat> = new Set(["pdf", "docx", "zip"]);

/** `.json` is not a format of its own: its content decides which export it is. */
const EXTENSIONS: Record<string, IngestFormat | "json"> = {
  md: "markdown",
  markdown: "markdown",
  txt: "plaintext",
  text: "plaintext",
  html: "html",
  htm: "html",
  pdf: "pdf",
  docx: "docx",
  csv: "csv",
  jsonl: "jsonl",
  json: "json",
  zip: "zip",
};

export function extensionOf(filename: string): string {
  const base = filename.split(/[\\/]/).pop() ?? "";
  const dot = base.lastIndexOf(".");
  return dot > 0 ? base.slice(dot + 1).toLowerCase() : "";
}

/** The format an extension names, "json" for content sniffing, or undefined. */
export function formatOfExtension(filename: string): IngestFormat | "json" | undefined {
  return EXTENSIONS[extensionOf(filename)];
}

const startsWith = (bytes: Uint8Array, magic: readonly number[]) => magic.every((b, i) => bytes[i] === b);
const PDF_MAGIC = [0x25, 0x50, 0x44, 0x46]; // %PDF
const ZIP_MAGIC = [0x50, 0x4b, 0x03, 0x04]; // PK\x03\x04

export const isPdf = (bytes: Uint8Array) => startsWith(bytes, PDF_MAGIC);
export const isZip = (bytes: Uint8Array) => startsWith(bytes, ZIP_MAGIC);

/**
 * Which export a parsed JSON value is: an array whose first item has `uuid` and `chat_messages`
 * (Claude), `title` and `mapping` (ChatGPT), or `role` and `content` (messages).
 */
export function sniffJson(value: unknown): IngestFormat | undefined {
  const first: unknown = Array.isArray(value) ? value[0] : value;
  if (first === null || typeof first !== "object") return undefined;
  const has = (k: string) => k in first;
  if (has("uuid") && has("chat_messages")) return "claude-export";
  if (has("title") && has("mapping")) return "chatgpt-export";
  if (has("role") && has("content")) return "messages";
  if (has("messages") && Array.isArray((first as { messages: unknown }).messages)) return "messages";
  return undefined;
}

/** Parses JSON text, or undefined when it is not JSON. */
export function tryJson(text: string): unknown {
  const t = text.trimStart();
  if (!t.startsWith("{") && !t.startsWith("[")) return undefined;
  try {
    return JSON.parse(t);
  } catch {
    return undefined;
  }
}

/**
 * Detection order of the contract: the declared format, then the file name's extension, then
 * magic bytes (%PDF, PK), then JSON sniffing, then an HTML opening, else Markdown when a
 * heading line is present and plain text otherwise.
 */
export function detectFormat(bytes: Uint8Array, hint: { format?: IngestFormat | undefined; filename?: string | undefined }): IngestFormat {
  if (hint.format) return hint.format;
  const byName = hint.filename ? formatOfExtension(hint.filename) : undefined;
  if (byName && byName !== "json") return byName;
  if (isPdf(bytes)) return "pdf";
  if (isZip(bytes)) return "zip";
  const text = decodeText(bytes);
  const sniffed = sniffJson(tryJson(text));
  if (sniffed) return sniffed;
  const head = text.slice(0, 1024).trimStart().toLowerCase();
  if (head.startsWith("<!doctype") || head.startsWith("<html")) return "html";
  return /^#{1,6}\s+\S/m.test(text) ? "markdown" : "plaintext";
}

/** UTF-8 with a byte-order mark dropped; invalid sequences become U+FFFD rather than failing. */
export function decodeText(bytes: Uint8Array): string {
  return new TextDecoder("utf-8", { ignoreBOM: false }).decode(bytes);
}
