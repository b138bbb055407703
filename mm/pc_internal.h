/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * permcache internal types and the narrow boundaries between its files:
 * unit sub-allocation (pc_unit.c), flush generations (pc_flush.c), what
 * happens to one chunk (pc_chunk.c), node caches, the lists and counters
 * of a node, and node choice (numa/pc_node.c), the boundary with the rest
 * of mm (pc_mm.c: page allocator, page records, vmalloc) and the arch
 * boundary (arch/x86/mm/permcache.c); the userspace harness,
 * tools/testing/permcache/, links models of the page allocator, the
 * direct map and each CPU's TLB in place of both boundaries.
 * Calls go one way: the entry points (permcache.c) and the files that
 * serve other subsystems (pc_secret.c, shrinker/, pc_neighbour.c,
 * pc_debugfs.c) call the node caches and chunks, which call the two
 * boundaries and never call back.
 *
 * Nothing here is for use outside permcache.
 */
#ifndef _MM_PC_INTERNAL_H
#define _MM_PC_INTERNAL_H

#include <linux/atomic.h>
#include <linux/list.h>
#include <linux/llist.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/permcache.h>
#include <linux/spinlock.h>

/* A chunk is one PMD: 2 MiB, naturally aligned, from one node. */
#define PC_CHUNK_ORDER		(PMD_SHIFT - PAGE_SHIFT)
#define PC_CHUNK_SIZE		BIT(PMD_SHIFT)
#define PC_CHUNK_PAGES		BIT(PC_CHUNK_ORDER)

/* Sub-allocation granules: a page for SECRET, 64 bytes for text. */
#define PC_SECRET_UNIT_SHIFT	PAGE_SHIFT
#define PC_TEXT_UNIT_SHIFT	6
#define PC_MAX_UNITS		(PC_CHUNK_SIZE >> PC_TEXT_UNIT_SHIFT)

/* Class index of a chunk that serves no class: no alias, nothing pending. */
#define PC_CLEAN		PERMCACHE_CLEAN
#define PC_NR_KINDS		(PERMCACHE_NR_CLASSES + 1)

/* Byte every free unit of a class holds: free text traps (INT3). */
#define PC_FILL_ZERO		0x00
#define PC_FILL_TRAP		0xcc

/* Unit size and trap byte of each class: the class policy, as data. */
static inline unsigned int pc_class_unit_shift(unsigned int cls)
{
	return cls == PERMCACHE_SECRET ? PC_SECRET_UNIT_SHIFT : PC_TEXT_UNIT_SHIFT;
}

static inline u8 pc_class_fill(unsigned int cls)
{
	return cls == PERMCACHE_SECRET ? PC_FILL_ZERO : PC_FILL_TRAP;
}

/* ---- counters and snapshots: permcache.c, read by pc_debugfs.c ---- */

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

int permcache_get_stats(int nid, struct permcache_stats *st);

/* ---- unit sub-allocator: pc_unit.c ---- */

/**
 * struct pc_units - which units of one chunk are in use
 * @map: a set bit is a unit owned by a caller.
 * @starts: a set bit is the first unit of an allocation, so that a free of
 *	the wrong size or of the middle of an allocation is caught.
 * @nr: units in the chunk (PC_CHUNK_SIZE >> @shift).
 * @used: set bits in @map.
 * @shift: log2 of the unit size in bytes.
 *
 * Both bitmaps are sized for PC_MAX_UNITS so that a chunk can change class
 * without reallocating them.
 */
struct pc_units {
	unsigned long *map;
	unsigned long *starts;
	unsigned int nr;
	unsigned int used;
	unsigned int shift;
};

int pc_units_init(struct pc_units *u, gfp_t gfp);
void pc_units_destroy(struct pc_units *u);
void pc_units_reset(struct pc_units *u, unsigned int shift);
long pc_units_alloc(struct pc_units *u, unsigned int nr);
int pc_units_free(struct pc_units *u, unsigned int start, unsigned int nr);
bool pc_units_is_allocation(const struct pc_units *u, unsigned int start,
			    unsigned int nr);
bool pc_units_owned(const struct pc_units *u, unsigned int start,
		    unsigned int nr);

/* Conversions between bytes and units, in one place. */
static inline unsigned int pc_bytes_to_units(const struct pc_units *u,
					     size_t bytes)
{
	return DIV_ROUND_UP(bytes, 1UL << u->shift);
}

