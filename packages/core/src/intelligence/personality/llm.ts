import { z } from "zod";
import { keepValid, type LlmClient } from "../../llm/index.js";
import { SIGNAL_TYPES, VALENCES, type DetectedSignal, type SignalType } from "./detect.js";
import type { ProfileWriter, SignalClassifier } from "./service.js";

const SOURCE_CHARS = 500;
const MAX_INPUT_CHARS = 8000;

const SIGNALS_SYSTEM = `You read personality signals in a user's memory. Types: preference, value, motivation, decision, emotion, identity.
Return JSON {"signals":[{"signal_type":type,"subject":string,"valence":"positive"|"negative"|"neutral"|"mixed","intensity":0..1,"reasoning":string}]},
at most 20; subject is what the signal is about, 3 to 100 characters.`;

const signal = z.object({
  signal_type: z.enum(SIGNAL_TYPES),
  subject: z.string().trim().min(3).max(100),
  valence: z.enum(VALENCES),
  intensity: z.number().min(0).max(1),
  reasoning: z.string().trim().max(500).default(""),
});
const signalsAnswer = z.object({
  signals: z
    .array(z.unknown())
    .transform((a) => keepValid(signal, a, 20))
    .refine((a) => a.length > 0, "no signal"),
});

/** Signals by the LLM in the post-store job (a background call); null: the rules detector runs. */
export function llmSignalClassifier(llm: LlmClient): SignalClassifier {
  return async (text) => {
    if (!llm.configured) return null;
    const input = text.slice(0, MAX_INPUT_CHARS);
    const r = await llm.complete({ feature: "personality", system: SIGNALS_SYSTEM, input, schema: signalsAnswer, temperature: 0.1, background: true });
    if (!r.ok) return null;
    return r.value.signals.map(
      (s): DetectedSignal => ({ signal_type: s.signal_type, subject: s.subject, valence: s.valence, value: s.intensity, source_text: input.slice(0, SOURCE_CHARS), reasoning: s.reasoning || `llm: ${s.signal_type}` }),
    );
  };
}

const PROFILE_SYSTEM = `You write a short prose portrait of a person from their personality signals, grouped by type.
Say only what the signals support. Return JSON {"summary": string} of at most 3000 characters.`;
const profileAnswer = z.object({ summary: z.string().trim().min(1).max(3000) });

/** The profile summary in prose (a request's call); null: the rules summary is written. */
export function llmProfileWriter(llm: LlmClient): ProfileWriter {
  return async (top) => {
    if (!llm.configured) return null;
    const input = (Object.entries(top) as [SignalType, { subject: string; valence: string }[]][])
      .map(([type, subjects]) => `${type}: ${subjects.map((s) => `${s.subject} (${s.valence})`).join("; ")}`)
      .join("\n");
    const r = await llm.complete({ feature: "profile", system: PROFILE_SYSTEM, input, schema: profileAnswer, temperature: 0.3 });
    return r.ok ? r.value.summary : null;
  };
}
