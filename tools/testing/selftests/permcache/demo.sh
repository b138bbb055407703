#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# demo.sh - what memfd_secret and the BPF JIT cost the kernel, with the
# permcache.enable of this boot (pcmode=demo; "make demo" boots twice, with
# 0 and 1, and puts the PCMEASURE lines of both side by side).
#
# Fixed workloads (pcwork): a warm-up, then 1000 secret page faults, then
# 1000 BPF program loads and unloads.  Counted for each: kernel TLB
# shootdowns (on x86 flush_tlb_kernel_range() reaches other CPUs as
# function-call IPIs, the CAL line of /proc/interrupts; the TLB line counts
# user-mm flushes), permcache's own flush counter, direct-map splits,
# DirectMap4k, and allocations served by a remote node.

heading() { printf '\n==== %s\n' "$*"; }

# irqsum NAME: sum over CPUs of one /proc/interrupts line.
irqsum() {
	awk -v n="$1:" '$1 == n { s = 0; for (i = 2; i <= NF && $i ~ /^[0-9]+$/; i++) s += $i; print s }' \
		/proc/interrupts
}
vmstat() { awk -v n="$1" '$1 == n { print $2 }' /proc/vmstat; }
meminfo() { awk -v n="$1:" '$1 == n { print $2 }' /proc/meminfo; }
pcstat() { awk -v n="$1" '$1 == n { print $2 }' /sys/kernel/debug/permcache/stats; }

# snapshot: one "name value" line per figure.
snapshot() {
	echo "cal_ipis $(irqsum CAL)"
	echo "tlb_ipis $(irqsum TLB)"
	echo "permcache_flushes $(pcstat flushes)"
	echo "direct_map_level2_splits $(vmstat direct_map_level2_splits)"
	echo "directmap4k_kB $(meminfo DirectMap4k)"
	echo "alloc_remote $(pcstat alloc_remote)"
}

# measure WORKLOAD COMMAND...: PCMEASURE lines of the deltas COMMAND causes.
measure() {
	w=$1
	shift
	snapshot > /tmp/before
	"$@" > /tmp/work.out 2>&1 || echo "PCMEASURE $w failed 1"
	# BPF programs are freed from RCU callbacks and a workqueue.
	sleep 2
	snapshot > /tmp/after
	while read -r name b; do
		a=$(awk -v n="$name" '$1 == n { print $2 }' /tmp/after)
		echo "PCMEASURE $w $name $(( ${a:-0} - ${b:-0} ))"
	done < /tmp/before
	grep -E '^secret_pages_node' /tmp/work.out | sed "s/^/PCMEASURE $w /"
}

heading "numactl --hardware"
numactl --hardware

heading "lstopo-no-graphics"
lstopo-no-graphics 2>&1 || hwloc-ls 2>&1

echo "PCMEASURE boot enable $(cat /sys/module/permcache/parameters/enable)"
heading "before"
grep DirectMap /proc/meminfo
grep -E '^direct_map_level[23]_splits' /proc/vmstat
grep -E '^ *(CAL|TLB):' /proc/interrupts

cd /tmp || exit 1
snapshot > /tmp/start
heading "baseline: pcwork secret 1 (what starting and ending a task costs)"
measure baseline pcwork secret 1
heading "warm-up: pcwork secret 64, pcwork bpf 64"
pcwork secret 64 > /dev/null && pcwork bpf 64 > /dev/null && sleep 2

heading "pcwork secret 1000 (1000 secret page faults)"
measure secret pcwork secret 1000
heading "pcwork bpf 1000 (1000 BPF loads and unloads)"
measure bpf pcwork bpf 1000
heading "stress-ng --secretmem 2 --secretmem-ops 2000 -t 30s"
measure stress_secretmem stress-ng --secretmem 2 --secretmem-ops 2000 -t 30s

# The whole run, warm-up included (the stock path splits the direct map
# mostly on first use).
snapshot > /tmp/end
while read -r name b; do
	a=$(awk -v n="$name" '$1 == n { print $2 }' /tmp/end)
	echo "PCMEASURE total $name $(( ${a:-0} - ${b:-0} ))"
done < /tmp/start

heading "after"
grep DirectMap /proc/meminfo
grep -E '^direct_map_level[23]_splits' /proc/vmstat
grep -E '^ *(CAL|TLB):' /proc/interrupts

heading "/sys/kernel/debug/permcache/nodes"
cat /sys/kernel/debug/permcache/nodes
heading "/sys/kernel/debug/permcache/stats"
cat /sys/kernel/debug/permcache/stats
