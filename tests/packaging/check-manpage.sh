#!/bin/sh
# Renders a man page with groff and every warning enabled; any output is a failure, so a page
# that looks fine in a terminal but has broken markup does not get shipped.
#
# usage: check-manpage.sh PAGE
set -eu

if [ $# -ne 1 ]; then
    echo "usage: $0 PAGE" >&2
    exit 2
fi
page=$1
command -v groff >/dev/null || { echo "groff not found" >&2; exit 1; }
[ -s "$page" ] || { echo "check-manpage: $page is missing or empty" >&2; exit 1; }

status=0
output=$(LC_ALL=C.UTF-8 groff -man -ww -z "$page" 2>&1) || status=$?
if [ "$status" -ne 0 ] || [ -n "$output" ]; then
    printf '%s\n' "$output"
    echo "check-manpage: FAILED: $page (exit status $status)" >&2
    exit 1
fi
echo "check-manpage: $page OK"
