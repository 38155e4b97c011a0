#!/bin/sh
# Inspects built calconn packages (it builds nothing): every .deb or .rpm given must contain the
# daemon, calconnctl, the unit, the sysusers.d/tmpfiles.d files, the configuration and the three
# man pages; the configuration must be a conffile / %config(noreplace); the maintainer scripts
# must be there; the unit must start a binary that the same package installs; and an RPM must
# not claim system directories.
#
# usage: check-package.sh PACKAGE.deb|PACKAGE.rpm...
set -eu

if [ $# -eq 0 ]; then
    echo "usage: $0 PACKAGE.deb|PACKAGE.rpm..." >&2
    exit 2
fi

# One extended regular expression per required file (the unit directory differs by distribution).
REQUIRED='
^/usr/sbin/calconnd$
^/usr/bin/calconnctl$
^(/usr)?/lib/systemd/system/calconnd\.service$
^/usr/lib/sysusers\.d/calconn\.conf$
^/usr/lib/tmpfiles\.d/calconn\.conf$
^/etc/calconn/calconnd\.yaml$
^/usr/share/man/man8/calconnd\.8(\.gz)?$
^/usr/share/man/man8/calconnctl\.8(\.gz)?$
^/usr/share/man/man5/calconnd\.yaml\.5(\.gz)?$
'
CONFIG=/etc/calconn/calconnd.yaml

failures=0
ok() { echo "  ok    $*"; }
fail() { echo "  FAIL  $*"; failures=$((failures + 1)); }

# check_files LISTFILE: the required files are in the package's list of file paths.
check_files() {
    for pattern in $REQUIRED; do
        if grep -Eq "$pattern" "$1"; then
            ok "contains $(grep -E "$pattern" "$1" | head -n 1)"
        else
            fail "no file matches $pattern"
        fi
    done
}

# check_unit UNITTEXT LISTFILE: the unit's ExecStart= binary is shipped and it runs as calconn.
check_unit() {
    exec_path=$(sed -n -E 's#^ExecStart=[-@:+!]*(/[^ ]+).*#\1#p' "$1" | head -n 1)
    if [ -n "$exec_path" ] && grep -qx "$exec_path" "$2"; then
        ok "unit starts $exec_path, which the package installs"
    else
        fail "unit starts '${exec_path}', which the package does not install"
    fi
    if grep -qx 'User=calconn' "$1"; then
        ok "unit runs as user calconn"
    else
        fail "unit has no User=calconn"
    fi
}

check_deb() {
    deb=$1 work=$2
    dpkg-deb -c "$deb" | awk '{ print $NF }' | sed -e 's#^\.##' -e 's#/$##' | grep . >"$work/files"
    sed 's/^/        /' "$work/files"
    check_files "$work/files"
    if [ "$(dpkg-deb -f "$deb" Package)" = calconn ]; then ok "package name calconn"; else fail "package name"; fi
    if dpkg-deb -f "$deb" Depends | grep -q 'systemd'; then
        ok "depends on systemd"
    else
        fail "Depends lacks systemd"
    fi
    dpkg-deb -e "$deb" "$work/control"
    if grep -qx "$CONFIG" "$work/control/conffiles" 2>/dev/null; then
        ok "$CONFIG is a conffile"
    else
        fail "$CONFIG is not listed in conffiles"
    fi
    for script in postinst prerm postrm; do
        if [ -x "$work/control/$script" ]; then ok "$script present"; else fail "$script missing"; fi
    done
    unit=$(grep -E '/systemd/system/calconnd\.service$' "$work/files" | head -n 1)
    if [ -n "$unit" ]; then
        dpkg-deb --fsys-tarfile "$deb" | tar -xOf - ".$unit" >"$work/unit"
        check_unit "$work/unit" "$work/files"
    fi
}

check_rpm() {
    rpm=$1 work=$2
    # mode|flags|path, flags as rpm prints them (c = %config, n = noreplace, a = artifact)
    rpm -qp --queryformat '[%{FILEMODES:perms}|%{FILEFLAGS:fflags}|%{FILENAMES}\n]' "$rpm" \
        2>/dev/null >"$work/entries"
    cut -d'|' -f3 "$work/entries" >"$work/files"
    sed -e 's/|/ /g' -e 's/^/        /' "$work/entries"
    check_files "$work/files"
    if [ "$(rpm -qp --queryformat '%{NAME}' "$rpm" 2>/dev/null)" = calconn ]; then
        ok "package name calconn"
    else
        fail "package name"
    fi
    if awk -F'|' -v f="$CONFIG" '$3 == f && $2 ~ /c/ && $2 ~ /n/' "$work/entries" | grep -q .; then
        ok "$CONFIG is %config(noreplace)"
    else
        fail "$CONFIG is not %config(noreplace)"
    fi
    rpm -qp --scripts "$rpm" 2>/dev/null >"$work/scripts"
    for script in 'postinstall scriptlet' 'preuninstall scriptlet' 'postuninstall scriptlet'; do
        if grep -q "^$script" "$work/scripts"; then ok "$script present"; else fail "$script missing"; fi
    done
    if awk -F'|' '$3 ~ /\/systemd\/system\/calconnd\.service$/ && $2 ~ /c/' "$work/entries" | grep -q .; then
        fail "the unit is marked %config"
    else
        ok "the unit is not %config"
    fi
    # Only calconn's own directories may be owned by the package (rpm's build-id links, flagged
    # "a" for artifact, are rpm's business).
    dirs=$(awk -F'|' '$1 ~ /^d/ && $2 !~ /a/ && $3 !~ /^\/etc\/calconn(\/|$)/ { print $3 }' \
        "$work/entries")
    if [ -z "$dirs" ]; then
        ok "owns no system directories"
    else
        fail "owns directories: $(echo "$dirs" | tr '\n' ' ')"
    fi
    unit=$(grep -E '/systemd/system/calconnd\.service$' "$work/files" | head -n 1)
    if [ -n "$unit" ]; then
        rpm2archive - <"$rpm" | tar -xzOf - ".$unit" >"$work/unit"
        check_unit "$work/unit" "$work/files"
    fi
}

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for package in "$@"; do
    echo "$package:"
    if [ ! -f "$package" ]; then
        fail "no such file"
        continue
    fi
    rm -rf "${work:?}"/*
    case "$package" in
        *.deb) check_deb "$package" "$work" ;;
        *.rpm) check_rpm "$package" "$work" ;;
        *) fail "neither .deb nor .rpm" ;;
    esac
done

if [ "$failures" -ne 0 ]; then
    echo "check-package: $failures check(s) FAILED"
    exit 1
fi
echo "check-package: all checks passed"
