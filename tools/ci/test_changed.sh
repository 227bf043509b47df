#!/usr/bin/env bash
# Pre-commit hook: `bazel test` of the test targets that depend on the given (changed) files, so a commit
# runs only the tests it can break; cached results make an unaffected target cost nothing.
# Usage: tools/ci/test_changed.sh FILE...   (repository-relative paths, as pre-commit passes them)
set -uo pipefail
cd "$(dirname "$0")/../.."

package_of() { # nearest enclosing directory with a BUILD file ("" for the root package)
  local dir
  dir=$(dirname "$1")
  while [[ "$dir" != "." && ! -f "$dir/BUILD.bazel" && ! -f "$dir/BUILD" ]]; do dir=$(dirname "$dir"); done
  [[ "$dir" == "." ]] && echo "" || echo "$dir"
}

files=() packages=()
for path in "$@"; do
  [[ -f "$path" ]] || continue # deleted: its package's BUILD changes too, or nothing depends on it
  case "$path" in tools/bazel_shims/* | bazel-*) continue ;; esac
  package=$(package_of "$path")
  name=${path#"$package"/}
  case "$(basename "$path")" in
    BUILD | BUILD.bazel | *.bzl) packages+=("//$package/...") ;;
    *) files+=("//$package:$name") ;;
  esac
done

expression=""
[[ ${#files[@]} -gt 0 ]] && expression="tests(rdeps(//..., set(${files[*]})))"
for pattern in "${packages[@]}"; do
  expression+="${expression:+ + }tests($pattern)"
done
if [[ -z "$expression" ]]; then
  echo "test_changed: no Bazel source among the changed files"
  exit 0
fi

# Mutation tests (tools/mutation) run nightly and on demand, never in a commit hook.
expression="($expression) except attr(tags, \"\\bmutation\\b\", //...)"
# Files Bazel does not know (docs, scripts outside any target) are skipped: --keep_going exits 3 for them.
mapfile -t targets < <(tools/bazel query --keep_going --noshow_progress "$expression" 2>/dev/null | sort -u)
if [[ ${#targets[@]} -eq 0 ]]; then
  echo "test_changed: no test target depends on the changed files"
  exit 0
fi
echo "test_changed: ${#targets[@]} test target(s) depend on the changed files"
exec tools/bazel test "${targets[@]}"
