/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * permcache: per-NUMA-node caches of 2 MiB chunks that were removed from the
 * kernel direct map as whole units, serving permissioned memory: SECRET pages
 * (no kernel mapping at all, for memfd_secret) and RO / ROX text (mapped once,
 * at its final permission, in the module range, for the BPF JIT).
 *
 * This is the interface for permcache's consumers, and only that: what
 * mm/secretmem.c, kernel/bpf/core.c and mm/page_alloc.c call.  Counters,
 * snapshots and the helpers debugfs, the benchmark and the tests use are in
 * mm/permcache/mm/pc_internal.h.  The kernel-doc of each function, with its
 * return convention and allocation context, is in mm/permcache/mm/permcache.c.
 * See Documentation/mm/permcache.rst.
 */
#ifndef _LINUX_PERMCACHE_H
#define _LINUX_PERMCACHE_H

#include <linux/err.h>
#include <linux/gfp_types.h>
#include <linux/types.h>

struct page;

/**
 * enum permcache_class - the permission a chunk serves
 * @PERMCACHE_SECRET: pages with no kernel mapping, handed out as pages.
 * @PERMCACHE_RO: read-only data, mapped in the module range.
 * @PERMCACHE_ROX: read-only executable text, mapped in the module range.
 * @PERMCACHE_NR_CLASSES: number of classes.
 */
enum permcache_class {
	PERMCACHE_SECRET,
	PERMCACHE_RO,
	PERMCACHE_ROX,
	PERMCACHE_NR_CLASSES,
};

#ifdef CONFIG_PERMCACHE

bool permcache_enabled(void);

struct page *permcache_alloc_secret(int nid, gfp_t gfp);
bool permcache_take_freed_page(struct page *page);

void *permcache_alloc_text(enum permcache_class cls, size_t size, int nid);
int permcache_free_text(void *addr, size_t size);

#else /* !CONFIG_PERMCACHE */

/* Consumers test permcache_enabled() and keep their stock paths. */
static inline bool permcache_enabled(void)
{
	return false;
}

static inline struct page *permcache_alloc_secret(int nid, gfp_t gfp)
{
	return ERR_PTR(-ENODEV);
}

static inline bool permcache_take_freed_page(struct page *page)
{
	return false;
}

static inline void *permcache_alloc_text(enum permcache_class cls,
					 size_t size, int nid)
{
	return ERR_PTR(-ENODEV);
}

static inline int permcache_free_text(void *addr, size_t size)
{
	return -ENOENT;
}

#endif /* CONFIG_PERMCACHE */

#endif /* _LINUX_PERMCACHE_H */
