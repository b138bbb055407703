#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# validate.sh [guest-run] - check the user's variables before anything is
# built; one "error: ..." line and exit 2 on bad input.
#
set -uo pipefail

err() { echo "error: $*" >&2; exit 2; }

n=${NODES:-2}
[[ $n =~ ^[1-8]$ ]] || err "NODES must be 1..8 (got $n)"
[ -z "${CPUS:-}" ] || [[ $CPUS =~ ^[1-8]$ ]] || err "CPUS must be 1..8 (got $CPUS)"
[ -z "${MEM:-}" ] || [[ $MEM =~ ^[0-9]+[mMgG]?$ ]] || err "MEM must look like 2G or 2048M (got $MEM)"
[ -z "${TIMEOUT:-}" ] || [[ $TIMEOUT =~ ^[1-9][0-9]*$ ]] || err "TIMEOUT must be seconds (got $TIMEOUT)"

if [ "${1:-}" = guest-run ]; then
	[ -n "${SCRIPT:-}" ] || err "guest-run needs SCRIPT=file (the script to run in the guest)"
	[ -f "$SCRIPT" ] || err "SCRIPT=$SCRIPT does not exist"
	[ -z "${GUEST_FILES:-}" ] || [ -d "$GUEST_FILES" ] || err "GUEST_FILES=$GUEST_FILES is not a folder"
fi
exit 0
