// PostToolUse payload on stdin → engram-cli `store` arguments (NUL-separated) recording what the
// tool did and whether it worked. Prints nothing when the payload names no tool.
import { clip, printArgs, projectOf, readStdin, tag, tail } from "./text.mjs";

const p = JSON.parse(await readStdin());
const tool = typeof p.tool_name === "string" ? p.tool_name : "";
if (!tool) process.exit(0);

const input = p.tool_input && typeof p.tool_input === "object" ? p.tool_input : {};
const res = p.tool_response;
const failed =
  (typeof res === "string" && /^\s*error\b/i.test(res)) ||
  (res != null && typeof res === "object" && (res.success === false || res.is_error === true || res.interrupted === true || typeof res.error === "string"));

let action;
let output = "";
switch (tool) {
  case "Bash":
    action = `ran \`${clip(input.command, 200)}\``;
    if (res && typeof res === "object") {
      // A failure's cause is usually at the end of its output; a success's gist at the start.
      output = failed ? tail(res.stderr || res.stdout || res.error, 400) : clip(res.stdout, 200);
    }
    break;
  case "Edit":
  case "MultiEdit":
    action = `edited ${input.file_path}`;
    break;
  case "Write":
    action = `wrote ${input.file_path}`;
    break;
  case "NotebookEdit":
    action = `edited notebook ${input.notebook_path}`;
    break;
  default:
    action = `used it with ${clip(JSON.stringify(input), 200)}`;
    if (failed) output = tail(typeof res === "string" ? res : JSON.stringify(res), 300);
}

const project = projectOf(p.cwd);
const content = `${tool}${project ? ` in ${project}` : ""}: ${action}; ${failed ? "failed" : "succeeded"}.${output ? ` Output: ${output}` : ""}`;
const tags = [`tool:${tag(tool)}`, ...(p.session_id ? [`session:${tag(p.session_id)}`] : []), ...(project ? [`project:${tag(project)}`] : [])];
printArgs(["--category", "tool-outcome", "--source", "claude-code", "--importance", failed ? "5" : "3", "--tags", tags.join(","), "--", content]);
