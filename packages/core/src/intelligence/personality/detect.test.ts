import { describe, expect, it } from "vitest";
import { adjustIntensity, detectSignals } from "./detect.js";

describe("rules personality detector", () => {
  it("reads the contract's example clause by clause", () => {
    expect(detectSignals("I love hiking in the Alps, and I value honesty. I want to learn Rust.")).toEqual([
      { signal_type: "preference", value: 0.6, subject: "hiking in the Alps", valence: "positive", source_text: "I love hiking in the Alps,", reasoning: "rules: states a liking" },
      { signal_type: "value", value: 0.7, subject: "honesty", valence: "positive", source_text: "I value honesty.", reasoning: "rules: states a value" },
      { signal_type: "motivation", value: 0.6, subject: "learn Rust", valence: "positive", source_text: "I want to learn Rust.", reasoning: "rules: states an aim" },
    ]);
  });

  it.each([
    ["I don't like crowded trains.", "preference", "negative", "crowded trains", 0.6],
    ["I can't stand loud music", "preference", "negative", "loud music", 0.6],
    ["My favourite editor is Helix.", "preference", "positive", "Helix", 0.8],
    ["We switched to PostgreSQL last year.", "decision", "neutral", "PostgreSQL last year", 0.5],
    ["I decided to move to Lisbon.", "decision", "neutral", "move to Lisbon", 0.5],
    ["I'm a data engineer at Acme.", "identity", "neutral", "data engineer at Acme", 0.7],
    ["I consider myself an early riser.", "identity", "neutral", "early riser", 0.7],
    ["Privacy is important to me.", "value", "positive", "Privacy", 0.7],
    ["I care about my team's wellbeing.", "value", "positive", "team's wellbeing", 0.7],
    ["My goal is to run a marathon.", "motivation", "positive", "run a marathon", 0.6],
    ["I'm trying to sleep more.", "motivation", "positive", "sleep more", 0.6],
  ])("%s → %s", (text, type, valence, subject, value) => {
    const found = detectSignals(text).find((s) => s.signal_type === type);
    expect(found).toMatchObject({ valence, subject, value });
  });

  it("takes one emotion keyword per sentence, with its valence", () => {
    const s = detectSignals("I was frustrated and anxious about the deploy. Today I am happy.").filter((x) => x.signal_type === "emotion");
    expect(s.map((x) => [x.subject, x.valence])).toEqual([
      ["frustrated", "negative"],
      ["happy", "positive"],
    ]);
    expect(detectSignals("The content of the page").filter((x) => x.signal_type === "emotion")).toEqual([]);
  });

  it("adjusts intensity for intensifiers, exclamation and capitals, clamped to 0..1", () => {
    expect(adjustIntensity(0.6, "I really love it")).toBe(0.78);
    expect(adjustIntensity(0.6, "I extremely love it")).toBe(0.84);
    expect(adjustIntensity(0.6, "I somewhat like it")).toBe(0.42);
    expect(adjustIntensity(0.6, "I barely like it")).toBe(0.3);
    expect(adjustIntensity(0.6, "I love it!")).toBe(0.7);
    expect(adjustIntensity(0.6, "I LOVE it")).toBe(0.8);
    expect(adjustIntensity(0.8, "I REALLY LOVE IT!")).toBe(1);
    expect(adjustIntensity(0.6, "I use the AWS API")).toBe(0.6);
    expect(detectSignals("I really love jazz!")[0]!.value).toBe(0.88);
  });

  it("drops subjects under three characters and cuts long ones at 100", () => {
    expect(detectSignals("I like it.")).toEqual([]);
    const long = detectSignals(`I love ${"very long words ".repeat(20)}`)[0]!;
    expect(long.subject.length).toBeLessThanOrEqual(100);
  });

  it("finds nothing in text without a pattern", () => {
    expect(detectSignals("The backup job runs at 02:00 on host vega.")).toEqual([]);
  });
});
