import { describe, expect, it } from "vitest";
import { extractRuleFacts } from "./extract-rules.js";
import { explicitDate, relativeDate } from "./valid-at.js";

const created = new Date("2026-05-10T12:00:00.000Z");
const facts = (text: string) => extractRuleFacts(text, created).map((f) => [f.subject, f.predicate, f.object, f.negated]);
const one = (text: string) => extractRuleFacts(text, created)[0]!;

describe("rules fact extractor (§4 patterns)", () => {
  it("finds each pattern family with its subject, and leaves the rest alone", () => {
    expect(facts("I live in Berlin.")).toEqual([["user", "lives_in", "Berlin", false]]);
    expect(facts("I'm based in Lisbon now.")).toEqual([["user", "lives_in", "Lisbon", false]]);
    expect(facts("Dana lives in Oslo.")).toEqual([["dana", "lives_in", "Oslo", false]]);
    expect(facts("Acme is headquartered in Oslo.")).toEqual([["acme", "located_in", "Oslo", false]]);
    expect(facts("I'm a data engineer at Google.")).toEqual([
      ["user", "works_as", "data engineer", false],
      ["user", "works_at", "Google", false],
    ]);
    expect(facts("I got promoted to senior engineer.")).toEqual([["user", "works_as", "senior engineer", false]]);
    expect(facts("My name is Sam.")).toEqual([["user", "name", "Sam", false]]);
    expect(facts("I am 34 years old.")).toEqual([["user", "age", "34", false]]);
    expect(facts("My favourite color is blue.")).toEqual([["user", "favorite_color", "blue", false]]);
    expect(facts("I don't like coffee.")).toEqual([["user", "likes", "coffee", true]]);
    expect(facts("I can't stand jazz")).toEqual([["user", "likes", "jazz", true]]);
    expect(facts("I enjoy hiking.")).toEqual([["user", "likes", "hiking", false]]);
    expect(facts("Pluto isn't a planet.")).toEqual([["pluto", "is", "a planet", true]]);
    expect(facts("I would like to visit Japan. It is raining. The office is located in Dublin.")).toEqual([]);
  });

  it("ends the object at a comma or a linking word, and carries the subject into the next clause", () => {
    expect(facts("I live in Berlin and work at Acme.")).toEqual([
      ["user", "lives_in", "Berlin", false],
      ["user", "works_at", "Acme", false],
    ]);
    expect(facts("I moved to Lisbon, Portugal because of work.")).toEqual([["user", "lives_in", "Lisbon", false]]);
    expect(facts("Sarah works at Microsoft since 2020")).toEqual([["sarah", "works_at", "Microsoft", false]]);
  });

  it("reads quantities: count, unit, object", () => {
    expect(one("I bought 3 books.")).toMatchObject({ predicate: "bought", object: "books", quantity: 3 });
    expect(one("I spent $40 on groceries.")).toMatchObject({ predicate: "spent", object: "groceries", quantity: 40, unit: "$" });
    expect(one("I have 2 cats.")).toMatchObject({ predicate: "has", object: "cats", quantity: 2, exclusive: true });
    expect(one("I ran 5 km today.")).toMatchObject({ predicate: "ran", object: "5 km", quantity: 5, unit: "km", dateRef: "today" });
  });

  it("valid_at: explicit date, then the conversation marker, then a relative reference, else created_at", () => {
    expect(one("On 2024-03-05 I joined Stripe.").validAt).toBe("2024-03-05T00:00:00.000Z");
    expect(one("I moved to Rome on March 5, 2024.").validAt).toBe("2024-03-05T00:00:00.000Z");
    expect(one("[Conversation date: 2024-01-20] I live in Paris.").validAt).toBe("2024-01-20T00:00:00.000Z");
    // A relative reference inside a dated conversation counts from that conversation.
    expect(one("[Conversation date: March 5, 2024] I moved to Paris yesterday.").validAt).toBe("2024-03-04T00:00:00.000Z");
    expect(one("I moved to Munich last week.")).toMatchObject({ validAt: "2026-05-03T00:00:00.000Z", dateRef: "last week", object: "Munich" });
    expect(one("I joined Acme 2 months ago.").validAt).toBe("2026-03-10T00:00:00.000Z");
    expect(one("I live in Berlin.").validAt).toBe(created.toISOString());
  });

  it("date helpers reject impossible dates and resolve weekdays before the base day", () => {
    expect(explicitDate("on 2024-02-31")).toBeNull();
    expect(explicitDate("5 March 2024")?.toISOString()).toBe("2024-03-05T00:00:00.000Z");
    // 2026-05-10 is a Sunday: last Monday is 2026-05-04; last Sunday a week before.
    expect(relativeDate("last Monday", created)?.at.toISOString()).toBe("2026-05-04T00:00:00.000Z");
    expect(relativeDate("last sunday", created)?.at.toISOString()).toBe("2026-05-03T00:00:00.000Z");
    expect(relativeDate("yesterday", created)?.at.toISOString()).toBe("2026-05-09T00:00:00.000Z");
  });
});
