// SPDX-License-Identifier: GPL-2.0-only
/*
 * permcache chunk lifecycle: acquire, assign a class, hand out units, go
 * idle, change class, release.
 *
 *  buddy --acquire: zero, unmap 2M, 1 flush per batch--> idle[CLEAN]
 *  idle[any] --assign class (drop alias, flush if needed)--> active[cls]
 *  active[cls] <--alloc/free units--> active[cls]
 *  active[cls] --last unit freed--> idle[cls]       alias kept (lazy)
 *  idle[cls] --same class--> active[cls]              no flush
 *  idle --release: drop alias, flush if needed, restore 2M--> buddy
 *
 * A chunk is on exactly one list of its node: active[cls] while a unit is in
 * use (full chunks at the tail), idle[cls] or idle[CLEAN] otherwise, or on
 * none while one thread owns it (busy) to change its class or release it;
 * that work may sleep and is done without the node lock.
 *
 * Invariant 1 (no stale access) is enforced here: memory is exposed under a
 * new class, or returned to the buddy allocator, only after pc_flush_sync()
 * for the generation its dropped alias (and, for text becoming SECRET, its
 * read-only direct map) needs.  Invariant 3 (no direct-map splits): chunks
 * change their direct-map state only as whole 2 MiB units.
 *
 * Direct map, by class: a clean or SECRET chunk is not present in it; a
 * text (RO/ROX) chunk is present, read-only and NX, so that /proc/kcore,
 * vread_iter() and the hibernation snapshot read it like any other memory.
 * Going from not present to read-only needs no flush; the way back is
 * covered by the flush that dropping the alias already needs.
 *
 * Hardware poison (invariant 8): a poisoned page is never zeroed, filled,
 * handed out or freed back.  A chunk found to hold one is retired: it moves
 * to its node's retired list, keeps the units in use until their owners
 * free them, serves nothing new and is never released (the 2 MiB are lost
 * to the system, as the poisoned page is).  It is checked for at hand-out,
 * before zeroing, before a class change refills the chunk and before a
 * release.
 *
 * Lookups: two XArrays map a chunk's pfn and its alias address to the chunk,
 * so that frees find it without a global lock.  Lookups run under RCU; the
 * struct is freed after a grace period and marked dead under the node lock
 * first, so a stale lookup (a bogus free) is refused, not followed.
 *
 * SECRET frees: a freed page waits on its node's dirty list, its unit still
 * in use, until a batch of them is zeroed through CPU-local mappings with
 * one local flush (pc_arch_zero_pages()), outside the node lock; then the
 * units are freed.  Invariant 4 holds because nothing hands out a unit in
 * use.
 *
 * Locking: pc_node.lock, a spinlock taken in process context only (the
 * per-CPU temporary PTEs that zero pages are never used under it), guards
 * the node's lists (the dirty list included) and counters and the @units,
 * @cls, @busy and @dead of its chunks.  Nothing sleeps under it.  No other
 * permcache lock nests inside or outside it; the XArrays' own locks are
 * taken without it.
 */

#include <linux/errno.h>
#include <linux/jiffies.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include <linux/wait_bit.h>
#include <linux/xarray.h>

#include "pc_internal.h"

static DEFINE_XARRAY(pc_by_pfn);
static DEFINE_XARRAY(pc_by_alias);

/*
 * Set while a hibernation image may be made (pc_neighbour.c): no chunk is
 * acquired or changes class then (either would put memory out of the
 * direct map), and chunks that go idle stay online (saved by the snapshot).
 * pc_unmap_inflight counts the changes under way, which the PM notifier
 * waits for after setting it.
 */
bool pc_acquire_blocked;
static atomic_t pc_unmap_inflight = ATOMIC_INIT(0);

static void pc_unmap_end(void);

/* Start a change that may take memory out of the direct map, if allowed. */
static bool pc_unmap_begin(void)
{
	atomic_inc(&pc_unmap_inflight);
	/* Pairs with pc_block_unmapping(): it sees us, or we see the flag. */
	smp_mb__after_atomic();
	if (!READ_ONCE(pc_acquire_blocked))
		return true;
	pc_unmap_end();
	return false;
}

static void pc_unmap_end(void)
{
	if (atomic_dec_and_test(&pc_unmap_inflight))
		wake_up_var(&pc_unmap_inflight);
}

/**
 * pc_block_unmapping() - stop, and wait out, changes that unmap memory
 *
 * Chunk acquisition, class changes and eager alias drops that started
 * before are waited for; those that start after give up (the consumer
 * takes its stock path).  pc_unblock_unmapping() ends it.
 *
 * Context: Process context; sleeps.
 */
void pc_block_unmapping(void)
{
	WRITE_ONCE(pc_acquire_blocked, true);
	/* Pairs with pc_unmap_begin(): we see it counted, or it sees the flag. */
	smp_mb();
	wait_var_event(&pc_unmap_inflight, !atomic_read(&pc_unmap_inflight));
}

/**
 * pc_unblock_unmapping() - allow what pc_block_unmapping() stopped
 *
 * Context: Any context.
 */
void pc_unblock_unmapping(void)
{
	WRITE_ONCE(pc_acquire_blocked, false);
}

/*
 * Which idle chunks to take first, to convert or to release: clean ones,
 * then those with no alias to drop (SECRET), then RO, then ROX.
 */
static const u8 pc_idle_order[] = {
	PC_CLEAN, PERMCACHE_SECRET, PERMCACHE_RO, PERMCACHE_ROX,
};

/**
 * pc_chunk_lookup_pfn() - the chunk a page frame belongs to
 * @pfn: page frame number.
 *
 * Context: rcu_read_lock() held; the result is valid until it is dropped.
 * Return: the chunk, or NULL if permcache does not own @pfn.
 */
