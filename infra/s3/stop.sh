#!/usr/bin/env bash
# Stops the s3rver that infra/s3/start.sh started (SIGTERM, then SIGKILL after 5 s). Its data stays in place.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
BASE="${S3_TEST_DIR:-$ROOT/.tmp/s3}"
PIDFILE="$BASE/s3rver.pid"

if [[ ! -f "$PIDFILE" ]]; then
  echo "s3: not started by infra/s3/start.sh (no $PIDFILE)" >&2
  exit 0
fi
pid="$(cat "$PIDFILE")"
# Only signal the process if it is still our s3rver (the pid may have been reused).
if kill -0 "$pid" 2>/dev/null && grep -q 'infra/s3/s3rver.js' "/proc/$pid/cmdline" 2>/dev/null; then
  kill -TERM "$pid"
  for _ in $(seq 1 20); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
  if kill -0 "$pid" 2>/dev/null; then
    echo "s3: pid $pid ignored SIGTERM; killing it" >&2
    kill -KILL "$pid"
  fi
  echo "s3: stopped (pid $pid)" >&2
else
  echo "s3: not running" >&2
fi
rm -f "$PIDFILE"
