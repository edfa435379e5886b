#!/usr/bin/env bash
# Claude Code UserPromptSubmit hook: recalls the memories relevant to the prompt and prints them,
# which Claude Code adds to the context the prompt is answered with. Recalled memories count as
# reviewed on the server, so what keeps being useful stays easy to recall.
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

prompt=$(engram_hook_field prompt)
# The server takes queries up to 10,000 characters; the start of a long prompt says what it is about.
prompt=${prompt:0:2000}
[[ -n ${prompt//[[:space:]]/} ]] || exit 0

# --query=... keeps a prompt that starts with a dash from reading as a flag.
engram_hook_cli recall --json --limit "${ENGRAM_HOOK_LIMIT:-5}" "--query=$prompt"
printf '%s' "$ENGRAM_OUT" | node "$ENGRAM_HOOK_LIB/format-memories.mjs" "Relevant memories from Engram:"
