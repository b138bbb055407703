#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# check-neighbour-memoffline.sh - memory offline and permcache (invariant 8).
#
# A memory block holding an idle chunk goes offline: the chunk is released
# (chunks_released counts it, the pfn leaves /sys/kernel/debug/permcache/
# chunks), and the block comes back online and serves again.  A block
# holding a chunk in use refuses (the write fails), and nothing is lost:
# the pages keep their contents (pcwork checks every page before exit).
#
# Whether a block can go offline also depends on the rest of the kernel
# (any other unmovable page in it refuses, as on stock), so a refusal is
# only blamed on permcache if the same block goes offline once permcache's
# idle chunks are gone ("shrink").

. "$(dirname "$0")/lib.sh"

D=/sys/kernel/debug/permcache
M=/sys/devices/system/memory
P=/sys/module/permcache/parameters/enable
[ -d "$M" ] && [ -r "$M/block_size_bytes" ] && [ -d "$D" ] || exit "$KSFT_SKIP"
nodes=$(ls -d /sys/devices/system/node/node[0-9]* | wc -l)
[ "$nodes" -ge 2 ] || exit "$KSFT_SKIP"
orig=$(cat "$P")
echo 1 > "$P"
N=1
bs=$((0x$(cat "$M/block_size_bytes")))
pages_per_block=$((bs / 4096))

stat() { awk -v k="$1" '$1 == k { print $2 }' $D/stats; }
# chunks_of NODE STATE: "pfn" lines of chunks of NODE in STATE (idle|active).
chunks_of() { awk -v n="$1" -v s="$2" 'NR > 1 && $1 == n && $4 == s { print $2 }' $D/chunks; }
block_of() { echo $(( $1 / pages_per_block )); }
offline() { echo offline > "$M/memory$1/state" 2>/dev/null; }
online() { echo online > "$M/memory$1/state" 2>/dev/null; }

MI=/sys/module/permcache/parameters/max_idle
orig_mi=$(cat "$MI")

# Idle chunks on node N, spread over more than one memory block: keep up
# to 1000 idle, fault and free 64 chunks' worth of secret pages there.
# Each block holding idle chunks is tried once.
echo 1000 > "$MI"
# 128 MiB of secret memory is above the default RLIMIT_MEMLOCK.
(ulimit -l unlimited && numactl --membind=$N pcwork secret 32768 > /dev/null 2>&1) ||
	echo "pcwork secret 32768 on node $N failed"
sleep 1
blocks=$(chunks_of $N idle | while read -r p; do block_of $((p)); done | sort -un)
echo "idle chunks on node $N: $(chunks_of $N idle | wc -l), in block(s): $(echo $blocks)"
tried=0 done=
for b in $blocks; do
	[ -e "$M/memory$b/state" ] && grep -q online "$M/memory$b/state" || continue
	n_here=$(chunks_of $N idle | while read -r p; do [ "$(block_of $((p)))" = "$b" ] && echo "$p"; done | wc -l)
	[ "$n_here" -gt 0 ] || continue
	tried=$((tried + 1))
	rel0=$(stat chunks_released)
	if offline "$b"; then
		rel=$(($(stat chunks_released) - rel0))
		left=$(chunks_of $N idle | while read -r p; do [ "$(block_of $((p)))" = "$b" ] && echo "$p"; done | wc -l)
		echo "memory$b: offline with $n_here idle chunk(s) in it; released $rel, $left left there"
		online "$b" || fail memoffline_online_again "memory$b did not come back online"
		if [ "$rel" -ge "$n_here" ] && [ "$left" -eq 0 ]; then
			pass memoffline_releases_idle_chunks
		else
			fail memoffline_releases_idle_chunks "memory$b offline with $n_here idle chunk(s), but $rel released and $left still listed there"
		fi
		done=1
		break
	fi
	echo "memory$b: refused with $n_here idle chunk(s) in it (other unmovable pages?), next"
done
if [ -z "$done" ]; then
	# Were the refusals permcache's?  Release its idle chunks and retry.
	echo 100000 > $D/shrink
	for b in $blocks; do
		grep -q online "$M/memory$b/state" 2>/dev/null || continue
		if offline "$b"; then
			online "$b"
			fail memoffline_releases_idle_chunks "memory$b refused while it held idle chunks, went offline once permcache released them"
			done=1
			break
		fi
	done
fi
if [ -z "$done" ]; then
	if [ "$tried" -eq 0 ]; then
		fail memoffline_releases_idle_chunks "no idle chunk on node $N in an online block"
	else
		echo "# none of $tried block(s) with idle chunks can go offline, with or without them"
		pass memoffline_releases_idle_chunks
	fi
fi
echo "$orig_mi" > "$MI"

# After offline and online: the node's cache serves as before.
if out=$(numactl --membind=$N pcwork secret 256 2>&1) &&
   echo "$out" | grep -q "^secret_pages_node$N 256$"; then
	pass memoffline_node_serves_after
else
	fail memoffline_node_serves_after "$(echo "$out" | tail -n 2 | tr '\n' ' ')"
fi

# A block with a chunk in use refuses, and nothing is lost.
numactl --membind=$N pcwork secret 512 6 > /tmp/pcw.memoff 2>&1 &
w=$!
sleep 2
busy=$(chunks_of $N active | head -n 1)
if [ -n "$busy" ]; then
	b=$(block_of $((busy)))
	c0=$(stat chunks)
	if offline "$b"; then
		online "$b"
		fail memoffline_refused_in_use "memory$b went offline with a chunk in use (pfn $busy)"
	elif [ "$(stat chunks)" -ne "$c0" ]; then
		fail memoffline_refused_in_use "chunks $c0 -> $(stat chunks) after the refusal"
	else
		pass memoffline_refused_in_use
	fi
else
	fail memoffline_refused_in_use "no chunk in use on node $N while pcwork held 512 pages"
fi
if wait "$w" && grep -q "^secret_faults 512" /tmp/pcw.memoff; then
	pass memoffline_in_use_pages_intact
else
	fail memoffline_in_use_pages_intact "pcwork: $(tail -n 2 /tmp/pcw.memoff | tr '\n' ' ')"
fi
echo "$orig" > "$P"
