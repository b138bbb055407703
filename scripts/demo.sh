#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# demo.sh - make demo: boot the same kernel twice on the 2-node guest, with
# permcache.enable=0 (the stock 6.12 paths) and permcache.enable=1, run the
# same fixed workloads in both (guest side:
# tools/testing/selftests/permcache/demo.sh) and print their counts side by
# side: kernel TLB-shootdown IPIs, permcache flushes, direct-map splits,
# DirectMap4k and remote-node allocations, per workload.
#
set -euo pipefail
. "$(dirname "$0")/lib.sh"

"$ROOT/scripts/validate.sh" || exit 2
"$ROOT/scripts/prepare.sh"
"$ROOT/scripts/build-kernel.sh" default
"$ROOT/scripts/initramfs.sh"

progress demo "boot 1 of 2: permcache.enable=0 (stock paths)"
APPEND="permcache.enable=0 ${APPEND:-}" SHOW=none \
	"$ROOT/scripts/boot.sh" default demo demo-stock
progress demo "boot 2 of 2: permcache.enable=1"
APPEND="permcache.enable=1 ${APPEND:-}" SHOW=guest \
	"$ROOT/scripts/boot.sh" default demo demo-permcache

python3 - "$LOGS/demo-stock.log" "$LOGS/demo-permcache.log" "${NODES:-2}" <<'PY'
import re
import sys

def load(path):
    m = {}
    for line in open(path, errors="replace"):
        f = line.split()
        if len(f) == 4 and f[0] == "PCMEASURE":
            m[(f[1], f[2])] = f[3]
    return m

stock, pc = load(sys.argv[1]), load(sys.argv[2])
if stock.get(("boot", "enable")) != "N" or pc.get(("boot", "enable")) != "Y":
    sys.exit("demo: a boot did not report the permcache.enable it was given")

rows = [
    ("baseline", "baseline: one secret page fault in a new task (pcwork secret 1)"),
    ("secret", "1000 secret page faults (pcwork secret 1000)"),
    ("bpf", "1000 BPF loads + unloads (pcwork bpf 1000)"),
    ("stress_secretmem", "stress-ng --secretmem 2 --secretmem-ops 2000"),
    ("total", "whole run, warm-up (64 faults, 64 loads) and baseline included"),
]
figures = [
    ("cal_ipis", "kernel TLB-shootdown IPIs (CAL)"),
    ("permcache_flushes", "permcache flushes"),
    ("tlb_ipis", "user-mm TLB IPIs (TLB)"),
    ("direct_map_level2_splits", "direct_map_level2_splits"),
    ("directmap4k_kB", "DirectMap4k delta (kB)"),
    ("alloc_remote", "remote-node allocations"),
]
print()
print(f"permcache A/B, same kernel, {sys.argv[3]}-node guest, two boots (build/logs/demo-*.log)")
for w, title in rows:
    print()
    print(f"{title}")
    print(f"  {'figure':<36} {'stock':>10} {'permcache':>10}")
    for key, name in figures:
        s, p = stock.get((w, key), "-"), pc.get((w, key), "-")
        if key in ("permcache_flushes", "alloc_remote") and s != "-":
            s = "n/a"
        print(f"  {name:<36} {s:>10} {p:>10}")
    nodes = sorted({k for (ww, k) in list(stock) + list(pc)
                    if ww == w and k.startswith("secret_pages_node")})
    for k in nodes:
        print(f"  {k.replace('secret_pages_', 'pages on '):<36} "
              f"{stock.get((w, k), '-'):>10} {pc.get((w, k), '-'):>10}")
    if (w, "failed") in stock or (w, "failed") in pc:
        print("  (a workload FAILED: see the logs)")
PY
