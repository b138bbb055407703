# SPDX-License-Identifier: GPL-2.0-only
#
# neighbour-lib.sh - helpers for the "good neighbour" checks (design
# invariant 8), sourced after lib.sh by check-neighbour-*.sh,
# check-zz-*.sh and check-consumers.sh: the permcache debugfs files,
# /proc/meminfo, the direct-map split counters and a way to run a write
# that may never return.

D=/sys/kernel/debug/permcache
P=/sys/module/permcache/parameters

[ -e $D/stats ] || mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null

# enabled: permcache.enable of this boot (Y or N; empty without permcache).
enabled() { cat $P/enable 2>/dev/null; }

stat() { awk -v k="$1" '$1 == k { print $2 }' $D/stats; }
meminfo() { awk -v k="$1:" '$1 == k { print $2 }' /proc/meminfo; }
splits() { awk '$1 == "direct_map_level2_splits" { print $2 }' /proc/vmstat; }
# dm_state: "splits DirectMap4k DirectMap2M" (kB).
dm_state() { echo "$(splits) $(meminfo DirectMap4k) $(meminfo DirectMap2M)"; }

# adds_up: the chunk walk, the per-node table and the global stats agree
# (the logic of check-permcache-debugfs.sh).  The three files are read one
# after the other, so a free that lands in between (a BPF program's pack is
# freed from a work item after its last fd closes) can make one reading
# disagree: up to 5 readings, 0.2 s apart; a real miscount persists.
# Prints what disagreed last.
adds_up() {
	local try=0
	while [ $try -lt 5 ]; do
		adds_up_once > /tmp/adds_up.$$ && { rm -f /tmp/adds_up.$$; return 0; }
		sleep 0.2
		try=$((try + 1))
	done
	cat /tmp/adds_up.$$
	rm -f /tmp/adds_up.$$
	return 1
}

adds_up_once() {
	local walk nodesum want
	walk=$(awk 'NR > 1 { n++; if ($4 == "idle") i++; u[$3] += $5; t[$3] += $6;
			     if ($5 > $6) over++ }
		    END { printf "%d %d %d %d %d %d %d", n, i, u["secret"], u["ro"], u["rox"], over, t["secret"] }' $D/chunks)
	set -- $walk
	nodesum=$(awk 'NR > 1 { c += $2; i += $3; a += $11; f += $12; r += $16 } END { print c, i, a, f, r }' $D/nodes)
	want="$(stat chunks) $(stat chunks_idle) $(($(stat alloc_secret) + $(stat alloc_text))) $(($(stat free_secret) + $(stat free_text))) $(stat chunks_released)"
	if [ "$1" != "$(stat chunks)" ] || [ "$2" != "$(stat chunks_idle)" ] ||
	   [ "$3" != "$(stat units_used_secret)" ] || [ "$4" != "$(stat units_used_ro)" ] ||
	   [ "$5" != "$(stat units_used_rox)" ] || [ "$6" != 0 ] ||
	   [ "$7" != "$(stat units_total_secret)" ] || [ "$nodesum" != "$want" ]; then
		echo "adds_up: walk: $walk; nodes: $nodesum; stats: $want"
		return 1
	fi
	if [ $(($(stat chunks_acquired) - $(stat chunks_released))) != "$(stat chunks)" ]; then
		echo "adds_up: acquired $(stat chunks_acquired) - released $(stat chunks_released) != chunks $(stat chunks)"
		return 1
	fi
	return 0
}

# settle [TENTHS]: wait (up to TENTHS x 0.1 s, default 50) until no SECRET
# page is in use or waiting to be zeroed.  False if that never happened.
settle() {
	local i=0
	while [ $i -lt "${1:-50}" ]; do
		[ "$(stat units_used_secret)" = 0 ] && [ "$(stat zero_pending)" = 0 ] && return 0
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}

# guarded_write SECONDS FILE VALUE: write VALUE to FILE in the background
# and wait for it at most SECONDS.  Sets wr_rc (the write's exit status,
# 124 if it did not return in time: the writer is left behind) and wr_msg
# (its error message, if any).
guarded_write() {
	local secs=$1 file=$2 val=$3 pid i=0 errf=/tmp/gw.err.$$
	rm -f $errf $errf.rc
	( echo "$val" > "$file" 2> $errf.2; echo $? > $errf.rc ) 2> $errf &
	pid=$!
	while [ ! -s $errf.rc ] && [ $i -lt $((secs * 10)) ]; do
		sleep 0.1
		i=$((i + 1))
	done
	if [ -s $errf.rc ]; then
		wait $pid
		wr_rc=$(cat $errf.rc)
		wr_msg=$(cat $errf $errf.2 2>/dev/null | tr '\n' ' ')
	else
		wr_rc=124
		wr_msg="no return after ${secs}s"
	fi
	rm -f $errf $errf.2 $errf.rc
}
