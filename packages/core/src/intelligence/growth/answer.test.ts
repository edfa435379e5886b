import { describe, expect, it } from "vitest";
import { growthAnswerSchema, observationOf, readGrowthAnswer } from "./answer.js";
import { scrubSecrets } from "./scrub.js";

const read = (content: string) => {
  const parsed = growthAnswerSchema.safeParse(readGrowthAnswer(content));
  return parsed.success ? observationOf(parsed.data) : { kind: "failed" as const };
};

describe("growth answers", () => {
  it("reads JSON, fenced JSON and plain text alike", () => {
    expect(read('{"observation": "The user reviews diffs before every commit."}')).toEqual({ kind: "observation", text: "The user reviews diffs before every commit." });
    expect(read('```json\n{"observation": "The user reviews diffs before every commit."}\n```')).toMatchObject({ kind: "observation" });
    expect(read("  The user reviews diffs before every commit.\n")).toEqual({ kind: "observation", text: "The user reviews diffs before every commit." });
  });

  it("NOTHING in any case, with or without a period, null and too-short text observe nothing", () => {
    for (const answer of ["NOTHING", "nothing.", " Nothing. ", '{"observation": null}', '{"observation": "NOTHING."}', "ok", '{"observation": "short"}']) {
      expect(read(answer), answer).toEqual({ kind: "nothing" });
    }
  });

  it("broken JSON, a wrong shape and an over-long observation are failures, not observations", () => {
    expect(read('{"observation": "cut off')).toEqual({ kind: "failed" });
    expect(read('{"note": "The user reviews diffs before every commit."}')).toEqual({ kind: "failed" });
    expect(read("x".repeat(501))).toEqual({ kind: "invalid" });
    expect(read("x".repeat(500))).toMatchObject({ kind: "observation" });
  });

  it("the scrubber takes out provider keys, Engram keys and password assignments", () => {
    const out = scrubSecrets(`use sk-proj-abcdefghijklmnopqrstuvwx, engram_${"a1".repeat(16)} and password=hunter22`);
    expect(out).toBe("use [REDACTED], [REDACTED] and password=[REDACTED]");
  });
});
