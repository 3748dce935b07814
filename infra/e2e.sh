#!/usr/bin/env bash
# Runs the browser tests in tests/e2e against a devserver of their own: installs Chromium and the
# tests' node packages when missing, runs the node-only tests (*.test.mjs: the console's SRP
# against Cognito's own library), builds the devserver and frontdesk-admin, starts moto and the
# devserver on free loopback ports, waits until it answers, runs the browser tests (*.e2e.mjs:
# the chat widget and the agent console) with FRONTDESK_URL set, and stops everything afterwards,
# however the tests end.
#
#   env DYNAMODB_…_TABLE=… infra/e2e.sh      (what `make e2e` runs, with the local table names)
#
# The devserver runs without Kafka (no events are needed here) and writes its dotenv file to a
# temporary path, so a running `make dev` and its .env.local are left alone.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
cd "$root"

if [[ ${1:-} != --inside-moto ]]; then
  "$here/tools.sh" chromium
  "$here/tools.sh" playwright
  node --test "$root"/tests/e2e/*.test.mjs
  cargo build --quiet --locked -p devserver -p admin
  exec "$here/moto.sh" -- "$0" --inside-moto
fi
shift

target_dir=$(cargo metadata --format-version 1 --no-deps --locked |
  python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')
devserver="$target_dir/debug/devserver"

# shellcheck source=infra/port-args.sh
source "$here/port-args.sh"
url="http://127.0.0.1:$port"
env_file=$(mktemp -t frontdesk-e2e.XXXXXX.env)
log=$(mktemp -t frontdesk-e2e.XXXXXX.log)

env -u KAFKA_BOOTSTRAP_SERVERS -u MSK_CLUSTER_ARN \
  FRONTDESK_ADDR="127.0.0.1:$port" FRONTDESK_ENV_FILE="$env_file" "$devserver" >"$log" 2>&1 &
devserver_pid=$!
stop() {
  local status=$?
  kill "$devserver_pid" 2>/dev/null || true
  wait "$devserver_pid" 2>/dev/null || true
  if [[ $status -ne 0 ]]; then
    echo "--- devserver log" >&2
    tail -n 60 "$log" >&2
  fi
  rm -f "$env_file" "$log"
  exit "$status"
}
trap stop EXIT
trap 'exit 130' INT TERM

answers() { python3 -c "import urllib.request; urllib.request.urlopen('$url/api/health', timeout=2)" 2>/dev/null; }
for _ in $(seq 1 300); do
  if answers; then
    break
  fi
  if ! kill -0 "$devserver_pid" 2>/dev/null; then
    echo "the devserver exited before answering" >&2
    exit 1
  fi
  sleep 0.2
done
answers || { echo "the devserver did not answer on $url within a minute" >&2; exit 1; }

# The handoff test answers the visitor as a support agent would.
agent_token=$(FRONTDESK_ENV_FILE="$env_file" "$devserver" token ana)
# The refused-origin test embeds a key that only another website may use, issued as an operator would.
origin_bound_key=$("$target_dir/debug/frontdesk-admin" create-api-key --tenant acme \
  --label "browser test: another origin" --allowed-origin https://shop.example)

echo "browser tests against $url" >&2
FRONTDESK_URL="$url" FRONTDESK_AGENT_TOKEN="$agent_token" FRONTDESK_ORIGIN_BOUND_KEY="$origin_bound_key" \
  CHROMIUM=/usr/bin/chromium \
  node --test "$root"/tests/e2e/*.e2e.mjs
