#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# check-permcache-debugfs.sh - /sys/kernel/debug/permcache adds up, "shrink"
# releases what it says, and the NUMA-aware shrinker returns idle chunks
# above permcache.reserve to the buddy allocator when memory is reclaimed
# (echo 2 > /proc/sys/vm/drop_caches): MemFree rises by their 2 MiB each
# (within 10% and 768 kB of whatever else the guest does meanwhile),
# DirectMap2M and direct_map_level2_splits do not move.

. "$(dirname "$0")/lib.sh"

D=/sys/kernel/debug/permcache
P=/sys/module/permcache/parameters

stat() { awk -v k="$1" '$1 == k { print $2 }' $D/stats; }
meminfo() { awk -v k="$1:" '$1 == k { print $2 }' /proc/meminfo; }
splits() { awk '$1 == "direct_map_level2_splits" { print $2 }' /proc/vmstat; }
nodes_col() { awk -v c="$1" 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == c) n = i; next } { print $1, $n }' $D/nodes; }

for f in stats nodes chunks shrink; do
	[ -e $D/$f ] || { fail debugfs_files "$D/$f missing"; exit 1; }
done
pass debugfs_files

# stats: one "name value" per line, with the documented names.
bad=$(awk 'NF != 2 || $2 !~ /^[0-9]+$/' $D/stats)
missing=""
for k in alloc_secret free_secret alloc_text free_text alloc_failed \
	 alloc_remote chunks_acquired chunks_released acquire_failed \
	 reuse_same_class class_changes flushes flushes_avoided bad_frees \
	 shrink_scans shrink_freed chunks chunks_idle chunks_secret chunks_ro \
	 chunks_rox chunks_clean units_used_secret units_total_secret \
	 units_used_ro units_total_ro units_used_rox units_total_rox; do
	[ -n "$(stat $k)" ] || missing="$missing $k"
done
if [ -z "$bad" ] && [ -z "$missing" ]; then
	pass debugfs_stats_format
else
	fail debugfs_stats_format "bad lines '$bad', missing:$missing"
fi

# Everything adds up: the chunk walk, the per-node table, the global stats.
adds_up() {
	walk=$(awk 'NR > 1 { n++; if ($4 == "idle") i++; u[$3] += $5; t[$3] += $6;
			     if ($5 > $6) over++ }
		    END { printf "%d %d %d %d %d %d %d", n, i, u["secret"], u["ro"], u["rox"], over, t["secret"] }' $D/chunks)
	set -- $walk
	nodesum=$(awk 'NR > 1 { c += $2; i += $3; a += $11; f += $12; r += $16 } END { print c, i, a, f, r }' $D/nodes)
	want="$(stat chunks) $(stat chunks_idle) $(($(stat alloc_secret) + $(stat alloc_text))) $(($(stat free_secret) + $(stat free_text))) $(stat chunks_released)"
	if [ "$1" != "$(stat chunks)" ] || [ "$2" != "$(stat chunks_idle)" ] ||
	   [ "$3" != "$(stat units_used_secret)" ] || [ "$4" != "$(stat units_used_ro)" ] ||
	   [ "$5" != "$(stat units_used_rox)" ] || [ "$6" != 0 ] ||
	   [ "$7" != "$(stat units_total_secret)" ] || [ "$nodesum" != "$want" ]; then
		echo "walk: $walk; nodes: $nodesum; stats: $want"
		return 1
	fi
	# Acquired minus released is what the caches hold now.
	[ $(($(stat chunks_acquired) - $(stat chunks_released))) = "$(stat chunks)" ]
}
if adds_up; then
	pass debugfs_adds_up
else
	fail debugfs_adds_up "chunks/nodes/stats disagree"
fi
nnodes=$(ls -d /sys/devices/system/node/node* | wc -l)
if [ "$(($(wc -l < $D/nodes) - 1))" = "$nnodes" ]; then
	pass debugfs_nodes_lines
else
	fail debugfs_nodes_lines "$(($(wc -l < $D/nodes) - 1)) lines for $nnodes nodes"
