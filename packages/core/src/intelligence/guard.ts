import type { CoreContext } from "../context.js";
import { RuleCandidateStore } from "../memory/index.js";
import { invalid } from "../errors.js";
import { STOPWORDS } from "../text/index.js";
import { leadingWindow } from "../text/index.js";
import type { EmbeddingMeaning } from "./guard-meaning.js";
import { llmViolations } from "./guard-llm.js";
import type { LlmClient } from "../llm/index.js";

/**
 * Guardrails: before an agent acts, POST /guard checks the action against the user's rules.
 *
 * Which memories are rules: the user's latest, active (not archived, not forgotten) memories
 * that either have category "rule" (any case), or are static (is_static) and are worded as a
 * prohibition: they contain never, don't, do not, must not, mustn't, prohibited or forbidden.
 * A plain fact that happens to say "never" ("I never drink coffee") is not a rule unless it
 * was stored as a standing one.
 *
 * How a rule matches an action (word overlap, deliberately simple and explainable):
 * 1. The rule's prohibited object is what the prohibition applies to: in each sentence with a
 *    prohibition, the words after never / don't / do not / must not / mustn't ("never
 *    force-push to main" → "force-push to main"), or the rest of the sentence around
 *    prohibited / forbidden ("force-pushing to main is forbidden" → "force-pushing to main").
 *    A rule without a prohibition phrase (category "rule", e.g. "deploys go through CI") is
 *    its own object, all of it.
 * 2. Object and action become sets of terms: lower-cased words (hyphenated words split),
 *    English stopwords and filler dropped, each word stemmed lightly (plural, -ing, -ed and a
 *    final e removed: "deleting", "deletes" and "delete" are one term).
 * 3. Coverage is the share of the object's terms that the action contains. It *clearly
 *    matches* when coverage is at least 0.6 and at least two terms are shared (one when the
 *    object has a single term); it *weakly matches* when coverage is at least 0.25. Of a
 *    rule's several objects, the best-matching one counts.
 * 4. The signal: "block" when a rule of importance ≥ 9 clearly matches; else "warn" when any
 *    rule matches (clearly or weakly); else "allow". The matching rules come back, blocking
 *    ones first, then by coverage and importance.
 * Only a rule's first GUARD_SCAN_CHARS are read (to tell whether it is a rule, and to match).
 */

export type GuardSignal = "allow" | "warn" | "block";

export interface GuardRule {
  id: number;
  content: string;
  importance: number;
}

export interface GuardVerdict {
  signal: GuardSignal;
  action: string;
  rules: GuardRule[];
  message: string;
}

/**
 * How much of a rule is read: its first 4 KB (4,096 characters). Every /guard reads every rule
 * of the user; a 100 KB "rule" cost 60-90 ms each time on the development machine, so a few
 * of them stalled the server for a second a check. Rules are a sentence or a short list; one
 * whose prohibition only comes after 4 KB is not matched by it.
 */
export const GUARD_SCAN_CHARS = 4_096;

/** Importance from which a clearly matching rule blocks instead of warning. */
export const BLOCK_IMPORTANCE = 9;
const CLEAR_COVERAGE = 0.6;
const WEAK_COVERAGE = 0.25;

/** Phrases after which the prohibited object follows. */
const PROHIBITION_BEFORE = /\b(?:never|don't|dont|do not|must not|mustn't|must never)\b/;
/** Words that label the surrounding sentence as prohibited. */
const PROHIBITION_AROUND = /\b(?:prohibited|forbidden)\b/;
const ANY_PROHIBITION = new RegExp(`${PROHIBITION_BEFORE.source}|${PROHIBITION_AROUND.source}`);

/** Words that carry no object of their own in a rule or an action. */
const FILLER: ReadonlySet<string> = new Set(["ever", "always", "please", "anything", "everything", "anyone", "circumstance", "circumstances", "allowed"]);

/**
 * A word: letters and digits, with an inner apostrophe ("don't"). Dotted numbers stay one term
 * ("10.0.0.5", "2.1"): split, an address would shrink to its first octet and "ssh 10.0.0.7"
 * would match a rule about 10.0.0.5. Hyphens, slashes, dots between letters and underscores
 * split ("/var/log/audit.log" is var, log, audit, log).
 */
