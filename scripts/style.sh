#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# style.sh - style checks on the project's own C files.
#
#  * checkpatch.pl --strict --no-tree -f on every *.c/*.h under arch/ mm/
#    numa/ bench/ shrinker/ include/: one check per file, clean = no error,
#    warning or check.
#  * W=1 and sparse (C=1) on mm/permcache/ and arch/x86/mm/permcache.o
#    only: one check, clean = no
#    warning or error from our files.  This runs in its own object folder,
#    build/obj-style (configured like build/obj), with our objects removed
#    first so every file is compiled and checked each time, while build/obj
#    keeps its normal flags and stays incremental.
#
# Rows "style-checkpatch" and "style-sparse-w1" go to $RESULTS when set.
#
set -euo pipefail
. "$(dirname "$0")/lib.sh"

row() { [ -z "${RESULTS:-}" ] || printf '%s\t%s\t%s\t0\n' "$1" "$2" "$3" >> "$RESULTS"; }
mkdir -p "$LOGS"
status=0

# --- checkpatch -------------------------------------------------------
cp_log=$LOGS/checkpatch.log
: > "$cp_log"
mapfile -t files < <(cd "$ROOT" && find arch mm numa shrinker bench include \
	-name '*.[ch]' 2>/dev/null | LC_ALL=C sort)
ok=0 bad=0
for f in "${files[@]}"; do
	out=$(cd "$ROOT" && perl "$KSRC/scripts/checkpatch.pl" --strict --no-tree \
		--no-summary --terse -f "$f" 2>&1 || true)
	if [ -z "$out" ]; then
		ok=$((ok + 1))
	else
		bad=$((bad + 1))
		echo "  FAIL checkpatch $f: $(echo "$out" | wc -l) issue(s), first: $(echo "$out" | head -n 1)"
		echo "$out" >> "$cp_log"
	fi
done
row style-checkpatch "$ok" "$bad"
progress style "checkpatch: $ok clean, $bad with issues (log: ${cp_log#$ROOT/})"
[ "$bad" -eq 0 ] || status=1

# --- W=1 + sparse --------------------------------------------------------
obj=$BUILD/obj-style
sp_log=$LOGS/sparse-w1.log
cfg=${STYLE_CONFIG:-$BUILD/obj/.config}
[ -f "$cfg" ] || die "$cfg missing (build the default kernel first)"
mkdir -p "$obj"
cmp -s "$cfg" "$obj/.config" || cp "$cfg" "$obj/.config"
rm -rf "$obj/mm/permcache" "$obj/arch/x86/mm/permcache.o"
progress style "make W=1 C=1 mm/permcache/ arch/x86/mm/permcache.o in obj-style (log: ${sp_log#$ROOT/})"
set +e
make -C "$KSRC" O="$obj" -j"$JOBS" W=1 C=1 mm/permcache/ arch/x86/mm/permcache.o >"$sp_log" 2>&1
rc=$?
set -e
ours=$(grep -E '^(\.\./)*(mm/permcache/|arch/x86/mm/permcache\.c|include/linux/permcache\.h)[^ ]*:[0-9]+(:[0-9]+)?: (warning|error)' "$sp_log" || true)
ncc=$(grep -cE '^  CC +(mm/permcache/|arch/x86/mm/permcache\.o)' "$sp_log" || true)
nours=$(echo "$ours" | grep -c . || true)
if [ "$rc" -eq 0 ] && [ "$ncc" -gt 0 ] && [ "$nours" -eq 0 ]; then
	row style-sparse-w1 1 0
	progress style "W=1 + sparse: clean ($ncc file(s))"
else
	row style-sparse-w1 0 1
	[ "$nours" -eq 0 ] || echo "$ours" | head -n 20 | sed 's/^/  /'
	[ "$rc" -eq 0 ] || grep -E 'error:|No rule|\*\*\*' "$sp_log" | head -n 5 | sed 's/^/  /'
	[ "$ncc" -gt 0 ] || echo "  no file of mm/permcache/ was compiled (CONFIG_PERMCACHE off?)"
	progress style "W=1 + sparse: FAIL ($nours warning(s) from our files, $ncc file(s) compiled, make rc=$rc)"
	status=1
fi
exit $status
