import { strToU8, zipSync, type Zippable } from "fflate";
import { PDFDocument, StandardFonts } from "pdf-lib";

/** Inputs for the ingestion tests and benchmark, built in memory: nothing is shipped as a binary. */

/** A PDF with one page per entry, each line of the entry drawn as a line of text. */
export async function makePdf(pages: string[][]): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  const font = await doc.embedFont(StandardFonts.Helvetica);
  for (const lines of pages) {
    const page = doc.addPage([612, 792]);
    lines.forEach((line, i) => page.drawText(line, { x: 50, y: 740 - i * 16, size: 11, font }));
  }
  return doc.save();
}

/** A PDF whose only page has no text (a scan without OCR). */
export async function makeBlankPdf(): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  doc.addPage();
  return doc.save();
}

export function makeZip(files: Record<string, string | Uint8Array>): Uint8Array {
  const entries: Zippable = {};
  for (const [name, content] of Object.entries(files)) entries[name] = typeof content === "string" ? strToU8(content) : content;
  return zipSync(entries);
}

/** Marks every entry of a ZIP as encrypted (general-purpose flag bit 0, in local and central headers). */
export function markEncrypted(zip: Uint8Array): Uint8Array {
  const out = new Uint8Array(zip);
  const view = new DataView(out.buffer);
  for (let i = 0; i + 4 <= out.length; i++) {
    const sig = view.getUint32(i, true);
    if (sig === 0x04034b50) view.setUint16(i + 6, view.getUint16(i + 6, true) | 1, true);
    if (sig === 0x02014b50) view.setUint16(i + 8, view.getUint16(i + 8, true) | 1, true);
  }
  return out;
}

/** A minimal Word document: word/document.xml with one <w:p> per paragraph. */
export function makeDocx(paragraphs: string[]): Uint8Array {
  const body = paragraphs.map((p) => `<w:p><w:r><w:t xml:space="preserve">${p.replace(/&/g, "&amp;").replace(/</g, "&lt;")}</w:t></w:r></w:p>`).join("");
  return makeZip({
    "[Content_Types].xml": '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>',
    "word/document.xml": `<?xml version="1.0"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>${body}</w:body></w:document>`,
  });
}

/**
 * A ChatGPT export of one conversation whose tree branches: the first answer was regenerated,
 * and `current_node` points down the regenerated branch.
 */
export function chatgptExport(title = "Trip planning") {
  const msg = (role: string, text: string) => ({ author: { role }, content: { content_type: "text", parts: [text] } });
  return [
    {
      title,
      create_time: 1_700_000_000,
      current_node: "a2",
      mapping: {
        root: { id: "root", parent: null, children: ["sys"], message: null },
        sys: { id: "sys", parent: "root", children: ["u1"], message: msg("system", "You are a helpful assistant.") },
        u1: { id: "u1", parent: "sys", children: ["a1", "a2"], message: msg("user", "Which train goes from Lisbon to Porto in the morning?") },
        a1: { id: "a1", parent: "u1", children: [], message: msg("assistant", "The discarded first answer about buses.") },
        a2: { id: "a2", parent: "u1", children: [], message: msg("assistant", "The Alfa Pendular leaves Lisbon Santa Apolonia at 07:00.") },
      },
    },
  ];
}

export function claudeExport() {
  return [
    {
      uuid: "5f1c0e9a-0000-4000-8000-000000000001",
      name: "Database migration",
      created_at: "2024-05-01T10:00:00Z",
      chat_messages: [
        { sender: "human", text: "We are moving the orders table to Postgres 16 next week." },
        { sender: "assistant", text: "Plan a logical replication slot before the cutover." },
      ],
    },
  ];
}

export const b64 = (bytes: Uint8Array | string) => Buffer.from(typeof bytes === "string" ? bytes : bytes).toString("base64");
