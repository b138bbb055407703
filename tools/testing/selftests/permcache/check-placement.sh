#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# check-placement.sh - memfd_secret pages land on the same nodes with
# permcache.enable=1 as with the stock 6.12 path (permcache.enable=0), in
# the same boot, under every placement a task can ask for: no policy on
# each CPU, --membind, --preferred, --interleave, --cpunodebind, and a
# cgroup whose cpuset.mems excludes the node of the CPU the task runs on.
# Interleave may differ by one page (where the rotation starts); everything
# else must match exactly.  Where the page allocator would try one node
# first and nothing else, permcache must also have served every page
# (alloc_secret), so that the comparison is not stock against stock.

. "$(dirname "$0")/lib.sh"

P=/sys/module/permcache/parameters/enable
[ -w "$P" ] || exit "$KSFT_SKIP"
nodes=$(ls -d /sys/devices/system/node/node[0-9]* | wc -l)
[ "$nodes" -ge 2 ] || exit "$KSFT_SKIP"
orig=$(cat "$P")
N=64

# counts CMD...: "n0 n1 ..." pages of a fresh memfd_secret file per node.
counts() {
	out=$("$@" pcwork secret $N 2>&1) || { echo "rc$?"; return; }
	i=0 line=
	while [ $i -lt "$nodes" ]; do
		c=$(echo "$out" | awk -v k="secret_pages_node$i" '$1 == k { print $2 }')
		line="$line ${c:-0}"
		i=$((i + 1))
	done
	echo $line
}

served() { awk '$1 == "alloc_secret" { print $2 }' /sys/kernel/debug/permcache/stats; }

# same NAME SLACK SERVED CMD...: run CMD with enable=0 and =1 and compare;
# SERVED is how many of the N pages permcache must have served (- for any).
same() {
	name=$1 slack=$2 want=$3
	shift 3
	echo 0 > "$P"
	stock=$(counts "$@")
	echo 1 > "$P"
	s0=$(served)
	pc=$(counts "$@")
	got=$(($(served) - s0))
	echo "$name: stock [$stock] permcache [$pc], $got served by permcache"
	if [ "$want" != - ] && [ "$got" -ne "$want" ]; then
		fail "$name" "permcache served $got of $N pages, expected $want"
		return
	fi
	case "$stock$pc" in
	*rc*) fail "$name" "pcwork failed: stock [$stock] permcache [$pc]"; return ;;
	esac
	d=$(echo "$stock" "$pc" | awk -v n="$nodes" '{ m = 0; for (i = 1; i <= n; i++) { x = $i - $(i + n); if (x < 0) x = -x; if (x > m) m = x } print m }')
	if [ "$d" -le "$slack" ]; then
		pass "$name"
	else
		fail "$name" "stock [$stock], permcache [$pc]"
	fi
}

same placement_default_cpu0 0 $N taskset -c 0
same placement_default_cpu1 0 $N taskset -c 1
same placement_membind1 0 $N numactl --membind=1
same placement_preferred1 0 $N numactl --preferred=1
same placement_interleave 4 0 numactl --interleave=all
same placement_cpunodebind1 0 $N numactl --cpunodebind=1

# A cpuset-confined cgroup on a CPU outside its nodes: the pages must go
# to cpuset.mems, as the stock path's __GFP_HARDWALL makes them.
cg=/sys/fs/cgroup/pcplace
root=/sys/fs/cgroup
if grep -q cpuset "$root/cgroup.controllers" 2>/dev/null; then
	echo +cpuset > "$root/cgroup.subtree_control" 2>/dev/null
	mkdir -p "$cg"
	last=$((nodes - 1))
	if echo "$last" > "$cg/cpuset.mems" 2>/dev/null; then
		same placement_cpuset_mems 0 - taskset -c 0 sh -c "echo \$\$ > $cg/cgroup.procs; exec \"\$@\"" sh
	else
		fail placement_cpuset_mems "cannot set cpuset.mems=$last"
	fi
	rmdir "$cg" 2>/dev/null
else
	fail placement_cpuset_mems "no cpuset controller in $root"
fi

echo "$orig" > "$P"
