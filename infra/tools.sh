#!/usr/bin/env bash
# Installs the local-stack tools once per machine into a cache outside the clone, and reuses them.
#
# Each tool gets its own virtualenv so their dependency pins never fight (aws-sam-cli pins boto3
# and friends tightly). A venv counts as installed only once its marker file names the exact pinned
# version, so a half-finished install is redone rather than trusted.
#
# Runs may overlap (`make dev` and `make test` started together): each tool is installed under its
# own lock in the cache, so a second run waits for the first and then finds the tool installed
# instead of building into the same folder.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=infra/versions.env
source "$here/versions.env"

cache=${FRONTDESK_CACHE:-$HOME/.cache/frontdesk}
mkdir -p "$cache/locks"

# Runs the rest of the arguments as a command while holding the lock named by the first. The lock
# is the kernel's (flock), so it is released however the holder ends, even killed.
with_lock() {
  local name=$1
  shift
  (
    flock 9
    "$@"
  ) 9>"$cache/locks/$name.lock"
}

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

# A Debian package, installed when the file it provides is missing (through sudo when not root).
# One lock for every package: apt-get refuses to run beside another apt-get instead of waiting.
install_debian_package() {
  with_lock debian-packages install_debian_package_unlocked "$@"
}

install_debian_package_unlocked() {
  local provided=$1 package=$2
  if [[ -e $provided ]]; then
    return 0
  fi
  echo "installing Debian's $package (once per machine)" >&2
  local sudo=()
  if [[ $(id -u) -ne 0 ]]; then
    sudo=(sudo)
  fi
  # A fresh machine's package lists may be empty or stale, so the install would find nothing.
  "${sudo[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "$package"
}

# Debian's Chromium, for the widget's browser test. A system package rather than a browser build
# of Playwright's own: those are downloaded from outside the package registries.
install_chromium() {
  install_debian_package /usr/bin/chromium chromium
}

# The openssl command, which makes the certificates of the TLS trust test (tests/tls_trust.rs),
# and the system's CA bundle that test and every AWS client of the functions trust.
install_openssl() {
  install_debian_package /usr/bin/openssl openssl
  install_debian_package /etc/ssl/certs/ca-certificates.crt ca-certificates
}

# CMake, which builds librdkafka for `make build`: rdkafka's cmake-build feature hands the C
# compilers cargo-lambda chose for aarch64 to CMake, where librdkafka's own configure script would
# probe with the build machine's gcc. OpenSSL's build scripts (openssl-src) need Debian's whole
# perl, not only perl-base (IPC::Cmd); /usr/bin/cpan is one of its files.
install_cmake() {
  install_debian_package /usr/bin/cmake cmake
  install_debian_package /usr/bin/cpan perl
}

# QEMU's user-mode emulator and the arm64 C library it loads, so tests run the arm64 `bootstrap`
# files `make build` produced on this machine (tests/tests/arm64_bootstrap.rs). The loader, glibc
# and libgcc_s, what provided.al2023 gives a function, are found under /usr/aarch64-linux-gnu.
install_qemu() {
  install_debian_package /usr/bin/qemu-aarch64 qemu-user
  install_debian_package /usr/aarch64-linux-gnu/lib/ld-linux-aarch64.so.1 libc6-arm64-cross
  install_debian_package /usr/aarch64-linux-gnu/lib/libgcc_s.so.1 libgcc-s1-arm64-cross
}

# Valgrind, whose callgrind counts the instructions of a request for `make bench`.
install_valgrind() {
  install_debian_package /usr/bin/valgrind valgrind
}

# The browser test's node packages (tests/e2e), installed with `npm ci` into a cache directory named
# after the lockfile's hash: an unchanged lockfile reuses it, a changed one gets a fresh install.
# tests/e2e/node_modules is pointed at it, so `node --test` resolves the packages from there.
install_playwright() {
  local package="$here/../tests/e2e"
  local hash
  hash=$(sha256sum "$package/package-lock.json" | cut -c1-16)
  local dir="$cache/e2e-node-$hash"
  if [[ ! -f "$dir/.installed" ]]; then
    echo "installing the browser test's node packages into $dir (once per lockfile)" >&2
    rm -rf "$dir"
    mkdir -p "$dir"
    cp "$package/package.json" "$package/package-lock.json" "$dir/"
    (cd "$dir" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)
    touch "$dir/.installed"
  fi
  # An `npm ci` run by hand leaves a real directory there, which ln would put the link inside.
  if [[ -d "$package/node_modules" && ! -L "$package/node_modules" ]]; then
    rm -rf "$package/node_modules"
  fi
  ln -sfn "$dir/node_modules" "$package/node_modules"
}

want=${1:-all}
case "$want" in
  moto) with_lock moto install_venv moto "moto[server,dynamodb,dynamodbstreams,cognitoidp]==$MOTO_VERSION" ;;
  sam) with_lock sam install_venv sam "aws-sam-cli==$SAM_CLI_VERSION" ;;
  cargo-lambda) with_lock cargo-lambda install_venv cargo-lambda "cargo-lambda==$CARGO_LAMBDA_VERSION" ;;
  checkov) with_lock checkov install_venv checkov "checkov==$CHECKOV_VERSION" ;;
  openapi-validator) with_lock openapi-validator install_venv openapi-validator "openapi-spec-validator==$OPENAPI_SPEC_VALIDATOR_VERSION" ;;
  tansu) with_lock tansu install_crate tansu "$TANSU_VERSION" dynostore ;;
  chromium) install_chromium ;;
  playwright) with_lock playwright install_playwright ;;
  valgrind) install_valgrind ;;
  openssl) install_openssl ;;
  cmake) install_cmake ;;
  qemu) install_qemu ;;
  all)
    "$0" moto
    "$0" sam
    "$0" cargo-lambda
    "$0" checkov
    "$0" openapi-validator
    "$0" tansu
    "$0" chromium
    "$0" playwright
    "$0" valgrind
    "$0" openssl
    "$0" cmake
    "$0" qemu
    ;;
  *) echo "usage: $0 [moto|sam|cargo-lambda|checkov|openapi-validator|tansu|chromium|playwright|valgrind|openssl|cmake|qemu|all]" >&2; exit 2 ;;
esac
