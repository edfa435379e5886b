import { describe, expect, it } from "vitest";
import { causalClues, matchCausalClues } from "./detect.js";

describe("causal clues", () => {
  it("reads the clause after a cause marker as the cause, after an effect marker as the effect", () => {
    expect(causalClues("The build broke because the cache was stale.")).toEqual([{ otherIs: "cause", marker: "because", clause: "the cache was stale" }]);
    expect(causalClues("The outage was caused by a bad DNS record")).toEqual([{ otherIs: "cause", marker: "caused by", clause: "a bad DNS record" }]);
    expect(causalClues("Rotating the keys led to the login failures; we rolled back")).toEqual([{ otherIs: "effect", marker: "led to", clause: "the login failures" }]);
    expect(causalClues("Due to the storm, flights were cancelled")).toEqual([{ otherIs: "cause", marker: "due to", clause: "the storm, flights were cancelled" }]);
    expect(causalClues("Nothing causal here")).toEqual([]);
  });
});

describe("matching a clue to a recent memory", () => {
  const recent = [
    { id: 3, content: "Lunch was pizza again" },
    { id: 2, content: "The cache on ci-runner-4 was stale after the upgrade" },
    { id: 1, content: "A stale cache on ci-runner-4" },
  ];

  it("needs two shared terms and half of the clause's terms; the best coverage wins, the newest among equals", () => {
    expect(matchCausalClues("The build broke because the cache on ci-runner-4 was stale", recent)).toEqual([
      { clue: { otherIs: "cause", marker: "because", clause: "the cache on ci-runner-4 was stale" }, memoryId: 2, coverage: 1 },
    ]);
  });

  it("links nothing when the clause is vague or matches too little", () => {
    expect(matchCausalClues("We left early because it rained", recent)).toEqual([]);
    expect(matchCausalClues("The deploy failed because the database cache filled the disk and the network dropped", recent)).toEqual([]);
  });
});
