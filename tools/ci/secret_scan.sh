#!/usr/bin/env bash
# Secret scan over the whole tracked tree with detect-secrets (installed by tools/ci/dev_env.sh). Findings
# already reviewed and accepted live in tools/ci/secrets.baseline; anything new fails, naming file:line.
#   tools/ci/secret_scan.sh             scan the tree against the baseline
#   tools/ci/secret_scan.sh --update    re-scan and rewrite the baseline (then review it: `detect-secrets audit`)
set -euo pipefail
cd "$(dirname "$0")/../.."
bin=.venv-dev/bin
[[ -x "$bin/detect-secrets-hook" ]] || { echo "secret_scan.sh: run tools/ci/dev_env.sh first" >&2; exit 1; }
baseline=tools/ci/secrets.baseline
exclude='(^|/)(bazel-[^/]*|node_modules)/|(_lock|-dev_lock)\.txt$|package-lock\.json$|\.secrets\.baseline$|secrets\.baseline$'
if [[ "${1:-}" == "--update" ]]; then
  git ls-files -z | xargs -0 "$bin/detect-secrets" scan --exclude-files "$exclude" > "$baseline"
  echo "secret_scan: $baseline rewritten; review it with: $bin/detect-secrets audit $baseline"
  exit 0
fi
git ls-files -z | grep -zvE "$exclude" | xargs -0 "$bin/detect-secrets-hook" --baseline "$baseline"
echo "secret_scan: no new secret in $(git ls-files | grep -cvE "$exclude") tracked files"
