/**
 * When a sentence's fact became true (contracts/intelligence.md §4), in the contract's order: an
 * explicit date in the sentence, a `[Conversation date: …]` marker in the memory, a relative
 * reference, else when the memory's text was said. Pure: that instant comes in, an ISO-8601 UTC
 * instant goes out. "Said" is the memory's document time when it has one (the conversation of an
 * ingested chat export, the start of the episode whose narrative it is), else its `created_at`.
 * A relative reference counts from the marker's date when there is one, else from the same
 * instant: "yesterday" in a 2023 conversation imported today is a day in 2023.
 */

const MONTHS = ["january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november", "december"];
const MONTH_RE = `(${MONTHS.join("|")}|jan|feb|mar|apr|jun|jul|aug|sept?|oct|nov|dec)\\.?`;
const WEEKDAYS = ["sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"];
const DAY_MS = 86_400_000;

const ISO_DATE = /\b(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2}))?(?:\.\d+)?(Z|[+-]\d{2}:?\d{2})?)?\b/;
const MONTH_DAY_YEAR = new RegExp(`\\b${MONTH_RE}\\s+(\\d{1,2})(?:st|nd|rd|th)?,?\\s+(\\d{4})\\b`, "i");
const DAY_MONTH_YEAR = new RegExp(`\\b(\\d{1,2})(?:st|nd|rd|th)?\\s+(?:of\\s+)?${MONTH_RE},?\\s+(\\d{4})\\b`, "i");
const MARKER = /\[\s*conversation date:\s*([^\]]+)\]/i;
const NUMBER_WORDS: Record<string, number> = { a: 1, an: 1, one: 1, two: 2, three: 3, four: 4, five: 5, six: 6, seven: 7, eight: 8, nine: 9, ten: 10, eleven: 11, twelve: 12 };
const AGO = /\b(\d+|an?|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve)\s+(day|week|month|year)s?\s+ago\b/i;
const LAST_UNIT = /\blast\s+(week|month|year)\b/i;
const LAST_WEEKDAY = new RegExp(`\\blast\\s+(${WEEKDAYS.join("|")})\\b`, "i");

function monthIndex(name: string): number {
  const key = name.toLowerCase().replace(".", "").slice(0, 3);
  return MONTHS.findIndex((m) => m.startsWith(key));
}

function utcDate(year: number, month: number, day: number): Date | null {
  const d = new Date(Date.UTC(year, month, day));
  // Date.UTC rolls 31 February over into March; such a date was not a date.
  return d.getUTCFullYear() === year && d.getUTCMonth() === month && d.getUTCDate() === day ? d : null;
}

/** An explicit calendar date in the text (ISO, "March 5, 2024", "5 March 2024"), or null. */
export function explicitDate(text: string): Date | null {
  const iso = ISO_DATE.exec(text);
  if (iso) {
    if (iso[4] !== undefined) {
      const at = new Date(iso[0].replace(" ", "T") + (iso[7] === undefined ? "Z" : ""));
      if (!Number.isNaN(at.getTime())) return at;
    }
    const d = utcDate(Number(iso[1]), Number(iso[2]) - 1, Number(iso[3]));
    if (d) return d;
  }
  const mdy = MONTH_DAY_YEAR.exec(text);
  if (mdy) {
    const d = utcDate(Number(mdy[3]), monthIndex(mdy[1]!), Number(mdy[2]));
    if (d) return d;
  }
  const dmy = DAY_MONTH_YEAR.exec(text);
  if (dmy) {
    const d = utcDate(Number(dmy[3]), monthIndex(dmy[2]!), Number(dmy[1]));
    if (d) return d;
  }
  return null;
}

/** The date a `[Conversation date: …]` marker in the memory names, or null. */
export function conversationDate(content: string): Date | null {
  const marker = MARKER.exec(content);
  if (!marker) return null;
  const inside = marker[1]!.trim();
  return explicitDate(inside) ?? (Number.isNaN(Date.parse(inside)) ? null : new Date(Date.parse(inside)));
}

/** The content without its conversation markers, which are metadata and no sentence. */
export function withoutMarkers(content: string): string {
  return content.replace(new RegExp(MARKER.source, "gi"), " ");
}

/** A relative reference resolved against `base`, with the words that named it, or null. */
export function relativeDate(text: string, base: Date): { at: Date; ref: string } | null {
  const day = Date.UTC(base.getUTCFullYear(), base.getUTCMonth(), base.getUTCDate());
  const ago = AGO.exec(text);
  if (ago) {
    const n = NUMBER_WORDS[ago[1]!.toLowerCase()] ?? Number(ago[1]);
    const unit = ago[2]!.toLowerCase();
    const at = new Date(day);
    if (unit === "day") at.setTime(day - n * DAY_MS);
    else if (unit === "week") at.setTime(day - 7 * n * DAY_MS);
    else if (unit === "month") at.setUTCMonth(at.getUTCMonth() - n);
    else at.setUTCFullYear(at.getUTCFullYear() - n);
    return { at, ref: ago[0] };
  }
  const weekday = LAST_WEEKDAY.exec(text);
  if (weekday) {
    const target = WEEKDAYS.indexOf(weekday[1]!.toLowerCase());
    // The most recent such weekday strictly before the base day.
    const back = ((new Date(day).getUTCDay() - target + 7) % 7) || 7;
    return { at: new Date(day - back * DAY_MS), ref: weekday[0] };
  }
  const last = LAST_UNIT.exec(text);
  if (last) {
    const at = new Date(day);
    const unit = last[1]!.toLowerCase();
    if (unit === "week") at.setTime(day - 7 * DAY_MS);
    else if (unit === "month") at.setUTCMonth(at.getUTCMonth() - 1);
    else at.setUTCFullYear(at.getUTCFullYear() - 1);
    return { at, ref: last[0] };
  }
  if (/\byesterday\b/i.test(text)) return { at: new Date(day - DAY_MS), ref: "yesterday" };
  if (/\btoday\b/i.test(text)) return { at: new Date(day), ref: "today" };
  return null;
}

/**
 * The sentence's valid_at and, when a relative reference decided it, the words (`date_ref`).
 * `marker` is the memory's conversation date, found once per memory.
 */
export function resolveValidAt(sentence: string, marker: Date | null, saidAt: Date): { validAt: string; dateRef: string | null } {
  const explicit = explicitDate(sentence);
  if (explicit) return { validAt: explicit.toISOString(), dateRef: null };
  // "Yesterday" in a dated conversation means the day before that conversation, not before the
  // memory was written: the marker is the base a relative reference counts from.
  const relative = relativeDate(sentence, marker ?? saidAt);
  if (marker && !relative) return { validAt: marker.toISOString(), dateRef: null };
  if (relative) return { validAt: relative.at.toISOString(), dateRef: relative.ref };
  return { validAt: saidAt.toISOString(), dateRef: null };
}