struct pc_chunk *pc_chunk_lookup_pfn(unsigned long pfn)
{
	return xa_load(&pc_by_pfn, pfn >> PC_CHUNK_ORDER);
}

/**
 * pc_chunk_lookup_alias() - the chunk whose RO/ROX alias contains @addr
 * @addr: kernel virtual address.
 *
 * Context: rcu_read_lock() held; the result is valid until it is dropped.
 * Return: the chunk, or NULL.
 */
struct pc_chunk *pc_chunk_lookup_alias(unsigned long addr)
{
	return xa_load(&pc_by_alias, addr >> PMD_SHIFT);
}

/**
 * pc_chunk_set_offline() - mark a chunk's pages logically offline, or not
 * @c: chunk whose pages hold only permcache's reference and are mapped
 *	nowhere in user space.
 * @offline: PageOffline() on (idle) or off (about to be used or freed).
 *
 * Idle chunks are logically offline, as a balloon's pages are: nothing but
 * permcache may read them (kcore reads them as zeros, hibernation does not
 * save them, crash dump tools skip them), and memory offlining treats them
 * as movable, so that the memory notifier (pc_neighbour.c) can release them
 * from a block going offline.  Readers that race with the change read a
 * page that is either out of the direct map or holds only the fill byte.
 *
 * Context: pn->lock held, or the chunk is busy.
 */
void pc_chunk_set_offline(struct pc_chunk *c, bool offline)
{
	unsigned int i;

	/* Order-0 pages: each is a folio of its own. */
	for (i = 0; i < PC_CHUNK_PAGES; i++) {
		if (offline)
			__folio_set_offline(page_folio(c->page + i));
		else
			__folio_clear_offline(page_folio(c->page + i));
	}
}

/*
 * A chunk goes on, or comes off, an idle list of @pn.  While a hibernation
 * image may be made (pc_acquire_blocked), a chunk that goes idle stays
 * online, so that the snapshot saves it; pc_node_offline_idle() marks it
 * afterwards.
 */
static void pc_idle_enter(struct pc_node *pn, struct pc_chunk *c)
{
	lockdep_assert_held(&pn->lock);
	pn->nr_idle++;
	if (!READ_ONCE(pc_acquire_blocked))
		pc_chunk_set_offline(c, true);
}

static void pc_idle_leave(struct pc_node *pn, struct pc_chunk *c)
{
	lockdep_assert_held(&pn->lock);
	pn->nr_idle--;
	pc_chunk_set_offline(c, false);
}

/**
 * pc_node_offline_idle() - mark every idle chunk of a node offline
 * @pn: node cache.
 *
 * After a hibernation attempt, for the chunks that went idle during it.
 *
 * Context: Process context; takes the node lock.
 */
void pc_node_offline_idle(struct pc_node *pn)
{
	struct pc_chunk *c;
	unsigned int i;

	spin_lock(&pn->lock);
	for (i = 0; i < PC_NR_KINDS; i++)
		list_for_each_entry(c, &pn->idle[i], list)
			pc_chunk_set_offline(c, true);
	spin_unlock(&pn->lock);
}

static unsigned long pc_gen_later(unsigned long a, unsigned long b)
{
	if (!a)
		return b;
	if (!b)
		return a;
	return (long)(a - b) > 0 ? a : b;
}

static void pc_chunk_free_struct(struct pc_chunk *c)
{
	pc_units_destroy(&c->units);
	kfree_rcu(c, rcu);
}

/*
 * Allocate, zero and unmap one chunk on @nid; the caller flushes.  On
 * failure, *@no_block tells whether the buddy allocator had no 2 MiB block.
 */
static struct pc_chunk *pc_chunk_create(int nid, bool *no_block)
{
	struct pc_chunk *c = kzalloc_node(sizeof(*c), GFP_KERNEL, nid);

	if (!c)
		return NULL;
	if (pc_units_init(&c->units, GFP_KERNEL))
		goto free_struct;
	c->page = pc_arch_alloc_chunk(nid);
	if (!c->page) {
		*no_block = true;
		goto free_struct;
	}
	if (pc_arch_unmap_direct(c->page))
		goto free_pages;

	INIT_LIST_HEAD(&c->list);
	c->nid = nid;
	c->cls = PC_CLEAN;
	c->fill = PC_FILL_ZERO;
	c->busy = true;
	return c;

free_pages:
	pc_arch_free_chunk(c->page);
free_struct:
	pc_units_destroy(&c->units);
	kfree(c);
	return NULL;
}

/* Undo pc_chunk_create() for a chunk that no CPU may reach any more. */
static void pc_chunk_destroy(struct pc_chunk *c)
{
	/* Restoring a 2 MiB unit needs no flush: nothing caches "not present". */
	if (WARN_ON_ONCE(pc_arch_restore_direct(c->page))) {
		/* Leak rather than hand unmapped memory to the buddy allocator. */
		pc_chunk_free_struct(c);
		return;
	}
	pc_arch_free_chunk(c->page);
	pc_chunk_free_struct(c);
}

/*
 * Acquire up to @nr chunks, one on each node of @nids, as busy chunks on
 * @out.  All of them are unmapped first and made safe by one flush.
 */
static unsigned int pc_acquire_batch(const int *nids, unsigned int nr,
				     struct list_head *out)
{
	struct pc_chunk *c, *tmp;
	struct pc_node *pn = NULL;
	unsigned int i, got = 0;
	LIST_HEAD(batch);

	if (READ_ONCE(pc_acquire_blocked))
		return 0;
	for (i = 0; i < nr; i++) {
		struct pc_node *npn = pc_node(nids[i]);
		bool no_block = false;

		if (time_before(jiffies, READ_ONCE(npn->acquire_after)))
			continue;
		c = pc_chunk_create(nids[i], &no_block);
		if (!c) {
			pc_stat_inc(npn, PERMCACHE_STAT_ACQUIRE_FAILED);
			if (no_block)
				WRITE_ONCE(npn->acquire_after, jiffies +
					   msecs_to_jiffies(PC_ACQUIRE_BACKOFF_MS));
			continue;
		}
		list_add_tail(&c->list, &batch);
		pn = pn ?: pc_node(c->nid);
	}
	if (!pn)
		return 0;

