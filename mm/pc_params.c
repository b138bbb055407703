// SPDX-License-Identifier: GPL-2.0-only
/*
 * permcache boot parameters: permcache.NAME= on the kernel command line, and
 * /sys/module/permcache/parameters/NAME at run time where changing it is
 * safe.  Each parameter and its range is one entry of data below; one set
 * of ops parses them all.
 *
 * A bad value never stops the boot: it gets one pr_warn naming the
 * parameter, the value and the default used instead.  At run time a bad
 * value is refused with -EINVAL (and the same warning) and the current
 * value stays.
 *
 * Locking: the kernel's param lock serialises writes; readers use
 * READ_ONCE() on pc_config fields and tolerate a change between two reads.
 */

#include <linux/kernel.h>
#include <linux/kstrtox.h>
#include <linux/moduleparam.h>
#include <linux/string.h>

#include "pc_internal.h"

#undef MODULE_PARAM_PREFIX
#define MODULE_PARAM_PREFIX "permcache."

enum pc_param_kind {
	PC_PARAM_BOOL,
	PC_PARAM_UINT,
	PC_PARAM_FALLBACK,
};

/**
 * struct pc_param - one parameter's storage and policy
 * @kind: how the value is parsed and printed.
 * @b: bool storage (PC_PARAM_BOOL).
 * @u: unsigned int storage (PC_PARAM_UINT).
 * @f: fallback storage (PC_PARAM_FALLBACK).
 * @def: the default, as the parameter would be written.
 * @min: smallest accepted value (PC_PARAM_UINT).
 * @max: largest accepted value (PC_PARAM_UINT).
 */
struct pc_param {
	enum pc_param_kind kind;
	union {
		bool *b;
		unsigned int *u;
		enum pc_fallback *f;
	};
	const char *def;
	unsigned int min, max;
};

static const char * const pc_fallback_names[] = {
	[PC_FALLBACK_DISTANCE]	= "distance",
	[PC_FALLBACK_NONE]	= "none",
};

static int pc_param_parse(const struct pc_param *p, const char *val)
{
	unsigned int u;
	bool b;
	int i;

	switch (p->kind) {
	case PC_PARAM_BOOL:
		if (kstrtobool(val, &b))
			return -EINVAL;
		WRITE_ONCE(*p->b, b);
		return 0;
	case PC_PARAM_UINT:
		if (kstrtouint(val, 0, &u) || u < p->min || u > p->max)
			return -EINVAL;
		WRITE_ONCE(*p->u, u);
		return 0;
	case PC_PARAM_FALLBACK:
		i = sysfs_match_string(pc_fallback_names, val);
		if (i < 0)
			return -EINVAL;
		WRITE_ONCE(*p->f, i);
		return 0;
	}
	return -EINVAL;
}

static int pc_param_set(const char *val, const struct kernel_param *kp)
{
	const struct pc_param *p = kp->arg;
	int len;

	val = val ?: "";
	if (!pc_param_parse(p, val))
		return 0;

	/* A sysfs write ends in a newline; the message should not. */
	len = strcspn(val, "\n");
	if (system_state != SYSTEM_BOOTING) {
		pr_warn("permcache: invalid value '%.*s' for %s, keeping the current value\n",
			len, val, kp->name);
		return -EINVAL;
	}
	pr_warn("permcache: invalid value '%.*s' for %s, using the default %s\n",
		len, val, kp->name, p->def);
	/* The default is valid by construction. */
	WARN_ON_ONCE(pc_param_parse(p, p->def));
	return 0;
}

static int pc_param_get(char *buf, const struct kernel_param *kp)
{
	const struct pc_param *p = kp->arg;

	switch (p->kind) {
	case PC_PARAM_BOOL:
		return sysfs_emit(buf, "%c\n", READ_ONCE(*p->b) ? 'Y' : 'N');
	case PC_PARAM_UINT:
		return sysfs_emit(buf, "%u\n", READ_ONCE(*p->u));
	case PC_PARAM_FALLBACK:
		return sysfs_emit(buf, "%s\n",
				  pc_fallback_names[READ_ONCE(*p->f)]);
	}
	return -EINVAL;
}

static const struct kernel_param_ops pc_param_ops = {
	.set = pc_param_set,
	.get = pc_param_get,
};

/* Defaults live in pc_config (mm/permcache.c); .def must match them. */
static struct pc_param pc_param_enable = {
	.kind = PC_PARAM_BOOL, .b = &pc_config.enable, .def = "1",
};

static struct pc_param pc_param_lazy_flush = {
	.kind = PC_PARAM_BOOL, .b = &pc_config.lazy_flush, .def = "1",
};

static struct pc_param pc_param_fallback = {
	.kind = PC_PARAM_FALLBACK, .f = &pc_config.fallback, .def = "distance",
};

static struct pc_param pc_param_prefill = {
	.kind = PC_PARAM_UINT, .u = &pc_config.prefill, .def = "1",
	.min = 0, .max = 64,
};

static struct pc_param pc_param_reserve = {
	.kind = PC_PARAM_UINT, .u = &pc_config.reserve, .def = "1",
	.min = 0, .max = 1024,
};

static struct pc_param pc_param_max_idle = {
	.kind = PC_PARAM_UINT, .u = &pc_config.max_idle, .def = "16",
	.min = 1, .max = 65536,
};

module_param_cb(enable, &pc_param_ops, &pc_param_enable, 0644);
MODULE_PARM_DESC(enable, "Consumers use permcache (0: stock 6.12 paths)");
module_param_cb(lazy_flush, &pc_param_ops, &pc_param_lazy_flush, 0644);
MODULE_PARM_DESC(lazy_flush, "Keep idle aliases, flush on class change (0: flush when idle)");
module_param_cb(fallback, &pc_param_ops, &pc_param_fallback, 0644);
MODULE_PARM_DESC(fallback, "When the home node has no memory: distance or none");
/* Used once, at boot. */
module_param_cb(prefill, &pc_param_ops, &pc_param_prefill, 0444);
MODULE_PARM_DESC(prefill, "Chunks per node acquired at boot (0-64)");
module_param_cb(reserve, &pc_param_ops, &pc_param_reserve, 0644);
MODULE_PARM_DESC(reserve, "Idle chunks per node the shrinker leaves (0-1024)");
module_param_cb(max_idle, &pc_param_ops, &pc_param_max_idle, 0644);
MODULE_PARM_DESC(max_idle, "Idle chunks per node above which they are trimmed (1-65536)");
