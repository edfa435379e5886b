import { titleOf, type IngestDocument } from "./documents.js";

/** Markdown and plain text are one document each; the chunker cuts them at headings and paragraphs. */
export function parsePlain(text: string): IngestDocument[] {
  const body = text.replace(/\r\n?/g, "\n").trim();
  return body ? [{ title: titleOf(body), text: body, createdAt: null }] : [];
}

const ENTITIES: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'", nbsp: " " };

function decodeEntities(s: string): string {
  return s.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (m, e: string) => {
    if (e[0] === "#") {
      const code = e[1] === "x" || e[1] === "X" ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10);
      return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : m;
    }
    return ENTITIES[e.toLowerCase()] ?? m;
  });
}

/**
 * The readable text of an HTML page: scripts, styles and comments dropped, headings kept as
 * Markdown headings (so the chunker cuts at them), block elements as paragraph breaks.
 * Every pattern is linear (no nested quantifiers), so the cost stays bounded by the input.
 */
export function parseHtml(html: string): IngestDocument[] {
  const titleTag = /<title[^>]*>([^<]*)<\/title>/i.exec(html)?.[1];
  const text = decodeEntities(
    html
      .replace(/<!--[\s\S]*?-->/g, " ")
      .replace(/<(script|style|noscript|template|head)\b[\s\S]*?<\/\1\s*>/gi, " ")
      .replace(/<h([1-6])\b[^>]*>/gi, (_m, level: string) => `\n\n${"#".repeat(Number(level))} `)
      .replace(/<\/h[1-6]\s*>/gi, "\n\n")
      .replace(/<li\b[^>]*>/gi, "\n- ")
      .replace(/<br\s*\/?>/gi, "\n")
      .replace(/<\/?(p|div|section|article|header|footer|main|nav|aside|ul|ol|table|tr|blockquote|pre|figure|dl|dt|dd)\b[^>]*>/gi, "\n\n")
      .replace(/<[^>]*>/g, " "),
  )
    .replace(/[ \t\f\v\u00a0]+/g, " ")
    .replace(/ *\n */g, "\n")
    .replace(/\n{3,}/g, "\n\n")
    .trim();
  if (!text) return [];
  const title = titleTag ? decodeEntities(titleTag).trim().slice(0, 200) : "";
  return [{ title: title || titleOf(text), text, createdAt: null }];
}

/** CSV text into records per RFC 4180 (quoted fields, doubled quotes, line breaks inside quotes). */
function csvRecords(text: string): string[][] {
  const records: string[][] = [];
  let field = "";
  let record: string[] = [];
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"' && field === "") quoted = true;
    else if (ch === ",") {
      record.push(field);
      field = "";
    } else if (ch === "\n" || ch === "\r") {
      if (ch === "\r" && text[i + 1] === "\n") i++;
      record.push(field);
      records.push(record);
      record = [];
      field = "";
    } else field += ch;
  }
  if (field !== "" || record.length > 0) {
    record.push(field);
    records.push(record);
  }
  return records.filter((r) => r.some((f) => f.trim() !== ""));
}

/** A CSV file is one document; each row becomes a paragraph of `header: value` pairs. */
export function parseCsv(text: string, title: string): IngestDocument[] {
  const [header, ...rows] = csvRecords(text.replace(/^\uFEFF/, ""));
  if (!header) return [];
  const names = header.map((h, i) => h.trim() || `column ${i + 1}`);
  const paragraphs = rows.map((r) =>
    r
      .map((v, i) => [names[i] ?? `column ${i + 1}`, v.trim()] as const)
      .filter(([, v]) => v !== "")
      .map(([k, v]) => `${k}: ${v}`)
      .join("; "),
  );
  const body = paragraphs.filter(Boolean).join("\n\n");
  return body ? [{ title, text: body, createdAt: null }] : [];
}
