#!/usr/bin/env bash
# `make soak`: builds the devserver and the harness as `make dev` builds them, starts moto and a
# Kafka broker on free loopback ports (so a running `make dev` is left alone), and has `bench
# soak` start the devserver with its stream feed, relay and outbound delivery against them and
# drive it for SOAK_MINUTES (10) with SOAK_CLIENTS (6) clients. Arguments are passed to `bench
# soak`, e.g.
#
#   env DYNAMODB_…_TABLE=… SOAK_MINUTES=2 infra/soak.sh --growth-mib 128
#
# (what `make soak` runs, with the local table names). The report is printed and written to
# target/soak/soak.json; the devserver's log is target/soak/logs/devserver.log. It exits non-zero
# when a request failed, a reply was not sent exactly once, or memory kept growing. Everything
# stops afterwards, however the run ends.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
cd "$root"

if [[ ${1:-} != --inside ]]; then
  "$here/tools.sh" moto
  "$here/tools.sh" tansu
  cargo build --locked -p bench -p devserver
  exec "$here/moto.sh" -- "$here/tansu.sh" -- "$0" --inside "$@"
fi
shift

target_dir=$(cargo metadata --format-version 1 --no-deps --locked |
  python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')
bin_dir="$target_dir/debug"

"$bin_dir/bench" soak --bin-dir "$bin_dir" --out "$root/target/soak" \
  --minutes "${SOAK_MINUTES:-10}" --clients "${SOAK_CLIENTS:-6}" "$@"
