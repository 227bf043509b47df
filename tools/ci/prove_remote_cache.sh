#!/usr/bin/env bash
# Proves the shared remote cache end to end on this machine:
#   1. starts a cache on a loopback port: Debian's nginx as a WebDAV cache speaking Bazel's HTTP protocol
#      (installs nginx when missing), or with --grpc BuildGrid, a REAPI server (CAS + ActionCache) over gRPC
#      (tools/ci/buildgrid.sh; installs BuildGrid from tools/ci/buildgrid/requirements.txt when missing),
#   2. runs `bazel test --config=remote-cache` (or `--config=remote-grpc`), disk cache off, so every result
#      is uploaded,
#   3. `bazel clean`, runs the same tests again and checks that every test action was a remote cache hit.
# Uses its own Bazel output base, so your normal outputs and server are untouched.
# Usage: tools/ci/prove_remote_cache.sh [--grpc] [targets...]   (default //...)
set -euo pipefail
cd "$(dirname "$0")/../.."
protocol=http
if [[ "${1:-}" == "--grpc" ]]; then protocol=grpc && shift; fi
targets=("${@:-//...}")
# Not under /tmp: tests get an empty /tmp of their own (.bazelrc --sandbox_tmpfs_path=/tmp), which would hide
# this output base from the sandbox.
mkdir -p "$HOME/.cache/leadfactory"
work=$(mktemp -d "$HOME/.cache/leadfactory/proof-remote-cache.XXXXXX")
output_base="$work/output_base"

if [[ "$protocol" == grpc ]]; then
  port="${LEADFACTORY_CACHE_PORT:-19092}"
  cleanup() {
    tools/ci/buildgrid.sh stop "$work/buildgrid" || true
    tools/bazel --output_base="$output_base" shutdown >/dev/null 2>&1 || true
    rm -rf "$work" 2>/dev/null || true
  }
  trap cleanup EXIT
  tools/ci/buildgrid.sh start "$work/buildgrid" "$port"
  flags=(--config=remote-grpc "--remote_cache=grpc://127.0.0.1:$port" --disk_cache= --noshow_progress)
  cache_contents() { echo "$(find "$work/buildgrid/cas" -type f | wc -l) blobs in BuildGrid's CAS (action results: in its memory)"; }
else
port="${LEADFACTORY_CACHE_PORT:-19091}"
if ! command -v nginx >/dev/null; then
  echo "prove_remote_cache: installing nginx"
  apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx-light >/dev/null
fi
mkdir -p "$work/cache" "$work/nginx"
# nginx's workers drop to an unprivileged user unless told otherwise; they must write into $work.
worker_user=""
[[ $(id -u) -eq 0 ]] && worker_user="user root;"
cat > "$work/nginx/nginx.conf" <<CONF
$worker_user
daemon off;
pid $work/nginx/nginx.pid;
error_log $work/nginx/error.log;
events { worker_connections 64; }
http {
  access_log off;
  client_body_temp_path $work/nginx/body;
  client_max_body_size 1g;
  server {
    listen 127.0.0.1:$port;
    root $work/cache;
    location / {
      dav_methods PUT;
      create_full_put_path on;
      dav_access user:rw group:r all:r;
    }
  }
}
CONF
nginx -c "$work/nginx/nginx.conf" -p "$work/nginx" &
nginx_pid=$!
cleanup() {
  kill "$nginx_pid" 2>/dev/null || true
  tools/bazel --output_base="$output_base" shutdown >/dev/null 2>&1 || true
  rm -rf "$work" 2>/dev/null || true
}
trap cleanup EXIT
for _ in $(seq 50); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; read -rt 0.1 <> <(:) || true; done

flags=(--config=remote-cache "--remote_cache=http://127.0.0.1:$port" --disk_cache= --noshow_progress)
cache_contents() { find "$work/cache" -type f | sed "s|$work/cache/||" | cut -d/ -f1 | sort | uniq -c; }
fi

echo "== first run: results are uploaded to $protocol://127.0.0.1:$port"
first_status=0
first=$(tools/bazel --output_base="$output_base" test "${flags[@]}" "${targets[@]}" 2>&1) || first_status=$?
echo "$first" | grep -E "processes|Executed|WARNING" -A3 || echo "$first" | tail -20
cache_contents
if [[ "$first_status" -ne 0 ]]; then
  # Bazel uploads passing test results only: a failed (or timed-out) test cannot be a hit after the clean.
  echo "remote cache ($protocol): FAILED: the first run failed (exit $first_status), so not every test can be a cache hit" >&2
  exit 1
fi
tools/bazel --output_base="$output_base" clean
echo "== after bazel clean: every test should come from the remote cache"
second=$(tools/bazel --output_base="$output_base" test "${flags[@]}" "${targets[@]}" 2>&1) || true  # judged below
echo "$second" | grep -E "processes|Executed|ERROR|WARNING" -A3 || echo "$second" | tail -20
# The test targets Bazel ran: `bazel test` leaves the `mutation`-tagged ones out (.bazelrc), so the count does too.
test_count=$(tools/bazel --output_base="$output_base" query \
  "tests(${targets[*]}) except attr(tags, '\bmutation\b', ${targets[*]})" 2>/dev/null | wc -l)
hits=$(echo "$second" | sed -n 's/.* \([0-9][0-9]*\) remote cache hit.*/\1/p' | tail -1)
local_runs=$(echo "$second" | { grep -oE '[0-9]+ (linux-sandbox|processwrapper-sandbox|local)' || true; } | awk '{s+=$1} END {print s+0}')
echo "tests: $test_count, remote cache hits: ${hits:-0}, actions run locally: $local_runs"
if [[ "${hits:-0}" -ge "$test_count" && "$local_runs" -eq 0 ]]; then
  echo "remote cache ($protocol): OK (every test was a remote cache hit)"
else
  echo "remote cache ($protocol): FAILED (expected $test_count hits and no local runs)" >&2
  exit 1
fi
