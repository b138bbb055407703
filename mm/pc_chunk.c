// SPDX-License-Identifier: GPL-2.0-only
/*
 * permcache chunk lifecycle: acquire, assign a class, hand out units, go
 * idle, change class, release.  This file does what happens to one chunk:
 * create and destroy it, publish it for lookups, change its class (its
 * alias and direct map), check its pages for poison, and free its units.
 * Which list of its node a chunk is on, the node's counters, and the order
 * in which a node takes, zeroes and releases chunks are the node cache's
 * (numa/pc_node.c).
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
 * Invariant 1 (no stale access) is enforced here for class changes: memory
 * is exposed under a new class only after pc_flush_sync() for the
 * generation its dropped alias (and, for text becoming SECRET, its
 * read-only direct map) needs (pc_chunk_set_class()); a release flushes
 * before pc_chunk_destroy() (numa/pc_node.c).  Invariant 3 (no direct-map
 * splits): chunks change their direct-map state only as whole 2 MiB units.
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
 * to the system, as the poisoned page is).  It is checked for here
 * (pc_chunk_pages_poisoned(), pc_chunk_retire_if_poisoned()) at hand-out,
 * before zeroing, before a class change refills the chunk and before a
 * release; numa/pc_node.c retires the chunk (pc_node_retire()).
 *
 * Lookups: two XArrays map a chunk's pfn and its alias address to the chunk,
 * so that frees find it without a global lock (pc_chunk_publish(),
 * pc_chunk_unpublish()).  Lookups run under RCU; the struct is freed after
 * a grace period and marked dead under the node lock first, so a stale
 * lookup (a bogus free) is refused, not followed.
 *
 * SECRET frees: a freed page waits on its node's dirty list
 * (pc_chunk_free_secret()), its unit still in use, until
 * pc_node_zero_dirty() zeroes a batch of them through CPU-local mappings
 * with one local flush (pc_arch_zero_pages()), outside the node lock; then
 * the units are freed.  Invariant 4 holds because nothing hands out a unit
 * in use.  Having a batch that does not fill zeroed later is the caller's
 * (pc_secret.c): this file calls none of the files that use it.
 *
 * Locking: pc_node.lock, a spinlock taken in process context only (the
 * per-CPU temporary PTEs that zero pages are never used under it), guards
 * the node's lists (the dirty list included) and counters and the @units,
 * @cls, @busy and @dead of its chunks; this file takes it to read or free
 * a chunk's units.  Nothing sleeps under it.  No other permcache lock
 * nests inside or outside it; the XArrays' own locks are taken without it.
 */

#include <linux/errno.h>
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

/**
 * pc_chunk_unmap_begin() - start a change that may take memory out of the
 *	direct map, if allowed
 *
 * Acquiring a chunk, changing its class and an eager alias drop run between
 * this and pc_chunk_unmap_end(), so that pc_block_unmapping() can wait them
 * out.
 *
 * Context: Any context.
 * Return: true if the change may go ahead (end it with
 * pc_chunk_unmap_end()); false while a hibernation image may be made.
 */
bool pc_chunk_unmap_begin(void)
{
	atomic_inc(&pc_unmap_inflight);
	/* Pairs with pc_block_unmapping(): it sees us, or we see the flag. */
	smp_mb__after_atomic();
	if (!READ_ONCE(pc_acquire_blocked))
		return true;
	pc_chunk_unmap_end();
	return false;
}

/**
 * pc_chunk_unmap_end() - end a change pc_chunk_unmap_begin() allowed
 *
 * Context: Any context.
 */
void pc_chunk_unmap_end(void)
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
	/* Pairs with pc_chunk_unmap_begin(): we see it counted, or it sees it. */
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

/**
 * pc_chunk_create() - allocate, zero and unmap one chunk
 * @nid: node to allocate it on.
 * @no_block: set if the buddy allocator had no free 2 MiB block on @nid.
 *
 * The chunk is clean, busy (the caller's) and on no list; the caller
 * flushes before anyone may use it, and publishes it (pc_chunk_publish()).
 *
 * Context: Process context; sleeps.
 * Return: the chunk, or NULL.
 */
struct pc_chunk *pc_chunk_create(int nid, bool *no_block)
{
	struct pc_chunk *c = kzalloc_node(sizeof(*c), GFP_KERNEL, nid);

	if (!c)
		return NULL;
	if (pc_units_init(&c->units, GFP_KERNEL))
		goto free_struct;
	c->page = pc_mm_alloc_chunk(nid);
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
	pc_mm_free_chunk(c->page);
free_struct:
	pc_units_destroy(&c->units);
	kfree(c);
	return NULL;
}

