// Payload on stdin, the hook's name as the argument → the URL and token of this session's engram-sidecar, NUL-separated, or
// nothing when none runs. Hooks then call engram-cli through the sidecar (its read cache, and its
// durable buffer while the server is down) with the sidecar's token as the key.
//
// The sidecar announces itself in <state dir>/sidecar.json: ENGRAM_SIDECAR_DIR, or by default
// ~/.engram/sidecar/<session_id> (where `engram-sidecar --session-id <session_id>` keeps it).
// A file this user did not write alone is ignored with a warning: it could point the hooks,
// prompts and all, at someone else's server.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { printArgs, readStdin } from "./text.mjs";

const p = JSON.parse(await readStdin());
// engram-sidecar's own rule for session ids, which become a directory name.
const sessionId = typeof p.session_id === "string" && /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/.test(p.session_id) ? p.session_id : null;
const dir = process.env.ENGRAM_SIDECAR_DIR || (sessionId ? path.join(os.homedir(), ".engram", "sidecar", sessionId) : null);
if (!dir) process.exit(0);
const file = path.join(dir, "sidecar.json");

let stat;
try {
  stat = fs.lstatSync(file);
} catch {
  process.exit(0); // no sidecar for this session
}
if (!stat.isFile() || stat.uid !== process.getuid() || (stat.mode & 0o077) !== 0) {
  process.stderr.write(`engram ${process.argv[2]} hook: ignoring ${file}: only a file of this user's that nobody else can read or write (0600) is trusted; using the server directly\n`);
  process.exit(0);
}

let info;
try {
  info = JSON.parse(fs.readFileSync(file, "utf8"));
} catch {
  process.exit(0); // being replaced right now: the server directly, this once
}
// Before it listens, the file holds only the pid; after a crash, a pid that no longer runs.
if (typeof info.url !== "string" || typeof info.token !== "string" || !Number.isInteger(info.pid) || !alive(info.pid)) process.exit(0);
if (!/^http:\/\/(127\.\d+\.\d+\.\d+|localhost|\[::1\]):\d+$/.test(info.url)) process.exit(0);
printArgs([info.url, info.token]);

function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return err.code === "EPERM";
  }
}