static inline unsigned long pc_unit_to_offset(const struct pc_units *u,
					      unsigned int unit)
{
	return (unsigned long)unit << u->shift;
}

static inline unsigned int pc_offset_to_unit(const struct pc_units *u,
					     unsigned long offset)
{
	return offset >> u->shift;
}

static inline bool pc_offset_is_unit(const struct pc_units *u,
				     unsigned long offset)
{
	return !(offset & ((1UL << u->shift) - 1));
}

/* ---- chunks: pc_chunk.c ---- */

/**
 * struct pc_chunk - one 2 MiB chunk, out of the direct map
 * @list: on one list of its node cache; empty while @busy.
 * @page: first of PC_CHUNK_PAGES order-0 pages (the allocation was split).
 * @nid: node the memory is on.
 * @cls: enum permcache_class, or PC_CLEAN.
 * @fill: byte every free unit holds.
 * @busy: off the lists, owned by one thread that converts or releases it.
 * @dead: released; a stale lookup must not touch it.
 * @poisoned: a page of it is hardware-poisoned: it is on its node's
 *	@retired list, its units can still be freed but are never handed out
 *	again, and it is never released.
 * @alias: start of the RO/ROX alias in the module range, or 0.
 * @arch: arch-private data of the alias.
 * @flush_gen: flush generation that must complete before the memory may be
 *	exposed under another class or returned (0: nothing pending).
 * @units: the unit sub-allocator.
 * @rcu: frees the struct after a grace period, for lock-free lookups.
 */
struct pc_chunk {
	struct list_head list;
	struct page *page;
	int nid;
	u8 cls;
	u8 fill;
	bool busy;
	bool dead;
	bool poisoned;
	unsigned long alias;
	void *arch;
	unsigned long flush_gen;
	struct pc_units units;
	struct rcu_head rcu;
};

static inline unsigned long pc_chunk_pfn(const struct pc_chunk *c)
{
	return page_to_pfn(c->page);
}

/* ---- node caches: numa/pc_node.c ---- */

/**
 * struct pc_node - the cache of one node
 * @lock: guards the lists, @nr_chunks, @nr_idle and every chunk's @units,
 *	@cls, @busy and @list while the chunk is on a list.
 * @nid: the node.
 * @active: chunks with at least one unit in use, per class.
 * @idle: chunks with no unit in use, per class, [PC_CLEAN] for clean ones.
 * @nr_chunks: chunks this node owns, busy ones included.
 * @nr_idle: chunks on the @idle lists.
 * @retired: chunks taken out of service because a page of theirs is
 *	hardware-poisoned (see pc_node_retire()).
 * @nr_retired: chunks on @retired.
 * @shrink_credit: pages the shrinker was asked to scan that did not yet
 *	add up to a whole chunk.
 * @acquire_after: jiffies before which no chunk is allocated on this node
 *	again, after the buddy allocator had no free 2 MiB block here.
 * @freed: SECRET pages the page allocator's free path gave back
 *	(permcache_take_freed_page()), linked through page->lru.next, with a
 *	count of zero; their units stay in use until the sweep takes them.
 * @sweep_lock: held while the sweep takes @freed and frees its units, so
 *	that a caller that sweeps finds every page freed before it done.
 * @dirty: SECRET pages freed but not yet zeroed, linked through page->lru,
 *	page->private pointing at their chunk; their units stay in use.
 * @nr_dirty: pages on @dirty.
 * @text_frees: text frees in flight (struct pc_text_claim), so that a
 *	second free of the same run, while the first fills it with traps,
 *	is refused rather than freeing it twice.
 * @order: the other nodes with memory, nearest first, then NUMA_NO_NODE;
 *	written once at init.
 * @stat: event counters (enum permcache_stat_item), lock-free.
 */
struct pc_node {
	spinlock_t lock;	/* see above */
	int nid;
	int *order;
	struct list_head active[PERMCACHE_NR_CLASSES];
	struct list_head idle[PC_NR_KINDS];
	struct llist_head freed;
	struct list_head retired;
	unsigned int nr_chunks;
	unsigned int nr_idle;
	unsigned int nr_retired;
	atomic_long_t shrink_credit;
	unsigned long acquire_after;
	struct mutex sweep_lock;	/* see above */
	struct list_head dirty;
	unsigned int nr_dirty;
	struct list_head text_frees;
	atomic_long_t stat[PERMCACHE_NR_STAT_ITEMS];
};

