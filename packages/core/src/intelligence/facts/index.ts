/** Facts with validity windows and contradictions (contracts/intelligence.md §4): the public face. */
export { FactService, type ExtractionResult, type FactExtractor, type SameValueCheck } from "./service.js";
export { extractRuleFacts, sentencesOf, isExclusive, type ExtractedFact } from "./extract-rules.js";
export { conflictKind, toContradiction, type Contradiction, type ContradictionKind, type FactPair } from "./contradictions.js";
export { planWindow, type Window, type WindowPlan } from "./windows.js";
export { normalizeObject } from "./normalize.js";
export { explicitDate, relativeDate, conversationDate, resolveValidAt } from "./valid-at.js";
export type { FactFilter } from "./store.js";
