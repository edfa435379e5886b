// An engram-cli --json answer on stdin (search results, recalled memories, or assembled context)
// → the text a hook prints for Claude Code to add to its context: a heading (argv[2]) and one line
// per memory. Prints nothing when there is nothing relevant, so the agent's context stays clean.
import { joinLines, readStdin } from "./text.mjs";

const heading = process.argv[2] ?? "Relevant memories from Engram:";
const answer = JSON.parse(await readStdin());

if (typeof answer.context === "string") {
  if (answer.context.trim()) process.stdout.write(`${heading}\n${answer.context.trim()}\n`);
  process.exit(0);
}
if (answer.abstained === true) process.exit(0);
const memories = answer.results ?? answer.memories ?? [];
if (memories.length) {
  const lines = memories.map((m) => `- [${m.category}] ${joinLines(m.content)} (memory #${m.id})`);
  process.stdout.write(`${heading}\n${lines.join("\n")}\n`);
}
