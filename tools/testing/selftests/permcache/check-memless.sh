#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# check-memless.sh - a node with CPUs but no memory (rig: MEMLESS=1).
#
# Its CPUs are served by the nearest node with memory, as their zonelist
# is: memfd_secret pages faulted there land where the stock path puts them,
# and permcache serves them; 16 BPF programs JITted there share one
# bpf_prog_pack, so one 2 MiB chunk (the pack records the node whose CPUs
# it serves, not the node its memory is on).  Only booted with pcmemless=N;
# elsewhere it does not apply.

. "$(dirname "$0")/lib.sh"

[ "$(pcarg pcmemless 0)" -ge 1 ] || exit "$KSFT_SKIP"
D=/sys/kernel/debug/permcache
P=/sys/module/permcache/parameters/enable
stat() { awk -v k="$1" '$1 == k { print $2 }' $D/stats; }
orig=$(cat "$P")
echo 1 > "$P"

# in_list N LIST: is node N in a sysfs node list such as 0-1,3?
in_list() {
	echo "$2" | tr ',' '\n' | while IFS=- read -r a b; do
		[ "$1" -ge "$a" ] && [ "$1" -le "${b:-$a}" ] && echo yes
	done | grep -q yes
}
has_mem=$(cat /sys/devices/system/node/has_memory)
node= cpu=
for d in /sys/devices/system/node/node[0-9]*; do
	n=${d##*node}
	in_list "$n" "$has_mem" && continue
	c=$(cut -d, -f1 "$d/cpulist" | cut -d- -f1)
	[ -n "$c" ] && node=$n cpu=$c && break
done
if [ -z "$cpu" ]; then
	fail memless_topology "no memoryless node with a CPU (has_memory: $has_mem)"
	exit 1
fi
echo "memoryless node $node, CPU $cpu; nodes with memory: $has_mem"
pass memless_topology

# BPF: one pack for the node, however many programs.
c0=$(stat chunks_rox) u0=$(stat units_used_rox)
taskset -c "$cpu" pcwork bpf 16 6 > /tmp/pcw.memless 2>&1 &
w=$!
sleep 3
dc=$(($(stat chunks_rox) - c0)) du=$(($(stat units_used_rox) - u0))
echo "16 programs on CPU $cpu: chunks_rox +$dc, units_used_rox +$du"
if [ "$du" -le 0 ]; then
	fail memless_bpf_one_pack "permcache served none of them (units_used_rox +$du)"
elif [ "$dc" -gt 1 ]; then
	fail memless_bpf_one_pack "16 programs took $dc chunks"
else
	pass memless_bpf_one_pack
fi
wait "$w" || fail memless_bpf_one_pack "pcwork bpf: $(tail -n 1 /tmp/pcw.memless)"

# memfd_secret on the memoryless node's CPU: as stock, served by permcache.
counts() {
	"$@" pcwork secret 64 2>&1 | awk '$1 ~ /^secret_pages_node/ { sub("secret_pages_node", "", $1); printf "%s:%s ", $1, $2 }'
}
echo 0 > "$P"
stock=$(counts taskset -c "$cpu")
echo 1 > "$P"
s0=$(stat alloc_secret)
pc=$(counts taskset -c "$cpu")
served=$(($(stat alloc_secret) - s0))
echo "secret pages on CPU $cpu: stock [$stock] permcache [$pc], $served served by permcache"
if [ -n "$stock" ] && [ "$stock" = "$pc" ] && [ "$served" -eq 64 ]; then
	pass memless_secret_as_stock
else
	fail memless_secret_as_stock "stock [$stock], permcache [$pc], served $served of 64"
fi
echo "$orig" > "$P"
