/* SPDX-License-Identifier: GPL-2.0-only */
/* Userspace shim: see ../shim.h. */
#include "../shim.h"
