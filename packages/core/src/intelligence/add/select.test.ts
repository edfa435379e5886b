import { describe, expect, it } from "vitest";
import { selectSentences } from "./select.js";

describe("POST /add sentence selection (rules)", () => {
  it("keeps the contract example's statement and skips the rest", () => {
    expect(selectSentences("I moved to Lisbon last spring and I work as a data engineer.")).toEqual({
      kept: [{ content: "I moved to Lisbon last spring and I work as a data engineer.", category: "fact" }],
      skipped: 0,
    });
    expect(selectSentences("Thanks!")).toEqual({ kept: [], skipped: 1 });
    expect(selectSentences("Nice!")).toEqual({ kept: [], skipped: 1 });
  });

  it.each([
    ["Where do you live?", "a question"],
    ["Hello there, how are you", "a greeting"],
    ["Thank you so much for the help", "thanks"],
    ["ok sounds good", "filler"],
    ["I agree", "under four words"],
    ["Can you remind me about my dentist appointment.", "a request"],
    ["The weather was grey all day long.", "no first person, no pattern"],
  ])("skips %s (%s)", (text) => {
    expect(selectSentences(text).kept).toEqual([]);
  });

  it("keeps first-person statements, third-person facts and personality patterns, with categories", () => {
    const { kept, skipped } = selectSentences(
      "Hi! So basically I really love hiking in the Alps. Dana lives in Oslo with two cats. What about you? Honesty is important to me. My favourite colour is green.",
    );
    expect(kept).toEqual([
      { content: "I really love hiking in the Alps.", category: "preference" },
      { content: "Dana lives in Oslo with two cats.", category: "fact" },
      { content: "Honesty is important to me.", category: "fact" },
      { content: "My favourite colour is green.", category: "preference" },
    ]);
    expect(skipped).toBe(2);
  });

  it("reads several sentences per line and lines without end punctuation", () => {
    expect(selectSentences("We use Terraform for every deploy\nI run the staging cluster myself").kept.map((k) => k.content)).toEqual([
      "We use Terraform for every deploy",
      "I run the staging cluster myself",
    ]);
  });
});
