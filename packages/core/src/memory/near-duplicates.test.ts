import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createEngram, type Engram } from "../engram.js";
import { storeInputSchema } from "./schemas.js";

let engram: Engram;
let userId: number;

beforeEach(() => {
  engram = createEngram({ dbPath: ":memory:", dbSynchronous: "normal", apiKeyPepper: "", embedder: null, vectorMinSimilarity: 0.2 });
  userId = engram.auth.createUser("alice", undefined, "writer").id;
});
afterEach(() => engram.close());

const store = (content: string) => engram.memories.store(userId, storeInputSchema.parse({ content }));

describe("near-duplicate stores", () => {
  it("a repeat in other punctuation or small words counts as one more source of the first", () => {
    const first = store("The nightly backup runs on the billing database.");
    const again = store("the nightly backup runs in the billing database!");
    if (first.kind !== "stored") throw new Error("expected a new memory");
    expect(again).toMatchObject({ kind: "duplicate", existingId: first.memory.id });
  });

  it("a changed number or name is a new fact, stored, although SimHash finds the texts alike", () => {
    const cases = [
      ["The nightly backup runs at 01:30", "The nightly backup runs at 02:45"],
      ["Production PostgreSQL listens on port 5433", "Production PostgreSQL listens on port 5432"],
      ["the deploy key for staging is kept by Caroline", "the deploy key for staging is kept by Melanie"],
    ] as const;
    for (const [a, b] of cases) {
      expect(store(a).kind).toBe("stored");
      expect(store(b).kind, b).toBe("stored");
    }
  });
});
