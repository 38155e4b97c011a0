#!/bin/sh
# Installs the runtime component into a scratch root and runs `systemd-analyze verify` on the
# installed unit. The Exec*= paths of a copy are pointed at the staged files, so the check also
# proves that the unit names binaries the install rules really put there. Any message from
# systemd-analyze (an unknown key, a missing binary or man page) fails the check.
#
# usage: verify-unit.sh CMAKE BUILD_DIR STAGE_DIR UNIT_FILE MAN_DIR [--no-man]
#   UNIT_FILE and MAN_DIR are absolute install paths (without the staging root).
set -eu

if [ $# -lt 5 ]; then
    echo "usage: $0 CMAKE BUILD_DIR STAGE_DIR UNIT_FILE MAN_DIR [--no-man]" >&2
    exit 2
fi
cmake=$1 build=$2 stage=$3 unit=$4 mandir=$5
man_check=--man=yes
if [ "${6:-}" = "--no-man" ]; then
    man_check=--man=no
fi
command -v systemd-analyze >/dev/null || { echo "systemd-analyze not found" >&2; exit 1; }

rm -rf "$stage"
mkdir -p "$stage/root" "$stage/check"
DESTDIR="$stage/root" "$cmake" --install "$build" --component runtime >"$stage/install.log" 2>&1 || {
    cat "$stage/install.log" >&2
    echo "verify-unit: installing the runtime component failed" >&2
    exit 1
}
staged_unit="$stage/root$unit"
if [ ! -f "$staged_unit" ]; then
    echo "verify-unit: the install did not produce $unit" >&2
    exit 1
fi

# Point every Exec*= command that the install provides at its staged copy; leave system commands
# (/bin/kill) alone. Prefixes such as "-" or "+" before the path are kept.
copy="$stage/check/$(basename "$unit")"
cp "$staged_unit" "$copy"
sed -n -E 's#^Exec[A-Za-z]*=[-@:+!]*(/[^ ]+).*#\1#p' "$staged_unit" | sort -u | while read -r path; do
    if [ -e "$stage/root$path" ]; then
        sed -i -E "s#^(Exec[A-Za-z]*=[-@:+!]*)$path( |\$)#\1$stage/root$path\2#" "$copy"
    fi
done

status=0
output=$(MANPATH="$stage/root$mandir" systemd-analyze verify "$man_check" "$copy" 2>&1) || status=$?
if [ -n "$output" ]; then
    printf '%s\n' "$output"
fi
if [ "$status" -ne 0 ] || [ -n "$output" ]; then
    echo "verify-unit: FAILED ($unit, exit status $status)" >&2
    exit 1
fi
echo "verify-unit: $unit OK ($man_check)"
