#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# qemu.sh - boot a built kernel under QEMU (TCG) with an emulated NUMA machine.
#
# Environment:
#   KIND=default|debug   kernel from build/obj or build/obj-debug
#   MODE=check|demo|script   pcmode= for the guest /init
#   NODES (1..8, default 2), CPUS (1..8, default 2, or NODES if NODES > 2),
#   MEM (default 2G, split evenly over the nodes with memory), APPEND (extra
#   kernel args), MEMLESS (0..NODES-1, default 0): the last MEMLESS nodes get
#   their CPUs but no memory (a memoryless node, as on some multi-socket
#   machines: NODES=2 MEMLESS=1 is the smallest case)
#   INITRD (default build/initramfs.cpio.gz), LOG (serial log, under build/logs)
#   TIMEOUT (seconds, default 600): a guest that has not powered off by then
#           is killed and the run reported as a hang
#   SHOW=all|guest|progress|none  what of the console to echo: everything,
#           the guest output from /init on, its BENCH-PROGRESS lines, or nothing
#   DISK=path|none  a raw disk image attached as a virtio-blk disk (/dev/vda
#           in the guest), with snapshot=on: guest writes never reach the
#           file.  Default: in MODE=check, build/reclaim-disk.img (made by
#           scripts/initramfs.sh, for check-reclaim.sh) if it exists;
#           otherwise none
# CPUs go round-robin over the nodes; nodes without a CPU are allowed.  Each
# CPU is a socket of its own: CPUs of one socket on different nodes make the
# kernel WARN in topology_sane() (LLC siblings on two nodes).
# Exit status: QEMU's, or 124 on timeout.  The log decides pass/fail
# (scripts/parse-results.py).
#
set -euo pipefail
. "$(dirname "$0")/lib.sh"

KIND=${KIND:-default}
MODE=${MODE:-check}
NODES=${NODES:-2}
MEM=${MEM:-2G}
TIMEOUT=${TIMEOUT:-600}
SHOW=${SHOW:-guest}
INITRD=${INITRD:-$BUILD/initramfs.cpio.gz}
obj=$(objdir "$KIND")
KERNEL=$obj/arch/x86/boot/bzImage
LOG=${LOG:-$LOGS/qemu-$KIND-$MODE.log}

[[ $NODES =~ ^[1-8]$ ]] || die "NODES must be 1..8 (got $NODES)"
if [ -z "${CPUS:-}" ]; then
	CPUS=2
	[ "$NODES" -gt 2 ] && CPUS=$NODES
fi
[[ $CPUS =~ ^[1-8]$ ]] || die "CPUS must be 1..8 (got $CPUS)"
[[ $TIMEOUT =~ ^[0-9]+$ ]] || die "TIMEOUT must be seconds (got $TIMEOUT)"
[ -f "$KERNEL" ] || die "$KERNEL not built"
[ -f "$INITRD" ] || die "$INITRD not built"
if [ -z "${DISK:-}" ]; then
	DISK=none
	[ "$MODE" = check ] && [ -f "$BUILD/reclaim-disk.img" ] && DISK=$BUILD/reclaim-disk.img
fi
disk=()
if [ "$DISK" != none ]; then
	[ -f "$DISK" ] || die "DISK=$DISK: no such file"
	[[ $DISK != *,* ]] || die "DISK=$DISK: a comma in the path is not supported"
	disk=(-drive "file=$DISK,if=virtio,format=raw,snapshot=on")
fi

# MEM in MiB: 2G, 2048M or 2048.
case "$MEM" in
*[gG]) mem_mb=$(( ${MEM%[gG]} * 1024 )) ;;
*[mM]) mem_mb=${MEM%[mM]} ;;
*) mem_mb=$MEM ;;
esac
[[ $mem_mb =~ ^[0-9]+$ ]] || die "MEM must look like 2G or 2048M (got $MEM)"
# Whole 2 MiB per node, at least 128 MiB each.
MEMLESS=${MEMLESS:-0}
[[ $MEMLESS =~ ^[0-9]$ ]] && [ "$MEMLESS" -lt "$NODES" ] ||
	die "MEMLESS must be 0..$((NODES - 1)) (got $MEMLESS)"
with_mem=$(( NODES - MEMLESS ))
per=$(( mem_mb / with_mem / 2 * 2 ))
[ "$per" -ge 128 ] || die "MEM=$MEM is less than 128M per node for $with_mem node(s) with memory"
mem_mb=$(( per * with_mem ))

numa=()
for ((n = 0; n < NODES; n++)); do
	nodeopt="node,nodeid=$n"
	for ((c = n; c < CPUS; c += NODES)); do
		nodeopt+=",cpus=$c"
	done
	if [ "$n" -lt "$with_mem" ]; then
		numa+=(-object "memory-backend-ram,id=m$n,size=${per}M")
		nodeopt+=",memdev=m$n"
	fi
	numa+=(-numa "$nodeopt")
done

cmdline="console=ttyS0 panic=-1 kunit.filter_glob=permcache* pcmode=$MODE pcnodes=$NODES pcmemless=$MEMLESS"
[ "$KIND" = debug ] && cmdline+=" pcdebug=1"
[ -n "${APPEND:-}" ] && cmdline+=" $APPEND"

mkdir -p "$(dirname "$LOG")"
diskmsg=
[ "$DISK" = none ] || diskmsg=", disk ${DISK#"$ROOT"/}"
progress qemu "$KIND kernel, pcmode=$MODE, $NODES node(s), $CPUS CPU(s), ${mem_mb}M$diskmsg, timeout ${TIMEOUT}s (log: ${LOG#$ROOT/})"
t0=$(date +%s)

# The console goes to the log with CRs stripped; the filter echoes as asked.
case "$SHOW" in
all)	show() { cat; } ;;
guest)	show() { sed -n '/PERMCACHE-GUEST-START/,/PERMCACHE-GUEST-DONE/p'; } ;;
progress) show() { sed -un 's/^BENCH-PROGRESS /[bench]   /p'; } ;;
*)	show() { cat > /dev/null; } ;;
esac

set +e
timeout -k 5 "$TIMEOUT" qemu-system-x86_64 \
	-accel tcg,thread=multi -cpu qemu64 \
	-nographic -no-reboot -monitor none -serial stdio \
	-smp "$CPUS,sockets=$CPUS,cores=1,threads=1" -m "${mem_mb}M" "${numa[@]}" \
	-kernel "$KERNEL" -initrd "$INITRD" "${disk[@]}" \
	-append "$cmdline" </dev/null 2>&1 |
	tr -d '\r' | tee "$LOG" | show
rc=${PIPESTATUS[0]}
set -e

if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
	echo "RIG: guest killed after ${TIMEOUT}s timeout" >> "$LOG"
	progress qemu "timeout: guest did not power off within ${TIMEOUT}s"
	exit 124
fi
progress qemu "guest powered off after $(( $(date +%s) - t0 ))s (qemu rc=$rc)"
exit "$rc"