int pc_nodes_init(void);
struct pc_node *pc_node(int nid);
int pc_node_home(int nid);
int pc_node_fallback(int home, int i);

/*
 * Node cache operations, on a node's lists and counters.  Chunks whose
 * pages or units they touch come and go through pc_chunk.c.
 */
int pc_chunks_acquire(const int *nids, unsigned int nr);
long pc_node_alloc(struct pc_node *pn, enum permcache_class cls,
		   unsigned int nr, bool may_block, struct pc_chunk **chunkp);
bool pc_node_requeue(struct pc_node *pn, struct pc_chunk *c, bool was_full);
unsigned int pc_node_zero_dirty(struct pc_node *pn);
unsigned int pc_node_release_idle(struct pc_node *pn, unsigned int keep,
				  unsigned int max);
int pc_release_range(unsigned long start_pfn, unsigned long nr_pages);
void pc_node_offline_idle(struct pc_node *pn);
void pc_node_retire(struct pc_node *pn, struct pc_chunk *c);
void pc_node_retire_units(struct pc_node *pn, struct pc_chunk *c,
			  unsigned int start, unsigned int nr);
void pc_node_snapshot(struct pc_node *pn, struct permcache_stats *st);
typedef void (*pc_chunk_fn)(const struct pc_chunk *c, bool idle, void *data);
void pc_node_walk_chunks(struct pc_node *pn, pc_chunk_fn fn, void *data);

struct work_struct;
void pc_node_set_trim_work(struct work_struct *work);
void pc_node_trim_later(void);

/*
 * After the buddy allocator of a node had no free 2 MiB block, allocations
 * there take cached chunks or fall back for this long rather than try an
 * order-9 allocation (with its compaction) at every fault.
 */
#define PC_ACQUIRE_BACKOFF_MS	100

/*
 * Freed SECRET pages zeroed together, with one local TLB flush: more than
 * x86's tlb_single_page_flush_ceiling (33), above which one flush of the
 * whole local TLB is cheaper than a flush per page.
 */
#define PC_ZERO_BATCH		64
/* ...and a batch that does not fill is zeroed this long after its first. */
#define PC_ZERO_DELAY_MS	10

static inline void pc_stat_add(struct pc_node *pn,
			       enum permcache_stat_item item, long n)
{
	atomic_long_add(n, &pn->stat[item]);
}

static inline void pc_stat_inc(struct pc_node *pn,
			       enum permcache_stat_item item)
{
	pc_stat_add(pn, item, 1);
}

/* ---- configuration, set by boot parameters ---- */

enum pc_fallback {
	PC_FALLBACK_DISTANCE,
	PC_FALLBACK_NONE,
};

/**
 * struct pc_config - permcache tunables
 * @enable: consumers use permcache (false: stock 6.12 paths).
 * @lazy_flush: keep aliases of idle chunks and flush on class change only.
 * @fallback: how to serve an allocation the home node cannot.
 * @prefill: clean chunks per node acquired at boot.
 * @reserve: idle chunks per node that the shrinker leaves.
 * @max_idle: idle chunks per node above which frees trigger a trim, which
 *	leaves this many.
 */
struct pc_config {
	bool enable;
	bool lazy_flush;
	enum pc_fallback fallback;
	unsigned int prefill;
	unsigned int reserve;
	unsigned int max_idle;
};

extern struct pc_config pc_config;

/* ---- one chunk: lifecycle, class, units, lookups: pc_chunk.c ---- */

struct pc_chunk *pc_chunk_lookup_pfn(unsigned long pfn);
struct pc_chunk *pc_chunk_lookup_alias(unsigned long addr);
struct pc_chunk *pc_chunk_create(int nid, bool *no_block);
int pc_chunk_publish(struct pc_chunk *c);
void pc_chunk_unpublish(struct pc_chunk *c);
void pc_chunk_destroy(struct pc_chunk *c);
int pc_chunk_set_class(struct pc_node *pn, struct pc_chunk *c,
		       enum permcache_class cls);
/**
 * struct pc_text_claim - a text free in flight, on its node's @text_frees
 * @list: on pc_node.text_frees, under the node lock.
 * @c: the chunk.
 * @cls: its class when the run was claimed.
 * @start: first unit of the run.
 * @nr: units in the run.
 */
