# SPDX-License-Identifier: GPL-2.0-only
#
# lib.sh - helpers shared by the permcache rig scripts (sourced, not run).
#
# Gives every script the same paths (ROOT, BUILD, KSRC), progress lines of the
# form "[rig] stage message (12s)" with the seconds since the rig started, and
# one way to fail: die "message" prints "error: message" and exits 1.
#

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${BUILD:-$ROOT/build}
KSRC=$BUILD/linux
LOGS=$BUILD/logs
JOBS=${JOBS:-3}
KTARBALL=${KTARBALL:-/usr/src/linux-source-6.12.tar.xz}

# The start time is inherited from the calling make so that elapsed seconds
# run across all scripts of one "make check".
export RIG_T0=${RIG_T0:-$(date +%s)}

rig_elapsed() { echo $(( $(date +%s) - RIG_T0 )); }

# progress STAGE MESSAGE...: one progress line on stderr.
progress() {
	local stage=$1; shift
	printf '[rig] %-9s %s (%ss)\n' "$stage" "$*" "$(rig_elapsed)" >&2
}

die() {
	echo "error: $*" >&2
	exit 1
}

# stamp_matches FILE VALUE: true if FILE exists and holds VALUE.
stamp_matches() { [ -f "$1" ] && [ "$(cat "$1")" = "$2" ]; }

# hash_files FILE...: one sha256 over the base names and contents of FILEs
# (not their folders: the same checkout moved elsewhere hashes the same).
hash_files() {
	local f
	for f in "$@"; do
		printf '%s\n' "${f##*/}"
		if [ -f "$f" ]; then cat "$f"; fi
	done | sha256sum | cut -d' ' -f1
}

# objdir [debug]: the kernel object folder for the default or debug kernel.
objdir() {
	if [ "${1:-}" = debug ]; then echo "$BUILD/obj-debug"; else echo "$BUILD/obj"; fi
}