fi
cat $D/nodes

# chunks shows PFNs only to readers /proc/kallsyms shows addresses to: with
# kptr_restrict=2 nobody, root included, sees one.
kr=$(cat /proc/sys/kernel/kptr_restrict)
pfns() { awk 'NR > 1 && $2 != "0x0"' $D/chunks | wc -l; }
seen=$(pfns)
echo 2 > /proc/sys/kernel/kptr_restrict
hidden=$(pfns)
echo "$kr" > /proc/sys/kernel/kptr_restrict
lines=$(($(wc -l < $D/chunks) - 1))
if [ "$lines" -eq 0 ]; then
	echo "# debugfs_pfns_restricted: no chunk listed, nothing to show or hide"
elif [ "$seen" = "$lines" ] && [ "$hidden" = 0 ]; then
	pass debugfs_pfns_restricted
else
	fail debugfs_pfns_restricted "kptr_restrict=$kr: $seen of $lines PFNs shown; kptr_restrict=2: $hidden shown"
fi

# The NUMA-aware shrinker: drop_caches reclaims every node.  With
# permcache enabled, first leave three more idle SECRET chunks behind (1536
# secret pages, faulted and freed), so that what is released stands out
# from whatever else the guest allocates meanwhile.
if [ "$(cat $P/enable)" = Y ]; then
	pcwork secret 1536 > /dev/null || fail shrinker_setup "pcwork secret 1536 failed"
	for i in 1 2 3 4 5 6 7 8 9 10; do
		[ "$(stat units_used_secret)" = 0 ] && break
		sleep 0.3
	done
fi
reserve=$(cat $P/reserve)
over=$(nodes_col idle | awk -v r="$reserve" '{ if ($2 > r) s += $2 - r } END { print s + 0 }')
free0=$(meminfo MemFree) dm0=$(meminfo DirectMap2M) sp0=$(splits)
freed0=$(stat shrink_freed) rel0=$(stat chunks_released)
echo 2 > /proc/sys/vm/drop_caches
freed=$(($(stat shrink_freed) - freed0))
rise=$(($(meminfo MemFree) - free0))
left=$(nodes_col idle | awk -v r="$reserve" '$2 > r { print "node " $1 " keeps " $2 }')
echo "shrinker: reserve $reserve, $over idle above it, freed $freed, MemFree +${rise} kB"
if [ "$freed" = "$over" ] && [ -z "$left" ] &&
   [ $(($(stat chunks_released) - rel0)) = "$over" ] &&
   [ "$rise" -ge $((over * 2048 * 9 / 10 - 768)) ] &&
   [ "$(meminfo DirectMap2M)" = "$dm0" ] && [ "$(splits)" = "$sp0" ]; then
	pass shrinker_releases_idle_above_reserve
else
	fail shrinker_releases_idle_above_reserve "freed $freed of $over, MemFree +$rise kB, $left, DirectMap2M $dm0 -> $(meminfo DirectMap2M), splits $sp0 -> $(splits)"
fi

# shrink: write N, read back how many were released; it ignores reserve.
idle=$(stat chunks_idle) rel0=$(stat chunks_released) free0=$(meminfo MemFree)
echo 1 > $D/shrink
said=$(cat $D/shrink)
want=$((idle < 1 ? idle : 1))
if [ "$said" = "$want" ] && [ $(($(stat chunks_released) - rel0)) = "$said" ] &&
   [ "$(stat chunks_idle)" = $((idle - said)) ] && [ "$(splits)" = "$sp0" ]; then
	pass debugfs_shrink_releases_what_it_says
else
	fail debugfs_shrink_releases_what_it_says "said $said (want $want), released $(($(stat chunks_released) - rel0))"
fi
if adds_up; then
	pass debugfs_adds_up_after_release
else
	fail debugfs_adds_up_after_release "chunks/nodes/stats disagree"
fi
if echo bogus > $D/shrink 2>/dev/null; then
	fail debugfs_shrink_bad_input "'bogus' was accepted"
else
	pass debugfs_shrink_bad_input
fi
