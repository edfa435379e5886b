export interface ChunkOptions {
  /** 200..20000 characters (default 3000). */
  maxChunkSize: number;
  /** Characters repeated at the start of the next chunk, 0..maxChunkSize/2 (default 200). */
  overlap: number;
}

export const DEFAULT_CHUNK: ChunkOptions = { maxChunkSize: 3000, overlap: 200 };

/** Last match of `re` (global) inside text[from, to), as the index where the cut goes. */
function lastCut(text: string, from: number, to: number, re: RegExp, offset: (m: RegExpExecArray) => number): number {
  const window = text.slice(from, to);
  let best = -1;
  re.lastIndex = 0;
  for (let m = re.exec(window); m; m = re.exec(window)) best = from + offset(m);
  return best;
}

const HEADING = /\n(?=#{1,6}\s)/g;
const PARAGRAPH = /\n\s*\n/g;
const SENTENCE = /[.!?…](?=\s)/g;
const SPACE = /\s/g;

/**
 * Cuts a text into chunks of at most maxChunkSize characters. A text that fits is one chunk.
 * Otherwise each cut goes at the last heading in the window, else the last paragraph break,
 * else the last sentence end, looked for only past 40% of the window so no chunk is a sliver;
 * the next chunk starts `overlap` characters before the cut, and every cut advances at least
 * 30% of the window. Each window is scanned once: the cost is linear in the text's length.
 */
export function chunkText(text: string, opts: ChunkOptions = DEFAULT_CHUNK): string[] {
  const body = text.trim();
  if (body.length <= opts.maxChunkSize) return body ? [body] : [];
  const max = opts.maxChunkSize;
  const chunks: string[] = [];
  let start = 0;
  while (start < body.length) {
    const end = start + max;
    if (end >= body.length) {
      chunks.push(body.slice(start).trim());
      break;
    }
    const from = start + Math.floor(max * 0.4);
    let cut = lastCut(body, from, end, HEADING, (m) => m.index);
    if (cut < 0) cut = lastCut(body, from, end, PARAGRAPH, (m) => m.index);
    if (cut < 0) cut = lastCut(body, from, end, SENTENCE, (m) => m.index + 1);
    if (cut < 0) cut = lastCut(body, from, end, SPACE, (m) => m.index);
    if (cut < 0) cut = end;
    chunks.push(body.slice(start, cut).trim());
    let next = Math.max(cut - opts.overlap, start + Math.ceil(max * 0.3));
    // Start the overlap on a word, not inside one, when a space is near.
    if (next < cut) {
      const space = body.slice(next, cut).search(/\s/);
      if (space >= 0 && next + space + 1 < cut) next += space + 1;
    }
    start = next;
  }
  return chunks.filter(Boolean);
}
