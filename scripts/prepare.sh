#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# prepare.sh - packages, the unpacked 6.12 tree, the project overlaid on it
# and the patch series applied: everything a kernel build needs.
#
set -euo pipefail
. "$(dirname "$0")/lib.sh"

"$ROOT/scripts/deps.sh"
"$ROOT/scripts/unpack.sh"
"$ROOT/scripts/overlay.sh"
