import { countTokens as bpeCount } from "gpt-tokenizer";
import { describe, expect, it } from "vitest";
import { extractEntities, MAX_ENTITY_SCAN_CHARS, type KnownEntity } from "./entity-rules.js";
import { contentTerms } from "../text/terms.js";
import { ruleClassifier } from "./link-rules.js";
import { evaluate, isRule } from "../intelligence/guard.js";
import { hasSimhashTokens, simhash, simhashTokens } from "../memory/simhash.js";
import { buildFtsQuery, queryTerms } from "../text/fts-query.js";
import { detectQuestionType, QUESTION_TYPES } from "../search/question-type.js";
import { nameCoverage, namesIn } from "../text/query-names.js";
import { countTokens, tokensWithin } from "../text/token-count.js";
import { STOPWORDS } from "../text/stopwords.js";
import { leadingWindow } from "../text/chars.js";
import { extractEntities as referenceEntities } from "../../test/support/entity-rules.reference.js";
import { namesIn as referenceNames } from "../../test/support/query-names.reference.js";

/**
 * The text scanners that replaced backtracking regular expressions (security review, findings
 * 3-5, and the audit that followed). Two kinds of test:
 * - differential: on short random texts built from the characters that matter to each rule,
 *   the scanner returns exactly what the expression it replaced returned (cheap at this size);
 * - pathological: long runs of ".", "@", "-", "a.", "b@", accented and astral letters, no
 *   spaces, mixed, fed to every scanner, which must finish with a sane, bounded result.
 * How long they take is measured by bench/scanners.ts (growth per doubling), not asserted here.
 */

function randomTexts(seed: number, parts: readonly string[], count: number, maxParts: number): string[] {
  let s = seed;
  // A linear congruential generator; its low bits cycle fast, so only the high ones are used.
  const next = () => (s = (s * 1103515245 + 12345) & 0x7fffffff) >>> 12;
  return Array.from({ length: count }, () => Array.from({ length: 1 + (next() % maxParts) }, () => parts[next() % parts.length]).join(""));
}

const DECLARED: KnownEntity[] = [
  { name: "Atlas", aliases: ["atlas-core", "Big  Data"], type: "project" },
  { name: "node", aliases: [], type: "other" },
];

describe("differential: the scanners find what the expressions found", () => {
  const ENTITY_ALPHABETS: [string, string[], number][] = [
    ["words and tokens", ["a", "b", "A", "Bob", "server", "@", "x@y.com", ".", "-", "/", "~", "\\", "C:", "1", "10.0.0.5", "com", "http://", "https://", "localhost", " ", "\t", "\n", "`", "'", "é", "Docker", "docker", "git", "Node.js", "project", "said", "The", "_", "+", ":", ",", "atlas-core", "ATLAS", "Big Data", "called", "host", "io", "’s"], 14],
    ["single characters", ["a", "b", "A", ".", "-", "@", "/", "~", "\\", ":", "1", "2", "5", "_", "+", ",", ";", "`", "c", "o", "m", "x", "é", " "], 24],
    ["long labels", ["a".repeat(62), "b".repeat(30), ".", "-", "a", "com", "1", "@", "x", "_", "localhost", "A"], 30],
  ];
  // The reference rebuilds its expressions on every call: these take a few seconds.
  it.each(ENTITY_ALPHABETS)("entity extraction (%s)", { timeout: 60_000 }, (_label, parts, maxParts) => {
    for (const text of randomTexts(42, parts, 5000, maxParts)) {
      for (const known of [[], DECLARED]) expect(extractEntities(text, known), JSON.stringify(text)).toEqual(referenceEntities(text, known));
    }
  });

  it("query names", { timeout: 60_000 }, () => {
    for (const parts of [
      ["a", "b", "Z", "A", "é", "1", ".", "-", "_", "/", ":", "中", "𝐀", "x", " ", "What", "web-01", "Zed", "iPhone"],
      ["A", "a", "1", "_", "é", ".", "Ab", "aB", "-", ":", "/", "𝐀", "ǅ", "ʰ"],
    ]) {
      for (const text of randomTexts(7, parts, 20_000, 16)) expect([...namesIn(text)], JSON.stringify(text)).toEqual([...referenceNames(text)]);
    }
  });

  // The expressions the word scanners replaced (text/words.ts), written out.
  const WORDS = /[\p{L}\p{N}_]+/gu;
  const regexQueryTerms = (text: string) => {
    const words = [...text.toLowerCase().matchAll(WORDS)].map((m) => m[0]);
    const content = words.filter((w) => !STOPWORDS.has(w));
    return [...new Set(content.length > 0 ? content : words)].slice(0, 64);
  };
  const regexSimhashTokens = (text: string) => [...text.toLowerCase().matchAll(/[\p{L}\p{N}]+/gu)].map((m) => m[0]).filter((w) => w.length >= 3);
  const WORD_PARTS = ["the", "a", "and", "Deploy", "deploys", "x1", "_", "é", "İ", "ß", "中文", "𝐀𝐁𝐂", " ", ".", "-", "\n", "can't", "ùpgrade"];

  it("search terms and SimHash tokens", { timeout: 60_000 }, () => {
    for (const text of randomTexts(3, WORD_PARTS, 10_000, 20)) {
      expect(queryTerms(text), JSON.stringify(text)).toEqual(regexQueryTerms(text));
      expect(simhashTokens(text)).toEqual(regexSimhashTokens(text));
      expect(hasSimhashTokens(text)).toBe(regexSimhashTokens(text).length > 0);
    }
    // More than 64 distinct words: the scan stops early and still returns the first 64.
    const many = Array.from({ length: 300 }, (_, i) => `word${i}`).join(" the ");
    expect(queryTerms(many)).toEqual(regexQueryTerms(many));
  });

  it("token counts: exactly gpt-tokenizer's on text without a piece over 64 characters", { timeout: 60_000 }, () => {
    const parts = ["the", " ", "  ", "\n", "\n\n", " \n", "\t", "word", "Word", "WORD", "don't", "it's", "123", "4567", ".", ",", "!?", "...", "—", "-", "/", "é", "中文", "  \n ", "'s", "'LL", "=", "==", "https://x.io/a?b=c", "😀", "\r\n", "x"];
    // Long texts, so runs are cut (every 4 KB) where the counter may cut them.
    for (const text of randomTexts(3, parts, 60, 4000)) {
      const exact = bpeCount(text);
      expect(countTokens(text)).toBe(exact);
      expect(tokensWithin(text, exact)).toBe(exact);
      expect(tokensWithin(text, exact - 1)).toBeNull();
    }
    // Special-token text is counted as text, where gpt-tokenizer alone throws.
    expect(countTokens("see <|endoftext|> here")).toBe(bpeCount("see <|endoftext|> here", { disallowedSpecial: new Set() }));
  });

  it("token counts: never below gpt-tokenizer's when pieces are long", { timeout: 60_000 }, () => {
    const parts = ["the", " ", "\n", "word", "123", ".", "中文", "=", "a".repeat(70), "中".repeat(80), "\n".repeat(70), " ".repeat(90), "é".repeat(65)];
    for (const text of randomTexts(5, parts, 40, 400)) {
      const bound = countTokens(text);
      expect(bound).toBeGreaterThanOrEqual(bpeCount(text));
      expect(tokensWithin(text, bound)).toBe(bound);
      expect(tokensWithin(text, bound - 1)).toBeNull();
    }
  });
});

