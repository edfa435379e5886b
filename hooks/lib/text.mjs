import path from "node:path";

/** Small text helpers shared by the hooks' node scripts. */

/** One line, at most `max` characters, an ellipsis where it was cut. */
export function clip(value, max) {
  const flat = String(value ?? "").replace(/\s+/g, " ").trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

/**
 * Each run of whitespace that holds a line break becomes one space; other runs stay as they
 * are: what replacing the pattern "optional spaces, a line break, optional spaces" with a
 * space did. That regular expression is quadratic on a long run of spaces without a line
 * break (100 KB of them took 15 s): it tries every start in the run. One pass instead.
 */
export function joinLines(value) {
  const text = String(value ?? "");
  const parts = [];
  let copied = 0;
  for (let i = 0; i < text.length; ) {
    if (!isSpace(text.charCodeAt(i))) {
      i++;
      continue;
    }
    const start = i;
    let lineBreak = false;
    for (; i < text.length && isSpace(text.charCodeAt(i)); i++) lineBreak ||= text.charCodeAt(i) === 10;
    if (lineBreak) {
      parts.push(text.slice(copied, start), " ");
      copied = i;
    }
  }
  parts.push(text.slice(copied));
  return parts.join("");
}

/** `\s` of a regular expression, for one character code. */
function isSpace(c) {
  if (c <= 32) return c === 32 || (c >= 9 && c <= 13);
  if (c < 160) return false;
  return c === 160 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000 || c === 0xfeff;
}

/** The end of a long text (where errors usually are), on one line. */
export function tail(value, max) {
  const flat = String(value ?? "").replace(/\s+/g, " ").trim();
  return flat.length > max ? `…${flat.slice(flat.length - max + 1)}` : flat;
}

/** engram-cli splits --tags on commas, so a tag must not contain one. */
export function tag(value) {
  return String(value).replace(/[,\s]+/g, "-").toLowerCase();
}

export function projectOf(cwd) {
  return typeof cwd === "string" && cwd ? path.basename(cwd) : null;
}

/** Arguments for engram-cli, NUL-separated for engram_hook_read_args. */
export function printArgs(args) {
  process.stdout.write(args.map((a) => `${a}\0`).join(""));
}

export async function readStdin() {
  let text = "";
  for await (const chunk of process.stdin) text += chunk;
  return text;
}
