/** Personality: signals of six types detected in memories, a profile per user. */
export { detectSignals, adjustIntensity, SIGNAL_TYPES, VALENCES, type SignalType, type Valence, type DetectedSignal } from "./detect.js";
export { PersonalityService, type Signal, type PersonalityProfile, type SignalClassifier, type ProfileWriter } from "./service.js";
export { rulesSummary, NO_SIGNALS_SUMMARY } from "./summary.js";
export { llmSignalClassifier, llmProfileWriter } from "./llm.js";
