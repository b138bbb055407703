#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# guest-run.sh - run SCRIPT inside the guest (make guest-run).
#
# Builds what is missing (incrementally), packs SCRIPT and GUEST_FILES into a
# small cpio appended to the base initramfs, boots with pcmode=script and
# exits with the script's exit status.  A kernel splat or a hang makes the
# run fail (status 1 or more) whatever the script returned.  DEBUG=1 uses the
# debug kernel.
#
set -euo pipefail
. "$(dirname "$0")/lib.sh"

"$ROOT/scripts/validate.sh" guest-run || exit 2
kind=default
[ "${DEBUG:-0}" = 1 ] && kind=debug

"$ROOT/scripts/prepare.sh"
"$ROOT/scripts/build-kernel.sh" "$kind"
"$ROOT/scripts/initramfs.sh"

extra=$BUILD/initramfs-run.cpio.gz
"$ROOT/scripts/initramfs.sh" --extra "$extra" "$SCRIPT" "${GUEST_FILES:-}"
cat "$BUILD/initramfs.cpio.gz" "$extra" > "$BUILD/initrd-run.cpio.gz"

rcf=$BUILD/guest-run.rc
rm -f "$rcf"
set +e
INITRD=$BUILD/initrd-run.cpio.gz RC_FILE=$rcf SHOW=${SHOW:-guest} \
	"$ROOT/scripts/boot.sh" "$kind" script guest-run
clean=$?
set -e
rc=$(cat "$rcf" 2>/dev/null || true)

if [ "$clean" -ne 0 ]; then
	echo "error: guest run failed: kernel problem or hang (log: build/logs/guest-run.log)" >&2
	[ -n "$rc" ] && [ "$rc" -ne 0 ] && exit "$rc"
	exit 1
fi
progress guest-run "script exited $rc"
exit "$rc"
