#!/bin/sh
# Applies calconn's sysusers.d and tmpfiles.d entries to an empty scratch root and checks the
# user, the directories, their owners and modes, the way the package's postinst creates them.
# Needs root (tmpfiles changes owners); exits 77 (skipped) otherwise.
#
# usage: check-sysusers-tmpfiles.sh SYSUSERS_FILE TMPFILES_FILE SCRATCH_DIR
set -eu

if [ $# -ne 3 ]; then
    echo "usage: $0 SYSUSERS_FILE TMPFILES_FILE SCRATCH_DIR" >&2
    exit 2
fi
sysusers=$1 tmpfiles=$2 root=$3
if [ "$(id -u)" -ne 0 ]; then
    echo "check-sysusers-tmpfiles: skipped (needs root to set owners)"
    exit 77
fi

rm -rf "$root"
mkdir -p "$root/etc/calconn" "$root/usr/lib/sysusers.d" "$root/usr/lib/tmpfiles.d"
: >"$root/etc/passwd"
: >"$root/etc/group"
: >"$root/etc/calconn/calconnd.yaml"
cp "$sysusers" "$root/usr/lib/sysusers.d/calconn.conf"
cp "$tmpfiles" "$root/usr/lib/tmpfiles.d/calconn.conf"

# The same invocations as the maintainer scripts, confined to the scratch root.
systemd-sysusers --root="$root" calconn.conf
systemd-tmpfiles --root="$root" --create calconn.conf

failures=0
expect() {  # expect WHAT ACTUAL WANTED
    if [ "$2" = "$3" ]; then
        echo "  ok    $1: $2"
    else
        echo "  FAIL  $1: $2, wanted $3"
        failures=$((failures + 1))
    fi
}
uid=$(awk -F: '$1 == "calconn" { print $3 }' "$root/etc/passwd")
gid=$(awk -F: '$1 == "calconn" { print $3 }' "$root/etc/group")
if [ -z "$uid" ] || [ -z "$gid" ]; then
    echo "  FAIL  no calconn user or group"
    exit 1
fi
expect "user calconn" "$(awk -F: '$1 == "calconn" { print $4 ":" $6 ":" $7 }' "$root/etc/passwd")" \
    "$gid:/var/lib/calconn:/usr/sbin/nologin"
mode() { stat -c '%a %u:%g' "$root$1"; }
expect /etc/calconn "$(mode /etc/calconn)" "750 0:$gid"
expect /etc/calconn/conf.d "$(mode /etc/calconn/conf.d)" "750 0:$gid"
expect /etc/calconn/calconnd.yaml "$(mode /etc/calconn/calconnd.yaml)" "640 0:$gid"
expect /var/lib/calconn "$(mode /var/lib/calconn)" "750 $uid:$gid"

if [ "$failures" -ne 0 ]; then
    echo "check-sysusers-tmpfiles: $failures check(s) FAILED"
    exit 1
fi
echo "check-sysusers-tmpfiles: all checks passed"
