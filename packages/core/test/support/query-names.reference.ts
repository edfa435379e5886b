/**
 * The regex version of namesIn (src/search/query-names.ts before the linear scanner, commit de1104d),
 * kept only as the oracle of the differential tests in scanners.test.ts.
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

