#!/usr/bin/env bash
# Proves sharded CI on this machine: N "machines" (default 2), each a fresh clone of HEAD with its own Bazel
# output base, share one BuildGrid cache (tools/ci/buildgrid.sh, gRPC on 127.0.0.1) and run `.ci/run --shard
# I/N`; machine 1 then runs `.ci/run --merge` on every shard's bundle. A further clone runs plain `.ci/run`
# alone (cold: no disk or remote cache). Checks:
#   - the merged per-module table (lines/branches per module, floors verdict) equals the single run's, and so
#     do coverage_summary.json and the closing `N passed, N failed` line;
#   - a floor failure in a module whose tests ran on one shard fails the merged verdict (its floor raised above
#     its measured figure in machine 1's checkout, the merge run again);
# and prints the wall times: single run, each shard, the merge.
# Expensive (the whole suite twice); run it on an idle machine. Keeps its logs in the folder it prints.
# Usage: tools/ci/prove_sharded_ci.sh [N]
set -uo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
count="${1:-2}"
port="${LEADFACTORY_CACHE_PORT:-19092}"
# Not under /tmp: tests get an empty /tmp of their own (.bazelrc --sandbox_tmpfs_path=/tmp), which would hide
# the clones and output bases from the sandbox.
mkdir -p "$HOME/.cache/leadfactory"
work="${LEADFACTORY_PROOF_DIR:-$(mktemp -d "$HOME/.cache/leadfactory/proof-sharded.XXXXXX")}"
mkdir -p "$work/logs"
say() { printf 'prove_sharded_ci: %s\n' "$*"; }
clones=(single)
for ((i = 1; i <= count; i++)); do clones+=("machine$i"); done

cleanup() {
  for name in "${clones[@]}"; do (cd "$work/$name" 2>/dev/null && tools/bazel shutdown >/dev/null 2>&1); done
  "$root/tools/ci/buildgrid.sh" stop "$work/buildgrid" || true
}
trap cleanup EXIT
"$root/tools/ci/buildgrid.sh" start "$work/buildgrid" "$port" || exit 1

for name in "${clones[@]}"; do
  git clone -q "$root" "$work/$name" && git -C "$work/$name" checkout -q "$(git -C "$root" rev-parse HEAD)" || exit 1
  {
    echo "startup --output_base=$work/output_base-$name"
    echo "build --disk_cache="
    if [[ "$name" != single ]]; then
      echo "build --config=remote-grpc"
      echo "build --remote_cache=grpc://127.0.0.1:$port"
    fi
  } >"$work/$name/.bazelrc.user"
done
say "HEAD $(git -C "$root" rev-parse --short HEAD); clones, output bases and logs in $work"

timed() { # timed NAME DIR COMMAND...: runs COMMAND in DIR, log in logs/NAME.log; sets $seconds and $code
  local start=$SECONDS
  (cd "$2" && "${@:3}") >"$work/logs/$1.log" 2>&1
  code=$?
  seconds=$((SECONDS - start))
  say "$1: exit $code in ${seconds} s ($(grep -E '^Tests: ' "$work/logs/$1.log" | tail -1))"
}

timed single "$work/single" bash .ci/run
single_code=$code single_seconds=$seconds
(cd "$work/single" && tools/bazel shutdown >/dev/null 2>&1)

shard_seconds=()
bundles=()
for ((i = 1; i <= count; i++)); do
  timed "shard-$i-of-$count" "$work/machine$i" bash .ci/run --shard "$i/$count"
  shard_seconds+=("$seconds")
  bundles+=("$work/machine$i/ci-artifacts/shard")
  say "  shard $i: $(grep -E '^ci: shard' "$work/logs/shard-$i-of-$count.log"); $(grep -E 'remote cache hit' "$work/logs/shard-$i-of-$count.log" | tail -1)"
  ((i > 1)) && (cd "$work/machine$i" && tools/bazel shutdown >/dev/null 2>&1)
done
timed merge "$work/machine1" bash .ci/run --merge "${bundles[@]}"
merge_code=$code merge_seconds=$seconds

