#!/usr/bin/env bash
# Runs a command with a moto server (DynamoDB, Streams, Cognito) on a loopback port, and stops the
# server when the command ends, however it ends.
#
#   infra/moto.sh [--port N] -- COMMAND...
#
# Without --port a free port is chosen. The command sees the SDK's standard variables
# (AWS_ENDPOINT_URL, region, dummy credentials), so every AWS client in it talks to moto, and
# MOTO_PID (so `make soak` can watch the server's memory).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
cache=${FRONTDESK_CACHE:-$HOME/.cache/frontdesk}
"$here/tools.sh" moto

# shellcheck source=infra/port-args.sh
source "$here/port-args.sh" "$@"

log=$(mktemp -t moto.XXXXXX.log)
"$cache/venv-moto/bin/python" "$here/moto_server.py" 127.0.0.1 "$port" >"$log" 2>&1 &
moto_pid=$!
stop() {
  kill "$moto_pid" 2>/dev/null || true
  wait "$moto_pid" 2>/dev/null || true
  rm -f "$log"
}
trap stop EXIT
trap 'exit 130' INT TERM

for _ in $(seq 1 100); do
  if python3 -c "import urllib.request,sys; urllib.request.urlopen('http://127.0.0.1:$port/moto-api/')" 2>/dev/null; then
    break
  fi
  if ! kill -0 "$moto_pid" 2>/dev/null; then
    echo "moto server failed to start:" >&2
    cat "$log" >&2
    exit 1
  fi
  sleep 0.2
done

export AWS_ENDPOINT_URL="http://127.0.0.1:$port"
export AWS_REGION=${AWS_REGION:-us-east-1}
export AWS_DEFAULT_REGION=$AWS_REGION
export AWS_ACCESS_KEY_ID=${AWS_ACCESS_KEY_ID:-local}
export AWS_SECRET_ACCESS_KEY=${AWS_SECRET_ACCESS_KEY:-local}
export MOTO_PID=$moto_pid
echo "moto server on $AWS_ENDPOINT_URL" >&2
"${command[@]}"
