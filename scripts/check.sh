#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# check.sh - make check: every test of the project, one verdict.
#
#   deps -> unpack -> overlay + patches -> userspace harness -> the patch
#   series (git am, checkpatch per patch, kernel-doc, a build per patch,
#   the build matrix) -> style
#   (checkpatch, W=1 + sparse) -> default kernel, boot in pcmode=check,
#   again with non-default permcache.* parameters, and on a machine with a
#   memoryless node (MEMLESS=1, its checks only) -> debug kernel
#   (KASAN, lockdep, kmemleak), boot in pcmode=check
#
# Each source adds "source passed failed skipped" rows to build/results.tsv;
# the summary table and the closing line "N passed, N failed" come from
# them.  Exit 0 iff nothing failed.  Serial logs: build/logs/check-*.log.
#
set -euo pipefail
. "$(dirname "$0")/lib.sh"

"$ROOT/scripts/validate.sh" || exit 2

export RESULTS=$BUILD/results.tsv
PARAMS_APPEND="permcache.prefill=4 permcache.reserve=1 permcache.max_idle=3"
PARAMS_APPEND="$PARAMS_APPEND permcache.lazy_flush=0 permcache.fallback=sideways permcache.enable=0"
mkdir -p "$BUILD" "$LOGS"
: > "$RESULTS"

"$ROOT/scripts/prepare.sh"
"$ROOT/scripts/harness.sh" || true
# The patch series (make series): git am on the pristine tree, checkpatch
# per patch, kernel-doc, every patch built in order, and the build matrix
# (the series compiled and linked in each configuration it must support).
"$ROOT/scripts/check-series.sh" --bisect --matrix || true
# Also makes build/reclaim-disk.img (once), the virtio-blk disk qemu.sh
# attaches to every pcmode=check boot below (check-reclaim.sh reads it).
"$ROOT/scripts/initramfs.sh"

built_default=0
if "$ROOT/scripts/build-kernel.sh" default; then
	built_default=1
	"$ROOT/scripts/style.sh" || true
	"$ROOT/scripts/boot.sh" default check check-default || true
	# The same checks with non-default parameters (one of them invalid),
	# so that each parameter is seen to take effect.
	APPEND="$PARAMS_APPEND ${APPEND:-}" \
		"$ROOT/scripts/boot.sh" default check check-params || true
	# A node with a CPU and no memory: only the checks about it.
	MEMLESS=1 APPEND="kunit.filter_glob=permcache_unit pconly=memless ${APPEND:-}" \
		"$ROOT/scripts/boot.sh" default check check-memless || true
else
	printf 'build-default\t0\t1\t0\n' >> "$RESULTS"
	# Still run checkpatch; the W=1 build would only repeat the error.
	"$ROOT/scripts/style.sh" || true
fi

# The debug kernel is also the build matrix's "debug" configuration.
if [ "$built_default" = 0 ]; then
	progress kernel "debug kernel not built: the default kernel does not build"
	printf 'matrix debug\t0\t1\t0\n' >> "$RESULTS"
elif "$ROOT/scripts/build-kernel.sh" debug; then
	printf 'matrix debug\t1\t0\t0\n' >> "$RESULTS"
	# KASAN + lockdep under TCG: every check takes several times longer
	# (a hibernation image alone takes minutes); give the guest the time.
	TIMEOUT=2400 APPEND="pctimeout=900 ${APPEND:-}" \
		"$ROOT/scripts/boot.sh" debug check check-debug || true
else
	printf 'matrix debug\t0\t1\t0\n' >> "$RESULTS"
fi

results_summary "$RESULTS"
