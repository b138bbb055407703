#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# check-zz-secret-poison.sh - a memory error in a memfd_secret page in use
# is handled as on stock 6.12, with whatever permcache.enable this boot has
# (make check boots with 1 and 0).  pcwork secret-poison maps four pages,
# reads page 1 (a clean page) and writes the others, and has
# memory_failure() called on page 1 (hwpoison/corrupt-pfn).  It must find
# an LRU page-cache folio, unmap it and truncate it: reading page 1 again
# raises SIGBUS, the other pages keep their contents, and the kernel log
# says nothing of an "unhandlable page" (secret_poison_handled_as_stock).
# The truncation goes through __remove_mapping(), which calls
# ->free_folio() with the count frozen at zero: with permcache, no
# bad_frees and no WARN (final-20-dmesg.sh).  A permcache page used to be
# off the LRU, which memory_failure() cannot handle: it stayed mapped and
# readable.
#
# memory_failure() keeps its reference on the page for good: with permcache
# its unit stays in use and its chunk is never released, so this runs after
# check-zz-hwpoison.sh, before final-*.sh.

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/neighbour-lib.sh"

cd /tmp || exit 1
H=/sys/kernel/debug/hwpoison/corrupt-pfn
enabled=$(enabled)
echo "permcache.enable=$enabled"
if [ ! -w $H ]; then
	fail secret_poison_handled_as_stock "no $H (CONFIG_HWPOISON_INJECT is in the test config)"
	exit 1
fi
a0=$(stat alloc_secret) bf0=$(stat bad_frees)
lines=$(dmesg | wc -l)
out=$(pcwork secret-poison 4 2>&1)
rc=$?
echo "$out"
new=$(dmesg | tail -n +$((lines + 1)))
echo "$new" | grep -iE 'memory failure|hwpoison|poison'
touch=$(echo "$out" | awk '$1 == "poison_touch" { print $2 }')
intact=$(echo "$out" | awk '$1 == "poison_others_intact" { print $2 }')
a1=$(stat alloc_secret) bf1=$(stat bad_frees)
if [ "$rc" -ne 0 ]; then
	fail secret_poison_handled_as_stock "pcwork secret-poison 4: exit $rc"
elif [ "$enabled" = Y ] && [ "$((a1 - a0))" -lt 4 ]; then
	fail secret_poison_handled_as_stock "permcache served $((a1 - a0)) of the 4 pages: not its pages"
elif echo "$new" | grep -q 'unhandlable page'; then
	fail secret_poison_handled_as_stock "memory_failure(): $(echo "$new" | grep 'unhandlable page' | tail -n 1)"
elif [ "$touch" != sigbus ]; then
	fail secret_poison_handled_as_stock "the poisoned page reads again ($touch), no SIGBUS"
elif [ "$intact" != 1 ]; then
	fail secret_poison_handled_as_stock "another page of the file lost its contents"
elif [ "$enabled" = Y ] && [ "$bf1" != "$bf0" ]; then
	fail secret_poison_handled_as_stock "bad_frees $bf0 -> $bf1"
else
	pass secret_poison_handled_as_stock
fi
