#!/bin/sh
# Installs calconn's build and test dependencies from Debian's packages.
# Idempotent and quiet when everything is already there; `--check` only reports.
set -eu

PACKAGES="
cmake ninja-build g++ pkg-config make git
libpoco-dev libssl-dev libsimdjson-dev libre2-dev libgumbo-dev
libsqlite3-dev sqlite3 libcjose-dev libjansson-dev libyaml-cpp-dev libsystemd-dev
libgtest-dev libgmock-dev libbenchmark-dev
clang libclang-rt-14-dev
scdoc groff-base man-db systemd rpm dpkg-dev file binutils curl jq
"

missing=""
for pkg in $PACKAGES; do
    status=$(dpkg-query -W -f='${db:Status-Status}' "$pkg" 2>/dev/null || true)
    [ "$status" = "installed" ] || missing="$missing $pkg"
done

if [ -z "$missing" ]; then
    exit 0
fi
if [ "${1:-}" = "--check" ]; then
    echo "missing packages:$missing"
    exit 1
fi

echo "install-deps: installing$missing"
if [ "$(id -u)" -ne 0 ]; then
    SUDO=sudo
else
    SUDO=
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
echo "install-deps: done"
