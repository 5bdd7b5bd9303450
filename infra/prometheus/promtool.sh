#!/usr/bin/env bash
# Prints the path of `promtool` (Prometheus' rule and config checker), installing Debian's `prometheus` package
# first when it is missing (needs root; about 10 s). Idempotent and safe to run concurrently (flock). The package's
# own server is not started (no init system here); only its promtool binary is used, by tests/monitoring.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
log() { echo "promtool: $*" >&2; }

if ! command -v promtool >/dev/null 2>&1; then
  mkdir -p "$ROOT/.tmp"
  exec 9>"$ROOT/.tmp/promtool.lock"
  flock -w 600 9 || { log "another install has held the lock for 10 minutes"; exit 1; }
  if ! command -v promtool >/dev/null 2>&1; then
    if [[ "$(id -u)" -ne 0 ]]; then
      log "promtool is not installed and installing it needs root: apt-get install -y prometheus"
      exit 1
    fi
    log "installing Debian's prometheus package (for promtool)"
    export DEBIAN_FRONTEND=noninteractive
    apt-get -o DPkg::Lock::Timeout=600 update -qq >&2 9>&-
    apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends prometheus >&2 9>&-
  fi
fi
command -v promtool
