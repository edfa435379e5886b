#!/usr/bin/env bash
# Claude Code SessionStart hook: prints what Engram knows that bears on this project (standing
# rules, the memories relevant to the project's name, this session's and recent memories, as
# assembled by the server within a token budget); Claude Code adds it to the session's context.
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

query=${ENGRAM_HOOK_QUERY:-$(basename "$(engram_hook_field cwd)")}
[[ -n $query && $query != / ]] || exit 0
session=$(engram_hook_field session_id)

engram_hook_cli context --json --max-tokens "${ENGRAM_HOOK_MAX_TOKENS:-2000}" ${session:+"--session=$session"} -- "$query"
printf '%s' "$ENGRAM_OUT" | node "$ENGRAM_HOOK_LIB/format-memories.mjs" "Engram memories for $query (from earlier sessions):"
