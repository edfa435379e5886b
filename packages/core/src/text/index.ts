/** Pure text helpers shared by search, graph and the intelligence features: character classes, words, terms, FTS queries, names, token counts. */
export * from "./chars.js";
export * from "./words.js";
export * from "./stopwords.js";
export * from "./terms.js";
export * from "./fts-query.js";
export * from "./query-names.js";
export * from "./token-count.js";
export * from "./specifics.js";
