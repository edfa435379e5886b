# Sourced by every Engram hook for Claude Code. The rule they all follow: a hook never blocks or
# fails the agent. When anything goes wrong (server down, bad key, no engram-cli, a bad payload)
# the hook writes one line to stderr, nothing to stdout, and exits 0.
#
# Environment:
#   ENGRAM_URL, ENGRAM_API_KEY   passed on to engram-cli
#   ENGRAM_CLI                   path to engram-cli (default: engram-cli on PATH)
#   ENGRAM_HOOK_TIMEOUT          seconds one engram-cli call may take (default 10)
#   ENGRAM_SIDECAR_DIR           state dir of the session's engram-sidecar
#                                (default: ~/.engram/sidecar/<session_id>)

set -Eeuo pipefail

ENGRAM_HOOK_LIB=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ENGRAM_HOOK_NAME=$(basename "$0" .sh)

engram_hook_warn() {
  printf 'engram %s hook: %s\n' "$ENGRAM_HOOK_NAME" "$*" >&2
}

# An unexpected failure anywhere ends the hook quietly instead of failing the agent's step.
trap 'engram_hook_warn "failed at line $LINENO; skipped"; exit 0' ERR

# The hook's JSON payload, read once from stdin.
ENGRAM_HOOK_PAYLOAD=$(cat)

if ! printf '%s' "$ENGRAM_HOOK_PAYLOAD" | node -e 'JSON.parse(require("fs").readFileSync(0, "utf8"))' 2>/dev/null; then
  engram_hook_warn "the payload on stdin is not JSON; skipped"
  exit 0
fi

# Prints a field of the payload (dotted path): strings as they are, other values as JSON,
# nothing when it is absent.
engram_hook_field() {
  printf '%s' "$ENGRAM_HOOK_PAYLOAD" | node -e '
    let v = JSON.parse(require("fs").readFileSync(0, "utf8"));
    for (const k of process.argv[1].split(".")) v = v == null ? undefined : v[k];
    if (v != null) process.stdout.write(typeof v === "string" ? v : JSON.stringify(v));
  ' "$1"
}

# Reads NUL-separated words from stdin into the array ENGRAM_ARGS (bash 3.2 has no mapfile -d).
engram_hook_read_args() {
  ENGRAM_ARGS=()
  local word
  while IFS= read -r -d '' word; do ENGRAM_ARGS+=("$word"); done
}

# Runs one of the hooks' node helpers (hooks/lib/*.mjs) with the payload on stdin.
engram_hook_node() {
  local script=$1
  shift
  printf '%s' "$ENGRAM_HOOK_PAYLOAD" | node "$ENGRAM_HOOK_LIB/$script" "$@"
}

ENGRAM_HOOK_CLI=${ENGRAM_CLI:-$(command -v engram-cli || true)}

# When this session's engram-sidecar runs, engram-cli talks to it instead of the server: its
# URL, and its token (from its owner-only sidecar.json) as the key the sidecar requires.
engram_hook_read_args < <(engram_hook_node find-sidecar.mjs "$ENGRAM_HOOK_NAME")
if [[ ${#ENGRAM_ARGS[@]} -eq 2 ]]; then
  export ENGRAM_URL=${ENGRAM_ARGS[0]} ENGRAM_API_KEY=${ENGRAM_ARGS[1]}
fi

# Runs engram-cli and leaves its stdout in ENGRAM_OUT. On any failure it warns with the CLI's
# own message and ends the hook with status 0: called directly, never inside $(...), so that the
# exit really ends the hook.
engram_hook_cli() {
  if [[ -z $ENGRAM_HOOK_CLI ]]; then
    engram_hook_warn "engram-cli not found: install it or set ENGRAM_CLI; skipped"
    exit 0
  fi
  local errors status=0
  errors=$(mktemp)
  if command -v timeout >/dev/null 2>&1; then
    ENGRAM_OUT=$(timeout "${ENGRAM_HOOK_TIMEOUT:-10}" "$ENGRAM_HOOK_CLI" "$@" 2>"$errors") || status=$?
  else
    ENGRAM_OUT=$("$ENGRAM_HOOK_CLI" "$@" 2>"$errors") || status=$?
  fi
  if [[ $status -ne 0 ]]; then
    local message
    message=$(tr '\n' ' ' <"$errors")
    rm -f "$errors"
    [[ $status -eq 124 ]] && message="no answer within ${ENGRAM_HOOK_TIMEOUT:-10}s"
    engram_hook_warn "engram-cli $1 failed (${message% }); skipped"
    exit 0
  fi
  rm -f "$errors"
}
