#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# check-series.sh - check the patch series of make series on the pristine tree.
#
#   scripts/check-series.sh [--bisect[=FIRST-LAST]] [--matrix]
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
#     incrementally, with the matrix base configuration (below; symbols a
#     patch does not have yet are dropped by olddefconfig, and come back
#     with the patch that adds them), in its own object folder
#     build/obj-series and its own clone build/series-check/bisect, kept
#     between runs (a checkout rewrites only the files that differ); one
#     check per patch;
#  5. with --matrix: the series in the base configuration and in the base
#     with one option changed, one row per configuration (MATRIX below),
#     in the same tree and object folder: the base, PERMCACHE=n and "all
#     off" (SMP, NUMA, MEMCG, DEBUG_FS, SECRETMEM, BPF_SYSCALL all n) linked
#     (make vmlinux), the other rows compiled: every object of the series
#     the configuration has (see MATRIX; MATRIX_LINK=1 links them all).
#     Before building, each row's .config must hold what the row expects
#     (a row that Kconfig turns into something else fails as such).
#
# The base (build/series-check/base.config) is tinyconfig +
# scripts/config/matrix.config on the fully applied series: SMP, NUMA,
# memcg, debugfs, memfd_secret, the BPF JIT and permcache with its KUnit
# suites and bench, and nothing the guest would need to boot.  With ccache
# installed the compiler goes through it (cache: build/ccache-series).  The
# series' patches that change headers most files include come first
# (scripts/series/plan), so the per-patch builds rebuild the tree once.
#
# Rows "series-am", "series-files", "series-checkpatch", "series-kernel-doc",
# "series-bisect" and one "matrix <configuration>" per configuration go to
# $RESULTS when set (make check); run alone it prints them and "N passed,
# N failed".  Exit 0 iff nothing failed.  A build check that cannot run
# (no applied series, no base configuration) is a failed row.
# Logs: build/logs/series-{am,checkpatch,kernel-doc,bisect,matrix}.log.
#
set -euo pipefail
. "$(dirname "$0")/lib.sh"

bisect=0 matrix=0 first=1 last=0
for a in "$@"; do
	case $a in
	--matrix) matrix=1 ;;
	--bisect) bisect=1 ;;
	--bisect=*-*) bisect=1; first=${a#--bisect=}; first=${first%-*}; last=${a##*-} ;;
	--bisect=*) bisect=1; last=${a#--bisect=} ;;
	*) die "usage: $0 [--bisect[=FIRST-LAST]] [--matrix]" ;;
	esac
done

mkdir -p "$LOGS" "$BUILD/series-check"
own_results=
if [ -z "${RESULTS:-}" ]; then
	RESULTS=$BUILD/series-check/results.tsv
	own_results=1
	: > "$RESULTS"
fi
applied=0
row() { printf '%s\t%s\t%s\t0\n' "$1" "$2" "$3" >> "$RESULTS"; }
status=0
t_start=$(date +%s)

summary() {
	[ -n "$own_results" ] || return 0
	results_summary "$RESULTS" || true
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
	applied=1
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
		find arch mm numa shrinker Documentation -type f ! -name '.*' ! -name '*~' ! -name '*.o'; } | LC_ALL=C sort)
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
mapfile -t srcs < <(cd "$tree" && { find mm/permcache -name '*.[ch]'
	ls include/linux/permcache.h arch/x86/mm/permcache.c 2>/dev/null; } | LC_ALL=C sort)
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

