/**
 * The fast pass of the exact vector scan (exact-index.ts): every row's dot product with the
 * query in WebAssembly SIMD, four float32 lanes and four running sums at a time. In plain
 * JavaScript the scan was one long chain of dependent double additions, ~6 ms of the event
 * loop per search at 10k memories of 512 dimensions (bench/results/latency.json); this pass
 * takes a fraction of that. Its float32 sums are approximate: TenantMatrix rescores the few
 * rows that can reach the top k exactly as before, so results do not change.
 *
 * The module is written out byte by byte below (its text form beside each part), since the
 * repository has no WebAssembly toolchain; it has one function:
 *
 *   scan(q, m, stride, n, out): for each of the n rows of `stride` float32s starting at byte m,
 *   out[row] = Σ m[row][j] · q[j], summed as (a0 + a1) + (a2 + a3) over four f32x4 accumulators
 *   that each take every fourth group of four floats. `stride` is a multiple of 16 (the rows
 *   are zero-padded to it), all pointers are byte offsets into the imported memory.
 */

/** Rows are padded to a multiple of this many floats: one loop iteration reads 16 of them. */
export const STRIDE_FLOATS = 16;

const uleb = (n: number): number[] => {
  const out: number[] = [];
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
  return out;
};
const section = (id: number, body: number[]) => [id, ...uleb(body.length), ...body];
const vector = (items: number[][]) => [...uleb(items.length), ...items.flat()];

// Locals: 0 q, 1 m, 2 stride, 3 n, 4 out (parameters); 5 end, 6 j, 7 qend (i32); 8-11 a0-a3 (v128).
const Q = 0, M = 1, STRIDE = 2, N = 3, OUT = 4, END = 5, J = 6, QEND = 7, A = [8, 9, 10, 11] as const;
const get = (i: number) => [0x20, i];
const set = (i: number) => [0x21, i];
const tee = (i: number) => [0x22, i];
const i32 = (n: number) => [0x41, ...(n < 64 ? [n] : [(n & 0x7f) | 0x80, n >> 7])]; // signed LEB128, 0 ≤ n < 8192
const ADD = 0x6a, SHL = 0x74, LT_U = 0x49, GE_U = 0x4f, F32_ADD = 0x92;
const v128Load = (offset: number) => [0xfd, 0x00, 4, ...uleb(offset)];
const F32X4_ADD = [0xfd, 0xe4, 0x01], F32X4_MUL = [0xfd, 0xe6, 0x01];
const lane = (l: number) => [0xfd, 0x1f, l]; // f32x4.extract_lane
const BLOCK = [0x02, 0x40], LOOP = [0x03, 0x40], END_ = 0x0b;
const brIf = (depth: number) => [0x0d, depth];

const body = [
  ...vector([[3, 0x7f], [4, 0x7b]]), // locals: 3 × i32, 4 × v128
  ...get(Q), ...get(STRIDE), ...i32(2), SHL, ADD, ...set(QEND), // qend = q + stride·4
  ...get(OUT), ...get(N), ...i32(2), SHL, ADD, ...set(END), // end = out + n·4
  ...BLOCK,
  ...get(OUT), ...get(END), GE_U, ...brIf(0), // no rows: done
  ...LOOP, // each row
  ...[0xfd, 0x0c, ...new Array<number>(16).fill(0)], ...tee(A[0]), ...tee(A[1]), ...tee(A[2]), ...set(A[3]), // a0..a3 = 0
  ...get(Q), ...set(J),
  ...LOOP, // each 16 floats of the row: a_i += m[16i..16i+16) · q[j + 16i..]
  ...A.flatMap((a, i) => [...get(a), ...get(M), ...v128Load(16 * i), ...get(J), ...v128Load(16 * i), ...F32X4_MUL, ...F32X4_ADD, ...set(a)]),
  ...get(M), ...i32(64), ADD, ...set(M),
  ...get(J), ...i32(64), ADD, ...tee(J), ...get(QEND), LT_U, ...brIf(0),
  END_,
  ...get(A[0]), ...get(A[1]), ...F32X4_ADD, ...get(A[2]), ...get(A[3]), ...F32X4_ADD, ...F32X4_ADD, ...set(A[0]),
  ...get(OUT),
  ...get(A[0]), ...lane(0), ...get(A[0]), ...lane(1), F32_ADD, ...get(A[0]), ...lane(2), ...get(A[0]), ...lane(3), F32_ADD, F32_ADD,
  0x38, 2, 0, // f32.store out
  ...get(OUT), ...i32(4), ADD, ...tee(OUT), ...get(END), LT_U, ...brIf(0),
  END_,
  END_,
  END_,
];

