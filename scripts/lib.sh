# SPDX-License-Identifier: GPL-2.0-only
#
# lib.sh - helpers shared by the permcache rig scripts (sourced, not run).
#
# Gives every script the same paths (ROOT, BUILD, KSRC), progress lines of the
# form "[rig] stage message (12s)" with the seconds since the rig started, and
# one way to fail: die "message" prints "error: message" and exits 1.
#

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${BUILD:-$ROOT/build}
KSRC=$BUILD/linux
LOGS=$BUILD/logs
JOBS=${JOBS:-3}
KTARBALL=${KTARBALL:-/usr/src/linux-source-6.12.tar.xz}

# The start time is inherited from the calling make so that elapsed seconds
# run across all scripts of one "make check".
export RIG_T0=${RIG_T0:-$(date +%s)}

rig_elapsed() { echo $(( $(date +%s) - RIG_T0 )); }

# progress STAGE MESSAGE...: one progress line on stderr.
progress() {
	local stage=$1; shift
	printf '[rig] %-9s %s (%ss)\n' "$stage" "$*" "$(rig_elapsed)" >&2
}

die() {
	echo "error: $*" >&2
	exit 1
}

# stamp_matches FILE VALUE: true if FILE exists and holds VALUE.
stamp_matches() { [ -f "$1" ] && [ "$(cat "$1")" = "$2" ]; }

# hash_files FILE...: one sha256 over the base names and contents of FILEs
# (not their folders: the same checkout moved elsewhere hashes the same).
hash_files() {
	local f
	for f in "$@"; do
		printf '%s\n' "${f##*/}"
		if [ -f "$f" ]; then cat "$f"; fi
	done | sha256sum | cut -d' ' -f1
}

# objdir [debug]: the kernel object folder for the default or debug kernel.
objdir() {
	if [ "${1:-}" = debug ]; then echo "$BUILD/obj-debug"; else echo "$BUILD/obj"; fi
}

# config_unmet CONFIG FRAGMENT...: print what the fragments ask for
# ("CONFIG_X=value" or "# CONFIG_X is not set", the last assignment of a
# symbol winning) that CONFIG does not have, as "CONFIG_X (wanted v, got w)"
# words; print nothing when every request holds.
config_unmet() {
	python3 - "$@" <<'PY'
import re, sys
want = {}
for frag in sys.argv[2:]:
    for line in open(frag):
        line = line.strip()
        m = re.match(r'(CONFIG_\w+)=(.*)$', line)
        if m:
            want[m.group(1)] = m.group(2)
            continue
        m = re.match(r'# (CONFIG_\w+) is not set$', line)
        if m:
            want[m.group(1)] = 'n'
have = {}
for line in open(sys.argv[1]):
    m = re.match(r'(CONFIG_\w+)=(.*)$', line.strip())
    if m:
        have[m.group(1)] = m.group(2)
bad = []
for sym, val in want.items():
    got = have.get(sym, 'n')
    if got != val:
        bad.append(f'{sym} (wanted {val}, got {got})')
print(' '.join(bad))
PY
}

# results_summary FILE: the table of the "source passed failed skipped"
# rows of FILE, their totals and the closing line "N passed, N failed";
# false when any row failed.
results_summary() {
	python3 - "$1" <<'PY'
import sys
rows = [l.rstrip('\n').split('\t') for l in open(sys.argv[1]) if l.strip()]
tp = tf = 0
print()
print(f"{'source':<24} {'passed':>7} {'failed':>7} {'skipped':>8}")
for src, p, f, s in rows:
    tp += int(p); tf += int(f)
    print(f"{src:<24} {p:>7} {f:>7} {s:>8}")
print(f"{'total':<24} {tp:>7} {tf:>7}")

print(f"{tp} passed, {tf} failed")
sys.exit(1 if tf else 0)
PY
}