/**
 * pc_chunk_destroy() - undo pc_chunk_create()
 * @c: busy chunk, unpublished, that no CPU may reach any more (invariant 1:
 *	the caller flushed what its dropped alias needed).
 *
 * The chunk goes back into the direct map as a 2 MiB unit and to the buddy
 * allocator; if it cannot, its memory is leaked rather than handed back
 * unmapped.
 *
 * Context: Process context; sleeps.
 */
void pc_chunk_destroy(struct pc_chunk *c)
{
	/* Restoring a 2 MiB unit needs no flush: nothing caches "not present". */
	if (WARN_ON_ONCE(pc_arch_restore_direct(c->page))) {
		/* Leak rather than hand unmapped memory to the buddy allocator. */
		pc_chunk_free_struct(c);
		return;
	}
	pc_mm_free_chunk(c->page);
	pc_chunk_free_struct(c);
}

/**
 * pc_chunk_publish() - make a new chunk findable by the pfns of its pages
 * @c: busy chunk from pc_chunk_create(), flushed.
 *
 * Context: Process context; may sleep.
 * Return: 0, or -ENOMEM (the caller destroys the chunk).
 */
int pc_chunk_publish(struct pc_chunk *c)
{
	return xa_err(xa_store(&pc_by_pfn, pc_chunk_pfn(c) >> PC_CHUNK_ORDER,
			       c, GFP_KERNEL));
}

/* Unmap the alias of a busy chunk; the memory waits for a flush after this. */
static void pc_chunk_drop_alias(struct pc_chunk *c)
{
	if (!c->alias)
		return;
	xa_erase(&pc_by_alias, c->alias >> PMD_SHIFT);
	pc_mm_unmap_alias(c);
	c->flush_gen = pc_gen_later(c->flush_gen, pc_flush_gen_need());
}

/**
 * pc_chunk_unpublish() - make a chunk on its way out unfindable
 * @c: busy, dead chunk.
 *
 * Its pfn lookup goes and its alias is dropped, with its lookup; the
 * memory then waits for the flush of @c->flush_gen (pc_flush_gen_done()),
 * which the caller issues, once for a whole batch, before
 * pc_chunk_destroy().
 *
 * Context: Process context; sleeps.
 */
