#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# guest-bench.sh - the guest side of "make bench" (scripts/bench.sh packs it
# as the pcmode=script user script).
#
# Settings come from the kernel command line: pcbench.runs=R (repetitions),
# pcbench.iters=N (operations per thread per test), pcbench.churn=S (seconds
# of secretmem churn while DirectMap4k is sampled), pcbench.faultsecs=S
# (seconds of each memfd_secret fault loop).  Output, all parsed by
# bench/report.py:
#
#   BENCH-PROGRESS <text>                  one per run, echoed live by the host
#   BENCHINFO key value                    boot facts
#   BENCHMEASURE run workload name delta   counter deltas of a workload
#   BENCHRES run cal=<n> RESULT ...        one module result line, with the
#                                          CAL IPIs the whole write caused
#                                          (the line's own cal_ipis= counts
#                                          the timed operations only)
#   BENCHSAMPLE churn t_ms directmap4k_kB splits
#
# In a boot with permcache.enable=1, each run also compares the stock
# consumer paths with permcache in that same boot, flipping
# /sys/module/permcache/parameters/enable (new allocations follow it):
# bpf_prog_pack alloc+write+free through the module (bpf_held_{stock,pc}_*,
# bpf_churn_{stock,pc}_*), and memfd_secret faults from userspace
# (workloads secretfault_e0 and secretfault_e1: "pcwork secret-loop", one
# file of 256 pages faulted, then munmap and close, again and again; ops is
# the number of faults, elapsed_ms the wall time of the loop).
RUNS=3 ITERS=1000 CHURN=20 FAULTSECS=5
for arg in $(cat /proc/cmdline); do
	case "$arg" in
	pcbench.runs=*) RUNS=${arg#*=} ;;
	pcbench.iters=*) ITERS=${arg#*=} ;;
	pcbench.churn=*) CHURN=${arg#*=} ;;
	pcbench.faultsecs=*) FAULTSECS=${arg#*=} ;;
	esac
done
# Untimed operations per test with the text pokes counted (kprobes).
POKES=100
[ "$ITERS" -lt $POKES ] && POKES=$ITERS
# A stock pack churn maps, fills and makes ROX 2 MiB per node each time.
CHURN_ITERS=$(( ITERS / 4 ))
[ $CHURN_ITERS -lt 10 ] && CHURN_ITERS=10
SECRET_PAGES=256

RUN=/sys/kernel/debug/permcache_bench/run
PCSTATS=/sys/kernel/debug/permcache/stats
ENABLE=/sys/module/permcache/parameters/enable

irqsum() {
	awk -v n="$1:" '$1 == n { s = 0; for (i = 2; i <= NF && $i ~ /^[0-9]+$/; i++) s += $i; print s }' \
		/proc/interrupts
}
vmstat() { awk -v n="$1" '$1 == n { print $2 }' /proc/vmstat; }
meminfo() { awk -v n="$1:" '$1 == n { print $2 }' /proc/meminfo; }
pcstat() { awk -v n="$1" '$1 == n { print $2 }' $PCSTATS 2>/dev/null; }
now_ms() { awk '{ printf "%d\n", $1 * 1000 }' /proc/uptime; }

snapshot() {
	echo "cal_ipis $(irqsum CAL)"
	echo "tlb_ipis $(irqsum TLB)"
	echo "permcache_flushes $(pcstat flushes)"
	echo "direct_map_level2_splits $(vmstat direct_map_level2_splits)"
	echo "directmap4k_kB $(meminfo DirectMap4k)"
	echo "alloc_remote $(pcstat alloc_remote)"
	echo "alloc_secret $(pcstat alloc_secret)"
	echo "alloc_text $(pcstat alloc_text)"
}

# measure RUN WORKLOAD OPS COMMAND...: BENCHMEASURE lines of the deltas.
measure() {
	r=$1 w=$2 ops=$3
	shift 3
	snapshot > /tmp/before
	"$@" > /tmp/work.out 2>&1 || echo "BENCHMEASURE $r $w failed 1"
	sleep 2
	snapshot > /tmp/after
	echo "BENCHMEASURE $r $w ops $ops"
	while read -r name b; do
		a=$(awk -v n="$name" '$1 == n { print $2 }' /tmp/after)
		echo "BENCHMEASURE $r $w $name $(( ${a:-0} - ${b:-0} ))"
	done < /tmp/before
	grep -E '^secret_pages_node' /tmp/work.out | sed "s/^/BENCHMEASURE $r $w /"
}

# bench RUN ARGS...: one module run, its RESULT lines tagged with the CAL
# IPIs the whole write caused (one test, one node choice per write).
bench() {
	r=$1
	shift
	c0=$(irqsum CAL)
	if ! echo "$*" > $RUN; then
		echo "BENCHERR $r write failed: $*"
		return
	fi
	c1=$(irqsum CAL)
	sed -n "s/^/BENCHRES $r cal=$(( c1 - c0 )) /p" $RUN
}

# secret_faults RUN ENABLE: memfd_secret faults from userspace with
# permcache.enable set to ENABLE for the new pages; the workload
# secretfault_e<ENABLE> with ops = faults and the loop's wall time.
secret_faults() {
	r=$1 w=secretfault_e$2
	echo "$2" > $ENABLE || { echo "BENCHERR $r cannot set enable=$2"; return; }
	snapshot > /tmp/before
	t0=$(now_ms)
	pcwork secret-loop "$FAULTSECS" $SECRET_PAGES > /tmp/work.out 2>&1 ||
		echo "BENCHMEASURE $r $w failed 1"
	t1=$(now_ms)
	sleep 2
	snapshot > /tmp/after
	rounds=$(awk '$1 == "secret_rounds" { print $2 }' /tmp/work.out)
	echo "BENCHMEASURE $r $w ops $(( ${rounds:-0} * SECRET_PAGES ))"
	echo "BENCHMEASURE $r $w elapsed_ms $(( t1 - t0 ))"
	while read -r name b; do
		a=$(awk -v n="$name" '$1 == n { print $2 }' /tmp/after)
		echo "BENCHMEASURE $r $w $name $(( ${a:-0} - ${b:-0} ))"
	done < /tmp/before
}

# consumers RUN: the stock consumer paths against permcache in this boot,
# enable=0 and =1 in turn (the order swapped every other run).
consumers() {
	r=$1
	order="0 1"
	[ $(( r % 2 )) -eq 0 ] && order="1 0"
	for en in $order; do
		echo "BENCH-PROGRESS run $r/$RUNS: consumer paths, enable=$en"
		echo "$en" > $ENABLE || { echo "BENCHERR $r cannot set enable=$en"; continue; }
		for sz in 256 4096; do
			bench $r test_mask=256 threads=1 iterations=$ITERS \
				poke_iterations=$POKES node=local sizes=$sz
			bench $r test_mask=512 threads=1 iterations=$CHURN_ITERS \
				poke_iterations=$POKES node=local sizes=$sz
		done
		secret_faults $r $en
	done
	echo "$BOOT_ENABLE" > $ENABLE
}

# churn SECONDS: secretmem churn while DirectMap4k is sampled twice a second.
churn() {
	t0=$(now_ms)
	stress-ng --secretmem 2 --secretmem-ops 1000000 -t "${1}s" > /dev/null 2>&1 &
	pid=$!
	while kill -0 $pid 2>/dev/null; do
		echo "BENCHSAMPLE churn $(( $(now_ms) - t0 )) $(meminfo DirectMap4k) $(vmstat direct_map_level2_splits)"
		sleep 0.5
	done
	wait $pid
	echo "BENCHSAMPLE churn $(( $(now_ms) - t0 )) $(meminfo DirectMap4k) $(vmstat direct_map_level2_splits)"
}

nodes=$(ls -d /sys/devices/system/node/node* | wc -l)
cpus=$(grep -c ^processor /proc/cpuinfo)
BOOT_ENABLE=$(cat $ENABLE)
echo "BENCHINFO enable $BOOT_ENABLE"
echo "BENCHINFO nodes $nodes"
echo "BENCHINFO cpus $cpus"
echo "BENCHINFO runs $RUNS"
echo "BENCHINFO iters $ITERS"
echo "BENCHINFO churn_iters $CHURN_ITERS"
echo "BENCHINFO poke_iters $POKES"
echo "BENCHINFO faultsecs $FAULTSECS"
[ -w $RUN ] || { echo "BENCHERR 0 no $RUN (CONFIG_PERMCACHE_BENCH off?)"; exit 1; }

threads=1
t=2
while [ $t -le "$cpus" ]; do
	threads="$threads $t"
	t=$(( t * 2 ))
done
echo "BENCHINFO threads $threads"

cd /tmp || exit 1
# First, while the direct map is still as booted: how DirectMap4k evolves
# under secretmem churn (the tests below split it on the stock paths).
echo "BENCH-PROGRESS churn: stress-ng --secretmem 2 for ${CHURN}s, DirectMap4k sampled"
churn "$CHURN"

# Warm-up outside the figures: first faults, first BPF pack, first chunks.
pcwork secret 64 > /dev/null
pcwork bpf 16 > /dev/null
sleep 1

r=1
while [ $r -le "$RUNS" ]; do
	echo "BENCH-PROGRESS run $r/$RUNS: workloads"
	measure $r secret 1000 pcwork secret 1000
	measure $r bpf 200 pcwork bpf 200
	# The parts of the paths, for the report's reasons (1 thread, local):
	# zeroing through the temporary PTE and one text poke (clear_page
	# and the stock path without its shootdown run with the threads below).
	echo "BENCH-PROGRESS run $r/$RUNS: module, breakdown tests"
	for t in 16 64; do
		bench $r test_mask=$t threads=1 iterations=$ITERS node=local sizes=256
	done
	[ "$BOOT_ENABLE" = Y ] && consumers $r
	for th in $threads; do
		echo "BENCH-PROGRESS run $r/$RUNS: module, $th thread(s), $ITERS iterations"
		# Scaling controls, sharing nothing between threads: clear_page,
		# and the stock secret path without its flush.
		bench $r test_mask=128 threads=$th iterations=$(( ITERS * 10 )) node=local
		bench $r test_mask=32 threads=$th iterations=$ITERS node=local
		for node in local remote; do
			[ "$node" = remote ] && [ "$nodes" -lt 2 ] && continue
			bench $r test_mask=1 threads=$th iterations=$ITERS node=$node
			bench $r test_mask=2 threads=$th iterations=$ITERS node=$node
			for sz in 64 256 4096 65536; do
				bench $r test_mask=4 threads=$th iterations=$ITERS node=$node sizes=$sz
				[ "$node" = local ] &&
					bench $r test_mask=8 threads=$th iterations=$ITERS node=$node sizes=$sz
			done
		done
	done
	r=$(( r + 1 ))
done

echo "BENCHINFO final_directmap4k_kB $(meminfo DirectMap4k)"
echo "BENCHINFO final_l2_splits $(vmstat direct_map_level2_splits)"
cat $PCSTATS 2>/dev/null | sed 's/^/BENCHPCSTAT /'
echo "BENCH-PROGRESS done"
exit 0
