import { describe, expect, it } from "vitest";
import { fenceOf, headingOf, jsonlEntries, markdownSections } from "../src/import-sources.js";

describe("headings and fences, read without backtracking", () => {
  // The expressions they replace, quadratic on a long line of "# # # …" or "```…".
  const HEADING = /^ {0,3}(#{1,6})[ \t]+(.*?)[ \t#]*$/;
  const FENCE = /^ {0,3}(`{3,}|~{3,})(.*)$/;
  const PARTS = ["#", "##", " ", "  ", "\t", "`", "```", "~", "~~~", "x", "C#", "\r", "\u2028", "é"];

  it("read each line as those regular expressions did", () => {
    let seed = 9;
    const next = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff);
    for (let i = 0; i < 30_000; i++) {
      const line = Array.from({ length: 1 + (next() % 8) }, () => PARTS[next() % PARTS.length]).join("");
      const h = HEADING.exec(line);
      expect(headingOf(line), JSON.stringify(line)).toEqual(h ? { level: h[1]!.length, text: h[2]! } : null);
      const f = FENCE.exec(line);
      expect(fenceOf(line), JSON.stringify(line)).toEqual(f ? { marker: f[1]!, info: f[2]! } : null);
    }
  });

  it("a file of more headings than a call's arguments can hold still has sections", () => {
    const text = Array.from({ length: 200_000 }, (_, i) => `# H${i}\nbody`).join("\n");
    expect(markdownSections(text)).toHaveLength(200_000);
  });
});

describe("markdownSections", () => {
  it("cuts at the shallowest heading level the file uses", () => {
    expect(markdownSections("## A\none\n### A.1\nsub\n## B\ntwo\n")).toEqual([
      { heading: "A", content: "## A\none\n### A.1\nsub" },
      { heading: "B", content: "## B\ntwo" },
    ]);
  });

  it("keeps text before the first heading as its own section, and a file without headings whole", () => {
    expect(markdownSections("intro\n# T\nbody")).toEqual([
      { heading: null, content: "intro" },
      { heading: "T", content: "# T\nbody" },
    ]);
    expect(markdownSections("just a note\nover two lines\n")).toEqual([{ heading: null, content: "just a note\nover two lines" }]);
  });

  it("does not cut inside fenced code, whatever the fence", () => {
    const text = ["# Real", "~~~", "# inside tildes", "~~~", "````md", "```python", "# inside a longer fence", "```", "````", "# Next", "x"].join("\n");
    expect(markdownSections(text).map((s) => s.heading)).toEqual(["Real", "Next"]);
  });

  it("drops front matter, closing hashes and sections with nothing under the heading", () => {
    expect(markdownSections("---\ntags: [a]\n---\n# Title ##\ntext\n# Empty\n\n# Last\nend")).toEqual([
      { heading: "Title", content: "# Title ##\ntext" },
      { heading: "Last", content: "# Last\nend" },
    ]);
  });

  it("an empty file has no sections", () => {
    expect(markdownSections("")).toEqual([]);
    expect(markdownSections("# Only a heading\n")).toEqual([]);
  });
});

describe("jsonlEntries", () => {
  it("numbers lines as the file does (blank lines count, CRLF too) and fills in defaults", () => {
    const entries = jsonlEntries("/x/a.jsonl", '{"content":"one"}\r\n\r\n{"content":"two","tags":["t"],"source":"s"}\n', {
      category: "c",
      tags: ["extra"],
      space: 3,
    });
    expect(entries).toEqual([
      { where: "a.jsonl line 1", request: { content: "one", category: "c", source: "import", space_id: 3, tags: ["extra"] } },
      { where: "a.jsonl line 3", request: { content: "two", category: "c", source: "s", space_id: 3, tags: ["t", "extra"] } },
    ]);
  });

  it("leaves fields it cannot merge for the server to judge", () => {
    const [entry] = jsonlEntries("a.jsonl", '{"content":"x","tags":"not-a-list"}', { tags: ["extra"] });
    expect(entry).toMatchObject({ request: { tags: "not-a-list" } });
  });
});
