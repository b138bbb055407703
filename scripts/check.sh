#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# check.sh - make check: every test of the project, one verdict.
#
#   deps -> unpack -> overlay + patches -> userspace harness -> style
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
# per patch, kernel-doc.  Bisect builds are not run here (check-series.sh
# --bisect, about 25 minutes more on two cores).
"$ROOT/scripts/check-series.sh" || true
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

if [ "$built_default" = 0 ]; then
	progress kernel "debug kernel not built: the default kernel does not build"
	printf 'build-debug\t0\t1\t0\n' >> "$RESULTS"
elif "$ROOT/scripts/build-kernel.sh" debug; then
	# KASAN + lockdep under TCG: every check takes several times longer
	# (a hibernation image alone takes minutes); give the guest the time.
	TIMEOUT=2400 APPEND="pctimeout=900 ${APPEND:-}" \
		"$ROOT/scripts/boot.sh" debug check check-debug || true
else
	printf 'build-debug\t0\t1\t0\n' >> "$RESULTS"
fi

python3 - "$RESULTS" <<'PY'
import sys
rows = [l.rstrip('\n').split('\t') for l in open(sys.argv[1]) if l.strip()]
tp = tf = 0
print()
print(f"{'source':<24} {'passed':>7} {'failed':>7} {'skipped':>8}")
for src, p, f, s in rows:
    tp += int(p); tf += int(f)
    print(f"{src:<24} {p:>7} {f:>7} {s:>8}")
print(f"{'total':<24} {tp:>7} {tf:>7}")

print(f"{tp} passed, {tf} failed")
sys.exit(1 if tf else 0)
PY
