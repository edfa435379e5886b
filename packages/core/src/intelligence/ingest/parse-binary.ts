import { extractText, getDocumentProxy } from "unpdf";
import { ParseInputError, type IngestDocument } from "./documents.js";
import { isPdf } from "./formats.js";
import { readZip } from "./zip-reader.js";

/**
 * A PDF's text, pages joined by blank lines, titled by its first non-empty line (≤ 100 chars).
 * Bytes that are not a PDF are a ParseInputError; a real PDF without text (scanned pages) yields
 * no document, which the caller reports as a failed document.
 */
export async function parsePdf(bytes: Uint8Array): Promise<{ documents: IngestDocument[]; pages: number }> {
  if (!isPdf(bytes)) throw new ParseInputError("not a PDF: it does not start with %PDF");
  let pages: string[];
  try {
    // pdf.js takes the buffer over; a copy keeps the caller's bytes usable. verbosity 0: errors only.
    const pdf = await getDocumentProxy(new Uint8Array(bytes), { verbosity: 0 });
    pages = (await extractText(pdf, { mergePages: false })).text;
    await pdf.destroy();
  } catch (err) {
    throw new ParseInputError(`not a readable PDF: ${err instanceof Error ? err.message : String(err)}`);
  }
  const text = pages
    .map((p) => p.trim())
    .filter(Boolean)
    .join("\n\n");
  if (!text) return { documents: [], pages: pages.length };
  const firstLine = text.split("\n").find((l) => l.trim() !== "")!.trim();
  return { documents: [{ title: firstLine.slice(0, 100), text, createdAt: null }], pages: pages.length };
}

const XML_ENTITIES: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" };

/** A Word document's paragraphs (`<w:p>`), their runs' text (`<w:t>`) joined; headings stay plain paragraphs. */
export function parseDocx(bytes: Uint8Array, title: string): IngestDocument[] {
  const { entries } = readZip(bytes, (name) => name === "word/document.xml");
  const xml = entries[0] ? new TextDecoder().decode(entries[0].bytes) : undefined;
  if (xml === undefined) throw new ParseInputError("not a DOCX document: no word/document.xml inside");
  const paragraphs = xml.split(/<\/w:p>/).map((p) =>
    [...p.matchAll(/<w:t(?:\s[^>]*)?>([^<]*)<\/w:t>/g)]
      .map((m) => m[1]!)
      .join("")
      .replace(/&(amp|lt|gt|quot|apos);/g, (_m, e: string) => XML_ENTITIES[e]!)
      .trim(),
  );
  const text = paragraphs.filter(Boolean).join("\n\n");
  return text ? [{ title, text, createdAt: null }] : [];
}
