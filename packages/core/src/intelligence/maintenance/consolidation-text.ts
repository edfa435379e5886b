/**
 * The rules path of a consolidation's text (contracts/intelligence.md §5.3): a header naming the
 * first source by its first five words, then every source as a bullet, so no fact is lost.
 */
export function bulletMerge(contents: readonly string[]): string {
  const first = (contents[0] ?? "").trim().split(/\s+/).filter(Boolean).slice(0, 5).join(" ");
  const bullets = contents.map((c) => `- ${c.trim().replace(/\s*\n\s*/g, " ")}`);
  return [`[Consolidated: ${first}]`, ...bullets].join("\n");
}

/**
 * Groups of ids joined by the given pairs (connected components), each sorted, groups in the
 * order their first pair came: the most similar pair's group first.
 */
export function connectedGroups(pairs: readonly (readonly [number, number])[]): number[][] {
  const parent = new Map<number, number>();
  const root = (x: number): number => {
    let r = x;
    while (parent.get(r)! !== r) r = parent.get(r)!;
    // Path compression keeps later lookups short.
    for (let c = x; c !== r; ) {
      const next = parent.get(c)!;
      parent.set(c, r);
      c = next;
    }
    return r;
  };
  const order: number[] = [];
  for (const [a, b] of pairs) {
    for (const x of [a, b]) {
      if (!parent.has(x)) {
        parent.set(x, x);
        order.push(x);
      }
    }
    const ra = root(a);
    const rb = root(b);
    if (ra !== rb) parent.set(rb, ra);
  }
  const groups = new Map<number, number[]>();
  for (const x of order) {
    const r = root(x);
    const g = groups.get(r);
    if (g) g.push(x);
    else groups.set(r, [x]);
  }
  return [...groups.values()].map((g) => g.sort((x, y) => x - y));
}
