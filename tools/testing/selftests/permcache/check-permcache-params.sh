#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# check-permcache-params.sh - the permcache.* boot parameters of this boot
# are in force: each /sys/module/permcache/parameters/NAME holds the value
# given on the kernel command line, or the default when none was given or
# the value was invalid (and then dmesg has the one pr_warn naming it).
# Run-time writes: a valid value is taken, an invalid one is refused and
# the current value stays.  The effects of prefill and reserve are checked
# in check-permcache-debugfs.sh; lazy_flush, max_idle and fallback by the
# permcache_params KUnit suite, which runs in the same boot.

. "$(dirname "$0")/lib.sh"

P=/sys/module/permcache/parameters
[ -d "$P" ] || { fail params_sysfs "$P missing"; exit 1; }

# expect NAME KIND DEFAULT [MIN MAX]: the value this boot must show.
expect() {
	name=$1 kind=$2 def=$3 min=${4:-} max=${5:-}
	given=$(pcarg "permcache.$name")
	want=$def
	valid=1
	if [ -n "$given" ]; then
		case "$kind" in
		bool)
			case "$given" in
			# kstrtobool(): the first character decides, or on/off.
			[yYtT1]*|[oO][nN]) want=Y ;;
			[nNfF0]*|[oO][fF][fF]) want=N ;;
			*) valid=0 ;;
			esac ;;
		uint)
			if echo "$given" | grep -qE '^[0-9]+$' &&
			   [ "$given" -ge "$min" ] && [ "$given" -le "$max" ]; then
				want=$given
			else
				valid=0
			fi ;;
		fallback)
			case "$given" in
			distance|none) want=$given ;;
			*) valid=0 ;;
			esac ;;
		esac
	fi
	got=$(cat "$P/$name")
	if [ "$got" != "$want" ]; then
		fail "param_$name" "reads '$got', expected '$want' (given '${given:-none}')"
		return
	fi
	if [ "$valid" = 0 ]; then
		n=$(dmesg | grep -c "permcache: invalid value '$given' for permcache.$name, using the default")
		if [ "$n" -ne 1 ]; then
			fail "param_$name" "invalid '$given' gave $n warnings, expected 1"
			return
		fi
	fi
	pass "param_$name"
}

expect enable bool Y
expect lazy_flush bool Y
expect fallback fallback distance
expect prefill uint 1 0 64
expect reserve uint 1 0 1024
expect max_idle uint 16 1 65536

# Run time: reserve takes a valid value, refuses a bad one and keeps the old.
old=$(cat $P/reserve)
if echo 5 > $P/reserve && [ "$(cat $P/reserve)" = 5 ] &&
   ! echo lots > $P/reserve 2>/dev/null && [ "$(cat $P/reserve)" = 5 ] &&
   ! echo 2000 > $P/reserve 2>/dev/null && [ "$(cat $P/reserve)" = 5 ] &&
   dmesg | grep -q "permcache: invalid value 'lots' for permcache.reserve, keeping the current value"; then
	pass param_runtime_write
else
	fail param_runtime_write "reserve reads $(cat $P/reserve) after writing 5, lots, 2000"
fi
echo "$old" > $P/reserve

# prefill is used once, at boot: read-only at run time.
if echo 3 > $P/prefill 2>/dev/null; then
	fail param_prefill_readonly "prefill was writable at run time"
else
	pass param_prefill_readonly
fi
