#!/usr/bin/env bash
# Serves a shared Bazel cache over gRPC with BuildGrid (a REAPI server: CAS + ActionCache) on 127.0.0.1,
# configured by tools/ci/buildgrid/config.yml. Installs BuildGrid from its own hashed lock
# (tools/ci/buildgrid/requirements.txt, not the project's test lock) into a venv under ~/.cache/leadfactory.
#
#   tools/ci/buildgrid.sh start DIR [PORT]   # serves DIR/cas on 127.0.0.1:PORT (default 19092), returns once it
#                                            # answers; pid in DIR/buildgrid.pid, log in DIR/buildgrid.log
#   tools/ci/buildgrid.sh stop DIR           # stops the server started with DIR
#
# Then: tools/bazel test --config=remote-grpc //...   (.bazelrc; LEADFACTORY_REMOTE_CACHE=grpc://127.0.0.1:PORT
# for another port). Re-pin BuildGrid with tools/ci/buildgrid/lock.sh.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
say() { printf 'buildgrid: %s\n' "$*" >&2; }
usage() { say "usage: $0 start DIR [PORT] | stop DIR"; exit 2; }

[[ $# -ge 2 ]] || usage
command_name="$1"
dir="$2"
pid_file="$dir/buildgrid.pid"

install_buildgrid() { # prints the venv's bgd; the venv is named after the lock's hash, so a new lock reinstalls
  local lock="$root/tools/ci/buildgrid/requirements.txt" venv
  venv="${LEADFACTORY_BUILDGRID_VENV:-$HOME/.cache/leadfactory/buildgrid-$(sha256sum "$lock" | cut -c1-12)}"
  if [[ ! -x "$venv/bin/bgd" ]]; then
    say "installing BuildGrid into $venv (tools/ci/buildgrid/requirements.txt, hashes required)"
    rm -rf "$venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check --require-hashes --no-deps -r "$lock" >&2
  fi
  echo "$venv/bin/bgd"
}

case "$command_name" in
  start)
    port="${3:-19092}"
    [[ "$port" =~ ^[0-9]+$ ]] || { say "PORT must be a number, got '$port'"; exit 2; }
    if [[ -f "$pid_file" ]] && kill -0 "$(cat "$pid_file")" 2>/dev/null; then
      say "already running for $dir (pid $(cat "$pid_file"))"
      exit 1
    fi
    bgd=$(install_buildgrid)
    mkdir -p "$dir/cas"
    dir="$(cd "$dir" && pwd)"
    pid_file="$dir/buildgrid.pid"
    LEADFACTORY_BUILDGRID_PORT="$port" LEADFACTORY_BUILDGRID_CAS="$dir/cas" \
      setsid "$bgd" server start "$root/tools/ci/buildgrid/config.yml" >"$dir/buildgrid.log" 2>&1 </dev/null &
    echo $! >"$pid_file"
    # BuildGrid takes seconds to import on a busy machine: wait (up to 180 s) until the port answers.
    for _ in $(seq 1800); do
      if ! kill -0 "$(cat "$pid_file")" 2>/dev/null; then
        say "server exited while starting; its log ($dir/buildgrid.log):"
        cat "$dir/buildgrid.log" >&2
        rm -f "$pid_file"
        exit 1
      fi
      if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
        say "serving CAS + ActionCache (instance 'main') on grpc://127.0.0.1:$port, blobs in $dir/cas (pid $(cat "$pid_file"))"
        exit 0
      fi
      read -rt 0.1 <> <(:) || true
    done
    say "no answer on 127.0.0.1:$port after 180 s; stopping it (log: $dir/buildgrid.log)"
    kill "$(cat "$pid_file")" 2>/dev/null || true
    rm -f "$pid_file"
    exit 1
    ;;
  stop)
    [[ -f "$pid_file" ]] || { say "no server started for $dir (no $pid_file)"; exit 0; }
    pid=$(cat "$pid_file")
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; read -rt 0.1 <> <(:) || true; done
    kill -0 "$pid" 2>/dev/null && kill -9 "$pid" 2>/dev/null
    rm -f "$pid_file"
    say "stopped (pid $pid)"
    ;;
  *) usage ;;
esac
