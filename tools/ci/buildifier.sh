#!/usr/bin/env bash
# Formats and lints BUILD, .bzl and WORKSPACE files with the pinned buildifier (tools/ci/buildifier/, npm).
# Bazel 4.2.3's native py_*/sh_* rules are how this repository builds, so the native-* migration warnings
# are off; every other default lint warning is on. The rules_cc/rules_java stand-ins forward to native rules
# on purpose and say so line by line (`# buildifier: disable=...`).
# Usage: tools/ci/buildifier.sh [--check] [FILE...]
#   no FILE: every BUILD/.bzl/WORKSPACE file git knows of (tracked or new, not ignored)
#   --check: change nothing; exit 1 naming each file to reformat and each lint warning (a CI gate)
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
buildifier="$root/tools/ci/buildifier/node_modules/.bin/buildifier"
if [[ ! -x "$buildifier" ]]; then
  echo "buildifier.sh: installing the pinned buildifier (npm ci in tools/ci/buildifier)" >&2
  npm ci --prefix "$root/tools/ci/buildifier" --no-audit --no-fund --loglevel=error >/dev/null
fi
mode=fix
if [[ "${1:-}" == "--check" ]]; then mode=check; shift; fi
if [[ $# -eq 0 ]]; then
  cd "$root"
  mapfile -t files < <(git ls-files -co --exclude-standard -- '*BUILD.bazel' '*BUILD' '*.bzl' '*WORKSPACE' ':!:tools/ci/buildifier/node_modules')
  set -- "${files[@]}"
fi
[[ $# -gt 0 ]] || exit 0
if ! "$buildifier" -mode="$mode" -lint=warn \
  -warnings=-native-py,-native-sh-binary,-native-sh-test,-native-sh-library "$@"; then
  [[ "$mode" == check ]] && echo "buildifier: fix with tools/ci/buildifier.sh (formats in place), then review the lint warnings" >&2
  exit 1
fi
