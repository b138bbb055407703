#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# overlay.sh - put the project's kernel sources into build/linux.
#
#   Kconfig Kbuild mm/ numa/ shrinker/  ->  build/linux/mm/permcache/
#   bench/*.c                           ->  build/linux/mm/permcache/bench/
#   include/linux/permcache.h           ->  build/linux/include/linux/
#   arch/x86/mm/permcache.c             ->  build/linux/arch/x86/mm/
#
# rsync -c compares contents, so a file that did not change keeps its mtime
# and make rebuilds only what really changed; files deleted from the project
# are deleted from the tree.  mm/Makefile and mm/Kconfig get one line each to
# hook the folder in, arch/x86/mm/Makefile one to build the arch boundary
# (added once).  Then scripts/patches.sh brings the tree
# to the patch series in patches/.
#
set -euo pipefail
. "$(dirname "$0")/lib.sh"

[ -f "$KSRC/.rig-unpacked" ] || die "build/linux not unpacked (run scripts/unpack.sh)"
dst=$KSRC/mm/permcache
mkdir -p "$dst"


[ -f "$ROOT/Kconfig" ] && [ -f "$ROOT/Kbuild" ] || die "Kconfig/Kbuild missing at the top of the project"

# Only Kconfig, Kbuild, the three source folders and bench/*.c (not the
# results or the driver script) are kernel sources;
# --delete-excluded makes build/linux/mm/permcache/ hold exactly those (no
# objects, editor droppings or files the project deleted).
rsync -rc --delete --delete-excluded --itemize-changes \
	--exclude='*.o' --exclude='.*' --exclude='*~' \
	--include='/Kconfig' --include='/Kbuild' \
	--include='/mm/***' --include='/numa/***' --include='/shrinker/***' \
	--include='/bench/' --include='/bench/*.c' \
	--exclude='*' "$ROOT/" "$dst/" > "$BUILD/overlay.changes"

# The files that go to the same path in the tree as in the project.
for f in include/linux/permcache.h arch/x86/mm/permcache.c; do
	if [ -f "$ROOT/$f" ]; then
		rsync -c --itemize-changes "$ROOT/$f" "$KSRC/$f" >> "$BUILD/overlay.changes"
	elif [ -f "$KSRC/$f" ]; then
		rm -f "$KSRC/$f"
		echo "*deleting $f" >> "$BUILD/overlay.changes"
	fi
done

# Hook mm/permcache/ into the mm build, once.
grep -qx 'obj-$(CONFIG_PERMCACHE) += permcache/' "$KSRC/mm/Makefile" ||
	echo 'obj-$(CONFIG_PERMCACHE) += permcache/' >> "$KSRC/mm/Makefile"
grep -qxF 'obj-$(CONFIG_PERMCACHE)		+= permcache.o' "$KSRC/arch/x86/mm/Makefile" ||
	printf 'obj-$(CONFIG_PERMCACHE)\t\t+= permcache.o\n' >> "$KSRC/arch/x86/mm/Makefile"
if ! grep -qx 'source "mm/permcache/Kconfig"' "$KSRC/mm/Kconfig"; then
	# mm/Kconfig ends with "endmenu"; the source line goes inside the menu.
	sed -i '$ {/^endmenu$/i source "mm/permcache/Kconfig"
}' "$KSRC/mm/Kconfig"
	grep -qx 'source "mm/permcache/Kconfig"' "$KSRC/mm/Kconfig" ||
		die "could not hook mm/permcache/Kconfig into mm/Kconfig"
fi

n=$(grep -c '^[<>*c]' "$BUILD/overlay.changes" || true)
progress overlay "$n file(s) changed in build/linux"

"$ROOT/scripts/patches.sh"
