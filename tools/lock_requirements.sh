#!/usr/bin/env bash
# Re-locks requirements.in into requirements_lock.txt: exact pins with hashes for every package.
# pip-tools runs from a throw-away virtualenv, so nothing is installed into the host interpreter.
# Usage: tools/lock_requirements.sh [--upgrade-package NAME ...]
set -euo pipefail
cd "$(dirname "$0")/.."
venv="${TMPDIR:-/tmp}/leadfactory-pip-tools"
[[ -x "$venv/bin/pip-compile" ]] || { python3 -m venv "$venv" && "$venv/bin/pip" install --quiet pip-tools; }
"$venv/bin/pip-compile" --quiet --generate-hashes --allow-unsafe --strip-extras \
  --no-emit-index-url --no-emit-find-links --no-emit-trusted-host \
  --output-file requirements_lock.txt "$@" requirements.in
echo "requirements_lock.txt updated; Bazel refetches only the packages whose pins changed."
