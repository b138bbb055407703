#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# unpack.sh - unpack the Debian linux-source-6.12 tarball into build/linux once.
#
# A stamp (build/linux/.rig-unpacked) records the tarball it came from; the
# tree is never unpacked again while the stamp matches, so object folders that
# point at it stay valid.
#
set -euo pipefail
. "$(dirname "$0")/lib.sh"

[ -f "$KTARBALL" ] || die "kernel source $KTARBALL missing (apt-get install linux-source-6.12)"
want="$(basename "$KTARBALL") $(stat -c %s "$KTARBALL")"
if stamp_matches "$KSRC/.rig-unpacked" "$want"; then
	progress unpack "build/linux up to date"
	exit 0
fi

progress unpack "unpacking $KTARBALL"
rm -rf "$KSRC" "$BUILD/linux.tmp" "$BUILD/applied"
mkdir -p "$BUILD/linux.tmp"
tar -xf "$KTARBALL" -C "$BUILD/linux.tmp"
top=$(ls "$BUILD/linux.tmp")
[ "$(echo "$top" | wc -l)" = 1 ] || die "unexpected layout in $KTARBALL"
mv "$BUILD/linux.tmp/$top" "$KSRC"
rmdir "$BUILD/linux.tmp"
echo "$want" > "$KSRC/.rig-unpacked"
progress unpack "done"
