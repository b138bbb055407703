// SPDX-License-Identifier: GPL-2.0-only
/*
 * permcache: SECRET pages that go back to the cache after their last user.
 *
 * memfd_secret pages live in the page cache of their file.  When the file
 * drops one, other references may still exist for a moment (the truncation
 * batch, a speculative lookup that is about to notice the page left), and
 * the last put would hand the page to the buddy allocator while it is still
 * out of the direct map.  So the consumer calls permcache_put_secret() from
 * its ->free_folio(): permcache takes a reference of its own, parks the page
 * on its node's pending list and, once that reference is the only one left
 * (its count freezes from 1 to 0), does what the page allocator's free path
 * would have done (uncharge the memcg, clear the page flags) and frees the
 * unit, zeroing the page through a CPU-local mapping.
 *
 * Invariant 6 (accounting is kept): the consumer charges the page to the
 * faulting task's memcg when it enters the page cache, exactly as
 * filemap_add_folio() does, and the charge goes here, when the last
 * reference does, exactly as it would in __folio_put().  A cached page
 * never carries a charge into its next use.
 *
 * Pending pages are swept by a work item that re-arms itself while any page
 * is still referenced, and by the next SECRET allocation on the node.  The
 * same work zeroes the freed pages that wait in a batch that did not fill
 * (pc_chunk.c), PC_ZERO_DELAY_MS after the first of them.
 *
 * Locking: the node lock guards the pending list (pc_chunk.c); the sweep
 * takes it through pc_node_take_unreferenced() and does the rest without
 * it, in process context.
 */

#include <linux/memcontrol.h>
#include <linux/mm.h>
#include <linux/nodemask.h>
#include <linux/page-flags.h>
#include <linux/rcupdate.h>
#include <linux/workqueue.h>

#include "pc_internal.h"

static void pc_secret_sweep_fn(struct work_struct *work);
static DECLARE_DELAYED_WORK(pc_secret_sweep_work, pc_secret_sweep_fn);

/**
 * pc_secret_sweep_node() - take back the pending pages nobody holds any more
 * @pn: node cache.
 *
 * Context: Process context.
 */
void pc_secret_sweep_node(struct pc_node *pn)
{
	struct page *page, *tmp;
	LIST_HEAD(list);

	if (!READ_ONCE(pn->nr_pending) || !pc_node_take_unreferenced(pn, &list))
		return;

	list_for_each_entry_safe(page, tmp, &list, lru) {
		struct folio *folio = page_folio(page);
		struct pc_chunk *c;
		int err = -EINVAL;

		/* What __folio_put() and free_pages_prepare() would do. */
		list_del_init(&page->lru);
		mem_cgroup_uncharge(folio);
		if (unlikely(folio_test_mlocked(folio))) {
			__folio_clear_mlocked(folio);
			zone_stat_mod_folio(folio, NR_MLOCK, -1);
			count_vm_events(UNEVICTABLE_PGCLEARED, 1);
		}
		page->private = 0;
		page->mapping = NULL;
		page->flags &= ~PAGE_FLAGS_CHECK_AT_PREP;
		page_ref_unfreeze(page, 1);
		/*
		 * A speculative lookup may take a reference from here on and
		 * drop it when it sees the page left its file, as with any
		 * freed page: free it without permcache_free_secret()'s check
		 * that only the caller holds it.
		 */
		rcu_read_lock();
		c = pc_chunk_lookup_pfn(page_to_pfn(page));
		if (c)
			err = pc_chunk_free_secret(c, page);
		rcu_read_unlock();
		WARN_ON_ONCE(err);
	}
}

static void pc_secret_sweep_fn(struct work_struct *work)
{
	bool again = false;
	int nid;

	for_each_node_state(nid, N_MEMORY) {
		struct pc_node *pn = pc_node(nid);

		if (!pn)
			continue;
		pc_secret_sweep_node(pn);
		pc_node_zero_dirty(pn);
		again |= READ_ONCE(pn->nr_pending) != 0;
	}
	/* Someone still holds a page: look again shortly. */
	if (again)
		schedule_delayed_work(&pc_secret_sweep_work,
				      msecs_to_jiffies(10));
}

/**
 * pc_secret_zero_later() - zero the freed SECRET pages of every node soon
 *
 * Called when a node's dirty list gets its first page: a batch that does
 * not fill up is zeroed by the sweep work within PC_ZERO_DELAY_MS, so that
 * the pages and the chunks they keep in use do not wait for the next free.
 *
 * Context: Any context that may queue work.
 */
void pc_secret_zero_later(void)
{
	schedule_delayed_work(&pc_secret_sweep_work,
			      msecs_to_jiffies(PC_ZERO_DELAY_MS));
}

/**
 * permcache_put_secret() - give back a SECRET page that may still be held
 * @page: a page from permcache_alloc_secret(), out of any LRU list, whose
 *	owner is done with it; others may still hold references.
 *
 * permcache takes the page back, zeroed and uncharged, once every other
 * reference is gone.  A page that permcache did not hand out is left alone,
 * so that a consumer can call this for every page it frees and fall back to
 * its stock path on -ENOENT.
 *
 * Context: Process context.
 * Return: 0, -ENOENT if permcache does not own @page, or -EINVAL (with a
 * warning, once) if @page is not a live SECRET page or was put already.
 */
int permcache_put_secret(struct page *page)
{
	int nid = NUMA_NO_NODE, err = -ENOENT;
	struct pc_chunk *c;

	rcu_read_lock();
	c = pc_chunk_lookup_pfn(page_to_pfn(page));
	if (c) {
		nid = c->nid;
		err = PageLRU(page) ? -EINVAL : pc_chunk_defer_free(c, page);
	}
	rcu_read_unlock();

	/*
	 * Frozen by a caller that frees it to the buddy allocator itself:
	 * make it fit for that, as the stock path would (this may split the
	 * direct map and sleep, so outside the RCU read section).
	 */
	if (err == -EAGAIN) {
		pc_arch_give_up_page(page);
		return 0;
	}
	if (err == -EINVAL)
		pc_report_misuse(pc_node(nid),
				 "put of a page that is not a live SECRET page");
	if (!err)
		schedule_delayed_work(&pc_secret_sweep_work, 0);
	return err;
}
