#!/usr/bin/env bash
# tools/ci/benchmark.sh: the side-by-side timings of issue 15, alternating A and B, with medians and ratios.
# Not a test: run it by hand on an idle machine (absolute seconds drift between runs; ratios hold).
#
#   tools/ci/benchmark.sh [--parts full,filter,edit,nochange,cold] [--rounds N] [--venv DIR]
#                         [--filter TEST_NAME] [--baseline CHECKOUT]
#
# Parts (default: all):
#   full      A = tools/bazel coverage //... --nocache_test_results --disk_cache=
#             B = the README's plain pytest with coverage and floors on the same tests:
#                 VENV/bin/pytest -q -n 2 --cov && VENV/bin/python -m tools.coverage.pytest_floors
#   filter    tools/bazel test //... --test_filter=TEST_NAME --nocache_test_results (after an untimed
#             `tools/bazel test //...`), and checks that TEST_NAME ran (its JUnit XML). Without
#             --nocache_test_results the second round would only read the first round's cached results.
#   edit      the same filter right after a one-line change to d0_gateway/client.py (a comment naming the
#             round, taken back afterwards): the targets that depend on it collect again (their
#             `_collected_names` actions) or, without them, start. Checks that TEST_NAME ran.
#   nochange  tools/bazel test //... with nothing changed (after a warm-up run each round); checks nothing executed
#   cold      a fresh output base: tools/bazel --output_base=NEW fetch //... (the pip repositories included)
# With --baseline CHECKOUT (another revision's checkout, e.g. `git worktree add /path main`), the filter,
# nochange and cold parts alternate this checkout (A) with that one (B); without it they repeat A alone.
# --venv defaults to .venv (the README's plain-pytest venv); --rounds defaults to 2 (the minimum for A B A B).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
parts="full,filter,edit,nochange,cold"
edited_file="d0_gateway/client.py"
rounds=2
venv="$root/.venv"
test_filter="test_normalising_a_domain_twice_changes_nothing"
baseline=""

usage() { sed -n '2,/^[^#]/p' "${BASH_SOURCE[0]}" | sed '$d' | sed 's/^# \{0,1\}//'; }
while [[ $# -gt 0 ]]; do
  case "$1" in
    --parts) parts="$2"; shift 2 ;;
    --parts=*) parts="${1#*=}"; shift ;;
    --rounds) rounds="$2"; shift 2 ;;
    --rounds=*) rounds="${1#*=}"; shift ;;
    --venv) venv="$2"; shift 2 ;;
    --venv=*) venv="${1#*=}"; shift ;;
    --filter) test_filter="$2"; shift 2 ;;
    --filter=*) test_filter="${1#*=}"; shift ;;
    --baseline) baseline=$(cd "$2" && pwd); shift 2 ;;
    --baseline=*) baseline=$(cd "${1#*=}" && pwd); shift ;;
    -h | --help) usage; exit 0 ;;
    *) echo "benchmark.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done
[[ "$rounds" =~ ^[1-9][0-9]*$ ]] || { echo "benchmark.sh: --rounds must be a positive integer, got '$rounds'" >&2; exit 2; }
for part in ${parts//,/ }; do
  case "$part" in full | filter | edit | nochange | cold) ;; *)
    echo "benchmark.sh: unknown part '$part' (full, filter, edit, nochange, cold)" >&2; exit 2 ;;
  esac
done

log_dir=$(mktemp -d "${TMPDIR:-/tmp}/leadfactory-benchmark.XXXXXX")
results="$log_dir/results.tsv"
: >"$results"
say() { printf 'benchmark: %s\n' "$*" >&2; }

# time_run LABEL DIR COMMAND...: runs COMMAND in DIR, logs its output, records "LABEL<TAB>seconds".
time_run() {
  local label="$1" dir="$2" start end status log
  shift 2
  log="$log_dir/$(echo "$label" | tr -c 'A-Za-z0-9' '_').$(date +%s%N).log"
  say "$label: $* (in $dir)"
  start=$(date +%s.%N)
  set +e
  (cd "$dir" && "$@") >"$log" 2>&1
  status=$?
  set -e
  end=$(date +%s.%N)
  if [[ $status -ne 0 ]]; then
    say "$label failed (exit $status); log: $log"
    tail -20 "$log" >&2
    exit 1
  fi
  printf '%s\t%s\n' "$label" "$(python3 -c "print(round($end - $start, 2))")" >>"$results"
  LAST_LOG="$log"
}

plain_pytest() {
  [[ -x "$venv/bin/pytest" ]] || { say "no plain-pytest venv at $venv (README, Plain pytest; or --venv DIR)"; exit 1; }
  "$venv/bin/pytest" -q -n 2 --cov && "$venv/bin/python" -m tools.coverage.pytest_floors
}

