#!/usr/bin/env bash
# Measures the README's "Timings": `bazel coverage //...` cold (fresh clone, fresh output base, no disk
# cache) and warm (the same command again), then the same tests under plain `pytest -n 2 --cov`, in one
# session so the machine's load is comparable. Prints a Markdown table; see docs/ci.md.
# Usage: tools/ci/measure_timings.sh [SCRATCH_DIR]   (default: a new temp dir; the clone is made from this repo)
set -uo pipefail
repo="$(cd "$(dirname "$0")/../.." && pwd)"
scratch="${1:-$(mktemp -d "${TMPDIR:-/tmp}/leadfactory-timings.XXXXXX")}"
venv="${LEADFACTORY_VENV:-$repo/.venv-dev}"
[[ -x "$venv/bin/pytest" ]] || { echo "measure_timings: no pytest in $venv (run tools/ci/dev_env.sh)" >&2; exit 1; }

git clone -q "$repo" "$scratch/clone"
cd "$scratch/clone" || exit 1
bazel=(tools/bazel --output_base="$scratch/output_base")

seconds() { # seconds COMMAND...: runs it, prints its wall time in seconds, returns its status
  local start end status
  start=$(date +%s.%N)
  "$@" >>"$scratch/log.txt" 2>&1
  status=$?
  end=$(date +%s.%N)
  python3 -c "print(f'{$end - $start:.1f}')"
  return $status
}

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
cold=$(seconds "${bazel[@]}" coverage //... --disk_cache=) ; cold_status=$?
warm=$(seconds "${bazel[@]}" coverage //... --disk_cache=) ; warm_status=$?
pytest=$(seconds "$venv/bin/pytest" -q -n 2 --cov -p no:cacheprovider) ; pytest_status=$?
load_after=$(cut -d' ' -f1-3 /proc/loadavg)
"${bazel[@]}" shutdown >/dev/null 2>&1

ratio() { python3 -c "print(f'{$1 / $2:.2f}')"; }
cat <<TABLE
| command | seconds | exit | vs plain pytest |
|---|---:|---:|---:|
| \`bazel coverage //...\` cold (fresh clone and output base, \`--disk_cache=\`) | $cold | $cold_status | x$(ratio "$cold" "$pytest") |
| \`bazel coverage //...\` warm (same command again, nothing changed) | $warm | $warm_status | x$(ratio "$warm" "$pytest") |
| \`pytest -n 2 --cov\` (same tests, same clone) | $pytest | $pytest_status | x1.00 |

Machine: $(nproc) cores; load average (1/5/15 min) before: $load_before, after: $load_after; $(date -u +%Y-%m-%dT%H:%MZ).
Commit: $(git rev-parse --short HEAD). Log: $scratch/log.txt
TABLE
