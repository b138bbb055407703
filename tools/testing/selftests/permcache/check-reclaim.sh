#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# check-reclaim.sh - the shrinker under real memory pressure (issue 11).
#
# Node 1 holds clean page cache (files of the rig's ext2 disk, /dev/vda,
# read with numactl --membind=1) and idle permcache chunks above
# permcache.reserve; node 0 holds idle chunks too.  Anonymous memory bound
# to node 1 (pcwork anon-node) is then added in steps until node 1 runs
# short, sampling after each step node 1's idle chunks and file LRU pages,
# node 0's idle chunks and the reclaim counters.  Expected:
#
# - node 1's idle chunks go down to the reserve while node 1 still has at
#   least half of the page cache it had before the pressure (the chunks go
#   before most of the page cache);
# - node 0's idle chunks do not move (reclaim of node 1 takes only node 1's);
# - shrink_freed grew by what node 1 released, and the figures add up.
#
# Needs the disk (scripts/qemu.sh attaches build/reclaim-disk.img in
# pcmode=check) and two nodes with memory; otherwise it does not apply.
# permcache.enable (set to 1) and max_idle (raised to 64 so that trimming
# stays out of the way) are put back at the end.  For experiments, on the
# kernel command line: pcreclaimchunks=K idle chunks above the reserve on
# node 1 (default 4), pcreclaimfloor=PCT (see below).

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/neighbour-lib.sh"

N=1 O=0
DEV=/dev/vda MNT=/mnt/pcdata
[ -d $D ] || exit "$KSFT_SKIP"
[ -e /sys/devices/system/node/node$N/meminfo ] || exit "$KSFT_SKIP"
[ "$(awk '$3 == "MemTotal:" { print $4 }' /sys/devices/system/node/node$N/meminfo)" -gt 0 ] ||
	exit "$KSFT_SKIP"
if [ ! -b $DEV ]; then
	echo "reclaim: no $DEV (qemu.sh DISK=none?): nothing to fill the page cache from"
	exit "$KSFT_SKIP"
fi

# nmem NODE KEY: the KEY (e.g. MemFree) line of a node's meminfo, kB.
nmem() { awk -v k="$2:" '$3 == k { print $4 }' /sys/devices/system/node/node"$1"/meminfo; }
# filekb NODE: the node's file LRU pages (clean page cache here), kB.
filekb() { echo $(($(nmem "$1" "Active(file)") + $(nmem "$1" "Inactive(file)"))); }
# ncol NODE COLUMN: a column of debugfs "nodes", by its header name.
ncol() {
	awk -v n="$1" -v c="$2" 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == c) k = i; next }
				 $1 == n { print $k }' $D/nodes
}
vm() { awk -v k="$1" '$1 == k { print $2 }' /proc/vmstat; }

orig_en=$(cat $P/enable) orig_mi=$(cat $P/max_idle)
R=$(cat $P/reserve)
hogs=""
cleanup() {
	for p in $hogs; do kill "$p" 2>/dev/null; done
	for p in $hogs; do wait "$p" 2>/dev/null; done
	hogs=""
	rm -f /tmp/reclaim.hog.*
	umount $MNT 2>/dev/null
	echo "$orig_mi" > $P/max_idle
	echo "$orig_en" > $P/enable
}
trap cleanup EXIT
trap 'cleanup; exit 1' TERM INT

echo 1 > $P/enable
echo 64 > $P/max_idle

# A known start: no page cache, no idle chunks above the reserve.
sync
echo 3 > /proc/sys/vm/drop_caches

