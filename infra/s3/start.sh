#!/usr/bin/env bash
# Starts an S3 server for tests and CI, without Docker: s3rver from the root node_modules (npm), run by
# infra/s3/s3rver.js, and prints the settings that point the gateway at it.
#
#   infra/s3/start.sh   → on stdout, one per line:
#                           S3_ENDPOINT=http://127.0.0.1:19000
#                           S3_ACCESS_KEY=S3RVER
#                           S3_SECRET_KEY=S3RVER
#                           S3_REGION=us-east-1
#                           S3_BUCKET=inspection-images
#                         (use with: set -a; eval "$(infra/s3/start.sh)"; set +a)
#   infra/s3/stop.sh    → stops it (the objects stay under .tmp/s3/data for the next start)
#
# Idempotent and safe to run concurrently (flock): does nothing but print the settings when the server it
# started earlier is still running. Port ${S3_TEST_PORT:-19000}, data under ${S3_TEST_DIR:-.tmp/s3}.
# S3RVER / S3RVER is s3rver's built-in key pair (it accepts no other); test data only, loopback only.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
PORT="${S3_TEST_PORT:-19000}"
BASE="${S3_TEST_DIR:-$ROOT/.tmp/s3}"
BUCKET="${S3_TEST_BUCKET:-inspection-images}"
PIDFILE="$BASE/s3rver.pid"
LOGFILE="$BASE/s3rver.log"

log() { echo "s3: $*" >&2; }

if [[ ! -f "$ROOT/node_modules/s3rver/package.json" ]]; then
  log "s3rver is not installed: run npm ci (it is a devDependency of the repository root)"
  exit 1
fi

mkdir -p "$BASE"
exec 9>"$BASE/start.lock"
flock 9

running() { [[ -f "$PIDFILE" ]] && kill -0 "$(cat "$PIDFILE")" 2>/dev/null; }
# Any HTTP answer counts (s3rver answers an unsigned GET / with 403 AccessDenied).
answering() { curl -s -o /dev/null --max-time 1 "http://127.0.0.1:$PORT/"; }

if running && answering; then
  log "already running on 127.0.0.1:$PORT (pid $(cat "$PIDFILE"))"
else
  if running; then
    log "pid $(cat "$PIDFILE") is alive but not answering on port $PORT: stopping it"
    "$ROOT/infra/s3/stop.sh"
  fi
  if answering; then
    log "port $PORT is taken by another server; set S3_TEST_PORT"
    exit 1
  fi
  log "starting s3rver on 127.0.0.1:$PORT (log: $LOGFILE)"
  S3_TEST_ADDRESS=127.0.0.1 S3_TEST_PORT="$PORT" S3_TEST_DATA_DIR="$BASE/data" S3_TEST_BUCKET="$BUCKET" \
    nohup node "$ROOT/infra/s3/s3rver.js" >>"$LOGFILE" 2>&1 </dev/null 9>&- &
  echo $! >"$PIDFILE"
  for _ in $(seq 1 60); do
    answering && break
    running || { log "s3rver exited during start-up"; tail -n 20 "$LOGFILE" >&2; exit 1; }
    sleep 0.25
  done
  answering || { log "s3rver not answering on 127.0.0.1:$PORT"; tail -n 20 "$LOGFILE" >&2; exit 1; }
fi

echo "S3_ENDPOINT=http://127.0.0.1:$PORT"
echo "S3_ACCESS_KEY=S3RVER"
echo "S3_SECRET_KEY=S3RVER"
echo "S3_REGION=us-east-1"
echo "S3_BUCKET=$BUCKET"
