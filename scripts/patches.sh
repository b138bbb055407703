#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# patches.sh - bring build/linux to the patch series in patches/.
#
# patches/series names the patches in order, one per line; blank lines and
# "#" comments are ignored.  Every applied patch is copied to build/applied/
# and build/applied/series lists them, so the rig knows exactly what is in
# the tree.  When the series or a patch changes, the patches after the
# longest unchanged prefix are reversed (last first) and the new ones applied.
# A patch that does not apply is an error, and nothing of it is applied.
#
set -euo pipefail
. "$(dirname "$0")/lib.sh"

series=$ROOT/patches/series
applied=$BUILD/applied
mkdir -p "$applied"
touch "$applied/series"

want=()
if [ -f "$series" ]; then
	while read -r line; do
		line=${line%%#*}
		line=$(echo "$line" | xargs)
		[ -n "$line" ] || continue
		[ -f "$ROOT/patches/$line" ] || die "patches/series names $line, which is not in patches/"
		want+=("$line")
	done < "$series"
fi
mapfile -t have < "$applied/series"

# Longest prefix that is applied already, with the same contents.
keep=0
while [ $keep -lt ${#want[@]} ] && [ $keep -lt ${#have[@]} ] &&
      [ "${want[$keep]}" = "${have[$keep]}" ] &&
      cmp -s "$ROOT/patches/${want[$keep]}" "$applied/${have[$keep]}"; do
	keep=$((keep + 1))
done

if [ $keep -eq ${#want[@]} ] && [ $keep -eq ${#have[@]} ]; then
	progress patches "${#want[@]} patch(es) applied, series unchanged"
	exit 0
fi

ppatch() { patch -p1 -s -N --no-backup-if-mismatch -d "$KSRC" "$@"; }

# Reverse what is no longer wanted, newest first.
for ((i = ${#have[@]} - 1; i >= keep; i--)); do
	p=${have[$i]}
	progress patches "reversing $p"
	ppatch -R < "$applied/$p" ||
		die "could not reverse $p; the tree is inconsistent, run 'make distclean'"
	rm -f "$applied/$p"
	printf '%s\n' "${have[@]:0:$i}" | sed '/^$/d' > "$applied/series"
done

for ((i = keep; i < ${#want[@]}; i++)); do
	p=${want[$i]}
	progress patches "applying $p"
	if ! out=$(ppatch --dry-run < "$ROOT/patches/$p" 2>&1); then
		echo "$out" >&2
		die "patch patches/$p does not apply to build/linux (6.12)"
	fi
	ppatch < "$ROOT/patches/$p"
	cp "$ROOT/patches/$p" "$applied/$p"
	echo "$p" >> "$applied/series"
done
progress patches "${#want[@]} patch(es) applied"
