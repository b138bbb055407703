/* SPDX-License-Identifier: GPL-2.0-only */
/* Userspace shim: the errno values, as the libc headers expect them here. */
#include <asm/errno.h>