void pc_chunk_unpublish(struct pc_chunk *c)
{
	xa_erase(&pc_by_pfn, pc_chunk_pfn(c) >> PC_CHUNK_ORDER);
	pc_chunk_drop_alias(c);
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

/**
 * pc_chunk_offline_unused() - mark the unused pages of a retired chunk
 *	offline
 * @c: retired chunk.
 *
 * The pages of a retired chunk with no unit in use on them are logically
 * offline, so that neither the hibernation snapshot nor kcore reads them.
 * Units permcache held only because their page is poisoned are freed in
 * the bitmap first (pc_node_retire_units()): a retired chunk hands nothing
 * out, so they cannot be reused, and their pages are nobody's.
 *
 * Context: its node's lock held.
 */
void pc_chunk_offline_unused(struct pc_chunk *c)
{
	unsigned int per_page = 1U << (PAGE_SHIFT - c->units.shift);
	unsigned int i;

	lockdep_assert_held(&pc_node(c->nid)->lock);
	for (i = 0; i < PC_CHUNK_PAGES; i++) {
		struct page *page = c->page + i;
		unsigned int u = i * per_page;

		if (!PageOffline(page) &&
		    find_next_bit(c->units.map, u + per_page, u) >= u + per_page)
			__folio_set_offline(page_folio(page));
	}
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

/**
 * pc_chunk_set_class() - give a busy, empty chunk another class
 * @pn: its node cache, unlocked (for the flush and the counters).
 * @c: the chunk, busy, with no unit in use.
 * @cls: the class it is to serve.
 *
 * Drops its old alias (and read-only direct map if it becomes SECRET),
 * waits for the flush that makes the old mappings unreachable, refills the
 * memory with the byte the new class keeps in free units, and maps a text
 * chunk read-only in the direct map and at its final permission in a new
 * alias.
 *
 * Context: Process context; sleeps.  Between pc_chunk_unmap_begin() and
 * pc_chunk_unmap_end().
 * Return: 0; -EHWPOISON if a page of the chunk is poisoned, or it could not
 * leave the direct map (the caller retires it); or another errno, the chunk
 * then being clean.
 */
int pc_chunk_set_class(struct pc_node *pn, struct pc_chunk *c,
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
	err = pc_mm_map_alias(c);
	if (err)
		goto unclass;
	err = xa_err(xa_store(&pc_by_alias, c->alias >> PMD_SHIFT, c,
			      GFP_KERNEL));
	if (err) {
		pc_mm_unmap_alias(c);
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
	unsigned long first = pc_unit_to_offset(&c->units, start);
	unsigned long end = pc_unit_to_offset(&c->units, start + nr);
	struct pc_node *pn = pc_node(c->nid);

	if (likely(!pc_chunk_pages_poisoned(c, first >> PAGE_SHIFT,
					    DIV_ROUND_UP(end, PAGE_SIZE) -
					    (first >> PAGE_SHIFT))))
		return false;
	spin_lock(&pn->lock);
	pc_node_retire_units(pn, c, start, nr);
	spin_unlock(&pn->lock);
	return true;
}

/* Is @c a live chunk of class @cls whose units the node lock guards? */
static bool pc_chunk_usable(struct pc_chunk *c, enum permcache_class cls)
{
	return !c->dead && !c->busy && c->cls == cls;
}

/* Under the node lock: the units of [@addr, @addr + @len), or -EINVAL. */
static int __pc_chunk_text_run(struct pc_chunk *c, unsigned long addr,
			       size_t len, bool whole, unsigned int *startp,
			       unsigned int *nrp)
{
	unsigned int start, nr;
	unsigned long off;

	if (c->dead || c->busy || !pc_class_is_text(c->cls) || !c->alias ||
	    addr < c->alias)
		return -EINVAL;
	off = addr - c->alias;
	if (!len || off >= PC_CHUNK_SIZE || len > PC_CHUNK_SIZE - off)
		return -EINVAL;
	if (whole && !pc_offset_is_unit(&c->units, off))
		return -EINVAL;
	start = pc_offset_to_unit(&c->units, off);
	nr = pc_bytes_to_units(&c->units, off + len) - start;
	if (whole ? !pc_units_is_allocation(&c->units, start, nr) :
		    !pc_units_owned(&c->units, start, nr))
		return -EINVAL;
	*startp = start;
	*nrp = nr;
	return 0;
}

/**
 * pc_chunk_text_run() - the text units under [@addr, @addr + @len) of @c
 * @c: chunk, from a lookup of @addr under rcu_read_lock().
 * @addr: address in its alias.
 * @len: bytes; every unit they touch must be in use (a write).
 * @clsp: the chunk's class.
 * @startp: first unit.
 * @nrp: number of units.
 *
 * Everything (class, alias, unit size, the units) is read under the node
 * lock, so a chunk changing class or going away meanwhile is refused, not
 * half-read.
 *
 * Context: rcu_read_lock() held, as for the lookup.
 * Return: 0 or -EINVAL.
 */
int pc_chunk_text_run(struct pc_chunk *c, unsigned long addr, size_t len,
		      enum permcache_class *clsp, unsigned int *startp,
		      unsigned int *nrp)
{
	struct pc_node *pn = pc_node(c->nid);
	int err;

	spin_lock(&pn->lock);
	err = __pc_chunk_text_run(c, addr, len, false, startp, nrp);
	if (!err)
		*clsp = c->cls;
	spin_unlock(&pn->lock);
	return err;
}

/**
 * pc_chunk_text_claim() - claim the run [@addr, @addr + @len) of @c for a free
 * @c: chunk, from a lookup of @addr under rcu_read_lock().
 * @addr: address in its alias.
 * @len: bytes; they must be exactly one allocation.
 * @claim: filled in and put on the node's list of text frees in flight.
 *
 * A run already claimed is refused: two frees of the same text racing
 * (a caller's double free) would otherwise both pass the check, and the
 * second free the units, or the whole chunk, under the first.
 *
 * Context: rcu_read_lock() held, as for the lookup.
 * Return: 0, and then the chunk stays alive until pc_chunk_free_units() or
 * pc_chunk_text_unclaim(); -EINVAL otherwise.
 */
int pc_chunk_text_claim(struct pc_chunk *c, unsigned long addr, size_t len,
			struct pc_text_claim *claim)
{
	struct pc_node *pn = pc_node(c->nid);
	struct pc_text_claim *other;
	int err;

	spin_lock(&pn->lock);
	err = __pc_chunk_text_run(c, addr, len, true, &claim->start,
				  &claim->nr);
	if (err)
		goto unlock;
	list_for_each_entry(other, &pn->text_frees, list) {
		if (other->c == c && other->start == claim->start) {
			err = -EINVAL;
			goto unlock;
		}
	}
	claim->c = c;
	claim->cls = c->cls;
	list_add(&claim->list, &pn->text_frees);
unlock:
	spin_unlock(&pn->lock);
	return err;
}

/**
 * pc_chunk_text_unclaim() - end a claim without freeing the run
 * @claim: from pc_chunk_text_claim().
 *
 * The run stays allocated (poisoned text is never written; text that could
 * not be filled with traps is never reused).
 *
 * Context: Any context that may take the node lock.
 */
void pc_chunk_text_unclaim(struct pc_text_claim *claim)
{
	struct pc_node *pn = pc_node(claim->c->nid);

	spin_lock(&pn->lock);
	list_del(&claim->list);
	spin_unlock(&pn->lock);
}

/**
 * pc_chunk_free_units() - give back a claimed text run, and the chunk if it
 *	is idle
 * @claim: from pc_chunk_text_claim(); ended here.
 *
 * With lazy flushing an idle chunk keeps its class and alias.  With eager
 * flushing (for comparison) an idle text chunk drops its alias and flushes
 * at once.  Once this returns, an idle chunk may be released at any time:
 * the caller must not touch the chunk again.
 *
 * Context: Process context, outside any RCU read section (eager flushing
 * sleeps); the claim pins the chunk.
 * Return: 0, or -EINVAL if the run is no longer one live allocation of the
 * class it was claimed in (a kernel bug: the claim is refused to others);
 * nothing is changed then.
 */
int pc_chunk_free_units(struct pc_text_claim *claim)
{
	struct pc_chunk *c = claim->c;
	struct pc_node *pn = pc_node(c->nid);
	bool was_full, eager = false, trim = false;
	int err;

	spin_lock(&pn->lock);
	list_del(&claim->list);
	err = -EINVAL;
	if (WARN_ON_ONCE(!pc_chunk_usable(c, claim->cls)))
		goto unlock;
	was_full = c->units.used == c->units.nr;
	err = pc_units_free(&c->units, claim->start, claim->nr);
	if (WARN_ON_ONCE(err))
		goto unlock;

	pc_stat_inc(pn, PERMCACHE_STAT_FREE_TEXT);
	/* Not while a hibernation image may be made: it would unmap. */
	eager = !c->units.used && !READ_ONCE(pc_config.lazy_flush) &&
		c->alias && !c->poisoned && pc_chunk_unmap_begin();
	if (eager) {
		list_del_init(&c->list);
		c->busy = true;
	} else {
		trim = pc_node_requeue(pn, c, was_full);
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
			pc_chunk_unmap_end();
			return err;
		}
		c->cls = PC_CLEAN;
		c->busy = false;
		trim = pc_node_requeue(pn, c, false);
		spin_unlock(&pn->lock);
		pc_chunk_unmap_end();
	}
	if (trim)
		pc_node_trim_later();
	return err;
}

/* Is @page of @c freed and waiting to be zeroed (its unit still in use)? */
static bool pc_page_is_dirty(const struct pc_chunk *c, const struct page *page)
{
	return page->private == (unsigned long)c;
}

/**
 * pc_chunk_free_secret() - give back a SECRET page, to be zeroed in a batch
 * @c: chunk of @page, from a lookup under rcu_read_lock().
 * @page: the page, holding only the reference it was handed out with.
 * @nr_dirty: the pages on its node's dirty list, @page included.
 *
 * The page joins its node's dirty list and its unit stays in use until the
 * page is zeroed, so it cannot be handed out before.  Zeroing is the
 * caller's, outside its RCU read section: at once
 * (pc_node_zero_dirty()) once @nr_dirty reaches PC_ZERO_BATCH, and within
 * PC_ZERO_DELAY_MS when @page is the first (@nr_dirty == 1), so that a
 * batch that does not fill does not wait for the next free.
 *
 * Context: rcu_read_lock() held, as for the lookup; does not sleep.
 * Return: 0, or -EINVAL if @page is not a live SECRET page of @c (freed
 * already included); nothing is changed then, and @nr_dirty is 0.
 */
int pc_chunk_free_secret(struct pc_chunk *c, struct page *page,
			 unsigned int *nr_dirty)
{
	struct pc_node *pn = pc_node(c->nid);
	int err = -EINVAL;

	*nr_dirty = 0;
	spin_lock(&pn->lock);
	if (pc_chunk_usable(c, PERMCACHE_SECRET) && !pc_page_is_dirty(c, page) &&
	    pc_units_is_allocation(&c->units, page - c->page, 1)) {
		page->private = (unsigned long)c;
		list_add_tail(&page->lru, &pn->dirty);
		*nr_dirty = ++pn->nr_dirty;
		pc_stat_inc(pn, PERMCACHE_STAT_FREE_SECRET);
		err = 0;
	}
	spin_unlock(&pn->lock);
	return err;
}
