#!/usr/bin/env bash
# Claude Code SessionEnd hook: stores a summary of the session read from its transcript (requests,
# tools used, files changed, last reply) as a memory of category session-summary. Prints nothing.
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

engram_hook_read_args < <(engram_hook_node summarize-session.mjs)
if [[ ${#ENGRAM_ARGS[@]} -eq 0 ]]; then
  engram_hook_warn "no requests in the transcript; nothing to summarize"
  exit 0
fi

engram_hook_cli store "${ENGRAM_ARGS[@]}"
