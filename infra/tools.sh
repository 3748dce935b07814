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

want=${1:-all}
case "$want" in
  moto) install_venv moto "moto[server,dynamodb,dynamodbstreams,cognitoidp]==$MOTO_VERSION" ;;
  sam) install_venv sam "aws-sam-cli==$SAM_CLI_VERSION" ;;
  cargo-lambda) install_venv cargo-lambda "cargo-lambda==$CARGO_LAMBDA_VERSION" ;;
  all)
    "$0" moto
    "$0" sam
    "$0" cargo-lambda
    ;;
  *) echo "usage: $0 [moto|sam|cargo-lambda|all]" >&2; exit 2 ;;
esac
