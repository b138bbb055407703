// SPDX-License-Identifier: GPL-2.0-only
/*
 * permcache node caches and node choice.
 *
 * Every node with memory has its own struct pc_node: its own lock, its own
 * lists of chunks and its own counters, so that allocations on different
 * nodes never share a lock or a cache line on the fast path.
 *
 * Node choice (invariant 5, locality): an allocation is served by its home
 * node, the node the caller named or, for NUMA_NO_NODE, the nearest node with
 * memory to the CPU it runs on (numa_mem_id()).  Only if the home node
 * cannot supply a chunk, and fallback is "distance", are the other nodes
 * tried, nearest first by node_distance(); such allocations are counted as
 * remote on the home node.  The fallback order of every node is computed
 * once, at init.
 *
 * Node caches: this file moves chunks between the lists of a node
 * (active[cls], idle[cls], idle[CLEAN], retired) and its dirty list, and
 * keeps the node's counters of them.  What happens to one chunk (create,
 * publish, class change, alias, units, poison checks, destroy) is in
 * mm/pc_chunk.c, whose comment draws the lifecycle.  Here:
 *
 *  - acquire: new chunks, unmapped, then one flush for the batch
 *    (pc_chunks_acquire(): the boot-time prefill; one chunk when a node
 *    runs out);
 *  - allocation (pc_node_alloc()): a chunk of the class in use, the same
 *    after zeroing the node's freed SECRET pages, an idle chunk of the
 *    class (no flush), an idle chunk of another class or none, converted
 *    (pc_idle_order[]), a new chunk;
 *  - frees: a chunk whose units were freed goes back on its lists
 *    (pc_node_requeue()); freed SECRET pages wait on the dirty list until
 *    pc_node_zero_dirty() zeroes them as one batch through CPU-local
 *    mappings (invariant 4) and frees their units;
 *  - release (pc_node_release_idle(), pc_release_range()): idle chunks,
 *    coldest first, with one flush for the batch if its dropped aliases
 *    still need one (invariant 1), each back to the buddy allocator as a
 *    2 MiB unit (invariant 3);
 *  - hardware poison: a chunk found to hold a poisoned page retires
 *    (pc_node_retire()) and is never released;
 *  - idle chunks are logically offline (pc_idle_enter()), but while a
 *    hibernation image may be made.
 *
 * A free that leaves a node with more than max_idle idle chunks queues the
 * trim work the shrinker registered (pc_node_set_trim_work()): neither this
 * file nor mm/pc_chunk.c calls into the files that use them (pc_secret.c,
 * shrinker/, pc_neighbour.c, pc_debugfs.c).
 *
 * Locking: struct pc_node.lock is documented with the struct in
 * mm/pc_internal.h.  It is a spinlock taken in process context only;
 * nothing sleeps under it: chunks are converted or released busy, off the
 * lists, and dirty pages are zeroed off the dirty list, after it is
 * dropped.  No other permcache lock nests inside or outside it.  The node
 * table and fallback orders are written once at init, before any
 * allocation, and read-only afterwards.
 */

#include <linux/errno.h>
#include <linux/jiffies.h>
#include <linux/mmzone.h>
#include <linux/nodemask.h>
#include <linux/slab.h>
#include <linux/topology.h>
#include <linux/workqueue.h>

#include "../mm/pc_internal.h"

static struct pc_node *pc_nodes[MAX_NUMNODES];

static void pc_node_init_one(struct pc_node *pn, int nid)
{
	int i;

	spin_lock_init(&pn->lock);
	pn->nid = nid;
	for (i = 0; i < PERMCACHE_NR_CLASSES; i++)
		INIT_LIST_HEAD(&pn->active[i]);
	for (i = 0; i < PC_NR_KINDS; i++)
		INIT_LIST_HEAD(&pn->idle[i]);
	init_llist_head(&pn->freed);
	mutex_init(&pn->sweep_lock);
	INIT_LIST_HEAD(&pn->retired);
	/* No backoff yet (jiffies starts negative, 0 is not "long ago"). */
	pn->acquire_after = jiffies;
	INIT_LIST_HEAD(&pn->dirty);
	INIT_LIST_HEAD(&pn->text_frees);
	for (i = 0; i < PERMCACHE_NR_STAT_ITEMS; i++)
		atomic_long_set(&pn->stat[i], 0);
}

