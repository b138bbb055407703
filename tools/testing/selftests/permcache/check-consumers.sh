#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# check-consumers.sh - memfd_secret and the BPF JIT under load, with
# whatever permcache.enable this boot has (make check boots with 1 and 0):
# stress-ng --secretmem, --seccomp (JITted seccomp filters), --numa and
# --tlb-shootdown complete; secret pages land on the node numactl --membind
# names; the memcg charge of secret pages is there while they are mapped
# and gone once the file is; RLIMIT_MEMLOCK still limits them.  Any oops or
# WARN they cause fails final-20-dmesg.sh.

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/neighbour-lib.sh"

cd /tmp || exit 1
enabled=$(cat /sys/module/permcache/parameters/enable 2>/dev/null)
echo "permcache.enable=$enabled"

for s in "secretmem 2 --secretmem-ops 400" "seccomp 1 --seccomp-ops 200" \
	 "numa 1 --numa-ops 20" "tlb-shootdown 1 --tlb-shootdown-ops 200"; do
	name=${s%% *}
	out=$(stress-ng --$s -t 30s 2>&1)
	rc=$?
	echo "$out" | tail -n 3
	if [ "$rc" -ne 0 ]; then
		fail "stress_$name" "stress-ng --$s exited $rc"
	elif echo "$out" | grep -qiE 'skipped: [1-9]|not implemented'; then
		fail "stress_$name" "stress-ng skipped --$name"
	else
		pass "stress_$name"
	fi
done

# Placement: every node, 64 pages each, all on the node asked for.
for n in $(ls -d /sys/devices/system/node/node* | sed 's/.*node//'); do
	before=$(awk -v n="$n" 'NR > 1 && $1 == n { print $11 }' $D/nodes)
	out=$(numactl --membind="$n" pcwork secret 64 2>&1)
	rc=$?
	echo "$out"
	on=$(echo "$out" | awk -v k="secret_pages_node$n" '$1 == k { print $2 }')
	other=$(echo "$out" | awk -v k="secret_pages_node$n" '$1 ~ /^secret_pages_node/ && $1 != k { s += $2 } END { print s + 0 }')
	after=$(awk -v n="$n" 'NR > 1 && $1 == n { print $11 }' $D/nodes)
	served=$((after - before))
	if [ "$rc" -ne 0 ] || [ "${on:-0}" != 64 ] || [ "$other" != 0 ]; then
		fail "secret_membind_node$n" "rc $rc, $on pages on node $n, $other elsewhere"
	elif [ "$enabled" = Y ] && [ "$served" -lt 64 ]; then
		fail "secret_membind_node$n" "permcache served $served of 64 on node $n"
	else
		pass "secret_membind_node$n"
	fi
done

# memcg: charged while mapped, uncharged once the file is gone.
cg=/sys/fs/cgroup/pcsecret
if [ -f /sys/fs/cgroup/cgroup.controllers ] &&
   echo +memory > /sys/fs/cgroup/cgroup.subtree_control 2>/dev/null &&
   mkdir -p $cg; then
	base=$(cat $cg/memory.current)
	sh -c "echo \$\$ > $cg/cgroup.procs; exec pcwork secret 512 3" > /tmp/pcw.out 2>&1 &
	pid=$!
	sleep 2
	held=$(cat $cg/memory.current)
	wait $pid
	rc=$?
	# The 2 MiB of secret pages must leave the charge with the file (the
	# rest of what the exited task left, slab and the like, may stay).
	now=$held
	for i in 1 2 3 4 5 6 7 8 9 10; do
		now=$(cat $cg/memory.current)
		[ $((held - now)) -ge $((512 * 4096)) ] && break
		sleep 0.2
	done
	echo "memory.current: $base before, $held while 512 secret pages were mapped, $now after"
	if [ "$rc" -ne 0 ] || [ "$held" -lt $((base + 512 * 4096)) ]; then
		fail secret_memcg_charged "rc $rc, memory.current $base -> $held with 2 MiB mapped"
	else
		pass secret_memcg_charged
	fi
	if [ $((held - now)) -ge $((512 * 4096)) ]; then
		pass secret_memcg_uncharged
	else
		fail secret_memcg_uncharged "memory.current $base before, $held held, $now after the file was gone"
	fi
	rmdir $cg 2>/dev/null
else
	fail secret_memcg_charged "no memory controller"
fi

# RLIMIT_MEMLOCK: 256 KiB allow 64 secret pages, not 128.
(ulimit -l 256 && pcwork secret 32 > /dev/null 2>&1)
ok=$?
(ulimit -l 256 && pcwork secret 128 > /dev/null 2>&1)
over=$?
if [ "$ok" -eq 0 ] && [ "$over" -ne 0 ]; then
	pass secret_memlock_limit
else
	fail secret_memlock_limit "32 pages: exit $ok, 128 pages: exit $over (256 KiB limit)"
fi

# The LRU: secret pages sit on the unevictable LRU while they are in their
# file, as stock secretmem pages do (a permcache page used to be on none:
# Unevictable did not count it, memory_failure() could not handle it).
u0=$(meminfo Unevictable)
pcwork secret 1024 4 > /tmp/unevictable.out 2>&1 &
pid=$!
sleep 2
u1=$(meminfo Unevictable)
wait $pid
rc=$?
echo "Unevictable: $u0 kB before, $u1 kB with 1024 secret pages (4096 kB) held"
if [ "$rc" -ne 0 ]; then
	fail secret_on_unevictable_lru "pcwork secret 1024 4: exit $rc"
elif [ $((u1 - u0)) -lt 3686 ]; then
	fail secret_on_unevictable_lru "Unevictable rose by $((u1 - u0)) kB, not about 4096"
else
	pass secret_on_unevictable_lru
fi
