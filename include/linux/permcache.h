/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * permcache: per-NUMA-node caches of 2 MiB chunks that were removed from the
 * kernel direct map as whole units, serving permissioned memory: SECRET pages
 * (no kernel mapping at all, for memfd_secret) and RO / ROX text (mapped once,
 * at its final permission, in the module range, for the BPF JIT).
 *
 * This is the whole public interface.  See Documentation/mm/permcache.rst.
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

/*
 * Event counters, kept per node and summed on read.  debugfs prints them
 * under the names in permcache_stat_names[], in this order.
 */
enum permcache_stat_item {
	PERMCACHE_STAT_ALLOC_SECRET,
	PERMCACHE_STAT_FREE_SECRET,
	PERMCACHE_STAT_ALLOC_TEXT,
	PERMCACHE_STAT_FREE_TEXT,
	PERMCACHE_STAT_ALLOC_FAILED,
	PERMCACHE_STAT_ALLOC_REMOTE,
	PERMCACHE_STAT_CHUNKS_ACQUIRED,
	PERMCACHE_STAT_CHUNKS_RELEASED,
	PERMCACHE_STAT_ACQUIRE_FAILED,
	PERMCACHE_STAT_REUSE_SAME_CLASS,
	PERMCACHE_STAT_CLASS_CHANGES,
	PERMCACHE_STAT_FLUSHES,
	PERMCACHE_STAT_FLUSHES_AVOIDED,
	PERMCACHE_STAT_BAD_FREES,
	PERMCACHE_STAT_SHRINK_SCANS,
	PERMCACHE_STAT_SHRINK_FREED,
	PERMCACHE_STAT_SECRET_ZEROED,
	PERMCACHE_STAT_ZERO_BATCHES,
	PERMCACHE_STAT_HWPOISONED,
	PERMCACHE_NR_STAT_ITEMS,
};

extern const char * const permcache_stat_names[PERMCACHE_NR_STAT_ITEMS];

/* Index of chunks that serve no class yet (clean) in permcache_stats.chunks. */
#define PERMCACHE_CLEAN PERMCACHE_NR_CLASSES

/**
 * struct permcache_stats - a snapshot of one node, or of all nodes summed
 * @item: event counters, indexed by enum permcache_stat_item.
 * @chunks: chunks owned, by class; [PERMCACHE_CLEAN] for clean chunks.
 * @idle: chunks with no unit in use, by class; [PERMCACHE_CLEAN] as above.
 * @units_used: units in use, by class.
 * @units_total: units in the chunks of that class.
 * @zero_pending: freed SECRET pages waiting to be zeroed; their units still
 *	count in @units_used until they are.
 * @retired: chunks out of service for a hardware-poisoned page; they count
 *	in @chunks, @units_used and @units_total of their class, never in @idle.
 */
struct permcache_stats {
	unsigned long item[PERMCACHE_NR_STAT_ITEMS];
	unsigned long chunks[PERMCACHE_NR_CLASSES + 1];
	unsigned long idle[PERMCACHE_NR_CLASSES + 1];
	unsigned long units_used[PERMCACHE_NR_CLASSES];
	unsigned long units_total[PERMCACHE_NR_CLASSES];
	unsigned long zero_pending;
	unsigned long retired;
};

#ifdef CONFIG_PERMCACHE

bool permcache_enabled(void);

struct page *permcache_alloc_secret(int nid, gfp_t gfp);
int permcache_free_secret(struct page *page);
bool permcache_take_freed_page(struct page *page);

void *permcache_alloc_text(enum permcache_class cls, size_t size, int nid);
int permcache_free_text(void *addr, size_t size);
int permcache_copy_text(void *dst, const void *src, size_t len);
int permcache_set_text(void *dst, int c, size_t len);

int permcache_get_stats(int nid, struct permcache_stats *st);

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

static inline int permcache_free_secret(struct page *page)
{
	return -ENOENT;
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

static inline int permcache_copy_text(void *dst, const void *src, size_t len)
{
	return -EINVAL;
}

static inline int permcache_set_text(void *dst, int c, size_t len)
{
	return -EINVAL;
}

static inline int permcache_get_stats(int nid, struct permcache_stats *st)
{
	return -ENODEV;
}

#endif /* CONFIG_PERMCACHE */

#endif /* _LINUX_PERMCACHE_H */
