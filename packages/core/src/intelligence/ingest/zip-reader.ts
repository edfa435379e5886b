import { inflateSync } from "fflate";
import { ParseInputError } from "./documents.js";

/** The contract's caps: an entry over 50 MiB, or past 500 MiB in total, is skipped. */
export const ZIP_MAX_ENTRY_BYTES = 50 * 1024 * 1024;
export const ZIP_MAX_TOTAL_BYTES = 500 * 1024 * 1024;
/** Text compresses 5-10 times, rarely past 30; a hundredfold entry of any size is a bomb. */
export const ZIP_MAX_RATIO = 100;
/** Below this an entry cannot hurt whatever its ratio (a 1 KB file of one repeated letter). */
const RATIO_FLOOR_BYTES = 1024 * 1024;

const ARCHIVE_EXTENSIONS = /\.(zip|jar|war|tar|tgz|gz|bz2|xz|7z|rar|zst)$/i;

export interface ZipEntry {
  name: string;
  bytes: Uint8Array;
}

interface CentralEntry {
  name: string;
  flags: number;
  method: number;
  compressedSize: number;
  size: number;
  localOffset: number;
}

/**
 * Reads the central directory: the sizes it declares are what the caps are checked against
 * before anything is inflated, and inflating never writes past them.
 */
function centralDirectory(buf: Uint8Array): CentralEntry[] {
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  // The end record sits in the last 22 bytes plus a comment of at most 65,535.
  let eocd = -1;
  for (let i = buf.length - 22; i >= Math.max(0, buf.length - 22 - 0xffff); i--) {
    if (view.getUint32(i, true) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw new ParseInputError("not a ZIP archive: no end of central directory");
  const count = view.getUint16(eocd + 10, true);
  let p = view.getUint32(eocd + 16, true);
  if (count === 0xffff || p === 0xffffffff) throw new ParseInputError("ZIP64 archives are not supported");
  const entries: CentralEntry[] = [];
  for (let n = 0; n < count; n++) {
    if (p + 46 > buf.length || view.getUint32(p, true) !== 0x02014b50) throw new ParseInputError("not a ZIP archive: its central directory is damaged");
    const nameLen = view.getUint16(p + 28, true);
    const entry: CentralEntry = {
      flags: view.getUint16(p + 8, true),
      method: view.getUint16(p + 10, true),
      compressedSize: view.getUint32(p + 20, true),
      size: view.getUint32(p + 24, true),
      localOffset: view.getUint32(p + 42, true),
      name: new TextDecoder().decode(buf.subarray(p + 46, p + 46 + nameLen)),
    };
    entries.push(entry);
    p += 46 + nameLen + view.getUint16(p + 30, true) + view.getUint16(p + 32, true);
  }
  return entries;
}

/** `../x`, `/etc/x`, `C:\x`: a name that would land outside the folder it is extracted to. */
function escapes(name: string): boolean {
  const n = name.replace(/\\/g, "/");
  return n.startsWith("/") || /^[a-z]:/i.test(n) || n.split("/").includes("..");
}

function entryBytes(buf: Uint8Array, e: CentralEntry): Uint8Array {
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const local = e.localOffset;
  if (local + 30 > buf.length || view.getUint32(local, true) !== 0x04034b50) throw new ParseInputError(`ZIP entry ${e.name}: damaged local header`);
  const start = local + 30 + view.getUint16(local + 26, true) + view.getUint16(local + 28, true);
  const compressed = buf.subarray(start, start + e.compressedSize);
  if (compressed.length !== e.compressedSize) throw new ParseInputError(`ZIP entry ${e.name}: truncated`);
  if (e.method === 0) return compressed;
  if (e.method !== 8) throw new ParseInputError(`ZIP entry ${e.name}: compression method ${e.method} is not supported (stored or deflate only)`);
  // One byte of room past the declared size: an entry that fills it lied about its size.
  const out = inflateSync(compressed, { out: new Uint8Array(e.size + 1) });
  if (out.length !== e.size) throw new ParseInputError(`ZIP entry ${e.name}: inflates to a different size than declared (refused as a zip bomb)`);
  return out;
}

/**
 * The entries worth parsing. Refused whole (ParseInputError): an entry whose path escapes the
 * archive, an encrypted entry, an entry that expands more than ZIP_MAX_RATIO times. Skipped and
 * named in `skipped`: folders' own entries, hidden files, `__MACOSX/`, nested archives, entries
 * over ZIP_MAX_ENTRY_BYTES and whatever comes past ZIP_MAX_TOTAL_BYTES.
 */
export function readZip(buf: Uint8Array, wanted: (name: string) => boolean): { entries: ZipEntry[]; skipped: string[] } {
  const central = centralDirectory(buf);
  for (const e of central) {
    if (escapes(e.name)) throw new ParseInputError(`ZIP entry ${JSON.stringify(e.name)} escapes the archive (path traversal)`);
    if (e.flags & 0x1) throw new ParseInputError(`ZIP entry ${JSON.stringify(e.name)} is encrypted`);
    if (e.size > RATIO_FLOOR_BYTES && e.size > e.compressedSize * ZIP_MAX_RATIO) {
      throw new ParseInputError(`ZIP entry ${JSON.stringify(e.name)} expands ${Math.round(e.size / Math.max(1, e.compressedSize))} times (limit ${ZIP_MAX_RATIO}): refused as a zip bomb`);
    }
  }
  const entries: ZipEntry[] = [];
  const skipped: string[] = [];
  let total = 0;
  for (const e of central) {
    if (e.name.endsWith("/")) continue;
    const segments = e.name.replace(/\\/g, "/").split("/");
    if (segments[0] === "__MACOSX" || segments.some((s) => s.startsWith("."))) continue;
    if (ARCHIVE_EXTENSIONS.test(e.name)) skipped.push(`${e.name}: nested archive skipped`);
    else if (!wanted(e.name)) skipped.push(`${e.name}: unsupported file type skipped`);
    else if (e.size > ZIP_MAX_ENTRY_BYTES) skipped.push(`${e.name}: over ${ZIP_MAX_ENTRY_BYTES} bytes, skipped`);
    else if (total + e.size > ZIP_MAX_TOTAL_BYTES) skipped.push(`${e.name}: past ${ZIP_MAX_TOTAL_BYTES} bytes in total, skipped`);
    else {
      total += e.size;
      entries.push({ name: e.name, bytes: entryBytes(buf, e) });
    }
  }
  return { entries, skipped };
}
