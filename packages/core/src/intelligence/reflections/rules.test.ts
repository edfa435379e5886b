import { describe, expect, it } from "vitest";
import type { MemoryRow } from "../../db/index.js";
import { scrubSecrets } from "../growth/scrub.js";
import { bucketAction, candidateText, periodSummary, periodWindow } from "./rules.js";

const memory = (content: string, over: Partial<MemoryRow> = {}) => ({ content, category: "general", tags: [], importance: 5, ...over }) as MemoryRow;

describe("periodSummary", () => {
  it("counts, names the main categories, the themes by how many memories carry them, and the most important", () => {
    const out = periodSummary(
      [
        memory("Kubernetes upgrade of staging planned", { category: "ops", tags: ["k8s"], importance: 9 }),
        memory("Kubernetes node pool resized", { category: "ops", tags: ["k8s"] }),
        memory("Lunch with the design team", { category: "social" }),
      ],
      "week",
    );
    expect(out.themes.slice(0, 2)).toEqual(["k8s", "kubernetes"]);
    expect(out.themes.length).toBe(5);
    expect(out.content).toBe(`3 memories this week; mostly ops and social; recurring: ${out.themes.join(", ")}; most important: Kubernetes upgrade of staging planned`);
  });

  it("says so when the period is empty", () => {
    expect(periodSummary([], "day")).toEqual({ content: "No memories in this period.", themes: [] });
  });

  it("windows end now and reach back one day, seven or thirty", () => {
    const now = new Date("2026-12-03T12:00:00.000Z");
    expect(periodWindow("month", now)).toEqual({ start: "2026-11-03T12:00:00.000Z", end: "2026-12-03T12:00:00.000Z" });
  });
});

describe("candidate rules", () => {
  it("reconsolidate from importance 8, enrich below, with the first 120 characters", () => {
    expect(bucketAction(8)).toBe("reconsolidate");
    expect(bucketAction(7)).toBe("enrich");
    expect(candidateText("enrich", memory("x".repeat(200), { category: "ops", importance: 6 }))).toBe(`[enrich] unused ops memory (importance 6): ${"x".repeat(120)}`);
  });
});

describe("scrubSecrets", () => {
  it("redacts provider keys, tokens and assigned passwords, and leaves ordinary text alone", () => {
    expect(scrubSecrets("key sk-abcdefghijklmnopqrstuvwx and AKIAABCDEFGHIJKLMNOP")).toBe("key [REDACTED] and [REDACTED]");
    expect(scrubSecrets("password: hunter2, token=abc")).toBe("password: [REDACTED] token=[REDACTED]");
    expect(scrubSecrets("Authorization: Bearer abcdefghijklmnop1234")).toBe("Authorization: [REDACTED]");
    expect(scrubSecrets("The user prefers small commits")).toBe("The user prefers small commits");
  });
});
