#!/usr/bin/env bash
# Installs the Debian 12 packages shifan needs to build, test and run, and only those missing.
# Idempotent: does nothing (and needs no network) when everything is already installed.
set -euo pipefail

packages=(
  build-essential cmake pkg-config
  libulfius-dev libjansson-dev libjwt-dev libssl-dev libpq-dev libmicrohttpd-dev libyaml-dev
  check
  postgresql-15
  curl
)
if [ "${1:-}" = "--test" ]; then
  # wrk for bench/run; Chromium for the test that loads /docs headless; clang and its
  # runtime libraries (libclang_rt.fuzzer, ASan, UBSan) for the fuzz harnesses; valgrind for
  # `make valgrind`; python3 for bench/soak (its short run is part of `make test`) and bench/run
  packages+=(wrk chromium clang libclang-rt-14-dev valgrind python3)
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "shifan: installing missing Debian packages: ${missing[*]}" >&2
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
