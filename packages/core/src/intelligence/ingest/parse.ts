import { titleOf, ParseInputError, type IngestDocument, type ParseOutcome } from "./documents.js";
import { decodeText, detectFormat, formatOfExtension, sniffJson, tryJson, type IngestFormat } from "./formats.js";
import { parseChatgptExport, parseClaudeExport, parseJsonl, parseMessages } from "./parse-chat.js";
import { parseDocx, parsePdf } from "./parse-binary.js";
import { parseCsv, parseHtml, parsePlain } from "./parse-text.js";
import { readZip } from "./zip-reader.js";

/** What a parse reports besides its documents: pages for PDFs (the benchmark's unit). */
export interface ParsedInput extends ParseOutcome {
  pages: number;
}

const baseName = (name: string) => (name.split(/[\\/]/).pop() ?? name).replace(/\.[^.]+$/, "") || name;

function parseJsonExport(format: "chatgpt-export" | "claude-export" | "messages", text: string, title: string): ParseOutcome {
  const value = tryJson(text);
  if (value === undefined) throw new ParseInputError(`not a ${format}: the content is not JSON`);
  if (format === "chatgpt-export") return parseChatgptExport(value);
  if (format === "claude-export") return parseClaudeExport(value);
  return parseMessages(value, title);
}

/** A ZIP entry by its extension; `.json` sniffed; each entry's failure is its own, named. */
async function parseZip(bytes: Uint8Array): Promise<ParsedInput> {
  const { entries, skipped } = readZip(bytes, (name) => formatOfExtension(name) !== undefined);
  const out: ParsedInput = { documents: [], errors: [...skipped], pages: 0 };
  for (const entry of entries) {
    try {
      const kind = formatOfExtension(entry.name)!;
      const format = kind === "json" ? (sniffJson(tryJson(decodeText(entry.bytes))) ?? "plaintext") : kind;
      if (format === "zip") continue;
      const parsed = await parseAs(format, entry.bytes, baseName(entry.name));
      out.pages += parsed.pages;
      out.documents.push(...parsed.documents.map((d) => ({ ...d, title: d.title || entry.name })));
      out.errors.push(...parsed.errors.map((e) => `${entry.name}: ${e}`));
      if (parsed.documents.length === 0 && parsed.errors.length === 0) out.errors.push(`${entry.name}: no text`);
    } catch (err) {
      if (!(err instanceof ParseInputError)) throw err;
      out.errors.push(`${entry.name}: ${err.message}`);
    }
  }
  return out;
}

const single = (documents: IngestDocument[], pages = 0): ParsedInput => ({ documents, errors: [], pages });

/** The documents of an input in a known format. Throws ParseInputError when the bytes are not that format. */
export async function parseAs(format: IngestFormat, bytes: Uint8Array, name: string): Promise<ParsedInput> {
  switch (format) {
    case "pdf": {
      const { documents, pages } = await parsePdf(bytes);
      return { documents, errors: documents.length ? [] : ["the PDF has no extractable text"], pages };
    }
    case "zip":
      return parseZip(bytes);
    case "docx":
      return single(parseDocx(bytes, name));
  }
  const text = decodeText(bytes);
  switch (format) {
    case "markdown":
    case "plaintext":
      return single(parsePlain(text));
    case "html":
      return single(parseHtml(text));
    case "csv":
      return single(parseCsv(text, name));
    case "jsonl":
      return { ...parseJsonl(text, name), pages: 0 };
    case "chatgpt-export":
    case "claude-export":
    case "messages":
      return { ...parseJsonExport(format, text, name), pages: 0 };
  }
}

export interface ParseRequest {
  bytes: Uint8Array;
  format?: IngestFormat | undefined;
  filename?: string | undefined;
}

/** Detects the format (contract order) and parses. Runs on the parse worker for binary formats. */
export async function parseInput(req: ParseRequest): Promise<ParsedInput & { format: IngestFormat }> {
  const format = detectFormat(req.bytes, req);
  const name = req.filename ? baseName(req.filename) : "";
  const parsed = await parseAs(format, req.bytes, name);
  // Documents without a title of their own (a CSV or JSONL without a file name) take their text's.
  return { ...parsed, format, documents: parsed.documents.map((d) => ({ ...d, title: d.title || titleOf(d.text) })) };
}
