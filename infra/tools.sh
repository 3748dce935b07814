#!/usr/bin/env bash
# Installs the local-stack tools once per machine into a cache outside the clone, and reuses them.
#
# Each tool gets its own virtualenv so their dependency pins never fight (aws-sam-cli pins boto3
# and friends tightly). A venv counts as installed only once its marker file names the exact pinned
# version, so a half-finished install is redone rather than trusted.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=infra/versions.env
source "$here/versions.env"

cache=${FRONTDESK_CACHE:-$HOME/.cache/frontdesk}
mkdir -p "$cache"

install_venv() {
  local name=$1 spec=$2
  local venv="$cache/venv-$name"
  if [[ -f "$venv/.installed" && "$(cat "$venv/.installed")" == "$spec" ]]; then
    return 0
  fi
  echo "installing $spec into $venv (once per machine)" >&2
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check --upgrade pip
  # shellcheck disable=SC2086
  "$venv/bin/pip" install --quiet --disable-pip-version-check $spec
  echo "$spec" >"$venv/.installed"
}

# A Rust tool from crates.io, built once into its own root (a Kafka-protocol broker takes about a
# quarter of an hour on two cores, so it is never rebuilt while its marker matches).
install_crate() {
  local name=$1 version=$2 features=$3
  local root="$cache/$name"
  local spec="$name $version --features $features"
  if [[ -f "$root/.installed" && "$(cat "$root/.installed")" == "$spec" ]]; then
    return 0
  fi
  echo "building $spec into $root (once per machine, ~15 min)" >&2
  rm -rf "$root"
  cargo install "$name" --version "$version" --locked --features "$features" --root "$root" \
    --target-dir "$cache/build-$name" --quiet
  rm -rf "$cache/build-$name"
  echo "$spec" >"$root/.installed"
}

want=${1:-all}
case "$want" in
  moto) install_venv moto "moto[server,dynamodb,dynamodbstreams,cognitoidp]==$MOTO_VERSION" ;;
  sam) install_venv sam "aws-sam-cli==$SAM_CLI_VERSION" ;;
  cargo-lambda) install_venv cargo-lambda "cargo-lambda==$CARGO_LAMBDA_VERSION" ;;
  tansu) install_crate tansu "$TANSU_VERSION" dynostore ;;
  all)
    "$0" moto
    "$0" sam
    "$0" cargo-lambda
    "$0" tansu
    ;;
  *) echo "usage: $0 [moto|sam|cargo-lambda|tansu|all]" >&2; exit 2 ;;
esac
