#!/usr/bin/env bash
# One shard of sharded CI, `.ci/run --shard I/N` (docs/ci.md, "Sharded CI"): `tools/bazel coverage` of shard I
# of N of the test targets (tools/ci/shard.py splits them by the test-time baseline; every machine computes
# the same split), then a bundle of their JUnit XML and per-target coverage in ci-artifacts/shard/ for
# `.ci/run --merge`. This run's coverage table shows the modules whose tests ran on other shards as "not
# judged": the merge judges every module. Last line: this shard's `N passed, N failed`.
set -uo pipefail
cd "$(dirname "$0")/../.."
export CI="${CI:-true}"
export PYTHONDONTWRITEBYTECODE=1
[[ $# -eq 1 ]] || { echo "usage: .ci/run --shard I/N" >&2 && exit 2; }
out="${LEADFACTORY_CI_ARTIFACTS:-ci-artifacts}/shard"

# CI=true makes tools/bazel add --config=ci, which only build/test commands define: query without it.
mapfile -t all_targets < <(CI=false tools/bazel query 'tests(//...) except attr(tags, "\bmutation\b", //...)' 2>/dev/null)
[[ ${#all_targets[@]} -gt 0 ]] || { echo "ci: bazel query 'tests(//...)' found no test targets" >&2 && exit 2; }
selected=$(python3 -m tools.ci.shard select --shard "$1" "${all_targets[@]}") || exit 2
mapfile -t targets < <(grep . <<<"$selected")
echo "ci: shard $1: ${#targets[@]} of ${#all_targets[@]} test targets"

status=0
if [[ ${#targets[@]} -gt 0 ]]; then
  tools/bazel coverage "${targets[@]}"
  status=$?
fi
testlogs=$(tools/bazel info bazel-testlogs 2>/dev/null)
python3 -m tools.ci.shard bundle --shard "$1" --testlogs "$testlogs" --out "$out" "${all_targets[@]}" || status=1
python3 tools/ci/test_results.py "$testlogs" "${targets[@]}"
exit $status
