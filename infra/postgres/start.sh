#!/usr/bin/env bash
# Starts a private PostgreSQL cluster for tests and CI, without Docker, and prints its admin URL.
#
#   infra/postgres/start.sh        → last line on stdout: DATABASE_URL=postgres://gateway:gateway@127.0.0.1:54329/gateway_test_admin
#   infra/postgres/stop.sh         → stops it (the data stays under .tmp/postgres for the next start)
#
# Idempotent and safe to run concurrently (flock): installs Debian's `postgresql` package only when no
# /usr/lib/postgresql/*/bin/postgres exists (needs root), initdb's a cluster under .tmp/postgres/data the first
# time, starts it on 127.0.0.1:${POSTGRES_TEST_PORT:-54329} when it is not running, and makes sure the test
# superuser and database exist. As root the server runs as the `postgres` user (it refuses to run as root).
# The cluster is for tests only: loopback, fsync off, a fixed password. Never point production at it.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
PORT="${POSTGRES_TEST_PORT:-54329}"
BASE="${POSTGRES_TEST_DIR:-$ROOT/.tmp/postgres}"
ROLE=gateway
PASSWORD=gateway
DATABASE=gateway_test_admin

log() { echo "postgres: $*" >&2; }

# One start at a time (parallel test workers each call this), the package install included.
mkdir -p "$BASE"
exec 9>"$BASE/start.lock"
flock -w 900 9 || { log "another start.sh has held $BASE/start.lock for 15 minutes"; exit 1; }

find_bin() {
  local found
  found="$(ls -d /usr/lib/postgresql/*/bin/postgres 2>/dev/null | sort -V | tail -n 1 || true)"
  [[ -n "$found" ]] && dirname "$found"
}

BIN="$(find_bin || true)"
if [[ -z "$BIN" ]]; then
  if [[ "$(id -u)" -ne 0 ]]; then
    log "PostgreSQL is not installed and installing it needs root: apt-get install -y postgresql"
    exit 1
  fi
  log "installing Debian's postgresql package"
  started=$SECONDS
  export DEBIAN_FRONTEND=noninteractive
  # 9>&-: the package may start its own cluster, which must not inherit (and so hold) the lock.
  apt-get -o DPkg::Lock::Timeout=600 update -qq >&2 9>&-
  apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends postgresql >&2 9>&-
  BIN="$(find_bin || true)"
  [[ -n "$BIN" ]] || { log "postgresql installed but no /usr/lib/postgresql/*/bin/postgres found"; exit 1; }
  log "installed in $((SECONDS - started)) s"
fi

# As root, everything that touches the cluster runs as `postgres`; otherwise as the calling user.
if [[ "$(id -u)" -eq 0 ]]; then
  as_owner() { runuser -u postgres -- "$@"; }
  OWNER=postgres
else
  as_owner() { "$@"; }
  OWNER="$(id -un)"
fi

DATA="$BASE/data"
LOGFILE="$BASE/postgres.log"
PWFILE="$BASE/superuser.pw"
SUPERUSER_PW=postgres

ready() { "$BIN/pg_isready" -q -h 127.0.0.1 -p "$PORT" -t 1; }
running() { as_owner "$BIN/pg_ctl" -D "$DATA" status >/dev/null 2>&1; }

# The owner must reach the data folder through every parent directory.
if [[ "$OWNER" != "$(id -un)" ]] && ! runuser -u "$OWNER" -- test -x "$BASE"; then
  log "user '$OWNER' cannot reach $BASE (a parent directory is not searchable); set POSTGRES_TEST_DIR"
  exit 1
fi

major="$(basename "$(dirname "$BIN")")"
if [[ -f "$DATA/PG_VERSION" && "$(cat "$DATA/PG_VERSION")" != "$major" ]]; then
  log "cluster in $DATA is from PostgreSQL $(cat "$DATA/PG_VERSION"), server is $major: re-creating (test data only)"
  as_owner "$BIN/pg_ctl" -D "$DATA" stop -m immediate >/dev/null 2>&1 || true
  rm -rf "$DATA"
fi

if [[ ! -f "$DATA/PG_VERSION" ]]; then
  log "creating a cluster in $DATA"
  rm -rf "$DATA"
  mkdir -p "$DATA"
  printf '%s\n' "$SUPERUSER_PW" >"$PWFILE"
  chown "$OWNER" "$BASE" "$DATA" "$PWFILE"
  chmod 700 "$DATA"
  as_owner "$BIN/initdb" -D "$DATA" -U postgres --pwfile="$PWFILE" --auth-host=scram-sha-256 \
    --auth-local=peer --encoding=UTF8 --locale=C.UTF-8 >"$BASE/initdb.log" 2>&1 ||
    { cat "$BASE/initdb.log" >&2; exit 1; }
  rm -f "$PWFILE"
fi
touch "$LOGFILE" && chown "$OWNER" "$LOGFILE"

# This checkout's cluster may already run on another port (an earlier run without POSTGRES_TEST_PORT, or with
# another one): it would never answer on $PORT, so it is stopped and started again on $PORT.
listening_port() { sed -n 4p "$DATA/postmaster.pid" 2>/dev/null; }
if running && [ -n "$(listening_port)" ] && [ "$(listening_port)" != "$PORT" ]; then
  log "this checkout's cluster runs on port $(listening_port); restarting it on $PORT"
  as_owner "$BIN/pg_ctl" -D "$DATA" -w -t 60 stop -m fast >/dev/null 9>&- || true
fi
# A server that is shutting down (a test run that just ended stopped it) still reports itself running but never
# becomes ready: wait until it has either gone or come up, up to 60 s, then start it again if it has gone.
for _ in $(seq 1 120); do { running && ! ready; } || break; sleep 0.5; done
if running; then
  log "already running on 127.0.0.1:$PORT"
else
  if ready; then
    log "port $PORT is taken by another server; set POSTGRES_TEST_PORT"
    exit 1
  fi
  log "starting on 127.0.0.1:$PORT (log: $LOGFILE)"
  # Test-only settings: no Unix socket (paths may be too long), no durability, enough connections for
  # parallel jest workers. Given on the command line so a changed script applies to an existing cluster.
  # `9>&-`: the server must not inherit the lock file, or it would hold the lock for as long as it runs.
  as_owner "$BIN/pg_ctl" -D "$DATA" -l "$LOGFILE" -w -t 60 start -o "-c listen_addresses=127.0.0.1 \
    -c port=$PORT -c unix_socket_directories='' -c fsync=off -c synchronous_commit=off \
    -c full_page_writes=off -c max_connections=200 -c timezone=UTC" >/dev/null 9>&- ||
    { tail -n 30 "$LOGFILE" >&2; exit 1; }
fi
for _ in $(seq 1 60); do ready && break; sleep 0.5; done
ready || { log "not ready on 127.0.0.1:$PORT"; tail -n 30 "$LOGFILE" >&2; exit 1; }

export PGPASSWORD="$SUPERUSER_PW"
psql_admin() { "$BIN/psql" -h 127.0.0.1 -p "$PORT" -U postgres -d postgres -v ON_ERROR_STOP=1 -qAt "$@"; }
psql_admin >/dev/null <<SQL
DO \$\$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '$ROLE') THEN
    CREATE ROLE $ROLE LOGIN SUPERUSER PASSWORD '$PASSWORD';
  END IF;
END
\$\$;
SELECT 'CREATE DATABASE $DATABASE OWNER $ROLE'
  WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = '$DATABASE') \gexec
SQL

echo "DATABASE_URL=postgres://$ROLE:$PASSWORD@127.0.0.1:$PORT/$DATABASE"