# --- 4./5. builds: the bisect clone, the base configuration --------------
# MATRIX rows: "NAME|KIND|scripts/config arguments|SYM=val ... the .config
# must hold".  KIND "link" builds vmlinux; "compile" builds, in that
# configuration, every object of the series that the configuration has:
# mm/permcache/, arch/x86/mm/permcache.o and the files the series patches
# (MATRIX_OBJS, and mm/secretmem.o, kernel/bpf/core.o when built).  Every
# option of a compile row changes headers nearly every object includes
# (sched.h, mmzone.h, memcontrol.h, module.h, preempt.h...), so linking
# would rebuild the whole kernel per row: 5-7 minutes each on two cores,
# about an hour for the matrix.  One row links with all the options that
# turn something off at once ("all off"): a call into code such a
# configuration does not build fails there.  MATRIX_LINK=1 links every row.
MATRIX=(
	"base|link||PERMCACHE=y PERMCACHE_KUNIT_TEST=y PERMCACHE_BENCH=y"
	"PERMCACHE=n|link|-d PERMCACHE|PERMCACHE=n SECRETMEM=y BPF_JIT=y"
	"SECRETMEM=n|compile|-d SECRETMEM|SECRETMEM=n PERMCACHE=y PERMCACHE_BENCH=y"
	"DEBUG_FS=n|compile|-d DEBUG_FS|DEBUG_FS=n PERMCACHE=y PERMCACHE_KUNIT_TEST=y"
	"MEMCG=n|compile|-d MEMCG|MEMCG=n PERMCACHE=y PERMCACHE_BENCH=y"
	"BPF_SYSCALL=n|compile|-d BPF_SYSCALL|BPF_SYSCALL=n PERMCACHE=y"
	"MODULES=y|compile|-e MODULES|MODULES=y PERMCACHE=y PERMCACHE_BENCH=y"
	"NUMA=n|compile|-d NUMA|NUMA=n SMP=y PERMCACHE=y PERMCACHE_BENCH=y"
	"PREEMPT=y|compile|-d PREEMPT_NONE -e PREEMPT|PREEMPT=y PERMCACHE=y PERMCACHE_BENCH=y"
	"PREEMPT_RT=y|compile|-d PREEMPT_NONE -e PREEMPT_RT|PREEMPT_RT=y PERMCACHE=y PERMCACHE_BENCH=y"
	"SMP=n|compile|-d SMP|SMP=n NUMA=n PERMCACHE=y PERMCACHE_BENCH=y"
	"all off|link|-d SMP -d MEMCG -d DEBUG_FS -d SECRETMEM -d BPF_SYSCALL|SMP=n NUMA=n MEMCG=n DEBUG_FS=n SECRETMEM=n BPF_SYSCALL=n PERMCACHE=y"
)
MATRIX_OBJS=(mm/page_alloc.o mm/vmalloc.o arch/x86/mm/pat/set_memory.o
	arch/x86/mm/tlb.o arch/x86/kernel/alternative.o)
btree=$BUILD/series-check/bisect
obj=$BUILD/obj-series
base_cfg=$BUILD/series-check/base.config
bs_log=$LOGS/series-bisect.log
mx_log=$LOGS/series-matrix.log
cc=()
if command -v ccache >/dev/null; then
	export CCACHE_DIR=$BUILD/ccache-series CCACHE_BASEDIR=$btree CCACHE_NOHASHDIR=1
	cc=(CC="ccache gcc")
fi

# prepare_builds: the bisect clone fetched up to the applied series, and
# base.config made on the whole series (tinyconfig + matrix.config).
prepare_builds() {
	local cobj=$BUILD/series-check/config-obj frag=$ROOT/scripts/config/matrix.config unmet
	if stale "$btree"; then
		rm -rf "$btree"
		git --git-dir="$repo" worktree prune
		git clone -q --shared --no-checkout "$repo" "$btree"
		git -C "$btree" checkout -q --detach pristine
	fi
	git -C "$btree" fetch -q "$tree" HEAD
	git -C "$btree" checkout -q --detach FETCH_HEAD
	mkdir -p "$obj" "$cobj"
	{
		make -C "$btree" O="$cobj" tinyconfig &&
		"$btree/scripts/kconfig/merge_config.sh" -m -O "$cobj" "$cobj/.config" "$frag" &&
		make -C "$btree" O="$cobj" olddefconfig
	} > "$LOGS/series-config.log" 2>&1 || {
		echo "  FAIL base configuration (log: ${LOGS#$ROOT/}/series-config.log)"
		return 1
	}
	unmet=$(config_unmet "$cobj/.config" "$frag")
	if [ -n "$unmet" ]; then
		echo "  FAIL matrix.config not honoured on the series: $unmet"
		return 1
	fi
	cp "$cobj/.config" "$base_cfg"
}

# build_vmlinux LOG: make vmlinux in $btree/$obj with the .config in place.
build_vmlinux() {
	make -C "$btree" O="$obj" "${cc[@]}" olddefconfig >>"$1" 2>&1 &&
	make -C "$btree" O="$obj" "${cc[@]}" -j"$JOBS" vmlinux >>"$1" 2>&1
}

