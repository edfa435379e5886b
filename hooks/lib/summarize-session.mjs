// SessionEnd payload on stdin → engram-cli `store` arguments (NUL-separated) for a summary of the
// session, built from its transcript: what was asked, which tools ran, which files changed, how it
// ended. Rules only, no LLM. Prints nothing when the transcript holds no request.
import fs from "node:fs";
import path from "node:path";
import { clip, printArgs, projectOf, readStdin, tag } from "./text.mjs";

const p = JSON.parse(await readStdin());
const lines = readLines(p.transcript_path);
const prompts = [];
const tools = new Map();
const files = new Set();
let lastReply = "";

for (const entry of lines) {
  const message = entry?.message;
  if (!message || entry.isMeta) continue;
  const blocks = typeof message.content === "string" ? [{ type: "text", text: message.content }] : Array.isArray(message.content) ? message.content : [];
  for (const b of blocks) {
    if (b?.type === "text" && typeof b.text === "string") {
      // Slash-command echoes and harness notes are not the user's words.
      if (message.role === "user" && !/^\s*</.test(b.text)) prompts.push(b.text);
      if (message.role === "assistant" && b.text.trim()) lastReply = b.text;
    }
    if (message.role === "assistant" && b?.type === "tool_use" && typeof b.name === "string") {
      tools.set(b.name, (tools.get(b.name) ?? 0) + 1);
      const file = b.input?.file_path ?? b.input?.notebook_path;
      if (typeof file === "string" && ["Edit", "MultiEdit", "Write", "NotebookEdit"].includes(b.name)) files.add(relative(file));
    }
  }
}
if (prompts.length === 0) process.exit(0);

const project = projectOf(p.cwd);
const toolCalls = [...tools.values()].reduce((a, b) => a + b, 0);
const parts = [
  `Session summary${project ? ` for ${project}` : ""}${p.reason ? ` (ended: ${p.reason})` : ""}: ${prompts.length} request${prompts.length === 1 ? "" : "s"}, ${toolCalls} tool call${toolCalls === 1 ? "" : "s"}${
    tools.size ? ` (${[...tools].sort((a, b) => b[1] - a[1]).map(([name, n]) => `${name} ${n}`).join(", ")})` : ""
  }.`,
  `Asked: ${prompts.slice(0, 3).map((t) => `"${clip(t, 160)}"`).join("; ")}${prompts.length > 3 ? `; and ${prompts.length - 3} more` : ""}.`,
  ...(files.size ? [`Changed: ${[...files].slice(0, 10).join(", ")}${files.size > 10 ? ` and ${files.size - 10} more` : ""}.`] : []),
  ...(lastReply ? [`Last reply: "${clip(lastReply, 400)}"`] : []),
];
const tags = ["session-end", ...(p.session_id ? [`session:${tag(p.session_id)}`] : []), ...(project ? [`project:${tag(project)}`] : [])];
printArgs(["--category", "session-summary", "--source", "claude-code", "--importance", "6", "--tags", tags.join(","), "--", parts.join("\n")]);

/** The transcript's JSON lines; a missing file or a torn line is skipped, not fatal. */
function readLines(file) {
  if (typeof file !== "string" || !file) return [];
  let text;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch {
    return [];
  }
  return text.split("\n").flatMap((l) => {
    try {
      return l.trim() ? [JSON.parse(l)] : [];
    } catch {
      return [];
    }
  });
}

function relative(file) {
  return typeof p.cwd === "string" && path.isAbsolute(file) && file.startsWith(p.cwd + path.sep) ? path.relative(p.cwd, file) : file;
}
