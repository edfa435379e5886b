import { describe, expect, it } from "vitest";
import { chunkText } from "./chunk.js";
import { detectFormat } from "./formats.js";

const words = (n: number, tag: string) => Array.from({ length: n }, (_, i) => `${tag}${i}`).join(" ");

describe("chunkText", () => {
  it("keeps a text that fits as one chunk", () => {
    expect(chunkText("  short text  ", { maxChunkSize: 200, overlap: 0 })).toEqual(["short text"]);
  });

  it("cuts at the last heading in the window, before paragraphs or sentences", () => {
    const text = `# A\n\n${words(40, "a")}. More.\n\n${words(20, "b")}\n\n## B\n\n${words(60, "c")}`;
    expect(text.length).toBeGreaterThan(400);
    const [first, second] = chunkText(text, { maxChunkSize: 400, overlap: 0 });
    expect(first!.endsWith(words(20, "b"))).toBe(true);
    expect(second!.startsWith("## B")).toBe(true);
  });

  it("repeats the overlap, starts it on a word, and every cut advances at least 30% of the window", () => {
    const max = 300;
    const text = words(800, "w"); // no heading, paragraph or sentence: cuts at spaces
    const chunks = chunkText(text, { maxChunkSize: max, overlap: 100 });
    for (const c of chunks) expect(c.length).toBeLessThanOrEqual(max);
    for (let i = 1; i < chunks.length; i++) {
      const prevTail = chunks[i - 1]!.slice(-60);
      expect(chunks[i]!.slice(0, 300)).toContain(prevTail.slice(prevTail.indexOf(" ") + 1));
      expect(chunks[i]).toMatch(/^w\d+/);
    }
    // Advancing ≥ 30% of the window bounds the number of chunks.
    expect(chunks.length).toBeLessThanOrEqual(Math.ceil(text.length / (max * 0.3)));
  });

  it("cuts a text without any break at the window's end, still advancing", () => {
    const chunks = chunkText("x".repeat(1000), { maxChunkSize: 200, overlap: 100 });
    expect(chunks.every((c) => c.length === 200 || chunks.at(-1) === c)).toBe(true);
    expect(chunks.length).toBeLessThanOrEqual(Math.ceil(1000 / 60));
  });
});

describe("detectFormat", () => {
  const bytes = (s: string) => new TextEncoder().encode(s);
  it("follows the contract's order: format, extension, magic bytes, JSON shape, HTML, Markdown", () => {
    expect(detectFormat(bytes("# x"), { format: "plaintext", filename: "a.md" })).toBe("plaintext");
    expect(detectFormat(bytes("plain"), { filename: "notes.MD" })).toBe("markdown");
    expect(detectFormat(bytes("%PDF-1.7"), { filename: "x.json" })).toBe("pdf");
    expect(detectFormat(bytes('[{"uuid":"u","chat_messages":[]}]'), {})).toBe("claude-export");
    expect(detectFormat(bytes('[{"title":"t","mapping":{}}]'), { filename: "c.json" })).toBe("chatgpt-export");
    expect(detectFormat(bytes('[{"role":"user","content":"hi"}]'), {})).toBe("messages");
    expect(detectFormat(bytes("<!DOCTYPE html><p>x</p>"), {})).toBe("html");
    expect(detectFormat(bytes("intro\n## Part"), {})).toBe("markdown");
    expect(detectFormat(bytes("just words"), {})).toBe("plaintext");
  });
});