# timed_filter PART DIR [PREPARE]: times the one-test filter in DIR and checks it ran the test. Untimed first:
# `tools/bazel test //...`, a developer's state (the last command was `bazel test`, not `coverage`, whose
# configuration Bazel 4 would analyse again, and whose outputs share bazel-out/k8-fastbuild), then PREPARE DIR.
timed_filter() {
  local part="$1" dir="$2" prepare="${3:-}" marker="$log_dir/filter.marker"
  (cd "$dir" && tools/bazel test //... >/dev/null 2>&1) || true
  if [[ -n "$prepare" ]]; then "$prepare" "$dir"; fi
  touch "$marker"
  time_run "$part $(label_of "$dir")" "$dir" tools/bazel test //... --test_filter="$test_filter" --nocache_test_results
  check_filter_ran "$dir" "$marker"
}

# The `edit` part's change: a comment naming the round appended to DIR's edited file (the caller restores it).
edit_one_line() { printf '# benchmark edit, round %s, %s\n' "$round" "$(date +%s%N)" >>"$1/$edited_file"; }

checkouts() { echo "$root"; if [[ -n "$baseline" ]]; then echo "$baseline"; fi; }
label_of() { if [[ "$1" == "$root" ]]; then echo "A this checkout"; else echo "B baseline"; fi; }

check_filter_ran() {
  local dir="$1" marker="$2" testlogs
  testlogs=$(cd "$dir" && tools/bazel info bazel-testlogs 2>/dev/null)
  if ! find "$testlogs" -name test.xml -newer "$marker" -print0 | xargs -0 -r grep -l "name=\"$test_filter" | grep -q .; then
    say "--test_filter=$test_filter ran no test in $dir (no JUnit XML names it)"
    exit 1
  fi
}

for round in $(seq 1 "$rounds"); do
  for part in ${parts//,/ }; do
    case "$part" in
      full)
        time_run "full A bazel coverage //..." "$root" tools/bazel coverage //... --nocache_test_results --disk_cache=
        time_run "full B plain pytest -n 2 --cov" "$root" plain_pytest
        ;;
      filter)
        for dir in $(checkouts); do timed_filter filter "$dir"; done
        ;;
      edit)
        for dir in $(checkouts); do
          cp "$dir/$edited_file" "$log_dir/edited.orig"
          trap 'cp "$log_dir/edited.orig" "$dir/$edited_file"' EXIT
          timed_filter edit "$dir" edit_one_line
          cp "$log_dir/edited.orig" "$dir/$edited_file"
          trap - EXIT
        done
        ;;
      nochange)
        for dir in $(checkouts); do
          # Warm-up in every round: the filter and coverage runs in between replaced the outputs.
          (cd "$dir" && tools/bazel test //... >/dev/null 2>&1) || true
          time_run "nochange $(label_of "$dir")" "$dir" tools/bazel test //...
          if ! grep -q "Executed 0 out of" "$LAST_LOG"; then
            say "nothing changed, yet Bazel executed tests in $dir: see $LAST_LOG"
            exit 1
          fi
        done
        ;;
      cold)
        for dir in $(checkouts); do
          output_base="${HOME:-/root}/.cache/leadfactory-benchmark/output-base-$round-$(basename "$dir")"
          rm -rf "$output_base"
          time_run "cold $(label_of "$dir")" "$dir" tools/bazel --output_base="$output_base" fetch //...
          (cd "$dir" && tools/bazel --output_base="$output_base" shutdown) >/dev/null 2>&1 || true
          chmod -R u+w "$output_base" 2>/dev/null || true
          rm -rf "$output_base"
        done
        ;;
    esac
  done
done

python3 - "$results" <<'EOF'
import statistics
import sys
from collections import defaultdict

samples = defaultdict(list)
with open(sys.argv[1], encoding="utf-8") as results:
    for line in results:
        label, seconds = line.rstrip("\n").split("\t")
        samples[label].append(float(seconds))
medians = {label: statistics.median(values) for label, values in samples.items()}
print(f"{'measurement':44} {'runs':>4} {'median s':>9}  samples")
for label, values in samples.items():
    print(f"{label:44} {len(values):>4} {medians[label]:>9.2f}  {', '.join(f'{v:.2f}' for v in values)}")
parts = defaultdict(dict)
for label, median in medians.items():
    part, side = label.split(" ")[:2]
    parts[part][side] = median
for part, sides in parts.items():
    if "A" in sides and "B" in sides and sides["B"] > 0:
        print(f"ratio {part}: A / B = {sides['A']:.2f} / {sides['B']:.2f} = {sides['A'] / sides['B']:.2f}")
EOF
say "logs: $log_dir"
