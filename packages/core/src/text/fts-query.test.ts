import { describe, expect, it } from "vitest";
import { buildFtsQuery, queryTerms } from "./fts-query.js";
import { openDb } from "../db/connection.js";
import { createLexicalTable, lexicalTable } from "../db/lexical-tables.js";

describe("FTS5 query building", () => {
  it("ORs quoted content words and drops stopwords", () => {
    expect(buildFtsQuery("What is the backup schedule of the billing database?")).toBe(
      '"backup" OR "schedule" OR "billing" OR "database"',
    );
  });

  it("keeps stopwords when nothing else is left", () => {
    expect(queryTerms("who is he")).toEqual(["who", "is", "he"]);
  });

  it("returns null when there are no words at all", () => {
    expect(buildFtsQuery('*** "" () -')).toBeNull();
  });

  const hostile = [
    '"unbalanced quote',
    "NEAR(alpha beta, 2)",
    "alpha OR beta AND NOT gamma",
    "-minus +plus",
    "prefix* *suffix",
    "content: column filter",
    "{braces} [brackets] (parens",
    "^caret ~tilde",
    "'; DROP TABLE memories; --",
    "emoji 🚀 and ümlauts",
  ];

  it.each(hostile)("turns %j into a query FTS5 accepts", (text) => {
    const db = openDb({ path: ":memory:" });
    try {
      const q = buildFtsQuery(text);
      expect(q).not.toBeNull();
      // Every term is quoted, so FTS5 sees only strings joined by OR.
      expect(q!).toMatch(/^"[^"]+"( OR "[^"]+")*$/);
      createLexicalTable(db.sqlite, 1);
      const fts = lexicalTable(1);
      expect(() => db.sqlite.prepare(`SELECT rowid FROM ${fts} WHERE ${fts} MATCH ?`).all(q)).not.toThrow();
    } finally {
      db.close();
    }
  });
});
