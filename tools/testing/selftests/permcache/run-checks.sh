#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# run-checks.sh - run every guest check (pcmode=check).
#
# Runs each executable check-*.sh in this folder in name order, then each
# executable final-*.sh (checks that must see the whole run: kmemleak, dmesg).
# A check that exits non-zero without printing a FAIL line gets one; exit
# status 4 (kselftest's "skip") means "not applicable here", e.g. kmemleak
# in the default kernel.  Every
# script has PCTIMEOUT seconds (default 300).  Exit status: the number of
# failed checks (at most 100).
#
# To add a check, drop an executable check-<name>.sh here that sources
# lib.sh and calls pass/fail.

cd "$(dirname "$0")" || exit 1
. ./lib.sh

tmo=$(pcarg pctimeout 300)
# pconly=NAME,NAME: run only check-NAME.sh (and the final checks).
only=$(pcarg pconly "")
nfail=0
for t in check-*.sh final-*.sh; do
	[ -f "$t" ] && [ -x "$t" ] || continue
	case "$t" in
	check-*)
		if [ -n "$only" ]; then
			n=${t#check-}
			n=${n%.sh}
			case ",$only," in *",$n,"*) ;; *) continue ;; esac
		fi
		;;
	esac
	echo "=== $t"
	out=/tmp/pcout.$$
	timeout "$tmo" ./"$t" > "$out" 2>&1
	rc=$?
	cat "$out"
	f=$(grep -c '^PCTEST: FAIL ' "$out")
	p=$(grep -c '^PCTEST: PASS ' "$out")
	if [ "$rc" -eq 4 ] && [ "$f" -eq 0 ] && [ "$p" -eq 0 ]; then
		echo "# SKIP $t: not applicable"
	elif [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		[ "$rc" -eq 124 ] && why="timed out after ${tmo}s" || why="exited $rc"
		fail "${t%.sh}" "$why"
		f=1
	elif [ "$f" -eq 0 ] && [ "$p" -eq 0 ]; then
		fail "${t%.sh}" "printed no PCTEST line"
		f=1
	fi
	nfail=$((nfail + f))
	rm -f "$out"
done
[ "$nfail" -gt 100 ] && nfail=100
exit "$nfail"