struct pc_text_claim {
	struct list_head list;
	struct pc_chunk *c;
	enum permcache_class cls;
	unsigned int start;
	unsigned int nr;
};

int pc_chunk_text_run(struct pc_chunk *c, unsigned long addr, size_t len,
		      enum permcache_class *clsp, unsigned int *startp,
		      unsigned int *nrp);
int pc_chunk_text_claim(struct pc_chunk *c, unsigned long addr, size_t len,
			struct pc_text_claim *claim);
void pc_chunk_text_unclaim(struct pc_text_claim *claim);
int pc_chunk_free_units(struct pc_text_claim *claim);
int pc_chunk_free_secret(struct pc_chunk *c, struct page *page,
			 unsigned int *nr_dirty);
void pc_chunk_set_offline(struct pc_chunk *c, bool offline);
void pc_chunk_offline_unused(struct pc_chunk *c);
bool pc_chunk_pages_poisoned(const struct pc_chunk *c, unsigned int first,
			     unsigned int nr);
bool pc_chunk_retire_if_poisoned(struct pc_chunk *c, long start,
				 unsigned int nr);
extern bool pc_acquire_blocked;
bool pc_chunk_unmap_begin(void);
void pc_chunk_unmap_end(void);
void pc_block_unmapping(void);
void pc_unblock_unmapping(void);

/* ---- shrinker and trimming: shrinker/pc_shrinker.c ---- */

int pc_shrinker_init(void);
void pc_trim_wait(void);

/* ---- SECRET pages back from the page allocator: pc_secret.c ---- */

int pc_secret_init(void);
void pc_secret_sweep_node(struct pc_node *pn);

/* ---- the kernel's other users of the same memory: pc_neighbour.c ---- */

int pc_neighbour_init(void);

/* ---- debugfs: pc_debugfs.c ---- */

void pc_debugfs_init(void);

/* ---- flush generations: pc_flush.c ---- */

unsigned long pc_flush_gen_need(void);
bool pc_flush_gen_done(unsigned long need);
void pc_flush_now(struct pc_node *pn);
void pc_flush_sync(struct pc_node *pn, unsigned long need);

/*
 * ---- entry points with no consumer: permcache.c ----
 *
 * The benchmark and the tests free SECRET pages and write text through
 * these; the consumers do not (secretmem's pages go at their last
 * put_page(), bpf_prog_pack writes through bpf_arch_text_copy()).
 */
int permcache_free_secret(struct page *page);
int permcache_copy_text(void *dst, const void *src, size_t len);
int permcache_set_text(void *dst, int c, size_t len);

/* ---- misuse reports: permcache.c ---- */

void pc_report_misuse(struct pc_node *pn, const char *what);

/* KUnit: misuse while this is non-zero is counted but does not WARN. */
extern atomic_t pc_test_misuse_expected;

/*
 * ---- mm boundary: pc_mm.c, or the models in userspace ----
 *
 * The page allocator, page records and vmalloc's internals.
 */

struct page *pc_mm_alloc_chunk(int nid);
void pc_mm_free_chunk(struct page *page);
void pc_mm_track(struct page *page, unsigned int order, gfp_t gfp);
void pc_mm_untrack(struct page *page, unsigned int order);
int pc_mm_map_alias(struct pc_chunk *c);
void pc_mm_unmap_alias(struct pc_chunk *c);

/*
 * ---- arch boundary: arch/x86/mm/permcache.c, or the models in userspace ----
 *
 * Everything that touches the direct map, the TLB or text.
 */

int pc_arch_init(void);
int pc_arch_unmap_direct(struct page *page);
int pc_arch_restore_direct(struct page *page);
int pc_arch_ro_direct(struct page *page);
void pc_arch_flush_kernel_tlb(void);
void pc_arch_fill_page(struct page *page, int byte);
void pc_arch_zero_pages(struct list_head *pages);
bool pc_arch_page_filled(struct page *page, int byte);
int pc_arch_poke_copy(void *dst, const void *src, size_t len);
int pc_arch_poke_set(void *dst, int byte, size_t len);
bool pc_arch_text_filled(const void *addr, int byte, size_t len);

#endif /* _MM_PC_INTERNAL_H */
