/** What parsing yields: documents of text, each chunked and stored on its own. */
export interface IngestDocument {
  title: string;
  text: string;
  /** The conversation's creation time for chat exports (ISO-8601), else null. */
  createdAt: string | null;
}

/** Documents and the parser's complaints about parts it skipped or could not read. */
export interface ParseOutcome {
  documents: IngestDocument[];
  errors: string[];
}

/**
 * The input is not what it claims to be (a "PDF" without a PDF inside, a malformed export, a
 * ZIP with an unsafe entry): the request is refused with a 400 naming the field that carried it.
 */
export class ParseInputError extends Error {
  override name = "ParseInputError";
}

/** Title of a text: its first Markdown heading, else its first 60 characters. */
export function titleOf(text: string): string {
  const heading = /^#{1,6}\s+(.+?)\s*#*\s*$/m.exec(text);
  if (heading) return heading[1]!.slice(0, 200);
  const first = text.trim().replace(/\s+/g, " ");
  return first.length <= 60 ? first : first.slice(0, 60).trimEnd();
}
