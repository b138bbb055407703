#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# demo.sh - make demo: boot the 2-node guest in pcmode=demo and show the
# topology and what a memfd_secret load costs the direct map and in IPIs
# (guest side: tools/testing/selftests/permcache/demo.sh).
#
set -euo pipefail
. "$(dirname "$0")/lib.sh"

"$ROOT/scripts/validate.sh" || exit 2
"$ROOT/scripts/prepare.sh"
"$ROOT/scripts/build-kernel.sh" default
"$ROOT/scripts/initramfs.sh"
SHOW=guest "$ROOT/scripts/boot.sh" default demo demo
