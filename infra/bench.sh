#!/usr/bin/env bash
# `make bench`: builds the release binaries, starts moto and a Kafka broker on free loopback
# ports, runs every measurement of crates/bench into target/bench/*.json and regenerates the
# results section of BENCHMARKS.md from them. Arguments are passed to `bench run`, e.g.
#
#   env DYNAMODB_…_TABLE=… infra/bench.sh --phases cold,memory --functions lead-capture,health
#
# (what `make bench` runs, with the local table names). Everything stops afterwards, however the
# run ends.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
cd "$root"

if [[ ${1:-} != --inside ]]; then
  started=$(date +%s)
  "$here/tools.sh" moto
  "$here/tools.sh" tansu
  "$here/tools.sh" valgrind
  functions=()
  for dir in crates/functions/*/; do
    functions+=(-p "$(basename "$dir")")
  done
  # The functions on their own, as `make build` builds them: built in one cargo invocation with
  # the harness, their dependencies' features would be unified with its own, and the binaries
  # measured would not be the ones deployed.
  cargo build --release --locked "${functions[@]}"
  cargo build --release --locked -p bench -p devserver
  exec "$here/moto.sh" -- "$here/tansu.sh" -- "$0" --inside "$started" "$@"
fi
started=$2
shift 2

target_dir=$(cargo metadata --format-version 1 --no-deps --locked |
  python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')
bin_dir="$target_dir/release"

"$bin_dir/bench" run --bin-dir "$bin_dir" --out "$root/target/bench" "$@"
"$bin_dir/bench" report --out "$root/target/bench" --markdown "$root/BENCHMARKS.md" \
  --total-seconds "$(($(date +%s) - started))"
