#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# check-numa-nodes.sh - the guest sees as many NUMA nodes as QEMU emulates
# (pcnodes= on the command line), in sysfs and through numactl.

. "$(dirname "$0")/lib.sh"

want=$(pcarg pcnodes 1)
got=$(ls -d /sys/devices/system/node/node[0-9]* 2>/dev/null | wc -l)
if [ "$got" -eq "$want" ]; then
	pass numa_nodes_in_sysfs
else
	fail numa_nodes_in_sysfs "$got node(s) in /sys/devices/system/node, expected $want"
fi

if ! out=$(numactl --hardware 2>&1); then
	fail numactl_hardware "numactl --hardware failed: $(echo "$out" | head -n 1)"
elif echo "$out" | grep -q "^available: $want nodes"; then
	pass numactl_hardware
else
	fail numactl_hardware "expected 'available: $want nodes', got '$(echo "$out" | head -n 1)'"
fi
