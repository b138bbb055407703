#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# check-series.sh - check the patch series of make series on the pristine tree.
#
#   scripts/check-series.sh [--bisect[=FIRST-LAST]]
#
#  1. make series (scripts/series.sh) into build/series/, then git am of
#     every patch but the cover letter on a clone of the pristine 6.12
#     tree (build/pristine.git, made once; the clone,
#     build/series-check/tree, shares its objects and is kept and reset
#     for each run): one check; and one that the applied tree holds every
#     kernel file of the project as it is now;
#  2. checkpatch.pl --strict of the applied tree on every patch: one check
#     per patch, clean = no error, warning or check.  FILE_PATH_CHANGES
#     ("does MAINTAINERS need updating?") is not counted when the series
#     has a patch that adds the permcache MAINTAINERS entry;
#  3. scripts/kernel-doc -none -Wall on every permcache .c/.h of the
#     applied tree: one check per file, clean = no output;
#  4. with --bisect: each patch (FIRST..LAST, default all) built in order,
#     incrementally, with build/obj's .config (symbols a patch does not
#     have yet are dropped by olddefconfig, and come back with the patch
#     that adds them), in its own object folder build/obj-series and its
#     own clone build/series-check/bisect, kept between runs (a checkout
#     rewrites only the files that differ); one check per patch.  Each
#     build holds /work/.heavy.lock.  With ccache installed the compiler
#     goes through it (cache: build/ccache-series), so re-runs are cheap.
#
# Rows "series-am", "series-files", "series-checkpatch", "series-kernel-doc" and
# "series-bisect" go to $RESULTS when set (make check); run alone it
# prints them and "N passed, N failed".  Exit 0 iff nothing failed.
# Logs: build/logs/series-{am,checkpatch,kernel-doc,bisect}.log.
#
set -euo pipefail
. "$(dirname "$0")/lib.sh"

bisect=0 first=1 last=0
for a in "$@"; do
	case $a in
	--bisect) bisect=1 ;;
	--bisect=*-*) bisect=1; first=${a#--bisect=}; first=${first%-*}; last=${a##*-} ;;
	--bisect=*) bisect=1; last=${a#--bisect=} ;;
	*) die "usage: $0 [--bisect[=FIRST-LAST]]" ;;
	esac
done

mkdir -p "$LOGS" "$BUILD/series-check"
own_results=
if [ -z "${RESULTS:-}" ]; then
	RESULTS=$BUILD/series-check/results.tsv
	own_results=1
	: > "$RESULTS"
fi
row() { printf '%s\t%s\t%s\t0\n' "$1" "$2" "$3" >> "$RESULTS"; }
status=0
t_start=$(date +%s)

summary() {
	[ -n "$own_results" ] || return 0
	python3 - "$RESULTS" <<'PY'
import sys
rows = [l.rstrip('\n').split('\t') for l in open(sys.argv[1]) if l.strip()]
tp = tf = 0
print()
print(f"{'source':<24} {'passed':>7} {'failed':>7} {'skipped':>8}")
for src, p, f, s in rows:
    tp += int(p); tf += int(f)
    print(f"{src:<24} {p:>7} {f:>7} {s:>8}")
print(f"{tp} passed, {tf} failed")
PY
}

# --- 1. make series, git am ---------------------------------------------
# make series refuses without a git identity (the sender signs); a check
# run on a machine that has none (a CI runner) makes the series with a
# placeholder author, through git's environment, never a config file.
if [ -z "$(git -C "$ROOT" config user.name || true)" ] ||
   [ -z "$(git -C "$ROOT" config user.email || true)" ]; then
	progress series "no git identity here: checking the series as 'permcache check <check@invalid>'"
	export GIT_CONFIG_COUNT=2 \
		GIT_CONFIG_KEY_0=user.name GIT_CONFIG_VALUE_0="permcache check" \
		GIT_CONFIG_KEY_1=user.email GIT_CONFIG_VALUE_1=check@invalid
fi
am_log=$LOGS/series-am.log
: > "$am_log"
if ! "$ROOT/scripts/series.sh" 2>&1 | tee -a "$am_log" >&2 ||
   ! ls "$BUILD"/series/0001-*.patch >/dev/null 2>&1; then
	row series-am 0 1
	progress series "FAIL make series (log: ${am_log#$ROOT/})"
	summary
	exit 1
