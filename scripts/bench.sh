#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# bench.sh - make bench: permcache against the stock 6.12 paths.
#
# Builds what is missing, then boots the default kernel once per NUMA
# topology (BENCH_NODES, default "2 4") and permcache.enable (0 and 1), with
# bench/guest-bench.sh as the pcmode=script user script: the fixed
# workloads (pcwork secret/bpf, stress-ng --secretmem churn) and the
# in-kernel benchmark (bench/permcache_bench.c through
# /sys/kernel/debug/permcache_bench/run), BENCH_RUNS times each.  The
# permcache.enable=1 boots also compare the real consumers with their stock
# paths in the same boot, flipping permcache.enable at run time:
# bpf_prog_pack alloc+write+free (pack present, pack churn) in the module,
# memfd_secret faults from userspace (pcwork secret-loop).
# bench/report.py turns the serial logs into bench/results/<date>.md,
# <date>.json and PNG plots, and prints the summary.
#
# Variables: BENCH_NODES ("2 4"), BENCH_RUNS (3), BENCH_ITERS (1000,
# operations per thread and test), BENCH_CHURN (20, seconds), MEM, TIMEOUT
# (per boot, default 3000), BENCH_OUT (bench/results).
#
set -euo pipefail
. "$(dirname "$0")/lib.sh"

BENCH_NODES=${BENCH_NODES:-2 4}
BENCH_RUNS=${BENCH_RUNS:-3}
BENCH_ITERS=${BENCH_ITERS:-1000}
BENCH_CHURN=${BENCH_CHURN:-20}
BENCH_OUT=${BENCH_OUT:-$ROOT/bench/results}

for n in $BENCH_NODES; do
	[[ $n =~ ^[1-8]$ ]] || die "BENCH_NODES must be node counts 1..8 (got $BENCH_NODES)"
done
[[ $BENCH_RUNS =~ ^[1-9][0-9]*$ ]] || die "BENCH_RUNS must be >= 1 (got $BENCH_RUNS)"
[[ $BENCH_ITERS =~ ^[1-9][0-9]*$ ]] || die "BENCH_ITERS must be >= 1 (got $BENCH_ITERS)"
[[ $BENCH_CHURN =~ ^[1-9][0-9]*$ ]] || die "BENCH_CHURN must be seconds (got $BENCH_CHURN)"

"$ROOT/scripts/validate.sh" || exit 2
"$ROOT/scripts/prepare.sh"
"$ROOT/scripts/build-kernel.sh" default
grep -qx 'CONFIG_PERMCACHE_BENCH=y' "$BUILD/obj/.config" ||
	die "CONFIG_PERMCACHE_BENCH is not set in build/obj/.config"
"$ROOT/scripts/initramfs.sh"
# Debian's python3-matplotlib is for Debian's python3, which may not be the
# first python3 on PATH (pyenv and the like).
PY=python3
[ -x /usr/bin/python3 ] && PY=/usr/bin/python3
"$PY" -c 'import matplotlib' 2>/dev/null ||
	die "python3-matplotlib missing for $PY (run scripts/deps.sh as root)"

extra=$BUILD/initramfs-bench.cpio.gz
"$ROOT/scripts/initramfs.sh" --extra "$extra" "$ROOT/bench/guest-bench.sh"
cat "$BUILD/initramfs.cpio.gz" "$extra" > "$BUILD/initrd-bench.cpio.gz"

logs=()
nboots=$(( $(wc -w <<< "$BENCH_NODES") * 2 ))
i=0
for nodes in $BENCH_NODES; do
	for en in 0 1; do
		i=$(( i + 1 ))
		label=bench-n$nodes-e$en
		progress bench "boot $i of $nboots: NODES=$nodes permcache.enable=$en, $BENCH_RUNS run(s), $BENCH_ITERS iterations"
		# A failed boot is reported, and the report says which figures
		# are missing, rather than stopping the whole bench.
		NODES=$nodes TIMEOUT=${TIMEOUT:-3000} SHOW=progress \
			INITRD=$BUILD/initrd-bench.cpio.gz \
			APPEND="permcache.enable=$en pcbench.runs=$BENCH_RUNS pcbench.iters=$BENCH_ITERS pcbench.churn=$BENCH_CHURN ${APPEND:-}" \
			"$ROOT/scripts/boot.sh" default script "$label" ||
			progress bench "boot $label was not clean (log: build/logs/$label.log)"
		# Host load after the boot (its own vCPU threads included), for
		# the report's thread-scaling reasons.
		echo "BENCHHOST loadavg $(cut -d' ' -f1-3 /proc/loadavg)" >> "$LOGS/$label.log"
		logs+=("$LOGS/$label.log")
	done
done

progress bench "writing the report into ${BENCH_OUT#$ROOT/}/"
# The README shows the latest results of a default run.
readme=()
[ "$BENCH_OUT" = "$ROOT/bench/results" ] && readme=(--readme "$ROOT/README.md")
"$PY" "$ROOT/bench/report.py" --out "$BENCH_OUT" "${readme[@]}" "${logs[@]}"
