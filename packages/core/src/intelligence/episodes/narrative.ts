/** The rules narrative of a finalized episode (contracts/intelligence.md §5.5). */

export const MAX_NARRATIVE_CHARS = 2000;

/** The first sentence of a memory (up to its first ., ! or ? followed by a space), or all of it. */
export function firstSentence(text: string): string {
  const t = text.trim().replace(/\s+/g, " ");
  const m = /^.+?[.!?](?=\s|$)/.exec(t);
  return m ? m[0] : t;
}

/** Cut at `max` characters on a word boundary. */
export function cutAtWord(text: string, max: number): string {
  if (text.length <= max) return text;
  const cut = text.slice(0, max + 1);
  const space = cut.lastIndexOf(" ");
  return (space > 0 ? cut.slice(0, space) : text.slice(0, max)).trimEnd();
}

export function rulesNarrative(title: string, members: readonly { content: string; createdAt: string }[]): string {
  if (members.length === 0) return `${title}: no memories recorded.`;
  const head = `${title}: ${members.length} ${members.length === 1 ? "memory" : "memories"} from ${members[0]!.createdAt} to ${members[members.length - 1]!.createdAt}.`;
  const body = members.map((m) => firstSentence(m.content)).map((s) => (/[.!?]$/.test(s) ? s : `${s}.`));
  return cutAtWord([head, ...body].join(" "), MAX_NARRATIVE_CHARS);
}
