#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# check-secretmem.sh - memfd_secret() works: a short stress-ng secretmem run
# exits 0 and was not skipped.

. "$(dirname "$0")/lib.sh"

cd /tmp || exit 1
out=$(stress-ng --secretmem 1 --secretmem-ops 200 -t 20s 2>&1)
rc=$?
echo "$out"
if [ "$rc" -ne 0 ]; then
	fail secretmem_stress "stress-ng exited $rc"
elif echo "$out" | grep -qiE 'skipped: [1-9]|not implemented|no memfd_secret'; then
	fail secretmem_stress "stress-ng skipped the secretmem stressor"
else
	pass secretmem_stress
fi
