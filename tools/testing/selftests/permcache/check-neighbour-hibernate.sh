#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# check-neighbour-hibernate.sh - the hibernation snapshot and permcache
# (design invariants 3 and 8), with no swap device: "echo disk >
# /sys/power/state" builds the image ("PM: Image created" in the kernel
# log) and then fails to write it (ENODEV: no swap), the machine stays up.
#  - with BPF programs loaded (text chunks in use) and after memfd_secret
#    churn on every node whose files are closed (idle SECRET chunks, out of
#    the direct map): the attempt is allowed, the image is built, and
#    direct_map_level2_splits and DirectMap4k do not move (a snapshot that
#    copies a chunk's pages through set_direct_map_default_noflush() one by
#    one splits its 2 MiB PMD); the debugfs figures still add up;
#  - while a memfd_secret file is open it is refused with EPERM and "disk"
#    is not offered in /sys/power/state (stock secretmem_active()); once the
#    file is closed it is allowed again (fails with the no-swap error).
# Every attempt is bounded (HIB_TIMEOUT, 150 s): a hung attempt is a FAIL.

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/neighbour-lib.sh"

cd /tmp || exit 1
HIB_TIMEOUT=150
# The debug kernel (KASAN, lockdep) under TCG copies a far bigger image.
is_debug && HIB_TIMEOUT=600

if [ ! -w /sys/power/state ] || [ ! -e /sys/power/disk ]; then
	fail hibernate_available "no /sys/power/state or /sys/power/disk (CONFIG_HIBERNATION is in the test config)"
	exit 1
fi
if [ -n "$(awk 'NR > 1' /proc/swaps 2>/dev/null)" ]; then
	echo "a swap device is active: the image would be written and the guest powered off"
	exit $KSFT_SKIP
fi
case " $(cat /proc/cmdline) " in
*" nohibernate "* | *" hibernate=no "*)
	echo "hibernation disabled on the command line"
	exit $KSFT_SKIP ;;
esac
en=$(enabled)
echo "permcache.enable=$en; /sys/power/state: $(cat /sys/power/state); /sys/power/disk: $(cat /sys/power/disk)"

images() { dmesg | grep -c 'Image created'; }

# hibernate: one attempt; sets wr_rc, wr_msg, and made=1 if an image was built.
hibernate() {
	local n0
	n0=$(images)
	guarded_write $HIB_TIMEOUT /sys/power/state disk
	made=$(($(images) - n0))
	echo "hibernation attempt: exit $wr_rc, '$wr_msg', images built: $made"
	dmesg | grep -E 'PM: |hibernation' | tail -n 4
}
# refused_eperm: the last attempt failed with EPERM.
refused_eperm() { [ "$wr_rc" != 0 ] && echo "$wr_msg" | grep -q 'not permitted'; }
# failed_noswap: the last attempt built the image, then failed for want of swap.
failed_noswap() {
	[ "$wr_rc" != 0 ] && [ "$wr_rc" != 124 ] && ! refused_eperm && [ "$made" -ge 1 ]
}

# Idle SECRET chunks (when enabled): churn on every node, files closed.
for n in $(ls -d /sys/devices/system/node/node* | sed 's/.*node//'); do
	numactl --membind="$n" pcwork secret 1024 > /dev/null ||
		fail hibernate_setup "pcwork secret 1024 on node $n failed"
done
settle 100 || echo "secret pages still in use or pending: $(stat units_used_secret) $(stat zero_pending)"
# Text chunks in use: 8 BPF programs held through the attempt.
pcwork bpf 8 900 > /tmp/hib-bpf.out 2>&1 &
bpfpid=$!
i=0
while ! grep -q bpf_held /tmp/hib-bpf.out && [ $i -lt 100 ]; do
	sleep 0.1
	i=$((i + 1))
