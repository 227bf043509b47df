#!/usr/bin/env bash
# Pre-commit hook: formats BUILD/.bzl files with buildifier (installed by tools/ci/dev_env.sh) and lints them.
# Bazel 4.2.3's native py_*/sh_* rules are how this repository builds, so the native-* migration warnings
# are off; every other default lint warning is on.
# Usage: tools/ci/buildifier.sh [--check] FILE...
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
buildifier="$here/buildifier/node_modules/.bin/buildifier"
[[ -x "$buildifier" ]] || { echo "buildifier.sh: run tools/ci/dev_env.sh first (installs $buildifier)" >&2; exit 1; }
mode=fix
if [[ "${1:-}" == "--check" ]]; then mode=check; shift; fi
[[ $# -gt 0 ]] || exit 0
exec "$buildifier" -mode="$mode" -lint=warn \
  -warnings=-native-py,-native-sh-binary,-native-sh-test,-native-sh-library "$@"
