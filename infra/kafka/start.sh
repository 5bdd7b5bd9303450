#!/usr/bin/env bash
# Starts the Kafka-protocol broker used by integration and fault tests, idempotently, without Docker.
#
# No Apache Kafka (or Redpanda) installs from npm or Debian here, so the broker is librdkafka's mock cluster,
# started by Debian's `kcat` with `-X test.mock.num.brokers=N`. kcat runs as an idle producer reading a stdin
# that never ends, which keeps the cluster up; librdkafka logs the cluster's bootstrap address
# ("Mock cluster enabled: … replaced with HOST:PORT,…"). The cluster creates topics on first use (4 partitions),
# has no admin API and keeps nothing on disk. In front of it runs tests/harness/kafka/kafka-proxy-main.js on a
# fixed loopback port: it corrects the controller id in Metadata responses (the mock names broker 0, which does
# not exist) and keeps clients on the proxy (one listener per mock broker: PORT+1, PORT+2, …).
#
# Prints KAFKA_BROKERS=127.0.0.1:PORT (also written to .tmp/kafka/env). Stop with infra/kafka/stop.sh.
# Settings: KAFKA_PROXY_PORT (default 19092), KAFKA_MOCK_BROKERS (default 3).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
dir="$root/.tmp/kafka"
port="${KAFKA_PROXY_PORT:-19092}"
num_brokers="${KAFKA_MOCK_BROKERS:-3}"
mkdir -p "$dir"

# Several test files may ask at once: one of them starts the servers, the others wait and reuse them.
# (The servers are started with fd 9 closed so they do not hold the lock after this script exits.)
exec 9>"$dir/lock"
flock -w 120 9

if ! command -v kcat >/dev/null 2>&1; then
  echo "installing kcat (Debian package) …" >&2
  sudo_cmd=""
  [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  $sudo_cmd apt-get -o DPkg::Lock::Timeout=600 install -y kcat >&2 || { $sudo_cmd apt-get -o DPkg::Lock::Timeout=600 update >&2 && $sudo_cmd apt-get -o DPkg::Lock::Timeout=600 install -y kcat >&2; }
fi

alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
report() {
  echo "KAFKA_BROKERS=127.0.0.1:$port" >"$dir/env"
  echo "KAFKA_MOCK_BOOTSTRAP=$(cat "$dir/bootstrap")" >>"$dir/env"
  echo "KAFKA_BROKERS=127.0.0.1:$port"
}

if alive "$dir/mock.pid" && alive "$dir/proxy.pid" && port_open "$port"; then
  report
  exit 0
fi

# Something is half up (or left over from a killed run): clear it before starting afresh.
"$root/infra/kafka/stop.sh" >/dev/null 2>&1 || true
if port_open "$port"; then
  echo "port $port is in use by a process this script did not start; set KAFKA_PROXY_PORT" >&2
  exit 1
fi

# The mock cluster. setsid makes kcat the leader of its own process group (stop.sh ends the group); its stdin
# is a pipe from a sleep that never writes, so the idle producer never sees end-of-file.
: >"$dir/mock.log"
setsid bash -c "exec kcat -X test.mock.num.brokers=$num_brokers -P -t mock.keepalive -b 127.0.0.1:1 \
  < <(exec sleep 2147483647)" >>"$dir/mock.log" 2>&1 </dev/null 9>&- &
echo $! >"$dir/mock.pid"

bootstrap=""
for _ in $(seq 1 100); do
  bootstrap=$(sed -n 's/.*Mock cluster enabled:.*replaced with \([0-9.:,]*\).*/\1/p' "$dir/mock.log" | head -1)
  [ -n "$bootstrap" ] && break
  alive "$dir/mock.pid" || break
  sleep 0.1
done
if [ -z "$bootstrap" ]; then
  echo "the kcat mock cluster did not report its bootstrap address:" >&2
  cat "$dir/mock.log" >&2
  exit 1
fi
echo "$bootstrap" >"$dir/bootstrap"

: >"$dir/proxy.log"
setsid node "$root/tests/harness/kafka/kafka-proxy-main.js" --upstream "$bootstrap" \
  --listen "127.0.0.1:$port" >>"$dir/proxy.log" 2>&1 </dev/null 9>&- &
echo $! >"$dir/proxy.pid"
for _ in $(seq 1 100); do
  grep -q 'kafka proxy listening' "$dir/proxy.log" && break
  alive "$dir/proxy.pid" || break
  sleep 0.1
done
if ! grep -q 'kafka proxy listening' "$dir/proxy.log"; then
  echo "the Kafka proxy did not start:" >&2
  cat "$dir/proxy.log" >&2
  exit 1
fi
echo "mock cluster ($num_brokers brokers) at $bootstrap, proxy on 127.0.0.1:$port" >&2
report
