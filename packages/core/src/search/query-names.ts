/**
 * Names in text: capitalised words (people, places, products) and identifiers with digits,
 * dots, slashes, underscores or inner capitals (hosts, paths, error codes, CamelCase).
 * Question words and other sentence openers are capitalised too, so they are dropped.
 */
const NAME_RE = /\b(?:[A-Z][\p{L}\p{N}]+|[\p{L}\p{N}]*(?:\d|[._/:-]\w|[a-z][A-Z])[\p{L}\p{N}._/:-]*)\b/gu;
const OPENERS = new Set(
  "what when where who whom whose why how which did does do is are was were would could should can has have had will the a an in on at for from to of and or but if i my we our you your he she they it its this that these those there tell show list give find".split(
    " ",
  ),
);

export function namesIn(text: string): Set<string> {
  const out = new Set<string>();
  for (const m of text.matchAll(NAME_RE)) {
    const name = m[0].toLowerCase();
    if (!OPENERS.has(name)) out.add(name);
  }
  return out;
}

/** Share of the query's names that the memory mentions (0 when the query names nothing). */
export function nameCoverage(queryNames: ReadonlySet<string>, content: string): number {
  if (queryNames.size === 0) return 0;
  const inContent = namesIn(content);
  let hit = 0;
  for (const n of queryNames) if (inContent.has(n)) hit++;
  return hit / queryNames.size;
}
