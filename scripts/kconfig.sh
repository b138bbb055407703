#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# kconfig.sh [debug] - make the .config of build/obj (or build/obj-debug).
#
# tinyconfig, then the checked-in fragments merged on top with
# merge_config.sh, then olddefconfig.  Every "CONFIG_X=y" / "CONFIG_X=value"
# the fragments ask for (the last fragment wins) must be in the final .config,
# otherwise the missing symbols are named and the script fails.
# A stamp holding a hash of the fragments, the project's Kconfig and the
# applied patches skips all of this when nothing changed, so rebuilds stay
# incremental.  RIG_EXTRA_CONFIG=file adds a local fragment last (for
# experiments; never needed by make check).
#
set -euo pipefail
. "$(dirname "$0")/lib.sh"

kind=${1:-default}
obj=$(objdir "$kind")
frags=("$ROOT/scripts/config/permcache.config")
[ "$kind" = debug ] && frags+=("$ROOT/scripts/config/debug.config")
if [ -n "${RIG_EXTRA_CONFIG:-}" ]; then
	[ -f "$RIG_EXTRA_CONFIG" ] || die "RIG_EXTRA_CONFIG=$RIG_EXTRA_CONFIG does not exist"
	frags+=("$(realpath "$RIG_EXTRA_CONFIG")")
fi

hash=$(hash_files "${frags[@]}" "$ROOT/Kconfig" "$BUILD/applied/series" \
	"$BUILD"/applied/*.patch)
stamp=$obj/.rig-config-stamp
if [ -f "$obj/.config" ] && stamp_matches "$stamp" "$hash"; then
	progress kconfig "$(basename "$obj")/.config up to date"
	exit 0
fi

progress kconfig "tinyconfig + ${frags[*]##*/} -> $(basename "$obj")/.config"
mkdir -p "$obj" "$LOGS"
log=$LOGS/kconfig-$kind.log
rm -f "$stamp"
{
	make -C "$KSRC" O="$obj" tinyconfig &&
	"$KSRC/scripts/kconfig/merge_config.sh" -m -O "$obj" "$obj/.config" "${frags[@]}" &&
	make -C "$KSRC" O="$obj" olddefconfig
} >"$log" 2>&1 || { tail -n 20 "$log" >&2; die "kernel configuration failed (log: $log)"; }

# What the fragments ask for, the last assignment of a symbol winning.
missing=$(config_unmet "$obj/.config" "${frags[@]}")
[ -z "$missing" ] || die "config fragments not honoured in $(basename "$obj")/.config: $missing"

echo "$hash" > "$stamp"
progress kconfig "$(basename "$obj")/.config ok ($(grep -c '=y' "$obj/.config") options =y)"
