/** Atomic decomposition (contracts/intelligence.md §3, §5.2): the public face. */
export { DecomposeService, DECOMPOSE_SWEEP_JOB, SWEEP_INLINE_MAX, type Decomposer, type DecomposeResult, type SweepProgress } from "./service.js";
export { decomposeByRules, MAX_FACTS as MAX_DECOMPOSED_FACTS, type DecomposeTier } from "./rules.js";
export { MIN_DECOMPOSE_CHARS } from "./store.js";
