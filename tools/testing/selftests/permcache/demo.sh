#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# demo.sh - what memfd_secret costs the kernel (pcmode=demo, "make demo").
#
# Shows the emulated topology, then the direct-map and TLB-shootdown figures
# before and after a stress-ng secretmem run, and their deltas.  On x86,
# flush_tlb_kernel_range() reaches other CPUs as function-call IPIs: the CAL
# line of /proc/interrupts (TLB counts user-mm flushes).

heading() { printf '\n==== %s\n' "$*"; }

# irqsum NAME: sum over CPUs of one /proc/interrupts line.
irqsum() {
	awk -v n="$1:" '$1 == n { s = 0; for (i = 2; i <= NF && $i ~ /^[0-9]+$/; i++) s += $i; print s }' \
		/proc/interrupts
}
vmstat() { awk -v n="$1" '$1 == n { print $2 }' /proc/vmstat; }
meminfo() { awk -v n="$1:" '$1 == n { print $2 }' /proc/meminfo; }

# snapshot: one "name value" line per figure of the delta table.
snapshot() {
	echo "DirectMap4k_kB $(meminfo DirectMap4k)"
	echo "DirectMap2M_kB $(meminfo DirectMap2M)"
	echo "DirectMap1G_kB $(meminfo DirectMap1G)"
	echo "direct_map_level2_splits $(vmstat direct_map_level2_splits)"
	echo "direct_map_level3_splits $(vmstat direct_map_level3_splits)"
	echo "CAL_IPIs $(irqsum CAL)"
	echo "TLB_IPIs $(irqsum TLB)"
}

show_figures() {
	grep DirectMap /proc/meminfo
	grep -E '^direct_map_level[23]_splits' /proc/vmstat
	grep -E '^ *(CAL|TLB):' /proc/interrupts
}

heading "numactl --hardware"
numactl --hardware

heading "lstopo-no-graphics"
lstopo-no-graphics 2>&1 || hwloc-ls 2>&1

heading "before: direct map and IPIs"
show_figures
snapshot > /tmp/before

heading "stress-ng --secretmem 2 --secretmem-ops 2000 -t 30s --metrics-brief"
cd /tmp && stress-ng --secretmem 2 --secretmem-ops 2000 -t 30s --metrics-brief
rc=$?

heading "after: direct map and IPIs"
show_figures
snapshot > /tmp/after

heading "delta (after - before)"
printf '%-26s %12s %12s %12s\n' figure before after delta
while read -r name b; do
	[ -n "$b" ] || continue		# e.g. no DirectMap1G line
	a=$(awk -v n="$name" '$1 == n { print $2 }' /tmp/after)
	printf '%-26s %12s %12s %12s\n' "$name" "${b:-?}" "${a:-?}" \
		"$(( ${a:-0} - ${b:-0} ))"
done < /tmp/before
exit $rc
