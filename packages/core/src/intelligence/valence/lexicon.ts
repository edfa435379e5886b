/**
 * The rules scorer of valence, arousal and sentiment (contracts/intelligence.md §5.10): a fixed
 * lexicon, no model, linear in the text's length.
 */

export interface Emotion {
  emotion: string;
  valence: number;
  arousal: number;
}

/** Each emotion with its valence (−1..1), arousal (0..1) and the words that express it. */
const EMOTIONS: readonly (Emotion & { words: readonly string[] })[] = [
  { emotion: "anger", valence: -0.7, arousal: 0.7, words: ["angry", "anger", "furious", "mad", "rage", "outraged", "annoyed", "irritated", "livid"] },
  { emotion: "fear", valence: -0.6, arousal: 0.6, words: ["afraid", "fear", "scared", "frightened", "terrified", "anxious", "worried", "nervous", "panic", "panicked"] },
  { emotion: "sadness", valence: -0.6, arousal: 0.3, words: ["sad", "unhappy", "depressed", "miserable", "heartbroken", "lonely", "grief", "disappointed", "upset", "cried"] },
  { emotion: "disgust", valence: -0.7, arousal: 0.5, words: ["disgusted", "disgusting", "gross", "revolting"] },
  { emotion: "frustration", valence: -0.6, arousal: 0.6, words: ["frustrated", "frustrating", "frustration", "fed up", "stuck"] },
  { emotion: "stress", valence: -0.5, arousal: 0.7, words: ["stressed", "stress", "stressful", "overwhelmed", "exhausted", "burned out", "burnt out"] },
  { emotion: "shame", valence: -0.6, arousal: 0.4, words: ["ashamed", "embarrassed", "guilty", "humiliated"] },
  { emotion: "boredom", valence: -0.3, arousal: 0.1, words: ["bored", "boring", "tedious", "dull"] },
  { emotion: "joy", valence: 0.7, arousal: 0.6, words: ["happy", "glad", "joy", "joyful", "delighted", "cheerful", "wonderful", "great", "awesome", "fantastic"] },
  { emotion: "love", valence: 0.8, arousal: 0.5, words: ["love", "loved", "adore", "adored"] },
  { emotion: "excitement", valence: 0.8, arousal: 0.8, words: ["excited", "exciting", "thrilled", "can't wait", "cannot wait", "eager", "pumped"] },
  { emotion: "pride", valence: 0.7, arousal: 0.6, words: ["proud", "pride"] },
  { emotion: "calm", valence: 0.3, arousal: 0.1, words: ["calm", "relaxed", "peaceful", "serene", "content"] },
  { emotion: "relief", valence: 0.5, arousal: 0.2, words: ["relieved", "relief"] },
  { emotion: "gratitude", valence: 0.6, arousal: 0.3, words: ["grateful", "thankful", "thanks", "thank you", "appreciate", "appreciated"] },
  { emotion: "hope", valence: 0.5, arousal: 0.4, words: ["hope", "hopeful", "optimistic"] },
  { emotion: "curiosity", valence: 0.4, arousal: 0.5, words: ["curious", "intrigued", "fascinated", "wondering"] },
  { emotion: "accomplishment", valence: 0.5, arousal: 0.5, words: ["accomplished", "achieved", "finished", "completed", "shipped", "succeeded", "nailed"] },
  { emotion: "surprise", valence: 0, arousal: 0.7, words: ["surprised", "surprising", "unexpected", "shocked", "astonished"] },
];

/** Words that turn the emotion word right after them (up to two words later) into its absence. */
const NEGATIONS = new Set(["not", "no", "never", "nor", "without", "hardly", "isn't", "wasn't", "aren't", "weren't", "don't", "didn't", "doesn't", "won't", "can't", "cannot"]);

