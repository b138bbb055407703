#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# harness.sh - run the userspace harness (make -C tools/testing/permcache
# check) and turn its "harness: N passed, N failed" line into a result row
# "harness<TAB>passed<TAB>failed<TAB>0" appended to $RESULTS (if set).
# Skipped with a notice while the harness has no Makefile.
#
set -euo pipefail
. "$(dirname "$0")/lib.sh"

dir=$ROOT/tools/testing/permcache
log=$LOGS/harness.log
mkdir -p "$LOGS"
row() { [ -z "${RESULTS:-}" ] || printf 'harness\t%s\t%s\t0\n' "$1" "$2" >> "$RESULTS"; }

if [ ! -f "$dir/Makefile" ]; then
	progress harness "skipped: tools/testing/permcache has no Makefile yet"
	exit 0
fi

progress harness "make -C tools/testing/permcache check (log: ${log#$ROOT/})"
set +e
make -C "$dir" check >"$log" 2>&1
rc=$?
set -e
line=$(grep -E '^harness: [0-9]+ passed, [0-9]+ failed' "$log" | tail -n 1 || true)
if [ -z "$line" ]; then
	tail -n 15 "$log" >&2
	progress harness "FAIL: no 'harness: N passed, N failed' line (make rc=$rc)"
	row 0 1
	exit 1
fi
read -r p f < <(echo "$line" | sed -E 's/^harness: ([0-9]+) passed, ([0-9]+) failed.*/\1 \2/')
# A harness that fails without counting a failed test still fails once.
[ "$rc" -ne 0 ] && [ "$f" -eq 0 ] && f=1
row "$p" "$f"
progress harness "$p passed, $f failed"
[ "$f" -eq 0 ]
