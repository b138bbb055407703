#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# series-base.sh - a git repository of the pristine 6.12 tree, made once.
#
# build/pristine.git (bare) holds one commit, tagged "pristine": the Debian
# linux-source-6.12 tarball as unpacked, with a fixed author and date so
# that its id is the same on every machine for the same tarball.  A stamp
# (build/pristine.git/rig-stamp) records the tarball; the repository is
# made again only when the tarball changes.  scripts/series.sh builds the
# series on it and scripts/check-series.sh applies the series to a
# worktree of it.  Prints the repository's path.
#
set -euo pipefail
. "$(dirname "$0")/lib.sh"

repo=$BUILD/pristine.git
[ -f "$KTARBALL" ] || die "kernel source $KTARBALL missing (apt-get install linux-source-6.12)"
want="$(basename "$KTARBALL") $(stat -c %s "$KTARBALL")"
if stamp_matches "$repo/rig-stamp" "$want" &&
   git --git-dir="$repo" rev-parse -q --verify pristine^{commit} >/dev/null; then
	echo "$repo"
	exit 0
fi

progress series "making $repo from $KTARBALL (once; a few minutes)"
rm -rf "$repo" "$BUILD/pristine.tmp"
mkdir -p "$BUILD/pristine.tmp"
tar -xf "$KTARBALL" -C "$BUILD/pristine.tmp"
top=$(ls "$BUILD/pristine.tmp")
[ "$(echo "$top" | wc -l)" = 1 ] || die "unexpected layout in $KTARBALL"
src=$BUILD/pristine.tmp/$top
ver=$(make -s -C "$src" kernelversion 2>/dev/null) || die "no kernel version in $KTARBALL"

git init -q --bare "$repo"
g() { git --git-dir="$repo" --work-tree="$src" "$@"; }
g config core.autocrlf false
g config gc.auto 0
# Everything the tarball holds, whatever the tree's .gitignore files say.
g add -A -f .
GIT_AUTHOR_NAME="linux-source-6.12" GIT_AUTHOR_EMAIL="linux-source@localhost" \
GIT_COMMITTER_NAME="linux-source-6.12" GIT_COMMITTER_EMAIL="linux-source@localhost" \
GIT_AUTHOR_DATE="2000-01-01T00:00:00Z" GIT_COMMITTER_DATE="2000-01-01T00:00:00Z" \
	g commit -q --no-verify -m "Linux $ver ($(basename "$KTARBALL"))" \
	-m "The Debian linux-source-6.12 tarball as unpacked: the base of the permcache series."
g tag pristine
g update-ref refs/heads/master pristine
rm -rf "$BUILD/pristine.tmp"
echo "$want" > "$repo/rig-stamp"
progress series "pristine repository ready: Linux $ver"
echo "$repo"
