import type { SignalType } from "./detect.js";

/** The rules profile summary (contracts/intelligence.md §5.7): one line per type present, top subjects by intensity. */

const LABELS: Record<SignalType, string> = {
  preference: "PREFERENCES",
  value: "CORE VALUES",
  motivation: "MOTIVATIONS",
  decision: "DECISIONS",
  emotion: "EMOTIONS",
  identity: "IDENTITY",
};
const ORDER: SignalType[] = ["preference", "value", "motivation", "decision", "emotion", "identity"];

export const NO_SIGNALS_SUMMARY = "No personality signals yet.";

function phrase(type: SignalType, s: { subject: string; valence: string }): string {
  if (type === "preference") return `${s.valence === "negative" ? "dislikes" : "likes"} ${s.subject}`;
  if (type === "emotion") return `feels ${s.subject}`;
  return s.subject;
}

export function rulesSummary(top: Partial<Record<SignalType, { subject: string; valence: string }[]>>): string {
  const lines = ORDER.filter((t) => (top[t]?.length ?? 0) > 0).map((t) => `${LABELS[t]}: ${top[t]!.map((s) => phrase(t, s)).join(", ")}.`);
  return lines.length > 0 ? lines.join(" ") : NO_SIGNALS_SUMMARY;
}