	/* One flush makes every stale direct-map translation of the batch go. */
	pc_flush_now(pn);

	list_for_each_entry_safe(c, tmp, &batch, list) {
		struct pc_node *cpn = pc_node(c->nid);

		list_del_init(&c->list);
		if (xa_err(xa_store(&pc_by_pfn, pc_chunk_pfn(c) >> PC_CHUNK_ORDER,
				    c, GFP_KERNEL))) {
			pc_stat_inc(cpn, PERMCACHE_STAT_ACQUIRE_FAILED);
			pc_chunk_destroy(c);
			continue;
		}
		spin_lock(&cpn->lock);
		cpn->nr_chunks++;
		spin_unlock(&cpn->lock);
		pc_stat_inc(cpn, PERMCACHE_STAT_CHUNKS_ACQUIRED);
		list_add_tail(&c->list, out);
		got++;
	}
	return got;
}

/**
 * pc_chunks_acquire() - fill node caches with clean chunks
 * @nids: node of each chunk to acquire.
 * @nr: number of entries in @nids.
 *
 * The whole batch costs one kernel TLB flush; this is the boot-time prefill.
 *
 * Context: Process context; sleeps.
 * Return: the number of chunks acquired.
 */
int pc_chunks_acquire(const int *nids, unsigned int nr)
{
	struct pc_chunk *c, *tmp;
	unsigned int got;
	LIST_HEAD(list);

	got = pc_acquire_batch(nids, nr, &list);
	list_for_each_entry_safe(c, tmp, &list, list) {
		struct pc_node *pn = pc_node(c->nid);

		spin_lock(&pn->lock);
		c->busy = false;
		list_move(&c->list, &pn->idle[PC_CLEAN]);
		pc_idle_enter(pn, c);
		spin_unlock(&pn->lock);
	}
	return got;
}

/* Unmap the alias of a busy chunk; the memory waits for a flush after this. */
static void pc_chunk_drop_alias(struct pc_chunk *c)
{
	if (!c->alias)
		return;
	xa_erase(&pc_by_alias, c->alias >> PMD_SHIFT);
	pc_arch_unmap_alias(c);
	c->flush_gen = pc_gen_later(c->flush_gen, pc_flush_gen_need());
}

static bool pc_class_is_text(unsigned int cls)
{
	return cls == PERMCACHE_RO || cls == PERMCACHE_ROX;
}

/**
 * pc_chunk_pages_poisoned() - is a page of a chunk hardware-poisoned?
 * @c: chunk.
 * @first: first page to look at.
 * @nr: number of pages.
 *
 * Context: Any context.
 * Return: true if PageHWPoison() is set on any of them.
 */
bool pc_chunk_pages_poisoned(const struct pc_chunk *c, unsigned int first,
			     unsigned int nr)
{
	unsigned int i;

	for (i = first; i < first + nr; i++)
		if (unlikely(PageHWPoison(c->page + i)))
			return true;
	return false;
}

/*
 * The pages of a retired chunk with no unit in use on them are logically
 * offline, so that neither the hibernation snapshot nor kcore reads them.
 * Units permcache held only because their page is poisoned are freed in
 * the bitmap first (pc_node_retire_units()): a retired chunk hands nothing
 * out, so they cannot be reused, and their pages are nobody's.
 */
static void pc_retired_offline_unused(struct pc_chunk *c)
{
	unsigned int per_page = 1U << (PAGE_SHIFT - c->units.shift);
	unsigned int i;

	for (i = 0; i < PC_CHUNK_PAGES; i++) {
		struct page *page = c->page + i;
		unsigned int u = i * per_page;

		if (!PageOffline(page) &&
		    find_next_bit(c->units.map, u + per_page, u) >= u + per_page)
			__folio_set_offline(page_folio(page));
	}
}

/**
 * pc_node_retire_units() - retire a chunk, dropping units held for poison
 * @pn: its node cache, locked.
 * @c: the chunk.
 * @start: first unit permcache took (or got back) and will not hand out.
 * @nr: number of them.
 *
 * Context: pn->lock held.
 */
static void pc_node_retire_units(struct pc_node *pn, struct pc_chunk *c,
				 unsigned int start, unsigned int nr)
{
	lockdep_assert_held(&pn->lock);
	/* Retire first: it tells idle from in use by the units. */
	pc_node_retire(pn, c);
	WARN_ON_ONCE(pc_units_free(&c->units, start, nr));
	pc_retired_offline_unused(c);
}

/**
 * pc_node_retire() - take a chunk with a poisoned page out of service
 * @pn: its node cache, locked.
 * @c: the chunk, on one of @pn's lists or busy (then the caller owns it and
 *	this puts it on the retired list).
 *
 * Context: pn->lock held.
 */
void pc_node_retire(struct pc_node *pn, struct pc_chunk *c)
{
	lockdep_assert_held(&pn->lock);

	if (c->poisoned)
		return;
	if (c->busy)
		c->busy = false;
	else if (!c->units.used)
		pc_idle_leave(pn, c);
	c->poisoned = true;
	list_move(&c->list, &pn->retired);
	pn->nr_retired++;
	pc_retired_offline_unused(c);
	/* A chunk that could not leave the direct map retires unpoisoned. */
	if (pc_chunk_pages_poisoned(c, 0, PC_CHUNK_PAGES))
		pc_stat_inc(pn, PERMCACHE_STAT_HWPOISONED);
}

