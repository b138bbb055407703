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

# Idle chunks on node N: fault and free 2048 secret pages there.
numactl --membind=$N pcwork secret 2048 > /dev/null 2>&1
sleep 1
tried=0 done=
for pfn in $(chunks_of $N idle); do
	b=$(block_of $((pfn)))
	[ -e "$M/memory$b/state" ] || continue
	grep -q online "$M/memory$b/state" || continue
	tried=$((tried + 1))
	rel0=$(stat chunks_released)
	if offline "$b"; then
		rel=$(($(stat chunks_released) - rel0))
		left=$(chunks_of $N idle | while read -r p; do [ "$(block_of $((p)))" = "$b" ] && echo "$p"; done | wc -l)
		echo "memory$b (pfn $pfn): offline; released $rel chunk(s), $left left there"
		online "$b" || fail memoffline_online_again "memory$b did not come back online"
		if [ "$rel" -ge 1 ] && [ "$left" -eq 0 ]; then
			pass memoffline_releases_idle_chunks
		else
			fail memoffline_releases_idle_chunks "memory$b offline, but $rel released and $left idle chunk(s) still listed there"
		fi
		done=1
		break
	fi
	# Refused: because of permcache, or of something else in the block?
	echo 100000 > $D/shrink
	if offline "$b"; then
		online "$b"
		fail memoffline_releases_idle_chunks "memory$b refused with an idle chunk (pfn $pfn) but went offline once permcache released it"
		done=1
		break
	fi
	echo "memory$b (pfn $pfn): not offlinable for other reasons, next"
	numactl --membind=$N pcwork secret 2048 > /dev/null 2>&1
	sleep 1
	[ "$tried" -ge 6 ] && break
done
if [ -z "$done" ]; then
	if [ "$tried" -eq 0 ]; then
		fail memoffline_releases_idle_chunks "no idle chunk on node $N in an online block"
	else
		echo "# none of $tried block(s) with an idle chunk could go offline, for reasons outside permcache"
		pass memoffline_releases_idle_chunks
	fi
fi

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