/* Sort the other nodes with memory by distance from @pn, ties by id. */
static int pc_node_init_order(struct pc_node *pn)
{
	unsigned int i, nr = 0;
	int n;

	pn->order = kcalloc(nr_node_ids, sizeof(*pn->order), GFP_KERNEL);
	if (!pn->order)
		return -ENOMEM;

	for_each_node_state(n, N_MEMORY) {
		if (n == pn->nid)
			continue;
		for (i = nr; i > 0; i--) {
			int prev = pn->order[i - 1];

			if (node_distance(pn->nid, prev) <=
			    node_distance(pn->nid, n))
				break;
			pn->order[i] = prev;
		}
		pn->order[i] = n;
		nr++;
	}
	for (i = nr; i < nr_node_ids; i++)
		pn->order[i] = NUMA_NO_NODE;
	return 0;
}

/**
 * pc_nodes_init() - create the cache of every node with memory
 *
 * Context: Process context, once, before any allocation.
 * Return: 0, or -ENOMEM.
 */
int pc_nodes_init(void)
{
	int nid;

	for_each_node_state(nid, N_MEMORY) {
		struct pc_node *pn = kzalloc_node(sizeof(*pn), GFP_KERNEL, nid);

		if (!pn)
			return -ENOMEM;
		pc_node_init_one(pn, nid);
		if (pc_node_init_order(pn)) {
			kfree(pn);
			return -ENOMEM;
		}
		pc_nodes[nid] = pn;
	}
	return 0;
}

/**
 * pc_node() - the cache of a node
 * @nid: node id.
 *
 * Context: Any context.
 * Return: the node cache, or NULL if @nid is out of range or has no memory.
 */
struct pc_node *pc_node(int nid)
{
	if (nid < 0 || nid >= MAX_NUMNODES)
		return NULL;
	return pc_nodes[nid];
}

/**
 * pc_node_home() - the node an allocation should come from
 * @nid: the node the caller asked for, or NUMA_NO_NODE.
 *
 * Context: Any context.
 * Return: @nid (this CPU's node for NUMA_NO_NODE) if it has a cache; for
 * an online node without one (no memory), the nearest node with memory;
 * -EINVAL for any other value.
 */
int pc_node_home(int nid)
{
	if (nid == NUMA_NO_NODE)
		nid = numa_mem_id();
	if (nid < 0 || nid >= nr_node_ids || !node_online(nid))
		return -EINVAL;
	/*
	 * A node without memory (x86 has no HAVE_MEMORYLESS_NODES, so
	 * numa_mem_id() can be one) is served where its zonelist starts, as
	 * the page allocator serves it (local_memory_node() does the same).
	 */
	if (!pc_node(nid)) {
		struct zoneref *z;

		z = first_zones_zonelist(node_zonelist(nid, GFP_KERNEL),
					 gfp_zone(GFP_KERNEL), NULL);
		nid = z->zone ? zone_to_nid(z->zone) : NUMA_NO_NODE;
	}
	return pc_node(nid) ? nid : -EINVAL;
}

/**
 * pc_node_fallback() - the @i-th node to try when @home cannot supply a chunk
 * @home: the home node, as pc_node_home() returned it.
 * @i: 0 for the nearest other node, 1 for the next, ...
 *
 * Context: Any context.
 * Return: a node id, or NUMA_NO_NODE when there is none (or fallback is off).
 */
int pc_node_fallback(int home, int i)
{
	struct pc_node *pn = pc_node(home);

	if (READ_ONCE(pc_config.fallback) == PC_FALLBACK_NONE || !pn ||
	    i < 0 || i >= (int)nr_node_ids)
		return NUMA_NO_NODE;
	return pn->order[i];
}

/*
 * Which idle chunks to take first, to convert or to release: clean ones,
 * then those with no alias to drop (SECRET), then RO, then ROX.
 */
static const u8 pc_idle_order[] = {
	PC_CLEAN, PERMCACHE_SECRET, PERMCACHE_RO, PERMCACHE_ROX,
};

/* The shrinker's trim work (pc_node_set_trim_work()), or NULL. */
static struct work_struct *pc_trim_work;

