#!/usr/bin/env bash
# One lint gate of .ci/run, by name, run with the tools of requirements-dev_lock.txt (tools/ci/dev_tools.sh):
#   ruff         ruff check: lint rules of ruff.toml over the whole repository
#   format       ruff format --check: formatting of ruff.toml
#   mypy         mypy --config-file tools/ci/mypy.ini . (tests included; cache shared between clones)
#   imports      lint-imports: the architecture contract in .importlinter (layers, no cycles)
#   workflow     zizmor --offline (security audit) and check-jsonschema (schema) of .github/workflows/
# Each prints the offending file and line and exits non-zero on a finding.
# Usage: tools/ci/lint.sh NAME [BIN_DIR]    (BIN_DIR: the dev tools' bin/, as dev_tools.sh prints it)
set -euo pipefail
cd "$(dirname "$0")/../.."
name="${1:?usage: tools/ci/lint.sh ruff|format|mypy|imports|workflow [BIN_DIR]}"
bin="${2:-$(tools/ci/dev_tools.sh)}"
cache="${XDG_CACHE_HOME:-$HOME/.cache}/leadfactory"
case "$name" in
  ruff) "$bin/ruff" check --output-format concise . ;;
  format) "$bin/ruff" format --check . ;;
  mypy) "$bin/mypy" --config-file tools/ci/mypy.ini --cache-dir "$cache/mypy-cache" . ;;
  imports) "$bin/lint-imports" --no-logo --no-cache .importlinter ;;
  workflow)
    "$bin/zizmor" --offline --no-progress --color=never .github/workflows/
    "$bin/check-jsonschema" --builtin-schema vendor.github-workflows .github/workflows/*.yml
    ;;
  *) echo "lint.sh: unknown gate '$name' (ruff, format, mypy, imports, workflow)" >&2; exit 2 ;;
esac