const words = (text: string): string[] => text.toLowerCase().replace(/[’‘]/g, "'").match(/[a-z]+(?:'[a-z]+)?/g) ?? [];

/** Phrases by their first word, each as its word list: one map lookup per word of the text. */
const PHRASES = new Map<string, { emotion: (typeof EMOTIONS)[number]; phrase: string[] }[]>();
for (const e of EMOTIONS) {
  for (const w of e.words) {
    const phrase = words(w);
    PHRASES.set(phrase[0]!, [...(PHRASES.get(phrase[0]!) ?? []), { emotion: e, phrase }]);
  }
}

export interface ValenceScore {
  valence: number;
  arousal: number;
  dominant_emotion: string;
  all_emotions: Emotion[];
}

const round2 = (x: number) => Math.round(x * 100) / 100;

/**
 * The emotions the text expresses (each once, in lexicon order), skipping a word negated by one
 * of the two words before it ("not happy" expresses no joy). Valence and arousal are the means
 * weighted by |valence| (plain means when only zero-valence emotions matched); the dominant
 * emotion is the match with the largest |valence|. No match: neutral, 0, 0.
 */
export function scoreValence(text: string): ValenceScore {
  const ws = words(text);
  const found = new Set<(typeof EMOTIONS)[number]>();
  for (let i = 0; i < ws.length; i++) {
    for (const { emotion, phrase } of PHRASES.get(ws[i]!) ?? []) {
      if (found.has(emotion) || !phrase.every((p, k) => ws[i + k] === p)) continue;
      const negated = NEGATIONS.has(ws[i - 1] ?? "") || NEGATIONS.has(ws[i - 2] ?? "");
      if (!negated) found.add(emotion);
    }
  }
  const matched = EMOTIONS.filter((e) => found.has(e));
  if (matched.length === 0) return { valence: 0, arousal: 0, dominant_emotion: "neutral", all_emotions: [] };
  const weight = matched.reduce((s, e) => s + Math.abs(e.valence), 0);
  const mean = (f: (e: Emotion) => number) =>
    weight > 0 ? matched.reduce((s, e) => s + f(e) * Math.abs(e.valence), 0) / weight : matched.reduce((s, e) => s + f(e), 0) / matched.length;
  const dominant = matched.reduce((best, e) => (Math.abs(e.valence) > Math.abs(best.valence) ? e : best));
  return {
    valence: round2(mean((e) => e.valence)),
    arousal: round2(mean((e) => e.arousal)),
    dominant_emotion: dominant.emotion,
    all_emotions: matched.map(({ emotion, valence, arousal }) => ({ emotion, valence, arousal })),
  };
}

/** Word weights of the sentiment score, −3..3 (AFINN-like, a small hand-made list). */
const SENTIMENT: ReadonlyMap<string, number> = new Map([
  ...["excellent", "amazing", "fantastic", "wonderful", "awesome", "superb", "perfect", "love", "loved", "thrilled", "delighted", "outstanding"].map((w) => [w, 3] as const),
  ...["good", "great", "happy", "glad", "nice", "like", "liked", "enjoy", "enjoyed", "pleased", "proud", "excited", "success", "successful", "win", "won", "solved", "fixed", "thanks", "grateful", "helpful", "fast", "easy", "clean", "better", "best"].map((w) => [w, 2] as const),
  ...["ok", "okay", "fine", "calm", "relieved", "hope", "interesting", "works", "working", "stable"].map((w) => [w, 1] as const),
  ...["slow", "hard", "confusing", "tired", "worried", "boring", "meh", "late", "missing"].map((w) => [w, -1] as const),
  ...["bad", "sad", "angry", "annoyed", "broken", "bug", "bugs", "failed", "failure", "fail", "fails", "crash", "crashed", "error", "errors", "problem", "problems", "wrong", "frustrated", "frustrating", "stressed", "worse", "dislike", "ugly", "outage", "lost"].map((w) => [w, -2] as const),
  ...["terrible", "awful", "horrible", "hate", "hated", "disaster", "furious", "worst", "disgusting", "miserable", "catastrophic"].map((w) => [w, -3] as const),
]);

export interface Sentiment {
  score: number;
  label: "positive" | "negative" | "neutral";
  sum: number;
  word_count: number;
}

/** Texts longer than this many words have their sum damped by the square root of the excess. */
const SENTIMENT_REFERENCE_WORDS = 10;

/**
 * `sum` adds the weights of the text's sentiment words, a negation in the two words before one
 * flipping its sign; `score` is the sum, damped for texts over ten words (× √(10 / words)) so a
 * long neutral text with one complaint does not read as negative; label positive above 1,
 * negative below −1.
 */
export function scoreSentiment(text: string): Sentiment {
  const ws = words(text);
  let sum = 0;
  ws.forEach((w, i) => {
    const weight = SENTIMENT.get(w);
    if (weight === undefined) return;
    const negated = NEGATIONS.has(ws[i - 1] ?? "") || NEGATIONS.has(ws[i - 2] ?? "");
    sum += negated ? -weight : weight;
  });
  const damp = ws.length > SENTIMENT_REFERENCE_WORDS ? Math.sqrt(SENTIMENT_REFERENCE_WORDS / ws.length) : 1;
  const score = round2(sum * damp);
  return { score, label: score > 1 ? "positive" : score < -1 ? "negative" : "neutral", sum, word_count: ws.length };
}
