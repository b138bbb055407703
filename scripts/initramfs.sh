#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# initramfs.sh - build build/initramfs.cpio.gz, the base guest root.
#
# busybox-static with its applet links, stress-ng, numactl, lstopo-no-graphics
# and hwloc-ls with the shared libraries ldd finds (and the dynamic loader),
# a minimal /etc, /init (scripts/guest/init) and the guest scripts of
# tools/testing/selftests/permcache/ under /permcache/.  Rebuilt only when
# one of those inputs changed (stamp with a hash).
#
# initramfs.sh --extra OUT SCRIPT [FILES_DIR]: write a small cpio with
# /permcache/user-script and /permcache/files/ for one guest run; the kernel
# unpacks it on top of the base archive when the two are concatenated.
#
# It also makes build/reclaim-disk.img (once; initramfs.sh --disk makes
# only that): a raw ext2 image, made with "mke2fs -d" (no mount, no root),
# holding data0..data2, 128 MiB each of text (not zeros: the files have
# blocks on disk).  scripts/qemu.sh attaches it as a virtio-blk disk
# (/dev/vda) in pcmode=check; check-reclaim.sh fills a node's page cache
# from it.
#
set -euo pipefail
. "$(dirname "$0")/lib.sh"

cpio_dir() {	# cpio_dir DIR OUT: gzip'd newc archive of DIR, owned by root
	(cd "$1" && find . -mindepth 1 | LC_ALL=C sort |
		cpio -o -H newc -R 0:0 --quiet) | gzip -6 > "$2"
}

if [ "${1:-}" = --extra ]; then
	out=$2 script=$3 files=${4:-}
	stage=$BUILD/initramfs-extra
	rm -rf "$stage"
	mkdir -p "$stage/permcache/files"
	install -m 0755 "$script" "$stage/permcache/user-script"
	[ -z "$files" ] || cp -a "$files/." "$stage/permcache/files/"
	cpio_dir "$stage" "$out"
	exit 0
fi

# make_disk: build/reclaim-disk.img, unless it is there with the same recipe.
DISK_IMG=$BUILD/reclaim-disk.img
DISK_FILES=3 DISK_FILE_MIB=128 DISK_MIB=420
make_disk() {
	local recipe="ext2 $DISK_MIB MiB, $DISK_FILES x $DISK_FILE_MIB MiB" dir i
	if [ -f "$DISK_IMG" ] && stamp_matches "$DISK_IMG.stamp" "$recipe"; then
		return 0
	fi
	command -v mke2fs > /dev/null || PATH=$PATH:/sbin:/usr/sbin
	command -v mke2fs > /dev/null || die "mke2fs missing (run scripts/deps.sh)"
	progress disk "making build/reclaim-disk.img ($recipe)"
	dir=$BUILD/reclaim-disk-files
	rm -rf "$dir" "$DISK_IMG.tmp"
	mkdir -p "$dir"
	for ((i = 0; i < DISK_FILES; i++)); do
		# (yes ends on SIGPIPE: feed head from a process substitution,
		# whose status pipefail does not see.)
		head -c "${DISK_FILE_MIB}M" < <(yes "permcache reclaim data file $i") > "$dir/data$i"
	done
	mke2fs -q -F -t ext2 -b 4096 -m 0 -L pcdata -d "$dir" "$DISK_IMG.tmp" "${DISK_MIB}M" > /dev/null ||
		die "mke2fs could not make build/reclaim-disk.img"
	rm -rf "$dir"
	mv "$DISK_IMG.tmp" "$DISK_IMG"
	echo "$recipe" > "$DISK_IMG.stamp"
}

if [ "${1:-}" = --disk ]; then
	make_disk
	exit 0
fi
make_disk

BINS=(/usr/bin/stress-ng /usr/bin/numactl /usr/bin/lstopo-no-graphics /usr/bin/hwloc-ls)
SELFTESTS=$ROOT/tools/testing/selftests/permcache
out=$BUILD/initramfs.cpio.gz

for b in /bin/busybox "${BINS[@]}"; do
	[ -x "$b" ] || die "$b missing (run scripts/deps.sh)"
done

inputs=("$0" "$ROOT/scripts/guest/init" "$SELFTESTS"/*)
hash=$( { hash_files "${inputs[@]}"; ls -lL /bin/busybox "${BINS[@]}"; } | sha256sum | cut -d' ' -f1)
if [ -f "$out" ] && stamp_matches "$out.stamp" "$hash"; then
	progress initramfs "build/initramfs.cpio.gz up to date"
	exit 0
fi
progress initramfs "building build/initramfs.cpio.gz"

stage=$BUILD/initramfs-root
rm -rf "$stage"
mkdir -p "$stage"/{bin,sbin,usr/bin,usr/sbin,etc,proc,sys,dev,tmp,root,run,permcache}
chmod 1777 "$stage/tmp"

# busybox and its applets as symlinks at their usual paths.
cp /bin/busybox "$stage/bin/busybox"
for app in $("$stage/bin/busybox" --list-full); do
	[ -e "$stage/$app" ] || ln -s /bin/busybox "$stage/$app"
done

# Dynamic binaries, their libraries (at the paths ldd resolved) and the loader.
for b in "${BINS[@]}"; do
	rm -f "$stage$b"
	cp "$b" "$stage$b"
	for lib in $(ldd "$b" | grep -oE '/[^ ]+'); do
		[ -e "$stage$lib" ] && continue
		mkdir -p "$stage$(dirname "$lib")"
		cp -L "$lib" "$stage$lib"
	done
done
# /lib -> usr/lib style merged /usr on Debian 12: keep both spellings valid.
for d in lib lib64; do
	if [ -d "$stage/usr/$d" ] && [ ! -e "$stage/$d" ]; then
		ln -s "usr/$d" "$stage/$d"
	fi
done

# The fixed workloads of the A/B figures (make demo), static for the guest.
gcc -static -O2 -Wall -Wextra -Werror -o "$stage/usr/bin/pcwork" \
	"$SELFTESTS/pcwork.c" || die "tools/testing/selftests/permcache/pcwork.c did not build"

printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' \
	> "$stage/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' > "$stage/etc/group"

install -m 0755 "$ROOT/scripts/guest/init" "$stage/init"
if [ -d "$SELFTESTS" ]; then
	cp -a "$SELFTESTS/." "$stage/permcache/"
fi

cpio_dir "$stage" "$out.tmp"
mv "$out.tmp" "$out"
echo "$hash" > "$out.stamp"
progress initramfs "build/initramfs.cpio.gz: $(du -h "$out" | cut -f1)"
