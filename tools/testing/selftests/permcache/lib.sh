# SPDX-License-Identifier: GPL-2.0-only
#
# lib.sh - helpers for the permcache guest checks (sourced by check-*.sh).
#
# The protocol, parsed by the rig on the host: every check prints exactly
# one line per test,
#   PCTEST: PASS <name>
#   PCTEST: FAIL <name>: <reason>
# and may print anything else (it lands in the serial log).  A check that
# does not apply exits with KSFT_SKIP (4) and prints no PCTEST line.

KSFT_SKIP=4

pass() { echo "PCTEST: PASS $1"; }
fail() { echo "PCTEST: FAIL $1: $2"; }

# pcarg NAME [DEFAULT]: value of NAME= on the kernel command line.
pcarg() {
	local a
	for a in $(cat /proc/cmdline); do
		case "$a" in
		"$1"=*) echo "${a#*=}"; return 0 ;;
		esac
	done
	echo "${2:-}"
}

# is_debug: true in the debug kernel boot (kmemleak present).
is_debug() { [ -e /sys/kernel/debug/kmemleak ]; }