/*
 * A busy text chunk that stops being text: drop its alias and take its
 * read-only direct map away; one flush (the caller's) covers both.
 */
static int pc_chunk_untext(struct pc_chunk *c)
{
	int err = 0;

	pc_chunk_drop_alias(c);
	if (pc_class_is_text(c->cls)) {
		err = pc_arch_unmap_direct(c->page);
		c->flush_gen = pc_gen_later(c->flush_gen, pc_flush_gen_need());
	}
	return err;
}

/*
 * Give a busy, empty chunk class @cls: drop its old alias (and read-only
 * direct map if it becomes SECRET), wait for the flush that makes the old
 * mappings unreachable, refill the memory with the byte the new class keeps
 * in free units, and map a text chunk read-only in the direct map and at
 * its final permission in a new alias.
 *
 * Return: 0; -EHWPOISON if a page of the chunk is poisoned, or it could not
 * leave the direct map (the caller retires it); or another errno, the chunk
 * then being clean.
 */
static int pc_chunk_set_class(struct pc_node *pn, struct pc_chunk *c,
			      enum permcache_class cls)
{
	bool was_text = pc_class_is_text(c->cls);
	u8 fill = pc_class_fill(cls);
	unsigned long i;
	int err;

	if (c->cls != PC_CLEAN)
		pc_stat_inc(pn, PERMCACHE_STAT_CLASS_CHANGES);

	pc_chunk_drop_alias(c);
	if (was_text && !pc_class_is_text(cls)) {
		err = pc_chunk_untext(c);
		was_text = false;
		/*
		 * Still read-only in the direct map, with no alias: neither
		 * text nor secret.  It retires (the caller), never requeued.
		 */
		if (WARN_ON_ONCE(err))
			return -EHWPOISON;
	}
	pc_flush_sync(pn, c->flush_gen);
	c->flush_gen = 0;
	c->cls = was_text ? c->cls : PC_CLEAN;

	if (pc_chunk_pages_poisoned(c, 0, PC_CHUNK_PAGES))
		return -EHWPOISON;

	if (c->fill != fill) {
		for (i = 0; i < PC_CHUNK_PAGES; i++)
			pc_arch_fill_page(c->page + i, fill);
		c->fill = fill;
	}

	pc_units_reset(&c->units, pc_class_unit_shift(cls));
	if (cls == PERMCACHE_SECRET) {
		c->cls = cls;
		return 0;
	}

	/* Not present -> read-only needs no flush (invariant 8: kcore). */
	if (!was_text) {
		err = pc_arch_ro_direct(c->page);
		if (WARN_ON_ONCE(err)) {
			c->cls = PC_CLEAN;
			return err;
		}
	}
	c->cls = cls;

	/* W^X (invariant 2): mapped once, at its final permission. */
	err = pc_arch_map_alias(c);
	if (err)
		goto unclass;
	err = xa_err(xa_store(&pc_by_alias, c->alias >> PMD_SHIFT, c,
			      GFP_KERNEL));
	if (err) {
		pc_arch_unmap_alias(c);
		c->flush_gen = pc_flush_gen_need();
		goto unclass;
	}
	return 0;

unclass:
	/* A clean chunk is out of the direct map, as a SECRET one. */
	if (WARN_ON_ONCE(pc_chunk_untext(c)))
		return -EHWPOISON;	/* still read-only: it retires */
	c->cls = PC_CLEAN;
	return err;
}

/* Take @nr units from a chunk of class @cls already in the cache. */
static long pc_node_alloc_cached(struct pc_node *pn, enum permcache_class cls,
				 unsigned int nr, struct pc_chunk **chunkp)
{
	struct pc_chunk *c;
	long start;

	lockdep_assert_held(&pn->lock);

	list_for_each_entry(c, &pn->active[cls], list) {
		/* Full chunks sit at the tail. */
		if (c->units.used == c->units.nr)
			break;
		start = pc_units_alloc(&c->units, nr);
		if (start >= 0)
			goto found;
	}

	c = list_first_entry_or_null(&pn->idle[cls], struct pc_chunk, list);
	if (!c)
		return -ENOSPC;
	start = pc_units_alloc(&c->units, nr);
	if (WARN_ON_ONCE(start < 0))
		return start;
	list_move(&c->list, &pn->active[cls]);
	pc_idle_leave(pn, c);
	pc_stat_inc(pn, PERMCACHE_STAT_REUSE_SAME_CLASS);
	/* Eager flushing would have dropped this alias and flushed. */
	if (c->alias)
		pc_stat_inc(pn, PERMCACHE_STAT_FLUSHES_AVOIDED);

found:
	if (c->units.used == c->units.nr)
		list_move_tail(&c->list, &pn->active[cls]);
	*chunkp = c;
	return start;
}

/* An idle chunk to convert: clean first, then one with no alias to drop. */
static struct pc_chunk *pc_node_take_idle(struct pc_node *pn)
{
	struct pc_chunk *c;
	unsigned int i;

	lockdep_assert_held(&pn->lock);

	for (i = 0; i < ARRAY_SIZE(pc_idle_order); i++) {
		c = list_first_entry_or_null(&pn->idle[pc_idle_order[i]],
					     struct pc_chunk, list);
		if (c) {
			list_del_init(&c->list);
			pc_idle_leave(pn, c);
			c->busy = true;
			return c;
		}
	}
	return NULL;
}

static long __pc_node_alloc(struct pc_node *pn, enum permcache_class cls,
			    unsigned int nr, bool may_block,
			    struct pc_chunk **chunkp)
{
	struct pc_chunk *c;
	long start;
	int err;

