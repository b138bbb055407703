#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# final-20-dmesg.sh - the kernel log of the whole run has no warning, bug,
# oops, KASAN or kmemleak report and no stack trace.

. "$(dirname "$0")/lib.sh"

bad=$(dmesg | grep -E 'WARNING:|BUG:|Oops|KASAN:|kmemleak: [0-9]+ new suspected|unreferenced object|Call Trace' )
if [ -z "$bad" ]; then
	pass dmesg_clean
else
	echo "$bad" | head -n 20
	fail dmesg_clean "$(echo "$bad" | wc -l) suspicious line(s), first: $(echo "$bad" | head -n 1)"
fi
