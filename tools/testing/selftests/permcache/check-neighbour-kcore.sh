#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# check-neighbour-kcore.sh - /proc/kcore readers see what they see on stock
# 6.12 (design invariant 8), whatever permcache.enable this boot has:
#  - every BPF JIT image (16 distinct programs kept loaded) reads back
#    through the PT_LOAD that covers its address exactly as
#    BPF_OBJ_GET_INFO_BY_FD shows it, with pread() and with sendfile()
#    (on x86-64 every /proc/kcore offset is above /proc's s_maxbytes,
#    MAX_NON_LFS, so sendfile() fails with EOVERFLOW on stock 6.12 too;
#    pcwork then uses splice() into a pipe, the same ->splice_read() path,
#    and says so: kcore_sendfile_eoverflow_spliced); a text chunk whose
#    direct-map PMD is not present makes the read() livelock in
#    read_kcore_iter() and the splice oops (pcwork reports either as a
#    timeout or a killed reader, not a hang).  Where /proc/kcore has no PT_LOAD for the JIT addresses at all (kernels
#    without CONFIG_MODULES, stock 6.12 too) this part is reported as not
#    tested.  With permcache enabled, each image must also read back
#    through the direct map of the text chunk that holds it (same offset in
#    the chunk as in its 2 MiB alias): the chunk's direct-map PMD is present
#    and read-only, where a not-present one reads as zeros;
#  - the direct-map address of each of 16 memfd_secret pages reads as zeros
#    (never the pattern the process wrote), with pread() and sendfile(),
#    while 16 mlocked anonymous pages with a pattern, read the same way, do
#    read back (so the PFN -> KCORE_RAM lookup is right);
#  - with permcache enabled: the images came from permcache text chunks and
#    none of this split the direct map (direct_map_level2_splits,
#    DirectMap4k), and the debugfs figures still add up.

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/neighbour-lib.sh"

cd /tmp || exit 1
if [ ! -r /proc/kcore ]; then
	fail kcore_present "no /proc/kcore (CONFIG_PROC_KCORE is in the test config)"
	exit 1
fi
en=$(enabled)
echo "permcache.enable=$en"
dm0=$(dm_state)

# Four more programs held in the background: text chunks in use meanwhile.
pcwork bpf 4 600 > /tmp/kcore-bpf-hold.out 2>&1 &
holder=$!
i=0
while ! grep -q bpf_held /tmp/kcore-bpf-hold.out && [ $i -lt 100 ]; do
	sleep 0.1
	i=$((i + 1))
done
rox_used=$(stat units_used_rox)

# val OUT KEY: the value of "KEY value" in OUT.
val() { echo "$1" | awk -v k="$2" '$1 == k { print $2; exit }'; }

out=$(PCWORK_KCORE_TIMEOUT=30 pcwork kcore-bpf 16 2>&1)
rc=$?
echo "$out"
ntext=$(val "$out" text_chunks)
for m in read sendfile; do
	match=$(val "$out" kcore_${m}_match)
	unc=$(val "$out" kcore_${m}_uncovered)
	dm=$(val "$out" kcore_${m}_directmap_match)
	if [ "$(val "$out" kcore_${m}_timeout)" = 1 ]; then
		fail kcore_bpf_$m "a /proc/kcore $m of a JIT image never returned (livelock?)"
		continue
	elif [ -n "$(val "$out" kcore_${m}_killed)" ]; then
		fail kcore_bpf_$m "the /proc/kcore reader ($m) was killed by signal $(val "$out" kcore_${m}_killed) (oops?)"
		continue
	elif [ "$(val "$out" bpf_images)" != 16 ]; then
		fail kcore_bpf_$m "could not load and inspect 16 BPF programs (rc $rc)"
		continue
	fi
	# The JIT images at their own addresses (the text alias).
	if [ "$unc" = 16 ]; then
		# Stock 6.12 too: execmem puts the JIT in the module range, which
		# /proc/kcore lists only with CONFIG_MODULES.
		echo "# kcore_bpf_$m not tested: no PT_LOAD of /proc/kcore covers the JIT images (kernel without CONFIG_MODULES: kcore has no module range)"
	elif [ "$match" != 16 ]; then
		fail kcore_bpf_$m "$match of 16 JIT images read back; mismatch $(val "$out" kcore_${m}_mismatch), unread $(val "$out" kcore_${m}_unread), no PT_LOAD $unc"
	else
		pass kcore_bpf_$m
	fi
	# The same bytes through the text chunk's direct map (read-only PMD).
	if [ "$en" != Y ]; then
		:
	elif [ "${ntext:-0}" -lt 1 ]; then
		fail kcore_bpf_directmap_$m "permcache lists no text chunk while 16 JIT images exist"
	elif [ "$dm" != 16 ]; then
		fail kcore_bpf_directmap_$m "${dm:-0} of 16 JIT images read back through the direct map of the $ntext text chunk(s) (a chunk whose direct-map PMD is not present reads as zeros)"
	else
		pass kcore_bpf_directmap_$m
	fi
done

out=$(PCWORK_KCORE_TIMEOUT=30 pcwork kcore-secret 16 2>&1)
rc=$?
echo "$out"
for m in read sendfile; do
	ctl=$(val "$out" kcore_${m}_control_match)
	zero=$(val "$out" kcore_${m}_secret_zero)
	pat=$(val "$out" kcore_${m}_secret_pattern)
	if [ "$(val "$out" kcore_${m}_timeout)" = 1 ] || [ -n "$(val "$out" kcore_${m}_killed)" ]; then
		fail kcore_secret_$m "the /proc/kcore reader ($m) hung or was killed"
	elif [ "$ctl" != 16 ]; then
		fail kcore_secret_$m "only ${ctl:-no} of 16 control pages read back through the direct map (rc $rc): lookup broken"
	elif [ "$pat" != 0 ] || [ "$zero" != 16 ]; then
		fail kcore_secret_$m "secret pages through the direct map: $zero of 16 zero, $pat show what the process wrote"
	else
		pass kcore_secret_$m
	fi
done

kill $holder 2>/dev/null
wait $holder 2>/dev/null
if [ "$en" = Y ]; then
	dm1=$(dm_state)
	echo "direct map (splits 4k 2M): $dm0 -> $dm1; units_used_rox with 4 programs held: $rox_used, chunks_rox $(stat chunks_rox)"
	set -- $dm0
	s0=$1 k0=$2
	set -- $dm1
	if ! grep -q bpf_held /tmp/kcore-bpf-hold.out || [ "${rox_used:-0}" -lt 4 ] ||
	   [ "$(stat chunks_rox)" -lt 1 ]; then
		fail kcore_text_from_permcache "units_used_rox $rox_used with 4 programs held, chunks_rox $(stat chunks_rox): the JIT images are not in permcache text chunks"
	else
		pass kcore_text_from_permcache
	fi
	if [ "$1" != "$s0" ] || [ "$2" != "$k0" ]; then
		fail kcore_no_split "direct_map_level2_splits $s0 -> $1, DirectMap4k $k0 -> $2 kB"
	else
		pass kcore_no_split
	fi
	settle 50
	if adds_up; then
		pass kcore_adds_up
	else
		fail kcore_adds_up "chunks/nodes/stats disagree after the kcore reads"
	fi
fi
exit 0
