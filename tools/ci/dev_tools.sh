#!/usr/bin/env bash
# CI's developer tools: a venv from the hashed requirements-dev_lock.txt, shared by every clone on the
# machine and reused while the lock and the Python are unchanged (~/.cache/leadfactory/dev-venv-<hash>).
# Prints the venv's bin/ folder. Used by .ci/run for the lint gates and the HTML test report.
# Usage: tools/ci/dev_tools.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
python="${LEADFACTORY_PYTHON:-python3}"
key=$({ sha256sum requirements-dev_lock.txt; "$python" -c 'import sys; print(sys.version)'; } | sha256sum | cut -c1-16)
venv="${LEADFACTORY_DEV_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/leadfactory/dev-venv-$key}"
if [[ ! -f "$venv/.installed" ]]; then
  echo "dev_tools: installing the developer tools (requirements-dev_lock.txt) into $venv" >&2
  rm -rf "$venv"
  log=$(mktemp)
  if ! { "$python" -m venv "$venv" && "$venv/bin/pip" install --quiet --disable-pip-version-check --no-deps \
    --require-hashes -r requirements-dev_lock.txt; } >"$log" 2>&1; then
    grep -v "^WARNING: Location" "$log" >&2
    echo "dev_tools: could not install requirements-dev_lock.txt into $venv" >&2
    rm -rf "$venv" "$log"
    exit 1
  fi
  rm -f "$log"
  touch "$venv/.installed"
fi
echo "$venv/bin"
