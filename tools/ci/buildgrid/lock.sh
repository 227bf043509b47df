#!/usr/bin/env bash
# Re-locks tools/ci/buildgrid/requirements.in (BuildGrid, the REAPI server of tools/ci/buildgrid.sh) into
# requirements.txt: exact pins with hashes, apart from the project's locks. pip-tools runs from a throw-away
# virtualenv, as in tools/lock_requirements.sh.
# Usage: tools/ci/buildgrid/lock.sh [--upgrade-package NAME ...]
set -euo pipefail
cd "$(dirname "$0")"
venv="${TMPDIR:-/tmp}/leadfactory-pip-tools"
[[ -x "$venv/bin/pip-compile" ]] || { python3 -m venv "$venv" && "$venv/bin/pip" install --quiet pip-tools; }
"$venv/bin/pip-compile" --quiet --generate-hashes --allow-unsafe --strip-extras \
  --no-emit-index-url --no-emit-find-links --no-emit-trusted-host \
  --output-file requirements.txt "$@" requirements.in
echo "tools/ci/buildgrid/requirements.txt updated; tools/ci/buildgrid.sh installs it into a new venv on next start."
