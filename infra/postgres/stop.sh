#!/usr/bin/env bash
# Stops the test cluster that infra/postgres/start.sh started (fast shutdown). Its data stays in place.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
BASE="${POSTGRES_TEST_DIR:-$ROOT/.tmp/postgres}"
DATA="$BASE/data"

found="$(ls -d /usr/lib/postgresql/*/bin/pg_ctl 2>/dev/null | sort -V | tail -n 1 || true)"
if [[ -z "$found" || ! -f "$DATA/PG_VERSION" ]]; then
  echo "postgres: no test cluster in $DATA" >&2
  exit 0
fi
if [[ "$(id -u)" -eq 0 ]]; then as_owner() { runuser -u postgres -- "$@"; }; else as_owner() { "$@"; }; fi
if as_owner "$found" -D "$DATA" status >/dev/null 2>&1; then
  as_owner "$found" -D "$DATA" stop -m fast -w >&2
else
  echo "postgres: not running" >&2
fi
