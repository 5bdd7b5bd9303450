#!/usr/bin/env bash
# Stops what infra/kafka/start.sh started (the proxy, then the mock cluster); safe to run when nothing runs.
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
dir="$root/.tmp/kafka"

stop_group() {
  local pidfile="$1" pid
  [ -f "$pidfile" ] || return 0
  pid=$(cat "$pidfile")
  if kill -0 "$pid" 2>/dev/null; then
    # Each was started by setsid, so its pid is also its process group id: end the whole group.
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null
    for _ in $(seq 1 50); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    kill -KILL -- "-$pid" 2>/dev/null || true
  fi
  rm -f "$pidfile"
}

stop_group "$dir/proxy.pid"
stop_group "$dir/mock.pid"
rm -f "$dir/env" "$dir/bootstrap"
echo "kafka test broker stopped"