const name = (s: string) => [...uleb(s.length), ...Array.from(s, (c) => c.charCodeAt(0))];

const BYTES = new Uint8Array([
  ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00], // \0asm, version 1
  ...section(1, vector([[0x60, ...vector([[0x7f], [0x7f], [0x7f], [0x7f], [0x7f]]), 0x00]])), // type 0: (i32 ×5) → ()
  ...section(2, vector([[...name("env"), ...name("memory"), 0x02, 0x00, 0x01]])), // import env.memory, at least 1 page
  ...section(3, vector([[0x00]])), // function 0 has type 0
  ...section(7, vector([[...name("scan"), 0x00, 0x00]])), // export it as "scan"
  ...section(10, vector([[...uleb(body.length), ...body]])), // its code
]);

/** The part of the WebAssembly API used here (the project's Node typings do not declare it). */
interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
  Memory: new (descriptor: { initial: number }) => WasmMemory;
}
const wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

let compiled: object | undefined;

/**
 * One matrix's storage in its own WebAssembly memory, laid out as [query][rows][scores]: the
 * query (padded to the stride) at 0, `capacity` rows of `stride` floats after it, and one
 * float32 score per row after those. Growing moves only the scores, which are scratch.
 * Views of the memory are taken again after every growth (growing detaches the old buffer).
 */
export class SimdDotArena {
  readonly stride: number;
  private readonly memory: WasmMemory;
  private readonly scanRows: (q: number, m: number, stride: number, n: number, out: number) => void;
  private rowsCapacity = 0;
  /** The rows, `stride` floats each; the floats past the dimension stay 0. */
  rows!: Float32Array;
  private query!: Float32Array;
  private scores!: Float32Array;

  constructor(
    readonly dim: number,
    capacity: number,
  ) {
    this.stride = Math.ceil(dim / STRIDE_FLOATS) * STRIDE_FLOATS;
    this.memory = new wasm.Memory({ initial: pagesFor(this.bytesFor(capacity)) });
    compiled ??= new wasm.Module(BYTES);
    const instance = new wasm.Instance(compiled, { env: { memory: this.memory } });
    this.scanRows = instance.exports.scan as SimdDotArena["scanRows"];
    this.map(capacity);
  }

  get capacity(): number {
    return this.rowsCapacity;
  }

  /** Room for at least `rows` rows; the existing rows keep their place. */
  reserve(rows: number) {
    if (rows <= this.rowsCapacity) return;
    const capacity = Math.max(rows, this.rowsCapacity * 2);
    const missing = pagesFor(this.bytesFor(capacity)) - this.memory.buffer.byteLength / PAGE;
    if (missing > 0) this.memory.grow(missing);
    this.map(capacity);
  }

  /** The first `n` rows' float32 dot products with `q` (a view, valid until the next scan or growth). */
  scan(q: Float32Array, n: number): Float32Array {
    this.query.set(q);
    this.scanRows(0, this.stride * 4, this.stride, n, this.scoresOffset());
    return this.scores.subarray(0, n);
  }

  private bytesFor(capacity: number) {
    return 4 * this.stride * (1 + capacity) + 4 * capacity;
  }

  private scoresOffset() {
    return 4 * this.stride * (1 + this.rowsCapacity);
  }

  private map(capacity: number) {
    this.rowsCapacity = capacity;
    const buffer = this.memory.buffer;
    this.query = new Float32Array(buffer, 0, this.stride);
    this.rows = new Float32Array(buffer, 4 * this.stride, this.stride * capacity);
    this.scores = new Float32Array(buffer, this.scoresOffset(), capacity);
  }
}

const PAGE = 65_536;
const pagesFor = (bytes: number) => Math.ceil(bytes / PAGE);
