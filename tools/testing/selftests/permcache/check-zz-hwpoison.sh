#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# check-zz-hwpoison.sh - a hardware-poisoned page in a permcache chunk
# (design invariant 8: never zeroed, handed out or freed back).  It retires
# a chunk for good, so it runs after every other check-*.sh (hence "zz"),
# before the final-*.sh.  With permcache enabled only.
#
# Node 1 (else the last node) is left with exactly one idle SECRET chunk
# (all idle chunks released through debugfs "shrink", then 512 memfd_secret
# pages faulted and freed there); page 37 of it is poisoned with
# /sys/kernel/debug/hwpoison/corrupt-pfn; then 2048 memfd_secret pages are
# faulted with the task bound to that node (pcwork secret-node, which reads
# their PFNs from /proc/self/pagemap).  Asserts:
#  - no SIGBUS, all 2048 pages mapped, on that node, the poisoned PFN is not
#    among them (hwpoison_never_handed_out);
#  - the hwpoisoned stat rose by exactly 1, chunks_retired by 1, and the
#    chunk is still listed (hwpoison_chunk_retired);
#  - "shrink" of every idle chunk does not release it (it stays listed, no
#    "Bad page" in the kernel log) and the debugfs figures add up
#    (hwpoison_never_freed_back);
#  - a further 512-page allocation on that node still works and still
#    avoids the PFN (hwpoison_alloc_after).

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/neighbour-lib.sh"

cd /tmp || exit 1
if [ "$(enabled)" != Y ]; then
	echo "permcache.enable=$(enabled): no chunk to poison"
	exit $KSFT_SKIP
fi
H=/sys/kernel/debug/hwpoison/corrupt-pfn
if [ ! -w $H ]; then
	fail hwpoison_inject "no $H (CONFIG_HWPOISON_INJECT is in the test config)"
	exit 1
fi
if [ -z "$(stat hwpoisoned)" ]; then
	fail hwpoison_stat "no 'hwpoisoned' line in $D/stats (feature not in this kernel)"
	exit 1
fi
node=1
[ -d /sys/devices/system/node/node1 ] ||
	node=$(ls -d /sys/devices/system/node/node* | sed 's/.*node//' | sort -n | tail -n 1)

# val OUT KEY: the value of "KEY value" in OUT.
val() { echo "$1" | awk -v k="$2" '$1 == k { print $2; exit }'; }
# listed PFN: the chunks line of the chunk at PFN (hex, as debugfs prints it).
listed() { awk -v p="$1" 'NR > 1 && $2 == p' $D/chunks; }

settle 100 || echo "secret pages still in use: $(stat units_used_secret), pending $(stat zero_pending)"
echo 100000 > $D/shrink
echo "released $(cat $D/shrink) idle chunks"
out=$(pcwork secret-node 512 $node 2>&1) || fail hwpoison_setup "pcwork secret-node 512 $node: $out"
settle 100
cat $D/chunks
chunk=$(awk -v n=$node 'NR > 1 && $1 == n && $4 == "idle" && ($3 == "secret" || $3 == "clean") { print $2; exit }' $D/chunks)
nidle=$(awk -v n=$node 'NR > 1 && $1 == n && $4 == "idle" && ($3 == "secret" || $3 == "clean")' $D/chunks | wc -l)
if [ -z "$chunk" ]; then
	fail hwpoison_setup "no idle SECRET or clean chunk on node $node"
	exit 1
fi
pfn=$((chunk + 37))
hwp0=$(stat hwpoisoned) ret0=$(stat chunks_retired) dm0=$(dm_state)
echo "node $node: $nidle idle SECRET/clean chunk(s); poisoning pfn $pfn ($(printf %#x $pfn)), page 37 of chunk $chunk"
guarded_write 30 $H $pfn
echo "corrupt-pfn: exit $wr_rc '$wr_msg'"
dmesg | grep -iE 'memory failure|hwpoison|poison' | tail -n 3

out=$(pcwork secret-node 2048 $node $pfn 2>&1)
rc=$?
echo "$out"
on=$(val "$out" secret_pages_node$node)
if echo "$out" | grep -q '^sigbus'; then
	fail hwpoison_never_handed_out "SIGBUS while faulting 2048 secret pages: $(echo "$out" | grep '^sigbus')"
elif [ "$(val "$out" pfn_handed_out)" != 0 ]; then
	fail hwpoison_never_handed_out "the poisoned pfn $pfn was mapped into the process ($(val "$out" pfn_handed_out_at_page))"
elif [ "$rc" != 0 ] || [ "$(val "$out" pfns_mapped)" != 2048 ] || [ "$on" != 2048 ]; then
	fail hwpoison_never_handed_out "rc $rc, $(val "$out" pfns_mapped) of 2048 pages mapped, $on on node $node"
else
	pass hwpoison_never_handed_out
fi
settle 50
hwp=$(($(stat hwpoisoned) - hwp0)) ret=$(($(stat chunks_retired) - ret0))
echo "hwpoisoned +$hwp, chunks_retired +$ret; chunk: $(listed $chunk)"
if [ "$hwp" = 1 ] && [ "$ret" = 1 ] && [ -n "$(listed $chunk)" ]; then
	pass hwpoison_chunk_retired
else
	fail hwpoison_chunk_retired "hwpoisoned +$hwp, chunks_retired +$ret (want 1 each), chunk $chunk listed: '$(listed $chunk)'"
fi

bad0=$(dmesg | grep -c 'Bad page')
echo 100000 > $D/shrink
echo "shrink released $(cat $D/shrink) idle chunks; direct map (splits 4k 2M) $dm0 -> $(dm_state)"
if [ -z "$(listed $chunk)" ] || [ "$(dmesg | grep -c 'Bad page')" != "$bad0" ]; then
	fail hwpoison_never_freed_back "chunk $chunk listed after shrink: '$(listed $chunk)'; 'Bad page' lines $bad0 -> $(dmesg | grep -c 'Bad page')"
elif ! adds_up; then
	fail hwpoison_never_freed_back "chunks/nodes/stats disagree with a retired chunk"
else
	pass hwpoison_never_freed_back
fi

out=$(pcwork secret-node 512 $node $pfn 2>&1)
rc=$?
echo "$out"
if [ "$rc" = 0 ] && [ "$(val "$out" pfn_handed_out)" = 0 ] &&
   [ "$(val "$out" secret_pages_node$node)" = 512 ]; then
	pass hwpoison_alloc_after
else
	fail hwpoison_alloc_after "rc $rc: $(echo "$out" | tr '\n' ' ')"
fi
exit 0
