#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# deps.sh - install the Debian 12 packages the rig needs, if any are missing.
#
# Fast when everything is there (one dpkg-query); "apt-get update" runs only
# when something has to be installed.  Works without a terminal (CI).
#
set -euo pipefail
. "$(dirname "$0")/lib.sh"

PKGS=(
	build-essential make bc bison flex libelf-dev libssl-dev dwarves
	cpio xz-utils gzip kmod rsync patch python3 perl e2fsprogs
	git python3-ply python3-git
	linux-source-6.12 sparse ccache
	qemu-system-x86 busybox-static stress-ng numactl hwloc-nox
	python3-matplotlib
)

missing=()
for p in "${PKGS[@]}"; do
	st=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
	[ "$st" = installed ] || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
	progress deps "all ${#PKGS[@]} packages present"
	exit 0
fi

[ "$(id -u)" = 0 ] || die "missing packages (${missing[*]}); run as root or install them"
progress deps "installing: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
mkdir -p "$LOGS"
log=$LOGS/apt.log
if ! { apt-get update -qq && apt-get install -y -qq --no-install-recommends \
		"${missing[@]}"; } </dev/null >"$log" 2>&1; then
	tail -n 20 "$log" >&2
	die "apt-get failed (full log: $log)"
fi
progress deps "done"
