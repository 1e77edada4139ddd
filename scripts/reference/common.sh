# Sourced by the check_*.sh scripts: what every check starts with. After `source "$(dirname "$0")/common.sh" NAME
# [SEED]` the working directory is the repository root and these are set:
#   LTDET_BIN, PYTHON  the binary and the reference Python (scripts/test exports both; defaults: the release
#                      build and .venv);
#   SEED               the first argument, else a fresh random one (printed with the command that reruns it);
#   SHARED             the annotation subsets of ../shared/data;
#   work               a temporary directory, removed on exit;
#   failed             the count of failed checks, which run, expect_error and finish_check use.
# The sourcing script keeps `set -uo pipefail` (no -e: a failed check is counted, the rest still run).
set -uo pipefail
check_name="$1"
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
LTDET_BIN="${LTDET_BIN:-$PWD/.build/release/ltdet}"
PYTHON="${PYTHON:-$PWD/.venv/bin/python}"
SEED="${2:-$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')}"
SHARED="$PWD/../shared/data"
[ -d "$SHARED" ] || SHARED="$(cd "$PWD/.." && pwd)/shared/data"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
failed=0

# run COMMAND...: a check that fails when the command does.
run() { "$@" || { failed=$((failed + 1)); echo "FAILED: $*"; }; }

# expect_error EXPECTED-TEXT COMMAND...: the command fails cleanly (no signal, no timeout) and says EXPECTED-TEXT.
expect_error() {
  local expected="$1"; shift
  local output status
  output="$(timeout 60 "$@" 2>&1)"; status=$?
  if [ "$status" -eq 0 ] || [ "$status" -ge 124 ] || ! grep -qF -- "$expected" <<<"$output"; then
    echo "FAILED (exit $status): $*"; echo "  expected: $expected"; echo "  got: $(head -c 400 <<<"$output")"
    failed=$((failed + 1))
  fi
}

# finish_check [DETAIL]: the summary line; the exit status says whether every check passed.
finish_check() {
  echo "$check_name: ${1:+$1, }$failed failed"
  [ "$failed" = 0 ]
}
