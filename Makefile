# SPDX-License-Identifier: GPL-2.0-only
#
# permcache rig.  The targets are thin wrappers around scripts/*.sh; see
# README.md.
#
#   make demo        boot a 2-node guest, show what memfd_secret costs
#   make check       harness, style, KUnit and guest checks on two kernels
#   make guest-run SCRIPT=file [GUEST_FILES=dir] [DEBUG=1]
#   make bench       permcache vs stock paths, 2 and 4 nodes -> bench/results/
#   make series      the patch series for git am on 6.12 -> build/series/
#   make clean       remove build output (keep the unpacked 6.12 tree)
#   make distclean   remove build/ entirely
#
# Variables: NODES (1..8), CPUS, MEM, APPEND, TIMEOUT, GUEST_FILES, SCRIPT, DEBUG;
# for bench: BENCH_NODES, BENCH_RUNS, BENCH_ITERS, BENCH_CHURN.

SHELL := /bin/bash
.DEFAULT_GOAL := help
export NODES CPUS MEM APPEND TIMEOUT GUEST_FILES SCRIPT DEBUG
export BENCH_NODES BENCH_RUNS BENCH_ITERS BENCH_CHURN
# One clock for the "(Ns)" of every progress line of this make run.
export RIG_T0 := $(shell date +%s)

PUBLIC := demo check guest-run bench series clean
INTERNAL := deps kernel kernel-debug initramfs harness distclean help
.PHONY: $(PUBLIC) $(INTERNAL)

help:
	@sed -n '3,16p' Makefile | sed 's/^# \{0,1\}//'

check:
	@scripts/check.sh

demo:
	@scripts/demo.sh

guest-run:
	@scripts/guest-run.sh

bench:
	@scripts/bench.sh

series:
	@scripts/series.sh

clean:
	rm -rf build/obj build/obj-debug build/obj-style build/logs \
		build/initramfs* build/initrd-* build/*.tsv build/*.rc build/overlay.changes \
		build/series build/series-check build/obj-series build/ccache-series

distclean:
	rm -rf build

deps:
	@scripts/deps.sh

kernel:
	@scripts/validate.sh && scripts/prepare.sh && scripts/build-kernel.sh default

kernel-debug:
	@scripts/validate.sh && scripts/prepare.sh && scripts/build-kernel.sh debug

initramfs:
	@scripts/initramfs.sh

harness:
	@scripts/harness.sh

# The makefile itself is never remade (else the catch-all below would run).
Makefile: ;

# Anything else is a typo; files that exist are left alone (no prerequisites).
%:
	@echo "error: unknown target '$@' (targets: $(PUBLIC))" >&2; exit 2
