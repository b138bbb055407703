#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# guest-bench.sh - the guest side of "make bench" (scripts/bench.sh packs it
# as the pcmode=script user script).
#
# Settings come from the kernel command line: pcbench.runs=R (repetitions),
# pcbench.iters=N (operations per thread per test), pcbench.churn=S (seconds
# of secretmem churn while DirectMap4k is sampled).  Output, all parsed by
# bench/report.py:
#
#   BENCH-PROGRESS <text>                  one per run, echoed live by the host
#   BENCHINFO key value                    boot facts
#   BENCHMEASURE run workload name delta   counter deltas of a workload
#   BENCHRES run cal=<n> RESULT ...        one module result line, with the
#                                          CAL IPIs its test caused
#   BENCHSAMPLE churn t_ms directmap4k_kB splits
#
RUNS=3 ITERS=1000 CHURN=20
for arg in $(cat /proc/cmdline); do
	case "$arg" in
	pcbench.runs=*) RUNS=${arg#*=} ;;
	pcbench.iters=*) ITERS=${arg#*=} ;;
	pcbench.churn=*) CHURN=${arg#*=} ;;
	esac
done

RUN=/sys/kernel/debug/permcache_bench/run
PCSTATS=/sys/kernel/debug/permcache/stats

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
echo "BENCHINFO enable $(cat /sys/module/permcache/parameters/enable)"
echo "BENCHINFO nodes $nodes"
echo "BENCHINFO cpus $cpus"
echo "BENCHINFO runs $RUNS"
echo "BENCHINFO iters $ITERS"
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