table() { sed -n '/^Coverage by module/,/^lcov report:/p' "$1" | grep -v '^lcov report:' | tail -n +1; }
# The single run's table is the last one Bazel's report printed in its log; the merge prints one.
table "$work/logs/single.log" | awk '/^Coverage by module/{buf=""} {buf=buf $0 "\n"} END{printf "%s", buf}' >"$work/single_table.txt"
table "$work/logs/merge.log" >"$work/merged_table.txt"
echo "== merged table (.ci/run --merge)"
cat "$work/merged_table.txt"
failures=0
if [[ -s "$work/single_table.txt" ]] && diff -u "$work/single_table.txt" "$work/merged_table.txt"; then
  say "table: merged == single machine"
else
  say "table: DIFFERS from the single run's (above)" && failures=$((failures + 1))
fi
if cmp -s "$work/single/ci-artifacts/coverage/coverage_summary.json" "$work/machine1/ci-artifacts/coverage/coverage_summary.json"; then
  say "coverage_summary.json: identical"
else
  say "coverage_summary.json: DIFFERS" && failures=$((failures + 1))
fi
single_line=$(grep -E '^Tests: ' "$work/logs/single.log" | tail -1)
merged_line=$(grep -E '^Tests: ' "$work/logs/merge.log" | tail -1)
if [[ -n "$single_line" && "$single_line" == "$merged_line" ]]; then
  say "closing line: identical ($merged_line)"
else
  say "closing line: single '$single_line' vs merged '$merged_line'" && failures=$((failures + 1))
fi
if [[ $((single_code == 0)) -eq $((merge_code == 0)) ]]; then
  say "verdict: identical (single exit $single_code, merge exit $merge_code)"
else
  say "verdict: DIFFERS (single exit $single_code, merge exit $merge_code)" && failures=$((failures + 1))
fi

# A floor failure in a module whose test targets all ran on one shard (else the first module under 100%)
# fails the merge.
read -r module build_file floor percent shard < <(cd "$work/machine1" && python3 - "${bundles[@]}" <<'PY'
import json, os, sys
from tools.coverage.build_policy import read_policy
shards = [json.load(open(os.path.join(folder, "shard.json"))) for folder in sys.argv[1:]]
rows = {row["module"]: row for row in json.load(open("ci-artifacts/coverage/coverage_summary.json"))}
def shards_of(module):
    return sorted({s["shard"] for s in shards for t in module.test_targets if "//" + t in s["labels"]})
modules = read_policy(".").modules
below_100 = [m for m in modules if rows[m.module]["percent"] < 100] or list(modules)
chosen = next((m for m in below_100 if len(shards_of(m)) == 1), below_100[0])
print(chosen.module, chosen.build_file, rows[chosen.module]["floor"], rows[chosen.module]["percent"],
      ",".join(map(str, shards_of(chosen))))
PY
)
raised=$(python3 -c "import math; print(min(100, math.floor($percent) + 1))")
say "forced floor failure: $module (tests ran on shard(s) $shard) is at $percent%; its floor $floor -> $raised in $build_file"
sed -i "s/floor = ${floor%.0}\([,)]\)/floor = $raised\1/" "$work/machine1/$build_file"
git -C "$work/machine1" diff --stat
(cd "$work/machine1" && tools/bazel run //tools/ci:merge_shards -- --out "$work/forced" --no-html "${bundles[@]}") \
  >"$work/logs/forced.log" 2>&1
forced_code=$?
git -C "$work/machine1" checkout -q -- "$build_file"
grep -E "coverage FAILED|^$module |^TOTAL" "$work/logs/forced.log"
if [[ $forced_code -eq 1 ]] && grep -q "coverage FAILED: $module " "$work/logs/forced.log"; then
  say "forced floor failure: merged verdict FAILS as it should (exit $forced_code)"
else
  say "forced floor failure: merged verdict did not fail on $module (exit $forced_code)" && failures=$((failures + 1))
fi

slowest=0
for s in "${shard_seconds[@]}"; do ((s > slowest)) && slowest=$s; done
echo "== timings (wall, this machine, $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg))"
echo "single machine, cold (.ci/run):            ${single_seconds} s"
for ((i = 1; i <= count; i++)); do echo "shard $i/$count (.ci/run --shard, cold + BuildGrid): ${shard_seconds[i - 1]} s"; done
echo "merge (.ci/run --merge, on machine 1):     ${merge_seconds} s"
echo "slower shard / single run:                 ${slowest} / ${single_seconds} s"
if [[ $failures -eq 0 ]]; then say "OK"; else say "FAILED ($failures check(s))"; exit 1; fi
