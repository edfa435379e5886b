#!/usr/bin/env bash
# Claude Code PostToolUse hook: records what a tool did and whether it worked, as a low-importance
# memory (category tool-outcome, tags tool:<name>, session:<id>, project:<dir>). Which tools are
# recorded is chosen by the hook's matcher in settings.json. Prints nothing.
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

engram_hook_read_args < <(engram_hook_node describe-tool-use.mjs)
[[ ${#ENGRAM_ARGS[@]} -gt 0 ]] || exit 0

engram_hook_cli store "${ENGRAM_ARGS[@]}"
