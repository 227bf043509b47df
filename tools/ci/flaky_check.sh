#!/usr/bin/env bash
# Flaky-test job: runs every test target 10 times (fresh, never from a cache), each run with its own
# TEST_RANDOM_SEED (test order and Hypothesis examples differ per run), and lists every target that
# failed in some runs but not all (FLAKY) or in all of them. Exits 1 when there is any.
# Usage: tools/ci/flaky_check.sh [TARGET_PATTERN ...] [-- extra bazel flags]   (default: //...)
# LEADFACTORY_FLAKY_RUNS sets the runs per target (10); LEADFACTORY_BAZEL_STARTUP_OPTIONS adds Bazel
# startup options (e.g. --output_base=DIR). TEST_FLAKY_DETECTION=false skips the check (exit 0; docs/ci.md).
set -uo pipefail
cd "$(dirname "$0")/../.."
flaky_detection=$(python3 -m tools.ci.switches TEST_FLAKY_DETECTION) || exit 2
if [[ "$flaky_detection" == false ]]; then
  echo "flaky: TEST_FLAKY_DETECTION=false: flaky-test check skipped (no test run)"
  exit 0
fi
runs="${LEADFACTORY_FLAKY_RUNS:-10}"
patterns=()
while [[ $# -gt 0 && "$1" != "--" ]]; do patterns+=("$1"); shift; done
[[ "${1:-}" == "--" ]] && shift
[[ ${#patterns[@]} -eq 0 ]] && patterns=("//...")
log=$(mktemp "${TMPDIR:-/tmp}/leadfactory-flaky.XXXXXX")
trap 'rm -f "$log"' EXIT

read -ra startup <<<"${LEADFACTORY_BAZEL_STARTUP_OPTIONS:-}"
tools/bazel "${startup[@]}" test "${patterns[@]}" --runs_per_test="$runs" --runs_per_test_detects_flakes \
  --nocache_test_results --test_summary=short --test_output=errors "$@" 2>&1 | tee "$log"
bazel_status=${PIPESTATUS[0]}

python3 -m tools.ci.flaky "$log"
verdict=$?
if [[ $verdict -eq 0 && $bazel_status -ne 0 ]]; then
  echo "flaky: bazel test exited $bazel_status without naming a target (build error?)" >&2
  exit "$bazel_status"
fi
exit "$verdict"