fi
mapfile -t patches < <(ls "$BUILD"/series/[0-9]*.patch | grep -v '/0000-cover-letter\.patch$')
repo=$BUILD/pristine.git
tree=$BUILD/series-check/tree
# Identity for the commits git am makes here only (never written to a config).
gid=(-c user.name=check-series -c user.email=check-series@localhost)
# A clone sharing the objects of build/pristine.git (not a worktree of it:
# checkpatch's spdxcheck.py refuses a worktree of a bare repository).
base=$(git --git-dir="$repo" rev-parse pristine^{commit})
# (made again when build/pristine.git was: a new tarball)
stale() { [ ! -e "$1/.git" ] || [ "$(git -C "$1" rev-parse -q --verify 'pristine^{commit}' 2>/dev/null)" != "$base" ]; }
if stale "$tree" || [ ! -d "$tree/.git" ]; then
	rm -rf "$tree"
	git --git-dir="$repo" worktree prune
	progress series "checking out the pristine tree in ${tree#$ROOT/} (once)"
	git clone -q --shared --no-checkout "$repo" "$tree"
	git -C "$tree" checkout -q --detach pristine
fi
git -C "$tree" am --abort >/dev/null 2>&1 || true
git -C "$tree" reset -q --hard pristine
git -C "$tree" clean -q -fdx
if git -C "$tree" "${gid[@]}" am -q --whitespace=nowarn "${patches[@]}" >>"$am_log" 2>&1; then
	napplied=$(git -C "$tree" rev-list --count pristine..HEAD)
	row series-am 1 0
	progress series "PASS git am: ${#patches[@]} patch(es) applied to $(git -C "$tree" log -1 --format=%s pristine | cut -d' ' -f1,2)"
else
	napplied=$(git -C "$tree" rev-list --count pristine..HEAD)
	row series-am 0 1
	sed 's/^/  /' "$am_log" | tail -n 15
	progress series "FAIL git am: $napplied of ${#patches[@]} applied (log: ${am_log#$ROOT/})"
	git -C "$tree" am --abort >/dev/null 2>&1 || true
	status=1
fi

# The applied tree holds the project's files as they are now (the series
# is not stale, nothing in it is a copy kept by hand).
if [ "$status" = 0 ]; then
	ok=0 bad=0
	while read -r f; do
		case $f in
		Kconfig | Kbuild | mm/* | numa/* | shrinker/* | bench/*) t=mm/permcache/$f ;;
		*) t=$f ;;
		esac
		if cmp -s "$ROOT/$f" "$tree/$t"; then
			ok=$((ok + 1))
		else
			bad=$((bad + 1))
			echo "  FAIL series: $t differs from the project's $f"
		fi
	done < <(cd "$ROOT" && { ls Kconfig Kbuild include/linux/permcache.h bench/*.c
		find mm numa shrinker Documentation -type f ! -name '.*' ! -name '*~' ! -name '*.o'; } | LC_ALL=C sort)
	if [ "$bad" = 0 ]; then
		row series-files 1 0
		progress series "PASS the applied tree holds the project's $ok kernel file(s) as they are"
	else
		row series-files 0 1
		progress series "FAIL $bad of the project's kernel files differ in the applied tree"
		status=1
	fi
fi

# --- 2. checkpatch --strict per patch ----------------------------------
cp_log=$LOGS/series-checkpatch.log
: > "$cp_log"
ignore=()
if grep -l '^+++ b/MAINTAINERS' "${patches[@]}" >/dev/null 2>&1 &&
   grep -q '^+PERMCACHE' "${patches[@]}"; then
	ignore=(--ignore FILE_PATH_CHANGES)
fi
# checkpatch's SPDX check runs scripts/spdxcheck.py with the first python3
# of PATH, which needs python-ply: prefer the system's (python3-ply).
pypath=$PATH
if ! python3 -c 'import ply' 2>/dev/null && /usr/bin/python3 -c 'import ply' 2>/dev/null; then
	pypath=/usr/bin:$PATH
fi
ok=0 bad=0
for p in "${patches[@]}"; do
	out=$(cd "$tree" && PATH=$pypath perl scripts/checkpatch.pl --strict --terse --no-summary \
		--show-types "${ignore[@]}" "$p" 2>&1 || true)
	n=$(echo "$out" | grep -cE '(ERROR|WARNING|CHECK):' || true)
	if [ "$n" -eq 0 ]; then
		ok=$((ok + 1))
		echo "  PASS checkpatch ${p##*/}"
	else
		bad=$((bad + 1))
		echo "  FAIL checkpatch ${p##*/}: $n issue(s), first: $(echo "$out" | grep -E '(ERROR|WARNING|CHECK):' | head -n 1)"
		{ echo "== ${p##*/}"; echo "$out"; } >> "$cp_log"
	fi
