#!/usr/bin/env bash
# Bazel's per-test lcov merger (called by collect_coverage.sh after a test under `bazel coverage`):
#   lcov_merger --coverage_dir=DIR --output_file=FILE [--filter_sources=RE ...] [--source_file_manifest=F]
# Our pytest main already writes workspace-relative lcov (tools/pytest_runner/coverage_session.py), so the
# merge is a concatenation of the test's *.lcov files; the combined report sums duplicate records.
set -euo pipefail
coverage_dir=""
output_file=""
for arg in "$@"; do
  case "$arg" in
    --coverage_dir=*) coverage_dir="${arg#*=}" ;;
    --output_file=*) output_file="${arg#*=}" ;;
  esac
done
if [[ -z "$coverage_dir" || -z "$output_file" ]]; then
  echo "lcov_merger: need --coverage_dir=DIR and --output_file=FILE (got: $*)" >&2
  exit 2
fi
: > "$output_file"
shopt -s nullglob
for report in "$coverage_dir"/*.lcov; do
  cat "$report" >> "$output_file"
done
