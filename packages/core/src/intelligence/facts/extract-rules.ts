import { conversationDate, resolveValidAt, withoutMarkers } from "./valid-at.js";

/** One statement found in a memory, before it is stored (no id, no window end yet). */
export interface ExtractedFact {
  subject: string;
  predicate: string;
  object: string;
  negated: boolean;
  exclusive: boolean;
  quantity: number | null;
  unit: string | null;
  dateRef: string | null;
  validAt: string;
  confidence: number;
}

/** Predicates that hold one value at a time: a new value closes the old one's window (§4). */
const EXCLUSIVE = new Set(["lives_in", "works_at", "works_as", "located_in", "name", "age"]);
/** `has` is exclusive per object: "I have 2 cats" then "I have 3 cats" changes the count of cats. */
export const isExclusive = (predicate: string) => EXCLUSIVE.has(predicate) || predicate.startsWith("favorite_") || predicate === "has";

const MAX_OBJECT = 200;
/**
 * A clause is matched on its first characters only: a statement of fact is short, and the cap
 * bounds each pattern's work per clause whatever text a memory holds.
 */
const MAX_CLAUSE = 400;
const MAX_FACTS = 50;
const NUM = "\\d+(?:\\.\\d+)?|an?|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve";
const NUM_WORDS: Record<string, number> = { a: 1, an: 1, one: 1, two: 2, three: 3, four: 4, five: 5, six: 6, seven: 7, eight: 8, nine: 9, ten: 10, eleven: 11, twelve: 12 };
/** A subject: "I" or a capitalised name of up to three words (cleaned up in `subjectOf`). */
const SUBJ = "(?<subj>\\bI\\b|\\b[A-Z][\\w&.-]*(?:\\s+[A-Z][\\w&.-]*){0,2})";
/** Auxiliaries and adverbs between a subject and its verb: "I'm now based in", "Dana has just moved to". */
const AUX = "(?:'m|'s|'ve|'d)?\\s+(?:(?:am|is|are|was|were|have|has|had|will|do|does|did|now|also|still|just|currently|recently|finally|really|actually|then|already|officially|happily|mostly|usually|always|often)\\s+)*";
const OBJ = "(?<obj>\\S.*)";

const MONTH = "(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)";
/** Words that end an object: a linking word starts the next clause. */
const OBJECT_END = /[,;:()[\]]|\s[-–—]\s|\s(?:and|but|so|because|since|which|where|now|with|who|when|while|until|though|although|whereas)\b|\sas\s+(?:an?|the|my|our|their)\s/i;
/** Time phrases at an object's end belong to valid_at, not to the value ("moved to Lisbon last spring"). */
const TRAILING_TIME = new RegExp(
  [
    `\\s+(?:last|this|next|every)\\s+\\w+$`,
    `\\s+(?:\\d+|an?|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve)\\s+(?:days?|weeks?|months?|years?)\\s+ago$`,
    `\\s+(?:yesterday|today|tonight|tomorrow|recently|lately|again|too|anymore|already|now|then|these days|nowadays|as well|a lot|very much|so much|forever)$`,
    `\\s+(?:in|on|since|from|by|around)\\s+(?:\\d{4}-\\d{2}-\\d{2}|${MONTH}\\b.*|\\d{1,2}(?:st|nd|rd|th)?\\s+${MONTH}\\b.*|\\d{4})$`,
    `\\s+(?:in|during)\\s+the\\s+(?:spring|summer|fall|autumn|winter|morning|evening|afternoon|past)$`,
  ].join("|"),
  "i",
);
const PRONOUN_OBJECT = /^(?:it|that|this|them|him|her|you|me|us|there|here|those|these|one|doing|to)$/i;
const NON_NAME = new Set(
  "yesterday today tonight then so also and but now last this next in on at since after before when well actually basically recently finally anyway honestly oh ok okay yes no still however because if as once sometimes lately meanwhile later earlier monday tuesday wednesday thursday friday saturday sunday january february march april may june july august september october november december".split(" "),
);
const PRONOUN_SUBJECT = new Set("he she they we it this that there you everyone nobody someone my our his her their its what who which".split(" "));