done
if [ "$en" = Y ]; then
	echo "before: chunks_secret $(stat chunks_secret) (idle $(stat chunks_idle)), chunks_rox $(stat chunks_rox), units_used_rox $(stat units_used_rox)"
	if [ "$(stat chunks_rox)" -lt 1 ] || [ "$(stat units_used_rox)" -lt 1 ] ||
	   [ "$(stat chunks_secret)" -lt 1 ]; then
		fail hibernate_setup "no text chunk in use or no idle SECRET chunk before the attempt"
	fi
fi
cat $D/chunks 2>/dev/null | head -n 20

dm0=$(dm_state)
hibernate
dm1=$(dm_state)
echo "direct map (splits 4k 2M): $dm0 -> $dm1"
if [ "$wr_rc" = 124 ]; then
	fail hibernate_snapshot "the hibernation attempt did not return in ${HIB_TIMEOUT}s"
	# Nothing more can be learnt; do not leave the held programs behind.
	kill $bpfpid 2>/dev/null
	exit 1
elif ! failed_noswap; then
	fail hibernate_snapshot "exit $wr_rc '$wr_msg', $made image(s) built: wanted the image built and a no-swap error"
else
	pass hibernate_snapshot
fi
set -- $dm0
s0=$1 k0=$2
set -- $dm1
if [ "$1" != "$s0" ] || [ "$2" != "$k0" ]; then
	fail hibernate_no_split "direct_map_level2_splits $s0 -> $1, DirectMap4k $k0 -> $2 kB across the snapshot"
else
	pass hibernate_no_split
fi
if ! kill -0 $bpfpid 2>/dev/null; then
	fail hibernate_bpf_held "the process holding 8 BPF programs is gone"
else
	pass hibernate_bpf_held
fi
kill $bpfpid 2>/dev/null
wait $bpfpid 2>/dev/null
if [ -e $D/stats ]; then
	settle 50
	if adds_up; then
		pass hibernate_adds_up
	else
		fail hibernate_adds_up "chunks/nodes/stats disagree after the snapshot"
	fi
fi

# An open memfd_secret file: refused with EPERM, not offered.
pcwork secret 64 900 > /tmp/hib-secret.out 2>&1 &
secpid=$!
i=0
while ! grep -q secret_pages_node /tmp/hib-secret.out && [ $i -lt 100 ]; do
	sleep 0.1
	i=$((i + 1))
done
offered=$(grep -c disk /sys/power/state)
dm0=$(dm_state)
hibernate
dm1=$(dm_state)
if refused_eperm && [ "$made" = 0 ] && [ "$offered" = 0 ] && [ "$dm0" = "$dm1" ]; then
	pass hibernate_refused_with_secret
else
	fail hibernate_refused_with_secret "exit $wr_rc '$wr_msg', $made image(s) built, 'disk' offered: $offered, direct map $dm0 -> $dm1"
fi
if ! kill -0 $secpid 2>/dev/null; then
	fail hibernate_secret_held "the memfd_secret holder is gone: $(cat /tmp/hib-secret.out)"
else
	pass hibernate_secret_held
fi
kill $secpid 2>/dev/null
wait $secpid 2>/dev/null
settle 100

# Closed: allowed again, and still nothing split.
dm0=$(dm_state)
hibernate
dm1=$(dm_state)
if [ "$wr_rc" = 124 ]; then
	fail hibernate_allowed_after_close "the attempt did not return in ${HIB_TIMEOUT}s"
	exit 1
elif ! failed_noswap; then
	fail hibernate_allowed_after_close "exit $wr_rc '$wr_msg', $made image(s) built: wanted the no-swap error, not EPERM"
elif [ "$dm0" != "$dm1" ]; then
	fail hibernate_allowed_after_close "direct map (splits 4k 2M) $dm0 -> $dm1 across the snapshot"
else
	pass hibernate_allowed_after_close
fi
if [ -e $D/stats ]; then
	if adds_up; then
		pass hibernate_adds_up_after_close
	else
		fail hibernate_adds_up_after_close "chunks/nodes/stats disagree"
	fi
fi
exit 0
