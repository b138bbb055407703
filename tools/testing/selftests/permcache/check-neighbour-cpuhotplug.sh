#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# check-neighbour-cpuhotplug.sh - CPU hotplug under memfd_secret churn
# (design invariant 8; permcache keeps per-CPU temporary mms and zeroes
# freed SECRET pages in batches from work items): while three churn
# processes run (pcwork secret-loop bound to node 0 and to node 1, and
# stress-ng --secretmem 1), cpu1 goes offline and online 5 times.
# Asserts: every offline/online write returns within 60 s and takes effect
# (cpu1/online reads 0, then 1; /sys/devices/system/cpu/online ends as it
# began); each churn process made progress during the cycles and exited 0
# (no SIGBUS, no lost contents); afterwards no SECRET page is in use,
# zero_pending drains to 0 within 5 s, every page allocated meanwhile was
# freed (alloc_secret and free_secret moved by the same amount, with
# permcache enabled), and the debugfs figures add up.  Kernel warnings go to
# final-20-dmesg.sh.

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/neighbour-lib.sh"

cd /tmp || exit 1
C=/sys/devices/system/cpu
if [ ! -w $C/cpu1/online ]; then
	echo "no hot-pluggable cpu1"
	exit $KSFT_SKIP
fi
en=$(enabled)
online0=$(cat $C/online)
echo "permcache.enable=$en; online CPUs: $online0"
[ "$(cat $C/cpu1/online)" = 1 ] || guarded_write 60 $C/cpu1/online 1
settle 100
a0=$(stat alloc_secret) f0=$(stat free_secret)

nodes=$(ls -d /sys/devices/system/node/node* | sed 's/.*node//')
pids=""
for n in $nodes; do
	pcwork secret-loop 900 32 "$n" > /tmp/hp-loop.$n 2>&1 &
	pids="$pids $!"
done
stress-ng --secretmem 1 -t 900s > /tmp/hp-stress.out 2>&1 &
spid=$!
sleep 2

# Progress of the pcwork loops is only printed at the end: count the
# allocations that happen during the cycles instead (enabled), or trust
# their round counts.
am=$(stat alloc_secret)
ok=0
# Five cycles; two in the debug kernel, where each takes half a minute.
cycles=5
is_debug && cycles=2
for i in $(seq $cycles); do
	guarded_write 60 $C/cpu1/online 0
	r0=$wr_rc s0=$(cat $C/cpu1/online)
	sleep 0.5
	guarded_write 60 $C/cpu1/online 1
	r1=$wr_rc s1=$(cat $C/cpu1/online)
	echo "cycle $i: offline exit $r0 (online=$s0), online exit $r1 (online=$s1)"
	if [ "$r0" = 0 ] && [ "$s0" = 0 ] && [ "$r1" = 0 ] && [ "$s1" = 1 ]; then
		ok=$((ok + 1))
	else
		[ "$r0" = 124 ] || [ "$r1" = 124 ] && break
	fi
	sleep 0.5
done
during=$(($(stat alloc_secret) - am))
if [ "$ok" = "$cycles" ] && [ "$(cat $C/online)" = "$online0" ]; then
	pass cpuhotplug_cycles
else
	fail cpuhotplug_cycles "$ok of $cycles offline/online cycles of cpu1 worked; online CPUs $online0 -> $(cat $C/online)"
fi

alive=0
for p in $pids $spid; do
	kill -0 "$p" 2>/dev/null && alive=$((alive + 1))
done
kill -TERM $pids 2>/dev/null
kill -INT $spid 2>/dev/null
bad=""
for p in $pids; do
	wait "$p"
	rc=$?
	[ "$rc" = 0 ] || bad="$bad pcwork:$rc"
done
wait $spid
rc=$?
[ "$rc" = 0 ] || bad="$bad stress-ng:$rc"
rounds=$(cat /tmp/hp-loop.* | awk '$1 == "secret_rounds" { s += $2; n++ } END { print n + 0, s + 0 }')
echo "churn: $alive of $(($(echo $pids | wc -w) + 1)) alive after the cycles; pcwork (loops, rounds): $rounds; secret pages allocated during the cycles: $during"
tail -n 3 /tmp/hp-stress.out
cat /tmp/hp-loop.*
set -- $rounds
nloops=$(echo $pids | wc -w)
if [ -n "$bad" ] || [ "$alive" != $((nloops + 1)) ] || [ "$1" != "$nloops" ] ||
   [ "$2" -lt "$nloops" ]; then
	fail cpuhotplug_churn_survives "exits:${bad:- all 0}; $alive alive after the cycles; loops/rounds $rounds"
elif [ "$en" = Y ] && [ "$during" -lt 64 ]; then
	fail cpuhotplug_churn_survives "only $during SECRET pages allocated during the cycles: no churn to speak of"
else
	pass cpuhotplug_churn_survives
fi

if [ -e $D/stats ]; then
	i=0
	while [ $i -lt 50 ]; do
		[ "$(stat zero_pending)" = 0 ] && [ "$(stat units_used_secret)" = 0 ] && break
		sleep 0.1
		i=$((i + 1))
	done
	zp=$(stat zero_pending) used=$(stat units_used_secret)
	da=$(($(stat alloc_secret) - a0)) df=$(($(stat free_secret) - f0))
	echo "after $((i * 100)) ms: zero_pending $zp, units_used_secret $used; alloc_secret +$da, free_secret +$df"
	if [ "$zp" != 0 ] || [ "$used" != 0 ]; then
		fail cpuhotplug_zero_drains "zero_pending $zp, units_used_secret $used 5 s after the churn ended"
	elif [ "$da" != "$df" ]; then
		fail cpuhotplug_zero_drains "alloc_secret +$da but free_secret +$df"
	else
		pass cpuhotplug_zero_drains
	fi
	if adds_up; then
		pass cpuhotplug_adds_up
	else
		fail cpuhotplug_adds_up "chunks/nodes/stats disagree after the hotplug cycles"
	fi
fi
exit 0