# Idle chunks: secret pages faulted on a node, then freed.  (K + reserve)
# chunks' worth leaves about K above the reserve.  That is more than the
# default RLIMIT_MEMLOCK (busybox sh has ulimit -l).
K1=$(pcarg pcreclaimchunks 4) K0=2
# shellcheck disable=SC3045
(
	ulimit -l unlimited
	pcwork secret-node $(((K1 + R) * 512)) $N > /dev/null ||
		echo "reclaim: pcwork secret-node on node $N failed"
	pcwork secret-node $(((K0 + R) * 512)) $O > /dev/null ||
		echo "reclaim: pcwork secret-node on node $O failed"
)
settle 100 || echo "reclaim: secret pages still in use or being zeroed"

# Clean page cache on node 1.
mkdir -p $MNT
if ! mount -t ext2 -o ro $DEV $MNT; then
	fail reclaim_setup "cannot mount $DEV (ext2) on $MNT"
	exit 1
fi
disk_kb=$(du -sk $MNT | cut -f1)
f_before=$(filekb $N)
t0=$(date +%s)
numactl --membind=$N cat $MNT/data* > /dev/null || echo "reclaim: reading $MNT failed"
echo "reclaim: read ${disk_kb} kB of $MNT with --membind=$N in $(($(date +%s) - t0))s;" \
	"node $N file LRU ${f_before} -> $(filekb $N) kB"

idle1_0=$(ncol $N idle) idle0_0=$(ncol $O idle) file0=$(filekb $N)
rel1_0=$(ncol $N released) acq1_0=$(ncol $N acquired)
freed0=$(stat shrink_freed) scans0=$(stat shrink_scans)
pgscan0=$(vm pgscan_file) pgsteal0=$(vm pgsteal_file) slabs0=$(vm slabs_scanned)
kswapd0=$(vm pgsteal_kswapd) direct0=$(vm pgsteal_direct)
cat $D/nodes
echo "reclaim: start: reserve $R; node $N: $idle1_0 idle chunks, file LRU $file0 kB," \
	"MemFree $(nmem $N MemFree) kB; node $O: $idle0_0 idle chunks, MemFree $(nmem $O MemFree) kB"
if [ "$idle1_0" -le "$R" ] || [ "$idle0_0" -lt 1 ] || [ "$file0" -lt $((disk_kb / 2)) ]; then
	fail reclaim_setup "node $N: $idle1_0 idle chunks (reserve $R), file LRU $file0 kB of $disk_kb kB read; node $O: $idle0_0 idle"
	exit 1
fi
pass reclaim_setup

# sample STEP MIB: one line of figures; sets idle1 file1 idle0.
sample() {
	idle1=$(ncol $N idle) file1=$(filekb $N) idle0=$(ncol $O idle)
	echo "reclaim: step $1 anon ${2} MiB: node $N idle $idle1 file $file1 kB ($((file1 * 100 / file0))%)" \
		"free $(nmem $N MemFree) kB; node $O idle $idle0 free $(nmem $O MemFree) kB;" \
		"shrink_scans +$(($(stat shrink_scans) - scans0)) shrink_freed +$(($(stat shrink_freed) - freed0))" \
		"pgscan_file +$(($(vm pgscan_file) - pgscan0)) pgsteal_file +$(($(vm pgsteal_file) - pgsteal0))" \
		"(kswapd +$(($(vm pgsteal_kswapd) - kswapd0)) direct +$(($(vm pgsteal_direct) - direct0)))" \
		"slabs_scanned +$(($(vm slabs_scanned) - slabs0))"
}

# hog MIB: one more process holding MIB MiB of anonymous memory on node 1;
# false if it did not get there (OOM-killed, or no answer in 60 s).
hog() {
	hog_out=/tmp/reclaim.hog.$step hog_i=0
	: > $hog_out
	pcwork anon-node "$1" $N > $hog_out 2>&1 &
	hog_pid=$!
	hogs="$hogs $hog_pid"
	while [ $hog_i -lt 600 ]; do
		grep -q '^anon_mib ' $hog_out && return 0
		if ! kill -0 $hog_pid 2>/dev/null; then
			echo "reclaim: hog of $1 MiB ended: $(tr '\n' ' ' < $hog_out)"
			return 1
		fi
		sleep 0.1
		hog_i=$((hog_i + 1))
	done
	echo "reclaim: hog of $1 MiB not done after 60 s"
	return 1
}

