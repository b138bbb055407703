#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# final-10-kmemleak.sh - in the debug kernel (kmemleak built in, no
# automatic scanning), scan once at the end of the run and fail on any
# unreferenced object.  Skipped (exit 4) in the default kernel.

. "$(dirname "$0")/lib.sh"

is_debug || exit "$KSFT_SKIP"
# Objects younger than a few seconds are never reported; two scans a little
# apart also settle objects that were only referenced from CPU registers.
echo scan > /sys/kernel/debug/kmemleak
sleep 6
echo scan > /sys/kernel/debug/kmemleak
leaks=$(grep -c '^unreferenced object' /sys/kernel/debug/kmemleak)
if [ "$leaks" -eq 0 ]; then
	pass kmemleak
else
	head -n 60 /sys/kernel/debug/kmemleak
	fail kmemleak "$leaks unreferenced object(s), see the serial log"
fi