done
row series-checkpatch "$ok" "$bad"
progress series "checkpatch --strict: $ok clean, $bad with issues${ignore:+ (FILE_PATH_CHANGES not counted: the series adds a MAINTAINERS entry)} (log: ${cp_log#$ROOT/})"
[ "$bad" -eq 0 ] || status=1

# --- 3. kernel-doc -Wall -----------------------------------------------
kd_log=$LOGS/series-kernel-doc.log
: > "$kd_log"
mapfile -t srcs < <(cd "$tree" && { find mm/permcache -name '*.[ch]'; ls include/linux/permcache.h 2>/dev/null; } | LC_ALL=C sort)
ok=0 bad=0
for f in "${srcs[@]}"; do
	out=$(cd "$tree" && perl scripts/kernel-doc -none -Wall "$f" 2>&1 || true)
	if [ -z "$out" ]; then
		ok=$((ok + 1))
	else
		bad=$((bad + 1))
		echo "  FAIL kernel-doc $f: $(echo "$out" | wc -l) line(s), first: $(echo "$out" | head -n 1)"
		{ echo "== $f"; echo "$out"; } >> "$kd_log"
	fi
done
row series-kernel-doc "$ok" "$bad"
progress series "kernel-doc -Wall: $ok clean, $bad with warnings, of ${#srcs[@]} file(s) (log: ${kd_log#$ROOT/})"
[ "$bad" -eq 0 ] || status=1

# --- 4. every patch builds (optional) ------------------------------------
if [ "$bisect" = 1 ]; then
	bs_log=$LOGS/series-bisect.log
	: > "$bs_log"
	cfg=${SERIES_CONFIG:-$BUILD/obj/.config}
	[ -f "$cfg" ] || die "$cfg missing (build the default kernel first: make kernel)"
	mapfile -t commits < <(git -C "$tree" rev-list --reverse pristine..HEAD)
	[ "$last" -gt 0 ] || last=${#commits[@]}
	[ "$last" -le "${#commits[@]}" ] || last=${#commits[@]}
	btree=$BUILD/series-check/bisect
	obj=$BUILD/obj-series
	if stale "$btree"; then
		rm -rf "$btree"
		git --git-dir="$repo" worktree prune
		git clone -q --shared --no-checkout "$repo" "$btree"
		git -C "$btree" checkout -q --detach pristine
	fi
	git -C "$btree" fetch -q "$tree" HEAD
	mkdir -p "$obj"
	cc=()
	if command -v ccache >/dev/null; then
		export CCACHE_DIR=$BUILD/ccache-series CCACHE_BASEDIR=$btree CCACHE_NOHASHDIR=1
		cc=(CC="ccache gcc")
	fi
	ok=0 bad=0
	for ((i = first; i <= last; i++)); do
		c=${commits[$((i - 1))]}
		subj=$(git -C "$tree" log -1 --format=%s "$c")
		# checkout rewrites only the files that differ: make stays incremental.
		git -C "$btree" checkout -q --detach "$c"
		cp "$cfg" "$obj/.config"
		t0=$(date +%s)
		echo "== $i/${#commits[@]} $subj" >> "$bs_log"
		# (olddefconfig is cheap: only the build waits for the lock)
		if make -C "$btree" O="$obj" "${cc[@]}" olddefconfig >>"$bs_log" 2>&1 &&
		   flock /work/.heavy.lock make -C "$btree" O="$obj" "${cc[@]}" -j"$JOBS" vmlinux >>"$bs_log" 2>&1; then
			ok=$((ok + 1))
			echo "  PASS build $i/${#commits[@]} $subj ($(( $(date +%s) - t0 ))s)"
		else
			bad=$((bad + 1))
			echo "  FAIL build $i/${#commits[@]} $subj ($(( $(date +%s) - t0 ))s)"
			grep -E 'error:|undefined reference|\*\*\*' "$bs_log" | tail -n 5 | sed 's/^/    /'
		fi
	done
	row series-bisect "$ok" "$bad"
	progress series "bisect builds: $ok built, $bad failed, patches $first..$last (log: ${bs_log#$ROOT/})"
	[ "$bad" -eq 0 ] || status=1
fi

progress series "check-series done in $(( $(date +%s) - t_start ))s"
summary
exit $status
