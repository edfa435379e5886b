import { codePointAt, codePointBefore, isLetterOrNumber, isSpace, unitsOf } from "../text/index.js";
import type { RuleMatch } from "./entity-scanners.js";
import type { KnownEntity } from "./entity-rules.js";

/** A trie edge for a run of whitespace: a name's "Bob Smith" meets "Bob   Smith" in the text. */
const SPACE = -2;

interface Node {
  next: Map<number, Node>;
  /** The entity a name ending here stands for. */
  entity?: KnownEntity;
}

const newNode = (): Node => ({ next: new Map() });

/** Simple case folding, one code point at a time: lower case where that stays one code point. */
function fold(cp: number): number {
  if (cp < 128) return cp >= 65 && cp <= 90 ? cp + 32 : cp;
  if (cp < 0) return cp;
  const lower = String.fromCodePoint(cp).toLowerCase();
  return lower.codePointAt(0)! === cp || [...lower].length !== 1 ? cp : lower.codePointAt(0)!;
}

/** A name may not start right after these: "@docker" is a handle, "/git" part of a path. */
const blocksBefore = (cp: number) => cp >= 0 && (isLetterOrNumber(cp) || cp === 95 || cp === 64 || cp === 47 || cp === 46 || cp === 45);
/** ...nor run on into these: "Gitter" is not "Git", "docker-compose" not "docker". */
const blocksAfter = (cp: number) => cp >= 0 && (isLetterOrNumber(cp) || cp === 95 || cp === 45);

/**
 * Finds known names (the tenant's declared entities and their aliases, or the built-in tools)
 * in text: whole names, not parts of longer words, paths or handles; whitespace inside a name
 * matches any run of whitespace; the longest name wins where several start at one place.
 *
 * This replaces one regular expression alternating over every name, which a backtracking
 * engine tries name by name at every position (text length × names). The trie reads forward
 * from a position only while some name still matches, so a scan costs at most text length ×
 * the longest name's length (declared names are at most 200 characters), whatever the number
 * of names. The first declaration of a name (by `entityKey`) wins, as before.
 */
export class NameMatcher {
  private readonly root = newNode();

  constructor(
    known: readonly KnownEntity[],
    private readonly ignoreCase: boolean,
    entityKey: (name: string) => string,
  ) {
    const byKey = new Map<string, KnownEntity>();
    for (const k of known) {
      for (const raw of [k.name, ...k.aliases]) {
        const name = raw.trim();
        if (!name) continue;
        const key = entityKey(name);
        if (!byKey.has(key)) byKey.set(key, k);
        let node = this.root;
        let inSpace = false;
        for (const ch of name) {
          const cp = ch.codePointAt(0)!;
          if (isSpace(cp)) {
            inSpace = true;
            continue;
          }
          if (inSpace) node = child(node, SPACE);
          inSpace = false;
          node = child(node, this.ignoreCase ? fold(cp) : cp);
        }
        node.entity = byKey.get(key)!;
      }
    }
  }

  /** Matches left to right, never overlapping, each resolved to its entity. */
  scan(text: string): RuleMatch[] {
    const out: RuleMatch[] = [];
    for (let p = 0; p < text.length; ) {
      const first = codePointAt(text, p);
      const end = this.root.next.has(this.ignoreCase ? fold(first) : first) && !blocksBefore(codePointBefore(text, p)) ? this.longestAt(text, p) : null;
      if (!end) {
        p += unitsOf(first);
        continue;
      }
      out.push({ index: p, end: end.end, entity: { name: end.entity.name, type: end.entity.type } });
      p = end.end;
    }
    return out;
  }

  private longestAt(text: string, p: number): { end: number; entity: KnownEntity } | null {
    let best: { end: number; entity: KnownEntity } | null = null;
    let node = this.root;
    let i = p;
    while (i < text.length) {
      const cp = codePointAt(text, i);
      let nextNode: Node | undefined;
      let nextI = i + unitsOf(cp);
      if (isSpace(cp)) {
        nextNode = node.next.get(SPACE);
        while (nextI < text.length && isSpace(text.charCodeAt(nextI))) nextI++;
      } else {
        nextNode = node.next.get(this.ignoreCase ? fold(cp) : cp);
      }
      if (!nextNode) break;
      node = nextNode;
      i = nextI;
      if (node.entity && !blocksAfter(codePointAt(text, i))) best = { end: i, entity: node.entity };
    }
    return best;
  }
}

function child(node: Node, cp: number): Node {
  let next = node.next.get(cp);
  if (!next) node.next.set(cp, (next = newNode()));
  return next;
}