	spin_lock(&pn->lock);
	start = pc_node_alloc_cached(pn, cls, nr, chunkp);
	if (start < 0 && pn->nr_dirty) {
		/* Freed pages waiting to be zeroed come before new chunks. */
		spin_unlock(&pn->lock);
		pc_node_zero_dirty(pn);
		spin_lock(&pn->lock);
		start = pc_node_alloc_cached(pn, cls, nr, chunkp);
	}
	spin_unlock(&pn->lock);
	if (start >= 0)
		return start;
	/* No class change or new chunk while a hibernation image may be made. */
	if (!may_block || !pc_unmap_begin())
		return -ENOMEM;

	spin_lock(&pn->lock);
	/* Another thread may have made room meanwhile. */
	start = pc_node_alloc_cached(pn, cls, nr, chunkp);
	c = start < 0 ? pc_node_take_idle(pn) : NULL;
	spin_unlock(&pn->lock);
	if (start >= 0)
		goto out;

	if (!c) {
		LIST_HEAD(list);

		start = -ENOMEM;
		if (!pc_acquire_batch(&pn->nid, 1, &list))
			goto out;
		c = list_first_entry(&list, struct pc_chunk, list);
		list_del_init(&c->list);
	}

	err = pc_chunk_set_class(pn, c, cls);

	spin_lock(&pn->lock);
	if (err == -EHWPOISON) {
		INIT_LIST_HEAD(&c->list);
		pc_node_retire(pn, c);
		spin_unlock(&pn->lock);
		/* The node may still have other chunks: the caller tries again. */
		start = -EAGAIN;
		goto out;
	}
	c->busy = false;
	if (err) {
		list_add(&c->list, &pn->idle[c->cls]);
		pc_idle_enter(pn, c);
		spin_unlock(&pn->lock);
		start = err;
		goto out;
	}
	start = pc_units_alloc(&c->units, nr);
	if (WARN_ON_ONCE(start < 0)) {
		list_add(&c->list, &pn->idle[cls]);
		pc_idle_enter(pn, c);
	} else {
		/* Full chunks sit at the tail, where the search stops. */
		if (c->units.used == c->units.nr)
			list_add_tail(&c->list, &pn->active[cls]);
		else
			list_add(&c->list, &pn->active[cls]);
		*chunkp = c;
	}
	spin_unlock(&pn->lock);
out:
	pc_unmap_end();
	return start;
}

/*
 * Are units [@start, @start + @nr) of @c, just taken, on a poisoned page?
 * Then the chunk retires with them still in use, and they are not handed out.
 */
static bool pc_units_poisoned(struct pc_node *pn, struct pc_chunk *c,
			      long start, unsigned int nr)
{
	unsigned long first = pc_unit_to_offset(&c->units, start);
	unsigned long end = pc_unit_to_offset(&c->units, start + nr);

	if (likely(!pc_chunk_pages_poisoned(c, first >> PAGE_SHIFT,
					    DIV_ROUND_UP(end, PAGE_SIZE) -
					    (first >> PAGE_SHIFT))))
		return false;
	spin_lock(&pn->lock);
	pc_node_retire_units(pn, c, start, nr);
	spin_unlock(&pn->lock);
	return true;
}

/**
 * pc_chunk_retire_if_poisoned() - retire a chunk if units of it are poisoned
 * @c: chunk whose units [@start, @start + @nr) the caller owns.
 * @start: first unit.
 * @nr: number of units.
 *
 * Then the chunk retires and the units are dropped from it: a retired
 * chunk hands nothing out, so they are never handed out, filled or zeroed
 * again.
 *
 * Context: Process context; takes the node lock.
 * Return: true if a page under the units is hardware-poisoned.
 */
bool pc_chunk_retire_if_poisoned(struct pc_chunk *c, long start,
				 unsigned int nr)
{
	return pc_units_poisoned(pc_node(c->nid), c, start, nr);
}

/**
 * pc_node_alloc() - take @nr units of class @cls from node @pn
 * @pn: node cache.
 * @cls: class.
 * @nr: number of units, at most a chunk's worth.
 * @may_block: whether a chunk may be converted or acquired (sleeps).
 * @chunkp: the chunk the units come from.
 *
 * Tries, in order: a chunk of class @cls in use, the same after zeroing the
 * node's freed SECRET pages if any wait, an idle chunk of class @cls (no
 * flush), an idle chunk of another class or none (flush only if its
 * dropped alias is not yet covered), a new chunk from this node.
 *
 * Context: Process context; sleeps only if @may_block.
 * Return: the first unit, or -ENOMEM if this node cannot supply a chunk.
 */
long pc_node_alloc(struct pc_node *pn, enum permcache_class cls,
		   unsigned int nr, bool may_block, struct pc_chunk **chunkp)
{
	long start;

	/*
	 * Each round that finds poison retires a chunk (-EAGAIN: one it was
	 * converting; or the one the units came from), so this ends.
	 */
	for (;;) {
		start = __pc_node_alloc(pn, cls, nr, may_block, chunkp);
		if (start == -EAGAIN)
			continue;
		if (start < 0 || !pc_units_poisoned(pn, *chunkp, start, nr))
			return start;
	}
}

/* Is @c a live chunk of class @cls whose units the node lock guards? */
static bool pc_chunk_usable(struct pc_chunk *c, enum permcache_class cls)
{
	return !c->dead && !c->busy && c->cls == cls;
}

/**
 * pc_chunk_text_run() - the text units under [@addr, @addr + @len) of @c
 * @c: chunk, from a lookup of @addr under rcu_read_lock().
 * @addr: address in its alias.
 * @len: bytes.
 * @whole: the range must be exactly one allocation (a free), rather than
 *	only lie inside allocated units (a write).
 * @clsp: the chunk's class.
 * @startp: first unit.
 * @nrp: number of units.
 *
 * Everything (class, alias, unit size, the units) is read under the node
 * lock, so a chunk changing class or going away meanwhile is refused, not
 * half-read.
 *
 * Context: rcu_read_lock() held, as for the lookup.
 * Return: 0, and then the chunk stays alive until the units are freed;
 * -EINVAL otherwise.
 */
