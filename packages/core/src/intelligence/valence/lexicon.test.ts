import { describe, expect, it } from "vitest";
import { scoreSentiment, scoreValence } from "./lexicon.js";

describe("the valence scorer", () => {
  it("takes the emotion of a single word, and neutral when none matches", () => {
    expect(scoreValence("I was furious")).toEqual({ valence: -0.7, arousal: 0.7, dominant_emotion: "anger", all_emotions: [{ emotion: "anger", valence: -0.7, arousal: 0.7 }] });
    expect(scoreValence("The meeting is at noon")).toEqual({ valence: 0, arousal: 0, dominant_emotion: "neutral", all_emotions: [] });
  });

  it("weights by |valence| and picks the strongest as dominant", () => {
    // excitement 0.8/0.8 and sadness −0.6/0.3: (0.64 − 0.36) / 1.4 = 0.2; (0.64 + 0.18) / 1.4 = 0.59.
    expect(scoreValence("Excited about the trip but sad to leave")).toMatchObject({ valence: 0.2, arousal: 0.59, dominant_emotion: "excitement" });
  });

  it("counts an emotion once, matches phrases and curly apostrophes, and skips negated words", () => {
    expect(scoreValence("happy happy happy").all_emotions).toHaveLength(1);
    expect(scoreValence("I can’t wait for Friday").dominant_emotion).toBe("excitement");
    expect(scoreValence("I am not happy").dominant_emotion).toBe("neutral");
    expect(scoreValence("never really scared").dominant_emotion).toBe("neutral");
  });

  it("uses plain means when only zero-valence emotions matched", () => {
    expect(scoreValence("Totally surprised")).toEqual({ valence: 0, arousal: 0.7, dominant_emotion: "surprise", all_emotions: [{ emotion: "surprise", valence: 0, arousal: 0.7 }] });
  });
});

describe("the sentiment score", () => {
  it("sums word weights, flipping negated ones", () => {
    expect(scoreSentiment("good and fast")).toEqual({ score: 4, label: "positive", sum: 4, word_count: 3 });
    expect(scoreSentiment("not good")).toEqual({ score: -2, label: "negative", sum: -2, word_count: 2 });
    expect(scoreSentiment("ok")).toMatchObject({ score: 1, label: "neutral" });
  });

  it("damps the sum of a long text by the square root of its length over ten words", () => {
    const text = `terrible ${"word ".repeat(39)}`.trim();
    expect(scoreSentiment(text)).toEqual({ score: -1.5, label: "negative", sum: -3, word_count: 40 });
  });
});
