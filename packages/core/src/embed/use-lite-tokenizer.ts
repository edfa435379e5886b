/** A SentencePiece unigram vocabulary as USE-lite ships it: [piece, log-probability] by token id. */
export type Vocabulary = readonly (readonly [string, number])[];

/** Ids 0-5 are control symbols (unknown, <s>, </s>, ...) that text never matches. */
const RESERVED_SYMBOLS = 6;
/** SentencePiece's word-boundary mark, which stands for a space (and the start of the text). */
const BOUNDARY = "\u2581";

interface TrieNode {
  children: Map<string, TrieNode>;
  /** Set when a piece ends here. */
  piece?: { id: number; score: number };
}

/**
 * USE-lite's tokenizer, in time linear in the text's length.
 *
 * @energetic-ai/embeddings' tokenizer copies the rest of the text at every position
 * (`symbols.slice(i)`) before looking pieces up, so its cost grows with the square of the
 * length: 127 ms for 10 KB, 65 s for 50 KB on this machine, which was nearly all of the
 * 34 s a 100 KB store took. This walks the trie from each position instead, at most as
 * deep as the longest piece (16 symbols), and runs the same Viterbi search with the same
 * tie-breaking (a later start wins an equal score), unknown-symbol fallback, backtracking
 * and merging of unknowns, so it returns the library's exact ids (a test compares them),
 * and vectors stored before this change stay comparable.
 */
export class UseLiteTokenizer {
  private readonly root: TrieNode = { children: new Map() };

  constructor(private readonly vocabulary: Vocabulary) {
    for (let id = RESERVED_SYMBOLS; id < vocabulary.length; id++) {
      const [piece, score] = vocabulary[id]!;
      let node = this.root;
      for (const symbol of piece) {
        let next = node.children.get(symbol);
        if (!next) node.children.set(symbol, (next = { children: new Map() }));
        node = next;
      }
      node.piece = { id, score };
    }
  }

  encode(text: string): number[] {
    const normalized = text.normalize("NFKC");
    if (normalized.length === 0) return [];
    const symbols = [...(BOUNDARY + normalized.replace(/ /g, BOUNDARY))];
    const n = symbols.length;
    // best[e]: score of the best segmentation of symbols[0, e); 0 also means "none yet", as in the library.
    const best = new Float64Array(n + 1);
    const last = new Int32Array(n + 1);
    const relax = (end: number, score: number, id: number) => {
      if (best[end] === 0 || score >= best[end]!) {
        best[end] = score;
        last[end] = id;
      }
    };
    for (let start = 0; start < n; start++) {
      let node = this.root.children.get(symbols[start]!);
      let matched = false;
      for (let end = start + 1; node; end++) {
        if (node.piece) {
          relax(end, node.piece.score + best[start]!, node.piece.id);
          matched = true;
        }
        node = end < n ? node.children.get(symbols[end]!) : undefined;
      }
      // A symbol no piece starts with becomes the unknown id 0, scored 0.
      if (!matched) relax(start + 1, best[start]!, 0);
    }
    const ids: number[] = [];
    for (let end = n; end > 0; end -= this.vocabulary[last[end]!]![0].length) ids.push(last[end]!);
    const merged: number[] = [];
    let previousUnknown = false;
    for (const id of ids) {
      if (!(previousUnknown && id === 0)) merged.push(id);
      previousUnknown = id === 0;
    }
    return merged.reverse();
  }
}