/** 100 KB of each shape that made a backtracking scanner quadratic, and a few more. */
const HOSTILE: Record<string, string> = Object.fromEntries(
  (
    [
      [".", "."],
      ["@", "@"],
      ["-", "-"],
      ["a.", "a."],
      ["b.", "b."],
      ["b@", "b@"],
      ["a-", "a-"],
      ["aé", "aé"],
      ["中", "中"],
      ["astral", "𝐀"],
      ["no spaces", "abcdefghij"],
      ["spaces", " "],
      ["A ", "A "],
      ["1.", "1."],
      ["/a", "/a"],
      ["mixed", "a.b@c-d/é ~\\:1`"],
      ["tags", "<system-reminder>"],
      ["cues", "server `a."],
    ] as const
  ).map(([name, unit]) => [name, unit.repeat(Math.ceil(102_400 / unit.length)).slice(0, 102_400)]),
);

describe.each(Object.entries(HOSTILE))("pathological input: %s × 100 KB", (_name, text) => {
  it("entity extraction returns at most 20 entities, read from the first 16 KB", () => {
    const found = extractEntities(text, DECLARED);
    expect(found.length).toBeLessThanOrEqual(20);
    // Every name was read from the window (declared ones are named by their declaration).
    const window = leadingWindow(text, MAX_ENTITY_SCAN_CHARS).toLowerCase();
    for (const e of found) if (e.name !== "Atlas") expect(window.includes(e.key), e.key).toBe(true);
  });

  it("query names are pieces of the text, and coverage is a share", () => {
    const lower = text.toLowerCase();
    for (const name of namesIn(text)) expect(lower.includes(name)).toBe(true);
    const coverage = nameCoverage(new Set(["zed", "web-01"]), text);
    expect(coverage).toBeGreaterThanOrEqual(0);
    expect(coverage).toBeLessThanOrEqual(1);
  });

  it("SimHash, search terms, question type and link terms stay bounded", () => {
    expect(simhash(text)).toMatch(/^[0-9a-f]{16}$/);
    expect(queryTerms(text).length).toBeLessThanOrEqual(64);
    const fts = buildFtsQuery(text);
    if (fts !== null) expect(fts.split(" OR ").length).toBeLessThanOrEqual(64);
    expect(QUESTION_TYPES).toContain(detectQuestionType(text.slice(0, 10_000)));
    expect(contentTerms(text).size).toBeLessThanOrEqual(text.length);
    const links = ruleClassifier.classify({ id: 1, content: text.slice(0, 16_384) }, [{ id: 2, content: text.slice(0, 16_384), similarity: 0.9 }], 0.5);
    for (const l of links as { sourceId: number; targetId: number }[]) expect([1, 2]).toContain(l.sourceId);
  });

  it("the guard gives a verdict over a rule and an action made of it", () => {
    const verdict = evaluate(text.slice(0, 10_000), [{ id: 1, content: `never ${text}`, importance: 9 }]);
    expect(["allow", "warn", "block"]).toContain(verdict.signal);
    expect(typeof isRule({ category: "x", isStatic: true, content: text })).toBe("boolean");
  });

  it("token counts are at least the tokens' number and at most the bytes", () => {
    const n = countTokens(text);
    expect(n).toBeGreaterThanOrEqual(Math.ceil(Buffer.byteLength(text) / 128));
    expect(n).toBeLessThanOrEqual(Buffer.byteLength(text));
    expect(tokensWithin(text, 100)).toBeNull();
  });
});
