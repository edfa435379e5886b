/**
 * What kind of answer a query looks for. Rules are word-boundary regular expressions over
 * the lower-cased query, tried in order: the first kind whose cue appears wins (a hypothetical
 * "would she like..." is reasoning before it is preference), and a
 * query with no cue is plain fact recall. The kind picks the channel weights
 * (see weights.ts) and switches the recency factor on for temporal questions.
 */
export const QUESTION_TYPES = ["fact_recall", "preference", "reasoning", "generalization", "temporal"] as const;
export type QuestionType = (typeof QUESTION_TYPES)[number];

const RULES: readonly [QuestionType, RegExp][] = [
  [
    "temporal",
    /\b(when|what (date|year|month|day|time)|which (date|year|month|day)|how long (ago|since|before|after)|since when|ago|yesterday|last (week|month|year|time)|first time|most recent(ly)?|timeline|schedule[ds]?)\b/,
  ],
  ["reasoning", /\b(why|how come|reasons?|because|caused?|causes|would|could|might|likely|should|explain)\b/],
  ["preference", /\b(prefers?|preferred|preferences?|favou?rites?|likes?|loves?|enjoys?|dislikes?|hates?|would rather|wants?|wishes?)\b/],
  ["generalization", /\b(what (kind|kinds|type|types|sort|sorts) of|in general|generally|usually|typically|tend to|overall|summari[sz]e|all (the|of))\b/],
];

export function detectQuestionType(query: string): QuestionType {
  const q = query.toLowerCase();
  for (const [type, re] of RULES) if (re.test(q)) return type;
  return "fact_recall";
}