/**
 * pc_node_set_trim_work() - the work that trims node caches to max_idle
 * @work: work that releases idle chunks above max_idle on every node.
 *
 * The shrinker registers it, so that the node caches have it run when a
 * free leaves too many chunks idle without calling into the shrinker.
 *
 * Context: Process context, once, at init.
 */
void pc_node_set_trim_work(struct work_struct *work)
{
	WRITE_ONCE(pc_trim_work, work);
}

/**
 * pc_node_trim_later() - have idle chunks above max_idle released soon
 *
 * Releasing sleeps, and a free must not, so it is left to the trim work.
 *
 * Context: Process context; does not sleep.
 */
void pc_node_trim_later(void)
{
	struct work_struct *work = READ_ONCE(pc_trim_work);

	if (work)
		schedule_work(work);
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
		if (pc_chunk_publish(c)) {
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

/**
 * pc_node_retire_units() - retire a chunk, dropping units held for poison
 * @pn: its node cache, locked.
 * @c: the chunk.
 * @start: first unit permcache took (or got back) and will not hand out.
 * @nr: number of them.
 *
 * Context: pn->lock held.
 */
void pc_node_retire_units(struct pc_node *pn, struct pc_chunk *c,
			  unsigned int start, unsigned int nr)
{
	lockdep_assert_held(&pn->lock);
	/* Retire first: it tells idle from in use by the units. */
	pc_node_retire(pn, c);
	WARN_ON_ONCE(pc_units_free(&c->units, start, nr));
	pc_chunk_offline_unused(c);
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
	pc_chunk_offline_unused(c);
	/* A chunk that could not leave the direct map retires unpoisoned. */
	if (pc_chunk_pages_poisoned(c, 0, PC_CHUNK_PAGES))
		pc_stat_inc(pn, PERMCACHE_STAT_HWPOISONED);
}

/**
 * pc_node_requeue() - put a chunk whose units were freed where it belongs
 * @pn: its node cache, locked.
 * @c: the chunk, on one of @pn's lists (or, busy until now, on none).
 * @was_full: every unit of @c was in use before the free.
 *
 * An idle chunk moves to its class's idle list, a chunk that was full back
 * to the head of its active list; a retired chunk stays retired.
 *
 * Context: pn->lock held.
 * Return: true if the node now has more than max_idle idle chunks: the
 * caller then has it trimmed (pc_node_trim_later()).
 */
bool pc_node_requeue(struct pc_node *pn, struct pc_chunk *c, bool was_full)
{
	lockdep_assert_held(&pn->lock);

	/* A retired chunk stays retired, used or not. */
	if (c->poisoned) {
		pc_chunk_offline_unused(c);
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
	if (!may_block || !pc_chunk_unmap_begin())
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
	pc_chunk_unmap_end();
	return start;
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
 * Return: the first unit, or a negative errno: -ENOMEM if this node cannot
 * supply a chunk, or the error of a permission change that failed
 * (pc_chunk_set_class(); the chunk stays idle in its old class).
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
		if (start < 0 ||
		    !pc_chunk_retire_if_poisoned(*chunkp, start, nr))
			return start;
	}
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
	list_for_each_entry_safe(page, tmp, batch, lru) {
		c = (struct pc_chunk *)page->private;
		if (pc_chunk_pages_poisoned(c, page - c->page, 1))
			list_move(&page->lru, &poisoned);
	}

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
		trim |= pc_node_requeue(pn, c, was_full);
		n++;
	}
	spin_unlock(&pn->lock);

	if (n) {
		pc_stat_add(pn, PERMCACHE_STAT_SECRET_ZEROED, n);
		pc_stat_inc(pn, PERMCACHE_STAT_ZERO_BATCHES);
	}
	if (trim)
		pc_node_trim_later();
	return n;
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
		pc_chunk_unpublish(c);
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

	/* A spinlock section is an RCU read-side one: the lookups hold. */
	spin_lock(&pn->lock);
	for (idx = first; idx <= last && !err; idx++) {
		c = pc_chunk_lookup_pfn(idx << PC_CHUNK_ORDER);
		/* A dead chunk is on its way back to the buddy allocator. */
		if (c && !c->dead && (c->nid != pn->nid || c->busy ||
				      c->poisoned || c->units.used))
			err = -EBUSY;
	}
	for (idx = first; idx <= last && !err; idx++) {
		c = pc_chunk_lookup_pfn(idx << PC_CHUNK_ORDER);
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
