import { describe, expect, it } from "vitest";
import { extractMemories, removeHarnessMarkup } from "../src/extract.js";
import { parseTranscriptLine } from "../src/transcript.js";

/** The rules on transcript lines shaped like Claude Code's, end to end from the raw JSONL line. */
const line = (role: "user" | "assistant", content: unknown) =>
  JSON.stringify({ type: role, message: { role, content }, sessionId: "s-1", timestamp: "2026-01-01T00:00:00.000Z", uuid: "u" });
const extract = (raw: string) => {
  const message = parseTranscriptLine(raw);
  return message ? extractMemories(message) : [];
};

describe("parsing transcript lines", () => {
  it("keeps only the text blocks of a message", () => {
    const raw = line("assistant", [
      { type: "text", text: "Looking at the config." },
      { type: "tool_use", id: "t1", name: "Bash", input: { command: "we decided to use rm -rf" } },
      { type: "text", text: "Second block." },
    ]);
    expect(parseTranscriptLine(raw)).toEqual({ role: "assistant", texts: ["Looking at the config.", "Second block."], sessionId: "s-1" });
  });

  it.each([
    ["not JSON", "{half a line"],
    ["a summary line", JSON.stringify({ type: "summary", summary: "We decided to use Postgres", leafUuid: "x" })],
    ["a tool result", line("user", [{ type: "tool_result", tool_use_id: "t1", content: "We decided to use Postgres for storage." }])],
    ["a system role", JSON.stringify({ type: "system", message: { role: "system", content: "We decided to use Postgres" } })],
  ])("yields nothing for %s", (_label, raw) => {
    expect(extract(raw)).toEqual([]);
  });
});

describe("rule-based extraction", () => {
  it("finds decisions in either role", () => {
    expect(extract(line("user", "After the benchmark we decided to use Postgres instead of MySQL."))).toEqual([
      { content: "After the benchmark we decided to use Postgres instead of MySQL.", category: "decision", importance: 7 },
    ]);
    expect(extract(line("assistant", [{ type: "text", text: "Going with pnpm workspaces for the monorepo layout." }]))).toEqual([
      { content: "Going with pnpm workspaces for the monorepo layout.", category: "decision", importance: 7 },
    ]);
  });

  it("finds the user's preferences, but not the assistant's narration", () => {
    expect(extract(line("user", "I prefer small commits with imperative messages. Always run the linter before pushing."))).toEqual([
      { content: "I prefer small commits with imperative messages.", category: "preference", importance: 7 },
      { content: "Always run the linter before pushing.", category: "preference", importance: 7 },
    ]);
    expect(extract(line("assistant", "Always run the linter before pushing."))).toEqual([]);
  });

  it("finds resolved errors, not open ones", () => {
    expect(extract(line("assistant", "The build broke on CI. The fix was to pin Node to 20.11 in the workflow."))).toEqual([
      { content: "The fix was to pin Node to 20.11 in the workflow.", category: "error-resolution", importance: 6 },
    ]);
    expect(extract(line("assistant", "The flaky upload test is still not fixed after the retry change."))).toEqual([]);
  });

  it("finds facts about the project, not transient states", () => {
    expect(extract(line("assistant", "The API server listens on port 8080 behind nginx."))).toEqual([
      { content: "The API server listens on port 8080 behind nginx.", category: "fact", importance: 5 },
    ]);
    expect(extract(line("assistant", "The test suite is currently failing on main."))).toEqual([]);
  });

  it("skips questions, hedges, code blocks, harness markup and fragments", () => {
    const text = [
      "Should we decide to use Redis for the cache?",
      "Maybe we decided to use Kafka, I am not sure.",
      "Let me check what we decided to use last time.",
      "```sh\n# we decided to use make for builds\nmake all\n```",
      "<system-reminder>The user prefers that you always use tabs.</system-reminder>",
      "Fixed it.",
    ].join("\n");
    expect(extract(line("user", text))).toEqual([]);
  });

  it("reports a sentence said twice in one message once, stripped of list markers and emphasis", () => {
    expect(extract(line("user", "- **We decided to keep the REST API versioned by path.**\n- We decided to keep the REST API versioned by path."))).toEqual([
      { content: "We decided to keep the REST API versioned by path.", category: "decision", importance: 7 },
    ]);
  });
});

describe("harness markup removal", () => {
  const MARKUP = /<(system-reminder|command-[\w-]+|local-command-[\w-]+)>[\s\S]*?<\/\1>/g;
  const PARTS = ["<system-reminder>", "</system-reminder>", "<command-x>", "</command-x>", "<command-y-2>", "</command-y-2>", "<local-command-a>", "</local-command-a>", "<", "</", ">", "command-", "x", " ", "\n"];

  it("removes exactly what the regular expression it replaces removed", () => {
    let seed = 11;
    const next = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff);
    for (let i = 0; i < 20_000; i++) {
      const text = Array.from({ length: 1 + (next() % 12) }, () => PARTS[next() % PARTS.length]).join("");
      expect(removeHarnessMarkup(text), JSON.stringify(text)).toBe(text.replace(MARKUP, "\n"));
    }
  });

  it("keeps tags that are never closed, and closes a tag only with its own name", () => {
    const text = "<system-reminder>".repeat(2_000) + "We decided to use Postgres.";
    expect(removeHarnessMarkup(text)).toBe(text);
    expect(removeHarnessMarkup(`a<command-x>${"</command-y>".repeat(2_000)}</command-x>b`)).toBe("a\nb");
  });
});
