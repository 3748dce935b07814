#!/usr/bin/env bash
# Runs a command with a Kafka-protocol broker (tansu, in-memory storage) on a loopback port and
# the product's topics created, and stops the broker when the command ends, however it ends.
#
#   infra/tansu.sh [--port N] -- COMMAND...
#
# Without --port a free port is chosen. The command sees KAFKA_BOOTSTRAP_SERVERS (what the relay
# and the devserver read), TANSU_BIN (so a test can start a broker of its own) and TANSU_PID (so
# `make soak` can watch the broker's memory). It nests with
# moto.sh: infra/moto.sh -- infra/tansu.sh -- cargo test --workspace --locked
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
cache=${FRONTDESK_CACHE:-$HOME/.cache/frontdesk}
"$here/tools.sh" tansu
tansu="$cache/tansu/bin/tansu"

# The topics the relay publishes to (KAFKA_TOPIC_* override them, as they do for the relay).
# tansu creates no topic on first use, so they exist before the command starts.
topics=("${KAFKA_TOPIC_TICKETS:-support-tickets}" "${KAFKA_TOPIC_MESSAGES:-support-messages}"
  "${KAFKA_TOPIC_LEADS:-leads}")
partitions=${KAFKA_PARTITIONS:-3}

# shellcheck source=infra/port-args.sh
source "$here/port-args.sh" "$@"
url="tcp://127.0.0.1:$port"
accepts() { python3 -c "import socket; socket.create_connection(('127.0.0.1', $port), timeout=1).close()" 2>/dev/null; }
# Otherwise the wait below would take whatever already listens there for the new broker.
if accepts; then
  echo "port $port is already in use; pick another with --port (make dev: KAFKA_PORT=…)" >&2
  exit 1
fi

log=$(mktemp -t tansu.XXXXXX.log)
# The broker's own log level, not the command's: an inherited RUST_LOG=debug would fill the log.
RUST_LOG=${TANSU_LOG:-warn} "$tansu" broker --listener-url "$url" --advertised-listener-url "$url" \
  --storage-engine memory://tansu/ >"$log" 2>&1 &
broker_pid=$!
stop() {
  kill "$broker_pid" 2>/dev/null || true
  wait "$broker_pid" 2>/dev/null || true
  rm -f "$log"
}
trap stop EXIT
trap 'exit 130' INT TERM

started=""
for _ in $(seq 1 150); do
  if accepts; then
    started=yes
    break
  fi
  if ! kill -0 "$broker_pid" 2>/dev/null; then
    break
  fi
  sleep 0.2
done
if [[ -z $started ]]; then
  echo "tansu broker failed to start on port $port:" >&2
  cat "$log" >&2
  exit 1
fi

for topic in "${topics[@]}"; do
  if ! RUST_LOG=warn "$tansu" topic create --broker "$url" --partitions "$partitions" "$topic" >>"$log" 2>&1; then
    echo "tansu could not create topic $topic:" >&2
    cat "$log" >&2
    exit 1
  fi
done

export KAFKA_BOOTSTRAP_SERVERS="127.0.0.1:$port"
export TANSU_BIN="$tansu"
export TANSU_PID=$broker_pid
echo "kafka broker (tansu) on $KAFKA_BOOTSTRAP_SERVERS, topics ${topics[*]}" >&2
"${command[@]}"