type Subject = "user" | "name" | "any";
interface Pattern {
  /** The predicate, or how to name it from the match. */
  predicate: string | ((g: Record<string, string | undefined>, subject: string) => string);
  re: RegExp;
  /** Whose statement this pattern can be: the first person, a named third party, or both. */
  subject: Subject;
  negated?: boolean | ((g: Record<string, string | undefined>) => boolean);
  quantity?: (g: Record<string, string | undefined>) => { quantity: number; unit: string | null; object?: string };
  /** A family matched once per clause; the first pattern of a family wins ("don't like" before "like"). */
  family: string;
}

const re = (s: string) => new RegExp(s);
const snake = (s: string) => s.trim().toLowerCase().replace(/[^a-z0-9]+/g, "_").replace(/^_|_$/g, "");
const num = (s: string | undefined) => (s === undefined ? NaN : (NUM_WORDS[s.toLowerCase()] ?? Number(s.replace(/,/g, ""))));

const PATTERNS: Pattern[] = [
  { family: "name", predicate: "name", subject: "user", re: /\b(?:[Mm]y name is|[Cc]all me)\s+(?<obj>\S.*)/ },
  { family: "age", predicate: "age", subject: "user", re: /\bI(?:'m|\s+am)\s+(?<obj>\d{1,3})(?:\s+years?\s+old\b|(?=\s*$))/ },
  { family: "favorite", predicate: (g) => `favorite_${snake(g.f!)}`, subject: "user", re: /\b[Mm]y\s+(?:favou?rite)\s+(?<f>[a-z][a-z ]{0,30}?)\s+is\s+(?<obj>\S.*)/ },
  { family: "job", predicate: "works_as", subject: "user", re: /\b[Mm]y\s+job\s+is\s+(?:(?:an?|the)\s+)?(?<obj>\S.*)/ },
  // "Acme is based in Oslo" is where Acme is; "I'm based in Oslo" (below) is where I live.
  { family: "place", predicate: "located_in", subject: "name", re: re(`${SUBJ}\\s+(?:is|are|was)\\s+(?:(?:now|still|currently)\\s+)?(?:located|based|headquartered)\\s+in\\s+${OBJ}`) },
  { family: "place", predicate: "lives_in", subject: "any", re: re(`${SUBJ}${AUX}(?:live|lives|lived|living|moved|move|moving|relocated|relocate|relocating|staying|stay|stays|based|settled)\\s+(?:in|to|back\\s+to|over\\s+to)\\s+${OBJ}`) },
  // "I'm a data engineer at Acme": a role at a company, two facts.
  { family: "role", predicate: "works_as", subject: "user", re: /\bI(?:'m|\s+am)\s+(?:now\s+)?an?\s+(?<obj>[a-z][\w -]{1,60}?)\s+at\s+(?<org>[A-Z]\S.*)/ },
  { family: "employer", predicate: "works_at", subject: "any", re: re(`${SUBJ}${AUX}(?:(?:work|works|worked|working)\\s+(?:at|for)|employed\\s+(?:at|by)|joined(?=\\s+[A-Z]))\\s+${OBJ}`) },
  { family: "role", predicate: "works_as", subject: "any", re: re(`${SUBJ}${AUX}(?:(?:work|works|worked|working)\\s+as|(?:got\\s+|been\\s+)?promoted\\s+to|became|become|becomes)\\s+(?:(?:an?|the)\\s+)?${OBJ}`) },
  {
    family: "likes",
    predicate: "likes",
    subject: "any",
    negated: true,
    re: re(`${SUBJ}${AUX}(?:(?:don't|do\\s+not|doesn't|does\\s+not|didn't|did\\s+not|no\\s+longer|never)\\s+(?:like|likes|love|loves|enjoy|enjoys)|hate|hates|hated|dislike|dislikes|disliked|detest|detests|(?:can't|cannot|can\\s+not)\\s+stand)\\s+${OBJ}`),
  },
  { family: "likes", predicate: "likes", subject: "any", re: re(`${SUBJ}${AUX}(?<!would\\s+|'d\\s+)(?:like|likes|liked|love|loves|loved|enjoy|enjoys|enjoyed|prefer|prefers|preferred|adore|adores)\\s+${OBJ}`) },
  {
    family: "spent",
    predicate: "spent",
    subject: "any",
    re: re(`${SUBJ}${AUX}spent\\s+(?<cur>\\$|€|£)?(?<n>\\d[\\d,]*(?:\\.\\d+)?)\\s*(?<unit>dollars|euros|pounds|usd|eur|gbp)?\\s+on\\s+${OBJ}`),
    quantity: (g) => ({ quantity: num(g.n), unit: g.cur ?? g.unit?.toLowerCase() ?? null }),
  },
  {
    family: "earned",
    predicate: "earned",
    subject: "any",
    re: re(`${SUBJ}${AUX}(?:earned|earn|earns|made)\\s+(?<obj>(?<cur>\\$|€|£)(?<n>\\d[\\d,]*(?:\\.\\d+)?)(?:\\s*(?:k|million))?)`),
    quantity: (g) => ({ quantity: num(g.n), unit: g.cur ?? null }),
  },
  {
    family: "bought",
    predicate: "bought",
    subject: "any",
    re: re(`${SUBJ}${AUX}(?:bought|buy|purchased|ordered)\\s+(?<n>${NUM})\\s+${OBJ}`),
    quantity: (g) => ({ quantity: num(g.n), unit: null }),
  },
  {
    family: "has",
    predicate: "has",
    subject: "any",
    re: re(`${SUBJ}${AUX}(?:have|has|own|owns)\\s+(?<n>\\d+|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve)\\s+${OBJ}`),
    quantity: (g) => ({ quantity: num(g.n), unit: null }),
  },
  {
    family: "exercise",
    predicate: (g) => g.verb!.toLowerCase(),
    subject: "any",
    re: re(`${SUBJ}${AUX}(?<verb>ran|walked|swam|cycled|biked|hiked|rode)\\s+(?<obj>(?<n>\\d+(?:\\.\\d+)?)\\s*(?<unit>km|kilometers|kilometres|miles|mile|mi|meters|metres|m|laps|lap|hours|hour|minutes|minute)\\b)`),
    quantity: (g) => ({ quantity: num(g.n), unit: g.unit!.toLowerCase() }),
  },
  { family: "made", predicate: "made", subject: "any", re: re(`${SUBJ}${AUX}(?:made|baked|cooked)\\s+(?!\\$|€|£)${OBJ}`) },
  {
    family: "is",
    predicate: "is",
    subject: "name",
    negated: (g) => g.neg !== undefined,
    re: re(`${SUBJ}\\s+is(?<neg>n't|\\s+not)?\\s+(?!(?:located|based|headquartered|going|being|getting|also|still|now)\\b)${OBJ}`),
  },
];

/** The subject a matched name stands for: `user`, a lower-cased name, or null (a pronoun, a time word). */
function subjectOf(raw: string): { subject: string; kind: "user" | "name" } | null {
  const words = raw.split(/\s+/);
  while (words.length > 0 && words[0] !== "I" && NON_NAME.has(words[0]!.toLowerCase())) words.shift();
  if (words.length === 0) return null;
  if (words.includes("I")) return words[words.length - 1] === "I" ? { subject: "user", kind: "user" } : null;
  if (PRONOUN_SUBJECT.has(words[0]!.toLowerCase())) return null;
  return { subject: words.join(" ").toLowerCase(), kind: "name" };
}

/** The object as written up to its end: a comma, a linking word, a time phrase or the sentence's end. */
export function cleanObject(raw: string): string | null {
  let obj = raw;
  const end = OBJECT_END.exec(obj);
  if (end) obj = obj.slice(0, end.index);
  obj = obj.trim().replace(/[.!?;:'"\s]+$/u, "");
  for (let prev = ""; prev !== obj; ) {
    prev = obj;
    obj = obj.replace(TRAILING_TIME, "").trim();
  }
  obj = obj.replace(/^["'“]+|["'”]+$/gu, "").trim().slice(0, MAX_OBJECT);
  if (!/\w/.test(obj) || PRONOUN_OBJECT.test(obj)) return null;
  return obj;
}

/** Sentences of the content: split at end punctuation and line breaks. */
export function sentencesOf(content: string): string[] {
  return content
    .split(/(?<=[.!?])\s+|\n+/)
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

/**
 * Clauses of a sentence, each with a subject: "I live in Berlin and work at Acme" gives "I live in
 * Berlin" and "I work at Acme", the subject carried over to a clause that starts with its verb.
 */
function clausesOf(sentence: string): string[] {
  const parts = sentence.split(/\s*;\s*|,\s+(?:and|but)\s+|\s+(?:and|but)\s+|,\s+/);
  const out: string[] = [];
  let carried: string | null = null;
  for (const part of parts) {
    const own = /^(?:[A-Za-z]+\s+)?(I\b|[A-Z][\w&.-]*(?:\s+[A-Z][\w&.-]*){0,2})/.exec(part);
    if (own && subjectOf(own[1]!) !== null && !/^I'?\w*$/.test(part)) {
      carried = own[1]!;
      out.push(part);
    } else if (carried !== null && /^[a-z]/.test(part)) out.push(`${carried} ${part}`);
    else out.push(part);
  }
  return out;
}

/**
 * The facts the §4 patterns find in a memory's content. `saidAt` is when the text was said (its
 * document time, else its creation; see valid-at.ts), the base of relative dates and the
 * valid_at of a fact with no date of its own.
 */
export function extractRuleFacts(content: string, saidAt: Date): ExtractedFact[] {
  const marker = conversationDate(content);
  const facts: ExtractedFact[] = [];
  const seen = new Set<string>();
  for (const sentence of sentencesOf(withoutMarkers(content))) {
    const { validAt, dateRef } = resolveValidAt(sentence, marker, saidAt);
    for (const whole of clausesOf(sentence)) {
      const clause = whole.slice(0, MAX_CLAUSE);
      const families = new Set<string>();
      for (const p of PATTERNS) {
        if (families.has(p.family)) continue;
        const m = p.re.exec(clause);
        if (!m) continue;
        const g = m.groups ?? {};
        let subject = "user";
        if (g.subj !== undefined) {
          const who = subjectOf(g.subj);
          if (!who || (p.subject !== "any" && p.subject !== who.kind)) continue;
          subject = who.subject;
        }
        const predicate = typeof p.predicate === "string" ? p.predicate : p.predicate(g, subject);
        const q = p.quantity?.(g);
        if (q && !Number.isFinite(q.quantity)) continue;
        const object = g.obj === undefined ? null : q && g.n !== undefined && p.family === "exercise" ? g.obj.trim() : cleanObject(g.obj);
        if (!object) continue;
        families.add(p.family);
        const negated = typeof p.negated === "function" ? p.negated(g) : (p.negated ?? false);
        add({ subject, predicate, object, negated, quantity: q?.quantity ?? null, unit: q?.unit ?? null });
        if (g.org !== undefined) {
          const org = cleanObject(g.org);
          if (org) {
            families.add("employer");
            add({ subject, predicate: "works_at", object: org, negated: false, quantity: null, unit: null });
          }
        }
      }
    }
    function add(f: Pick<ExtractedFact, "subject" | "predicate" | "object" | "negated" | "quantity" | "unit">) {
      const key = `${f.subject}\u0000${f.predicate}\u0000${f.object.toLowerCase()}\u0000${f.negated}\u0000${f.quantity}`;
      if (seen.has(key) || facts.length >= MAX_FACTS) return;
      seen.add(key);
      facts.push({ ...f, exclusive: isExclusive(f.predicate), dateRef, validAt, confidence: 1 });
    }
  }
  return facts;
}