int pc_chunk_text_run(struct pc_chunk *c, unsigned long addr, size_t len,
		      bool whole, enum permcache_class *clsp,
		      unsigned int *startp, unsigned int *nrp)
{
	struct pc_node *pn = pc_node(c->nid);
	unsigned int start, nr;
	unsigned long off;
	int err = -EINVAL;

	spin_lock(&pn->lock);
	if (c->dead || c->busy || !pc_class_is_text(c->cls) || !c->alias ||
	    addr < c->alias)
		goto unlock;
	off = addr - c->alias;
	if (!len || off >= PC_CHUNK_SIZE || len > PC_CHUNK_SIZE - off)
		goto unlock;
	if (whole && !pc_offset_is_unit(&c->units, off))
		goto unlock;
	start = pc_offset_to_unit(&c->units, off);
	nr = pc_bytes_to_units(&c->units, off + len) - start;
	if (whole ? !pc_units_is_allocation(&c->units, start, nr) :
		    !pc_units_owned(&c->units, start, nr))
		goto unlock;
	*clsp = c->cls;
	*startp = start;
	*nrp = nr;
	err = 0;
unlock:
	spin_unlock(&pn->lock);
	return err;
}

/*
 * After units of @c were freed under the node lock: an idle chunk moves to
 * its class's idle list, a chunk that was full back to the head of its
 * active list.  Not for an idle text chunk under eager flushing, which the
 * caller takes off the lists.  Returns whether the node should be trimmed.
 */
static bool pc_chunk_requeue(struct pc_node *pn, struct pc_chunk *c,
			     bool was_full)
{
	lockdep_assert_held(&pn->lock);

	/* A retired chunk stays retired, used or not. */
	if (c->poisoned) {
		pc_retired_offline_unused(c);
		return false;
	}
	if (!c->units.used) {
		list_move(&c->list, &pn->idle[c->cls]);
		pc_idle_enter(pn, c);
		return pn->nr_idle > READ_ONCE(pc_config.max_idle);
	}
	if (was_full)
		list_move(&c->list, &pn->active[c->cls]);
	return false;
}

/**
 * pc_chunk_free_units() - give back text units, and the chunk if it is idle
 * @c: chunk, from a lookup under rcu_read_lock().
 * @cls: class the caller believes the chunk serves.
 * @start: first unit, as allocated.
 * @nr: number of units, as allocated.
 *
 * With lazy flushing an idle chunk keeps its class and alias.  With eager
 * flushing (for comparison) an idle text chunk drops its alias and flushes
 * at once.  Once this returns, an idle chunk may be released at any time:
 * the caller must not touch @c after its RCU read section.
 *
 * Context: rcu_read_lock() held, as for the lookup; process context (eager
 * flushing sleeps).
 * Return: 0, or -EINVAL if the run is not exactly one live allocation of
 * class @cls; nothing is changed then.
 */
int pc_chunk_free_units(struct pc_chunk *c, enum permcache_class cls,
			unsigned int start, unsigned int nr)
{
	struct pc_node *pn = pc_node(c->nid);
	bool was_full, eager = false, trim = false;
	int err;

	spin_lock(&pn->lock);
	err = -EINVAL;
	if (!pc_chunk_usable(c, cls))
		goto unlock;
	was_full = c->units.used == c->units.nr;
	err = pc_units_free(&c->units, start, nr);
	if (err)
		goto unlock;

	pc_stat_inc(pn, PERMCACHE_STAT_FREE_TEXT);
	/* Not while a hibernation image may be made: it would unmap. */
	eager = !c->units.used && !READ_ONCE(pc_config.lazy_flush) &&
		c->alias && !c->poisoned && pc_unmap_begin();
	if (eager) {
		list_del_init(&c->list);
		c->busy = true;
	} else {
		trim = pc_chunk_requeue(pn, c, was_full);
	}
unlock:
	spin_unlock(&pn->lock);

	if (eager) {
		bool stuck = WARN_ON_ONCE(pc_chunk_untext(c));

		pc_flush_now(pn);
		c->flush_gen = 0;

		spin_lock(&pn->lock);
		if (stuck) {
			/* Still read-only in the direct map: never clean. */
			INIT_LIST_HEAD(&c->list);
			pc_node_retire(pn, c);
			spin_unlock(&pn->lock);
			pc_unmap_end();
			return err;
		}
		c->cls = PC_CLEAN;
		c->busy = false;
		list_add(&c->list, &pn->idle[PC_CLEAN]);
		pc_idle_enter(pn, c);
		trim = pn->nr_idle > READ_ONCE(pc_config.max_idle);
		spin_unlock(&pn->lock);
		pc_unmap_end();
	}
	if (trim)
		pc_trim_schedule();
	return err;
}

/* Is @page of @c freed and waiting to be zeroed (its unit still in use)? */
static bool pc_page_is_dirty(const struct pc_chunk *c, const struct page *page)
{
	return page->private == (unsigned long)c;
}

/*
 * Zero a batch of dirty pages of @pn, taken off its dirty list, and free
 * their units.  The units stayed in use meanwhile, so no chunk of the batch
 * changed class or went away, and nobody else can reach the pages.
 */
static unsigned int pc_node_zero_batch(struct pc_node *pn,
				       struct list_head *batch)
{
	struct page *page, *tmp;
	unsigned int n = 0;
	struct pc_chunk *c;
	bool was_full, trim = false;
	LIST_HEAD(poisoned);

	/* A poisoned page is never zeroed: it keeps its unit, its chunk retires. */
	list_for_each_entry_safe(page, tmp, batch, lru)
		if (unlikely(PageHWPoison(page)))
			list_move(&page->lru, &poisoned);

