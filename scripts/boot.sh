#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# boot.sh KIND MODE LABEL - boot one guest and judge its serial log.
#
# KIND is default or debug, MODE the guest pcmode, LABEL names the log
# (build/logs/<LABEL>.log) and the result rows.  Runs scripts/qemu.sh (which
# takes NODES, CPUS, MEM, APPEND, TIMEOUT, INITRD, SHOW from the environment)
# and scripts/parse-results.py.  RESULTS=file collects the summary rows;
# RC_FILE=file receives the guest's exit status.  Exit status: 0 if the boot
# was clean (no kernel splat, end marker seen), 1 otherwise.
#
set -euo pipefail
. "$(dirname "$0")/lib.sh"

kind=$1 mode=$2 label=$3
obj=$(objdir "$kind")
log=$LOGS/$label.log

set +e
KIND=$kind MODE=$mode LOG=$log "$ROOT/scripts/qemu.sh"
qrc=$?
set -e

args=("$log" --label "$label" --kunit-py "$KSRC/tools/testing/kunit/kunit.py")
grep -qx 'CONFIG_PERMCACHE_KUNIT_TEST=y' "$obj/.config" && args+=(--kunit)
[ "$qrc" -eq 124 ] && args+=(--timed-out)
[ -n "${RESULTS:-}" ] && args+=(--results "$RESULTS")
[ -n "${RC_FILE:-}" ] && args+=(--rc-file "$RC_FILE")
python3 "$ROOT/scripts/parse-results.py" "${args[@]}"