# First step: all but 32 MiB of node 1's free memory (no pressure yet),
# then 16 MiB at a time until node 1 is down to its reserve, or its page
# cache is below pcreclaimfloor=PCT (kernel command line, default 25) % of
# what it was (further on lies the OOM killer), or a hog fails.
floor=$(pcarg pcreclaimfloor 25)
step=0 anon=0 gone_at="" gone_file="" node0_moved="" min_file=$file0
sample 0 0
first=$(($(nmem $N MemFree) / 1024 - 32))
[ "$first" -ge 16 ] || first=16
size=$first
while [ $step -lt 80 ]; do
	step=$((step + 1))
	hog $size || break
	anon=$((anon + size))
	sleep 0.5
	sample $step $anon
	[ "$file1" -lt "$min_file" ] && min_file=$file1
	[ "$idle0" != "$idle0_0" ] && node0_moved="$node0_moved step $step: $idle0;"
	if [ "$idle1" -le "$R" ]; then
		gone_at=$step gone_file=$file1
		break
	fi
	[ $((file1 * 100)) -lt $((file0 * floor)) ] && break
	size=16
done
cat $D/nodes
freed=$(($(stat shrink_freed) - freed0))
rel1=$(($(ncol $N released) - rel1_0)) acq1=$(($(ncol $N acquired) - acq1_0))
pgsteal=$(($(vm pgsteal_file) - pgsteal0))
echo "reclaim: end after $step step(s), $anon MiB anon on node $N: node $N idle $idle1_0 -> $idle1" \
	"(released $rel1, acquired $acq1), file LRU $file0 -> $file1 kB (lowest $min_file);" \
	"node $O idle $idle0_0 -> $idle0; shrink_freed +$freed, pgsteal_file +$pgsteal," \
	"slabs_scanned +$(($(vm slabs_scanned) - slabs0))"

if [ "$pgsteal" -le 0 ] && [ "$freed" -le 0 ]; then
	fail reclaim_pressure "node $N was never reclaimed from ($step steps, $anon MiB anon)"
else
	pass reclaim_pressure
fi

if [ -n "$gone_at" ] && [ $((gone_file * 2)) -ge "$file0" ]; then
	pass reclaim_chunks_before_page_cache
elif [ -n "$gone_at" ]; then
	fail reclaim_chunks_before_page_cache "node $N's idle chunks reached the reserve ($R) only at step $gone_at, with $gone_file kB of $file0 kB of page cache left ($((gone_file * 100 / file0))%, less than half)"
else
	fail reclaim_chunks_before_page_cache "node $N still has $idle1 idle chunks (reserve $R, $idle1_0 before) with $file1 kB of $file0 kB of page cache left ($((file1 * 100 / file0))%)"
fi

if [ -z "$node0_moved" ] && [ "$idle0" = "$idle0_0" ]; then
	pass reclaim_other_node_keeps_chunks
else
	fail reclaim_other_node_keeps_chunks "node $O had $idle0_0 idle chunks, then$node0_moved now $idle0"
fi

# What node 1 lost went through the shrinker (trimming is kept out of the
# way by max_idle 64), and counted in shrink_freed.
if [ "$freed" -ge $((idle1_0 - idle1)) ] && [ "$rel1" = "$freed" ] && [ "$freed" -gt 0 ]; then
	pass reclaim_shrink_freed_counts
else
	fail reclaim_shrink_freed_counts "shrink_freed +$freed, node $N released $rel1, idle $idle1_0 -> $idle1"
fi

cleanup
trap - EXIT TERM INT
if adds_up; then
	pass reclaim_adds_up
else
	fail reclaim_adds_up "chunks/nodes/stats disagree"
fi