	/* Invariant 4: CPU-local mappings, flushed locally, never the direct map. */
	pc_arch_zero_pages(batch);

	spin_lock(&pn->lock);
	list_for_each_entry_safe(page, tmp, &poisoned, lru) {
		list_del_init(&page->lru);
		c = (struct pc_chunk *)page->private;
		page->private = 0;
		pc_node_retire_units(pn, c, page - c->page, 1);
	}
	list_for_each_entry_safe(page, tmp, batch, lru) {
		list_del_init(&page->lru);
		c = (struct pc_chunk *)page->private;
		page->private = 0;
		was_full = c->units.used == c->units.nr;
		WARN_ON_ONCE(pc_units_free(&c->units, page - c->page, 1));
		trim |= pc_chunk_requeue(pn, c, was_full);
		n++;
	}
	spin_unlock(&pn->lock);

	if (n) {
		pc_stat_add(pn, PERMCACHE_STAT_SECRET_ZEROED, n);
		pc_stat_inc(pn, PERMCACHE_STAT_ZERO_BATCHES);
	}
	if (trim)
		pc_trim_schedule();
	return n;
}

/**
 * pc_chunk_free_secret() - give back a SECRET page, to be zeroed in a batch
 * @c: chunk of @page, from a lookup under rcu_read_lock().
 * @page: the page, holding only the reference it was handed out with.
 *
 * The page joins its node's dirty list and its unit stays in use until the
 * page is zeroed, so it cannot be handed out before.  The PC_ZERO_BATCH-th
 * dirty page zeroes the whole list (pc_node_zero_dirty()); pc_secret_zero_later() makes sure a
 * shorter list does not wait long.
 *
 * Context: rcu_read_lock() held, as for the lookup; does not sleep.
 * Return: 0, or -EINVAL if @page is not a live SECRET page of @c (freed
 * already included); nothing is changed then.
 */
int pc_chunk_free_secret(struct pc_chunk *c, struct page *page)
{
	struct pc_node *pn = pc_node(c->nid);
	bool first = false, full = false;
	int err = -EINVAL;

	spin_lock(&pn->lock);
	if (pc_chunk_usable(c, PERMCACHE_SECRET) && !pc_page_is_dirty(c, page) &&
	    pc_units_is_allocation(&c->units, page - c->page, 1)) {
		page->private = (unsigned long)c;
		list_add_tail(&page->lru, &pn->dirty);
		first = !pn->nr_dirty++;
		full = pn->nr_dirty >= PC_ZERO_BATCH;
		pc_stat_inc(pn, PERMCACHE_STAT_FREE_SECRET);
		err = 0;
	}
	spin_unlock(&pn->lock);

	if (full)
		pc_node_zero_dirty(pn);
	else if (first)
		pc_secret_zero_later();
	return err;
}

/**
 * pc_node_zero_dirty() - zero every freed SECRET page of a node now
 * @pn: node cache.
 *
 * Context: Process context; does not sleep.
 * Return: the number of pages zeroed.
 */
unsigned int pc_node_zero_dirty(struct pc_node *pn)
{
	LIST_HEAD(batch);

	spin_lock(&pn->lock);
	list_splice_init(&pn->dirty, &batch);
	pn->nr_dirty = 0;
	spin_unlock(&pn->lock);

	return list_empty(&batch) ? 0 : pc_node_zero_batch(pn, &batch);
}

static void pc_release_batch(struct pc_node *pn, struct list_head *batch,
			     unsigned int n);

/* Take idle chunk @c of @pn off its list onto @batch, to be released. */
static void pc_take_for_release(struct pc_node *pn, struct pc_chunk *c,
				struct list_head *batch)
{
	lockdep_assert_held(&pn->lock);
	list_move(&c->list, batch);
	c->busy = true;
	c->dead = true;
	pc_idle_leave(pn, c);
}

/* Release up to @max idle chunks of @pn, leaving @keep, in pc_idle_order[]. */
static unsigned int pc_node_release(struct pc_node *pn, unsigned int keep,
				    unsigned int max)
{
	struct pc_chunk *c;
	unsigned int i, n = 0;
	LIST_HEAD(batch);

	/* Chunks whose only used units are freed pages go idle first. */
	pc_node_zero_dirty(pn);

	spin_lock(&pn->lock);
	for (i = 0; i < ARRAY_SIZE(pc_idle_order) && n < max; i++) {
		while (n < max && pn->nr_idle > keep &&
		       !list_empty(&pn->idle[pc_idle_order[i]])) {
			/* The coldest chunk is at the tail. */
			c = list_last_entry(&pn->idle[pc_idle_order[i]],
					    struct pc_chunk, list);
			/* Never hand a poisoned page back to the buddy allocator. */
			if (pc_chunk_pages_poisoned(c, 0, PC_CHUNK_PAGES)) {
				pc_node_retire(pn, c);
				continue;
			}
			pc_take_for_release(pn, c, &batch);
			n++;
		}
	}
	spin_unlock(&pn->lock);

	pc_release_batch(pn, &batch, n);
	return n;
}

/*
 * Give @n busy, dead chunks of @pn on @batch back to the buddy allocator:
 * aliases of the whole batch are dropped before one flush, if one is still
 * needed, covers them all; then each chunk goes back into the direct map as
 * a 2 MiB unit and is freed.
 */
