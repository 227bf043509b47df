#!/usr/bin/env bash
# Re-locks requirements-dev.in into requirements-dev_lock.txt: exact pins with hashes for the developer
# tools (ruff, mypy, detect-secrets, pre-commit) plus every package of requirements.in, constrained to the
# pins of requirements_lock.txt so the dev venv tests exactly what Bazel tests.
# pip-tools runs from a throw-away virtualenv, as in tools/lock_requirements.sh.
# Usage: tools/ci/lock_dev_requirements.sh [--upgrade-package NAME ...]
set -euo pipefail
cd "$(dirname "$0")/../.."
venv="${TMPDIR:-/tmp}/leadfactory-pip-tools"
[[ -x "$venv/bin/pip-compile" ]] || { python3 -m venv "$venv" && "$venv/bin/pip" install --quiet pip-tools; }
"$venv/bin/pip-compile" --quiet --generate-hashes --allow-unsafe --strip-extras \
  --no-emit-index-url --no-emit-find-links --no-emit-trusted-host \
  --output-file requirements-dev_lock.txt "$@" requirements-dev.in
echo "requirements-dev_lock.txt updated; rerun tools/ci/dev_env.sh to install it into .venv-dev."
