/** Personality: signals of six types detected in memories, a profile per user. */
export { detectSignals, adjustIntensity, SIGNAL_TYPES, VALENCES, type SignalType, type Valence, type DetectedSignal } from "./detect.js";
