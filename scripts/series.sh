#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# series.sh - make series: the permcache patch series for Linux 6.12 in
# build/series/, a cover letter (0000-cover-letter.patch) and numbered
# patches "[PATCH n/N] subsystem: summary" that apply with git am to the
# pristine tree (Debian's linux-source-6.12), each of which builds.
#
# The steps are scripts/series/plan: the patches of patches/ as they are,
# and the project's own files (Kconfig, Kbuild, arch/, mm/, numa/, shrinker/,
# bench/*.c, include/linux/permcache.h, Documentation/) added at the paths
# scripts/overlay.sh gives them, with the commit messages of
# scripts/series/*.msg.  The cover letter is scripts/series/cover.txt with
# the benchmark figures quoted from README.md.  From: and Signed-off-by: of
# every patch are whoever runs it (git config user.name / user.email).
#
# The pristine tree is a git repository made once (scripts/series-base.sh,
# build/pristine.git); each run builds the commits on it with a private
# index (no checkout), which takes seconds.  scripts/check-series.sh checks
# the result.
#
set -euo pipefail
. "$(dirname "$0")/lib.sh"

name=$(git -C "$ROOT" config user.name 2>/dev/null || true)
email=$(git -C "$ROOT" config user.email 2>/dev/null || true)
if [ -z "$name" ] || [ -z "$email" ]; then
	echo "error: make series needs your git identity: every patch is From: and" >&2
	echo "       Signed-off-by: you.  Set it, then run make series again:" >&2
	echo "         git config --global user.name 'Your Name'" >&2
	echo "         git config --global user.email you@example.org" >&2
	exit 1
fi

out=${SERIES_OUT:-$BUILD/series}
repo=$("$ROOT/scripts/series-base.sh" | tail -n 1)
n=$(KTARBALL=$KTARBALL python3 "$ROOT/scripts/series/mkseries.py" \
	"$ROOT" "$repo" "$out" "$name" "$email")
progress series "$n patch(es) and a cover letter in ${out#$ROOT/}/ (From: $name <$email>)"
