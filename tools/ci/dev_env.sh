#!/usr/bin/env bash
# Developer tools for pre-commit and lint, outside Bazel:
#   .venv-dev/                         Python venv from requirements-dev_lock.txt (--require-hashes): ruff, mypy,
#                                      detect-secrets, pre-commit, plus every runtime/test package at Bazel's pins
#   tools/ci/buildifier/node_modules/  buildifier, from npm (`npm ci` against the committed package-lock.json)
# then installs the git pre-commit hook. Idempotent; rerun after either lock file changes.
# Usage: tools/ci/dev_env.sh [--no-hook]
set -euo pipefail
cd "$(dirname "$0")/../.."
venv=.venv-dev
python="${LEADFACTORY_PYTHON:-python3}"

if [[ ! -x "$venv/bin/python" ]]; then
  "$python" -m venv "$venv"
fi
"$venv/bin/pip" install --quiet --disable-pip-version-check --require-hashes --no-deps -r requirements-dev_lock.txt
"$venv/bin/pip" check >/dev/null || { echo "dev_env: $venv has conflicting packages; delete it and rerun" >&2; exit 1; }

npm ci --prefix tools/ci/buildifier --no-audit --no-fund --loglevel=error >/dev/null
tools/ci/buildifier/node_modules/.bin/buildifier --version | head -1

if [[ "${1:-}" != "--no-hook" ]]; then
  "$venv/bin/pre-commit" install --install-hooks >/dev/null
  echo "dev_env: pre-commit hook installed (.git/hooks/pre-commit)"
fi
echo "dev_env: ready: $venv/bin/{ruff,mypy,detect-secrets,pre-commit}, tools/ci/buildifier/node_modules/.bin/buildifier"