static void pc_release_batch(struct pc_node *pn, struct list_head *batch,
			     unsigned int n)
{
	struct pc_chunk *c, *tmp;
	bool pending = false;

	list_for_each_entry(c, batch, list) {
		xa_erase(&pc_by_pfn, pc_chunk_pfn(c) >> PC_CHUNK_ORDER);
		pc_chunk_drop_alias(c);
		if (!c->flush_gen)
			continue;
		if (pc_flush_gen_done(c->flush_gen))
			pc_stat_inc(pn, PERMCACHE_STAT_FLUSHES_AVOIDED);
		else
			pending = true;
	}
	/* Invariant 1: no alias translation survives into the buddy allocator. */
	if (pending)
		pc_flush_now(pn);

	list_for_each_entry_safe(c, tmp, batch, list) {
		list_del(&c->list);
		pc_chunk_destroy(c);
	}
	if (n) {
		spin_lock(&pn->lock);
		pn->nr_chunks -= n;
		spin_unlock(&pn->lock);
		pc_stat_add(pn, PERMCACHE_STAT_CHUNKS_RELEASED, n);
	}
}

/**
 * pc_node_release_idle() - return idle chunks of a node to the buddy allocator
 * @pn: node cache.
 * @keep: idle chunks to leave in the cache.
 * @max: release at most this many.
 *
 * Freed SECRET pages waiting to be zeroed are zeroed first, so that chunks
 * they kept in use count as idle.  Chunks with no alias go first, then RO,
 * then ROX.  Aliases are dropped for
 * the whole batch before one flush, if any is still needed, covers them all;
 * then each chunk goes back into the direct map as a 2 MiB unit.
 *
 * Context: Process context; sleeps.
 * Return: the number of chunks released.
 */
unsigned int pc_node_release_idle(struct pc_node *pn, unsigned int keep,
				  unsigned int max)
{
	return pc_node_release(pn, keep, max);
}

/**
 * pc_release_range() - release the chunks inside a range going offline
 * @start_pfn: first page frame of the range, in one node.
 * @nr_pages: its length.
 *
 * All or nothing: if any chunk inside is in use, being converted or
 * retired, nothing is released and the offline is refused.  Otherwise
 * every chunk inside (idle, so logically offline, which let memory
 * offlining isolate the range) goes back to the buddy allocator, into the
 * isolated range, from where offlining takes it.
 *
 * Context: Process context; sleeps.
 * Return: 0, or -EBUSY.
 */
int pc_release_range(unsigned long start_pfn, unsigned long nr_pages)
{
	unsigned long idx, first = start_pfn >> PC_CHUNK_ORDER;
	unsigned long last = (start_pfn + nr_pages - 1) >> PC_CHUNK_ORDER;
	struct pc_node *pn = pc_node(pfn_to_nid(start_pfn));
	struct pc_chunk *c;
	unsigned int n = 0;
	LIST_HEAD(batch);
	int err = 0;

	if (!pn)
		return 0;
	/* Freed pages waiting to be zeroed keep their chunks in use. */
	pc_node_zero_dirty(pn);

	spin_lock(&pn->lock);
	for (idx = first; idx <= last && !err; idx++) {
		c = xa_load(&pc_by_pfn, idx);
		/* A dead chunk is on its way back to the buddy allocator. */
		if (c && !c->dead && (c->nid != pn->nid || c->busy ||
				      c->poisoned || c->units.used))
			err = -EBUSY;
	}
	for (idx = first; idx <= last && !err; idx++) {
		c = xa_load(&pc_by_pfn, idx);
		if (c && !c->dead) {
			pc_take_for_release(pn, c, &batch);
			n++;
		}
	}
	spin_unlock(&pn->lock);

	if (n)
		pc_release_batch(pn, &batch, n);
	return err;
}

/**
 * pc_node_snapshot() - add a node's counters and chunk walk to @st
 * @pn: node cache.
 * @st: snapshot to add to.
 *
 * Context: Process context; takes the node lock, does not sleep.
 */
void pc_node_snapshot(struct pc_node *pn, struct permcache_stats *st)
{
	struct pc_chunk *c;
	unsigned int i;

	for (i = 0; i < PERMCACHE_NR_STAT_ITEMS; i++)
		st->item[i] += atomic_long_read(&pn->stat[i]);

	spin_lock(&pn->lock);
	st->zero_pending += pn->nr_dirty;
	st->retired += pn->nr_retired;
	list_for_each_entry(c, &pn->retired, list) {
		if (c->cls < PERMCACHE_NR_CLASSES) {
			st->units_used[c->cls] += c->units.used;
			st->units_total[c->cls] += c->units.nr;
		}
		st->chunks[c->cls]++;
	}
	for (i = 0; i < PC_NR_KINDS; i++) {
		list_for_each_entry(c, &pn->idle[i], list) {
			st->chunks[i]++;
			st->idle[i]++;
			if (i < PERMCACHE_NR_CLASSES)
				st->units_total[i] += c->units.nr;
		}
	}
	for (i = 0; i < PERMCACHE_NR_CLASSES; i++) {
		list_for_each_entry(c, &pn->active[i], list) {
			st->chunks[i]++;
			st->units_used[i] += c->units.used;
			st->units_total[i] += c->units.nr;
		}
	}
	spin_unlock(&pn->lock);
}

/**
 * pc_node_walk_chunks() - call @fn for every chunk on a node's lists
 * @pn: node cache.
 * @fn: called with the node lock held, so it must not sleep; @idle tells
 *	whether the chunk is on an idle list.
 * @data: passed to @fn.
 *
 * Chunks being converted or released (busy) are on no list and are skipped.
 *
 * Context: Process context; takes the node lock, does not sleep.
 */
void pc_node_walk_chunks(struct pc_node *pn, pc_chunk_fn fn, void *data)
{
	struct pc_chunk *c;
	unsigned int i;

	spin_lock(&pn->lock);
	for (i = 0; i < PERMCACHE_NR_CLASSES; i++)
		list_for_each_entry(c, &pn->active[i], list)
			fn(c, false, data);
	for (i = 0; i < PC_NR_KINDS; i++)
		list_for_each_entry(c, &pn->idle[i], list)
			fn(c, true, data);
	list_for_each_entry(c, &pn->retired, list)
		fn(c, false, data);
	spin_unlock(&pn->lock);
}
