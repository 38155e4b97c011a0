#!/bin/sh
# Fails when `systemd-analyze security --offline=yes` rates the unit above the allowed overall
# exposure (0.0 = fully sandboxed, 10.0 = not at all), so hardening can only get better.
#
# usage: unit-security.sh UNIT_FILE MAX_EXPOSURE
set -eu

if [ $# -ne 2 ]; then
    echo "usage: $0 UNIT_FILE MAX_EXPOSURE" >&2
    exit 2
fi
unit=$1 max=$2
command -v systemd-analyze >/dev/null || { echo "systemd-analyze not found" >&2; exit 1; }

# The exit status only reflects the default threshold; the score is read from the summary line.
report=$(systemd-analyze security --offline=yes --no-pager "$unit" 2>&1) || true
score=$(printf '%s\n' "$report" | sed -n -E 's/.*Overall exposure level for [^:]*: ([0-9]+\.[0-9]+).*/\1/p')
if [ -z "$score" ]; then
    printf '%s\n' "$report"
    echo "unit-security: no overall exposure level in the output" >&2
    exit 1
fi
if awk -v s="$score" -v m="$max" 'BEGIN { exit !(s + 0 > m + 0) }'; then
    printf '%s\n' "$report" | grep -v '^✓' || true
    echo "unit-security: FAILED: exposure $score is above $max" >&2
    exit 1
fi
echo "unit-security: exposure $score (limit $max)"