const WORD_RE = /\p{N}+(?:\.\p{N}+)+|[\p{L}\p{N}]+(?:'[\p{L}]+)*/gu;
/** Sentence ends: a dot only before white space or the end, so addresses, versions and file names stay whole. */
const SENTENCE_END = /[;!?\n]+|\.+(?=\s|$)/;

/** Curly apostrophes as straight ones, lower case: "Don’t" and "don't" read the same. */
function normalize(text: string): string {
  return text.replace(/[\u2018\u2019\u02bc]/g, "'").toLowerCase();
}

/**
 * A light stemmer, enough that inflections of one word meet: plural and verb endings off,
 * doubled final consonants single, final e off. Not a linguistic stemmer, and need not be:
 * both sides of a comparison go through it.
 */
export function stem(word: string): string {
  let s = word.replace(/'s$/, "");
  if (s.length <= 3) return s;
  if (s.endsWith("ies") && s.length > 4) s = `${s.slice(0, -3)}y`;
  else if (s.endsWith("ing") && s.length >= 6) s = s.slice(0, -3);
  else if (s.endsWith("ed") && s.length >= 5) s = s.slice(0, -2);
  else if (/(?:ss|sh|ch|x|z)es$/.test(s)) s = s.slice(0, -2);
  else if (s.endsWith("s") && !s.endsWith("ss")) s = s.slice(0, -1);
  if (/([^aeiouls])\1$/.test(s)) s = s.slice(0, -1);
  if (s.endsWith("e") && s.length > 3) s = s.slice(0, -1);
  return s;
}

/** The content terms of a text: words, stopwords and filler out, stemmed, deduplicated. */
export function guardTerms(text: string): Set<string> {
  const terms = new Set<string>();
  for (const [word] of normalize(text).matchAll(WORD_RE)) {
    if (word.length < 2 || STOPWORDS.has(word) || FILLER.has(word)) continue;
    // Numbers, addresses and names with digits ("10.0.0.5", "ext4") are matched as written.
    terms.add(/\p{N}/u.test(word) ? word : stem(word));
  }
  return terms;
}

/** Whether a memory counts as a rule (see the top of this file). */
export function isRule(m: { category: string; isStatic: boolean; content: string }): boolean {
  return m.category.trim().toLowerCase() === "rule" || (m.isStatic && ANY_PROHIBITION.test(normalize(leadingWindow(m.content, GUARD_SCAN_CHARS))));
}

/** The texts a rule forbids: one per sentence with a prohibition, or the whole rule when it has none. */
export function prohibitedObjects(content: string): string[] {
  const objects: string[] = [];
  for (const sentence of normalize(content).split(SENTENCE_END)) {
    const before = PROHIBITION_BEFORE.exec(sentence);
    if (before) {
      const after = sentence.slice(before.index + before[0].length);
      // "Secrets in git: just don't." has its object before the phrase.
      objects.push(guardTerms(after).size > 0 ? after : sentence.slice(0, before.index));
    } else if (PROHIBITION_AROUND.test(sentence)) {
      objects.push(sentence.replace(PROHIBITION_AROUND, " "));
    }
  }
  return objects.length > 0 ? objects : [content];
}

export type RuleMatch = { strength: "clear" | "weak"; coverage: number };

/** How well the best of a rule's objects matches the action's terms; null when it does not. */
export function matchRule(ruleContent: string, actionTerms: ReadonlySet<string>): RuleMatch | null {
  let best: RuleMatch | null = null;
  for (const object of prohibitedObjects(leadingWindow(ruleContent, GUARD_SCAN_CHARS))) {
    const terms = [...guardTerms(object)];
    if (terms.length === 0) continue;
    const shared = terms.filter((t) => actionTerms.has(t)).length;
    const coverage = shared / terms.length;
    const strength = coverage >= CLEAR_COVERAGE && shared >= Math.min(2, terms.length) ? "clear" : coverage >= WEAK_COVERAGE ? "weak" : null;
    if (strength && (!best || rank(strength, coverage) > rank(best.strength, best.coverage))) best = { strength, coverage };
  }
  return best;
}

const rank = (strength: RuleMatch["strength"], coverage: number) => (strength === "clear" ? 1 : 0) + coverage;

/** The verdict for an action over a set of rules (already selected with isRule). */
export function evaluate(action: string, rules: readonly GuardRule[]): GuardVerdict {
  const actionTerms = guardTerms(action);
  const matched = rules
    .map((rule) => ({ rule, match: matchRule(rule.content, actionTerms) }))
    .filter((m): m is { rule: GuardRule; match: RuleMatch } => m.match !== null)
    .map((m) => ({ ...m, blocks: m.match.strength === "clear" && m.rule.importance >= BLOCK_IMPORTANCE }))
    .sort(
      (a, b) =>
        Number(b.blocks) - Number(a.blocks) ||
        rank(b.match.strength, b.match.coverage) - rank(a.match.strength, a.match.coverage) ||
        b.rule.importance - a.rule.importance ||
        a.rule.id - b.rule.id,
    );
  const out = matched.map((m) => m.rule);
  const blocking = matched.filter((m) => m.blocks).length;
  if (blocking > 0) return { signal: "block", action, rules: out, message: describe("Blocked", out) };
  if (out.length > 0) return { signal: "warn", action, rules: out, message: describe("Check first", out) };
  const message = rules.length === 0 ? "No rules are stored, so nothing forbids this action." : "No stored rule applies to this action.";
  return { signal: "allow", action, rules: [], message };
}

/** Names the first (strongest) rule; the others are in `rules`. */
function describe(verdict: string, rules: GuardRule[]): string {
  const first = rules[0]!;
  const more = rules.length > 1 ? ` (and ${rules.length - 1} more)` : "";
  const how = verdict === "Blocked" ? "forbids this" : "may apply";
  return `${verdict}: rule #${first.id} ${how}${more}: "${first.content.replace(/\s+/g, " ").trim()}"`;
}

/**
 * Raises a word verdict of `allow` to `warn` for the rules matched by meaning (never to block).
 * The rules are those the judge named, strongest first.
 */
export function warnByMeaning(verdict: GuardVerdict, rules: readonly GuardRule[], ids: readonly number[]): GuardVerdict {
  if (verdict.signal !== "allow") return verdict;
  const byId = new Map(rules.map((r) => [r.id, r]));
  const named = [...new Set(ids)].flatMap((id) => byId.get(id) ?? []);
  if (named.length === 0) return verdict;
  return { ...verdict, signal: "warn", rules: named, message: describe("Check first", named) };
}

/** A verdict as POST /guard answers it: whether the LLM judged the meaning ("llm") or words and the embedder did ("rules"). */
export type GuardCheck = GuardVerdict & { method: "rules" | "llm" };

export class GuardService {
  private readonly candidates: RuleCandidateStore;

  constructor(
    ctx: CoreContext,
    /** Matching by meaning with the embedder; null leaves the word path alone (no embedding model). */
    private readonly meaning: EmbeddingMeaning | null,
    /** The LLM's judgement of meaning when one is configured; it falls back to the embedder. */
    private readonly llm: LlmClient,
  ) {
    this.candidates = new RuleCandidateStore(ctx.db);
  }

  /** The user's rules: only their own memories, latest live approved versions. */
  rules(userId: number): GuardRule[] {
    return this.candidates.of(userId).filter(isRule).map(({ id, content, importance }) => ({ id, content, importance }));
  }

  /**
   * The verdict of the words; when they allow, meaning may raise it to a warning: the LLM's
   * verdict when one is configured and answers, else the embedder's similarity.
   */
  async check(userId: number, action: string): Promise<GuardCheck> {
    if (action.trim().length === 0) throw invalid("action", "must not be empty");
    const rules = this.rules(userId);
    const verdict = evaluate(action, rules);
    if (verdict.signal !== "allow" || rules.length === 0) return { ...verdict, method: "rules" };
    const judged = await llmViolations(this.llm, action, rules);
    if (judged) return { ...warnByMeaning(verdict, rules, judged), method: "llm" };
    const matches = this.meaning ? await this.meaning.matches(action, rules) : null;
    return { ...(matches ? warnByMeaning(verdict, rules, matches.map((m) => m.id)) : verdict), method: "rules" };
  }
}
