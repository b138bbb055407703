// SPDX-License-Identifier: GPL-2.0-only
/*
 * permcache: SECRET pages, from their last put back to their chunk.
 *
 * A SECRET page permcache hands out (permcache_alloc_secret()) carries
 * PG_permcache and from then on lives as any page of its owner: memfd_secret
 * adds it to its file's page cache and the unevictable LRU, charged to the
 * faulting task's memcg and mlocked while mapped.  Its end is any page's
 * end too: whoever drops the last reference (truncation, the caller of the
 * page cache's ->free_folio(), a speculative lookup that lost its race)
 * frees it through the page allocator, whose free_pages_prepare() does the
 * bookkeeping it does for every page (after the memcg uncharge: the mlock
 * count, the bad-page checks, page_owner, the page table check, allocation
 * profiling) and then, instead of poisoning the page and giving it to the
 * buddy allocator, hands it to permcache_take_freed_page().
 *
 * That may run in any context, interrupts off included, so it only puts the
 * page on its node's lock-free @freed list and queues the sweep.  The sweep
 * (process context, on a WQ_MEM_RECLAIM workqueue) gives the page back the
 * reference its chunk holds on
 * every page not handed out, and frees its unit, to be zeroed in a batch
 * (numa/pc_node.c) before it is handed out again.  Until then the unit
 * stays in use, so the chunk cannot be released.
 *
 * The same work zeroes the freed pages that wait in a batch that did not
 * fill, PC_ZERO_DELAY_MS after the first of them: pc_chunk_free_secret()
 * says when a page started a batch, and the sweep queues the work then.
 *
 * Locking: any context adds to a node's @freed; the sweep takes it whole
 * under the node's sweep_lock (a mutex: whoever sweeps finds every page
 * freed before it done when it returns) and frees each unit under the node
 * lock (pc_chunk_free_secret()).
 */

#include <linux/llist.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/nodemask.h>
#include <linux/page_ref.h>
#include <linux/rcupdate.h>
#include <linux/workqueue.h>

#include "pc_internal.h"

static void pc_secret_sweep_fn(struct work_struct *work);
static DECLARE_DELAYED_WORK(pc_secret_sweep_work, pc_secret_sweep_fn);
static struct workqueue_struct *pc_secret_wq;

/*
 * Called when a node's dirty list gets its first page: a batch that does
 * not fill up is zeroed by the sweep work within PC_ZERO_DELAY_MS, so that
 * the pages and the chunks they keep in use do not wait for the next free.
 */
static void pc_secret_zero_later(void)
{
	queue_delayed_work(pc_secret_wq, &pc_secret_sweep_work,
			   msecs_to_jiffies(PC_ZERO_DELAY_MS));
}

/**
 * pc_secret_init() - set up the workqueue of the sweep
 *
 * Freed pages keep their units, and so their chunks, in use until the sweep
 * takes them back: it must make progress under memory pressure, when the
 * shrinker wants those chunks, so it has a rescuer (WQ_MEM_RECLAIM).
 *
 * Context: Process context, at init.
 * Return: 0 or -ENOMEM.
 */
int pc_secret_init(void)
{
	pc_secret_wq = alloc_workqueue("permcache", WQ_MEM_RECLAIM, 0);
	return pc_secret_wq ? 0 : -ENOMEM;
}

/*
 * A freed page links into @freed through page->lru, which the free path
 * leaves unused: its first word (lru.next) is the llist_node.
 */
static struct llist_node *pc_page_llnode(struct page *page)
{
	return (struct llist_node *)&page->lru.next;
}

static struct page *pc_llnode_page(struct llist_node *node)
{
	return container_of((struct list_head **)node, struct page, lru.next);
}

/**
 * permcache_take_freed_page() - take back a SECRET page whose last reference
 *	went
 * @page: an order-0 page with PG_permcache, on its way through
 *	free_pages_prepare(), its count zero and its flags cleared (but on a
 *	hardware-poisoned page, which the page allocator keeps out of use).
 *
 * Called by the page allocator only.  The page is queued to have its unit
 * freed and to be zeroed; nothing is written to it here.  A poisoned page
 * is never zeroed or handed out again: the sweep finds it poisoned and
 * retires its chunk (numa/pc_node.c).
 *
 * Context: Any context the page allocator frees pages in, with interrupts
 * off included; does not sleep.
 * Return: true if permcache took the page; false if it is not permcache's
 * (PG_permcache shares its bit with other owners' flags), and the page
 * allocator frees it as usual.
 */
bool permcache_take_freed_page(struct page *page)
{
	struct pc_node *pn = NULL;
	struct pc_chunk *c;

	rcu_read_lock();
	c = pc_chunk_lookup_pfn(page_to_pfn(page));
	if (c)
		pn = pc_node(c->nid);
	rcu_read_unlock();
	if (!pn)
		return false;

	/* The unit stays in use, so the chunk and its node cache stay too. */
	if (llist_add(pc_page_llnode(page), &pn->freed))
		mod_delayed_work(pc_secret_wq, &pc_secret_sweep_work, 0);
	return true;
}

/**
 * pc_secret_sweep_node() - free the units of the pages the free path gave
 *	back
 * @pn: node cache.
 *
 * Every page permcache_take_freed_page() queued on @pn before the call is
 * back in its chunk when this returns, its unit freed and waiting to be
 * zeroed.
 *
 * Context: Process context; may sleep (the node's sweep_lock).
 */
void pc_secret_sweep_node(struct pc_node *pn)
{
	struct llist_node *node, *next;

	/*
	 * Always under the lock, even with @freed empty: the work may have
	 * taken the pages the caller freed and not be done with them yet.
	 */
	mutex_lock(&pn->sweep_lock);
	node = llist_reverse_order(llist_del_all(&pn->freed));
	llist_for_each_safe(node, next, node) {
		struct page *page = pc_llnode_page(node);
		unsigned int nr_dirty = 0;
		struct pc_chunk *c;
		int err = -EINVAL;

		/*
		 * The chunk's reference again.  A speculative lookup may take
		 * one from here on and drop it when it sees the page left its
		 * file, as with any free page; the count never reaches zero
		 * again before the page is handed out.
		 */
		page_ref_unfreeze(page, 1);
		/*
		 * Recorded as permcache's again (the free path ended the last
		 * record); without sleeping or entering reclaim, since the
		 * sweep also runs for allocations that may not.
		 */
		pc_mm_track(page, 0, GFP_NOWAIT | __GFP_NOWARN);
		rcu_read_lock();
		c = pc_chunk_lookup_pfn(page_to_pfn(page));
		if (c)
			err = pc_chunk_free_secret(c, page, &nr_dirty);
		rcu_read_unlock();
		/* Zeroing is not done under RCU: a batch is 64 pages. */
		if (nr_dirty >= PC_ZERO_BATCH)
			pc_node_zero_dirty(pn);
		else if (nr_dirty == 1)
			pc_secret_zero_later();
		/* A kernel bug: the page stays out of use, its chunk kept. */
		if (WARN_ON_ONCE(err))
			pc_stat_inc(pn, PERMCACHE_STAT_BAD_FREES);
	}
	mutex_unlock(&pn->sweep_lock);
}

static void pc_secret_sweep_fn(struct work_struct *work)
{
	int nid;

	for_each_node_state(nid, N_MEMORY) {
		struct pc_node *pn = pc_node(nid);

		if (!pn)
			continue;
		pc_secret_sweep_node(pn);
		pc_node_zero_dirty(pn);
	}
}