# build_objects LOG: the objects of the series the configuration has (a
# compile row); false also when CONFIG_PERMCACHE=y compiled no file of it.
build_objects() {
	local objs=("${MATRIX_OBJS[@]}") n
	has() { grep -qx "CONFIG_$1=y" "$obj/.config"; }
	has SECRETMEM && objs+=(mm/secretmem.o)
	has BPF && objs+=(kernel/bpf/core.o)
	has PERMCACHE && objs+=(mm/permcache/ arch/x86/mm/permcache.o)
	# Each object again, in this configuration (not one left from before).
	rm -rf "$obj/mm/permcache"
	for o in "${objs[@]}"; do
		case $o in */) ;; *) rm -f "$obj/$o" ;; esac
	done
	make -C "$btree" O="$obj" "${cc[@]}" -j"$JOBS" "${objs[@]}" >>"$1" 2>&1 || return 1
	has PERMCACHE || return 0
	n=$(awk '/^== /{n=0} /^  CC +(mm\/permcache\/|arch\/x86\/mm\/permcache\.o)/{n++} END{print n}' "$1")
	[ "$n" -gt 0 ]
}

# Without the applied series or the base configuration, every build check
# asked for fails (a row each), rather than going missing from the summary.
ready=0
if [ "$applied" = 1 ] && { [ "$bisect" = 1 ] || [ "$matrix" = 1 ]; }; then
	if prepare_builds; then ready=1; else status=1; fi
fi
if [ "$ready" = 0 ]; then
	[ "$bisect" = 0 ] || row series-bisect 0 1
	if [ "$matrix" = 1 ]; then
		for spec in "${MATRIX[@]}"; do row "matrix ${spec%%|*}" 0 1; done
	fi
fi

# --- 4. every patch builds (optional) ------------------------------------
if [ "$bisect" = 1 ] && [ "$ready" = 1 ]; then
	: > "$bs_log"
	mapfile -t commits < <(git -C "$tree" rev-list --reverse pristine..HEAD)
	[ "$last" -gt 0 ] || last=${#commits[@]}
	[ "$last" -le "${#commits[@]}" ] || last=${#commits[@]}
	ok=0 bad=0
	for ((i = first; i <= last; i++)); do
		c=${commits[$((i - 1))]}
		subj=$(git -C "$tree" log -1 --format=%s "$c")
		# checkout rewrites only the files that differ: make stays incremental.
		git -C "$btree" checkout -q --detach "$c"
		cp "$base_cfg" "$obj/.config"
		t0=$(date +%s)
		echo "== $i/${#commits[@]} $subj" >> "$bs_log"
		if build_vmlinux "$bs_log"; then
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
	git -C "$btree" checkout -q --detach FETCH_HEAD
fi

# --- 5. the build matrix (optional) --------------------------------------
if [ "$matrix" = 1 ] && [ "$ready" = 1 ]; then
	: > "$mx_log"
	ok=0 bad=0
	for spec in "${MATRIX[@]}"; do
		IFS='|' read -r name kind change expect <<< "$spec"
		[ "${MATRIX_LINK:-0}" = 1 ] && kind=link
		t0=$(date +%s)
		echo "== $name ($kind)" >> "$mx_log"
		cp "$base_cfg" "$obj/.config"
		# shellcheck disable=SC2086 # change is a list of arguments
		[ -z "$change" ] || "$btree/scripts/config" --file "$obj/.config" $change
		make -C "$btree" O="$obj" "${cc[@]}" olddefconfig >>"$mx_log" 2>&1 || true
		frag=$BUILD/series-check/expect.config
		tr ' ' '\n' <<< "$expect" | sed -E 's/^([A-Z0-9_]+)=n$/# CONFIG_\1 is not set/; s/^([A-Z0-9_]+=)/CONFIG_\1/' > "$frag"
		unmet=$(config_unmet "$obj/.config" "$frag")
		what=vmlinux
		[ "$kind" = link ] || what="the series' objects"
		if [ -n "$unmet" ]; then
			bad=$((bad + 1))
			row "matrix $name" 0 1
			echo "  FAIL matrix $name: the configuration is not what the row expects: $unmet"
			echo "unmet: $unmet" >> "$mx_log"
		elif { [ "$kind" = link ] && build_vmlinux "$mx_log"; } ||
		     { [ "$kind" = compile ] && build_objects "$mx_log"; }; then
			ok=$((ok + 1))
			row "matrix $name" 1 0
			echo "  PASS matrix $name: $what built ($(( $(date +%s) - t0 ))s)"
		else
			bad=$((bad + 1))
			row "matrix $name" 0 1
			echo "  FAIL matrix $name: $what ($(( $(date +%s) - t0 ))s)"
			grep -E 'error:|undefined reference|\*\*\*' "$mx_log" | tail -n 5 | sed 's/^/    /'
		fi
	done
	progress series "build matrix: $ok configuration(s) built, $bad failed (log: ${mx_log#$ROOT/})"
	[ "$bad" -eq 0 ] || status=1
fi

progress series "check-series done in $(( $(date +%s) - t_start ))s"
summary
exit $status
