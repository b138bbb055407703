#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# build-kernel.sh [debug] - configure (if needed) and build bzImage in
# build/obj or build/obj-debug from the one source tree build/linux.
#
# The make output goes to build/logs/kernel-<kind>.log; the progress line
# says how many files were compiled, so an incremental rebuild is visible.
#
set -euo pipefail
. "$(dirname "$0")/lib.sh"

kind=${1:-default}
obj=$(objdir "$kind")
"$ROOT/scripts/kconfig.sh" "$kind"

log=$LOGS/kernel-$kind.log
t0=$(date +%s)
progress kernel "make -j$JOBS bzImage in $(basename "$obj") (log: ${log#$ROOT/})"
if ! make -C "$KSRC" O="$obj" -j"$JOBS" bzImage >"$log" 2>&1; then
	# Show the errors first: they are what the reader needs.
	grep -E 'error:|Error [0-9]|undefined reference' "$log" | head -n 30 >&2 || true
	echo "--- last lines of $log:" >&2
	tail -n 15 "$log" >&2
	die "kernel build ($kind) failed after $(( $(date +%s) - t0 ))s"
fi
ncc=$(grep -cE '^  CC ' "$log" || true)
pc=$(grep -E '^  CC ' "$log" | grep -c 'mm/permcache/' || true)
progress kernel "$(basename "$obj")/arch/x86/boot/bzImage ready: $ncc file(s) compiled ($pc permcache), $(( $(date +%s) - t0 ))s"
