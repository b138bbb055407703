// SPDX-License-Identifier: GPL-2.0-only
/*
 * permcache and the kernel's other users of the same memory (invariant 8).
 *
 * Hibernation: the snapshot copies every saveable page, through the direct
 * map where it is present and otherwise by mapping the page there 4 KiB at
 * a time (kernel/power/snapshot.c: safe_copy_page()), which inside an
 * unmapped 2 MiB chunk splits the direct map while the image is being made.
 * Text chunks in use keep a present, read-only direct map and are copied as
 * any other memory.  Idle chunks are logically offline (pc_chunk.c) and not
 * saved at all, so after a resume they would hold whatever the boot kernel
 * left there, not their fill.  So before a hibernation image is made, the PM
 * notifier zeroes the freed SECRET pages that still wait and releases every
 * idle chunk, whatever the reserve; until the attempt is over no chunk is
 * acquired or changes class, and a chunk that goes idle stays online (and is
 * saved).  It refuses with -EBUSY, as secretmem does with -EPERM while a
 * file is open, while any SECRET page is still in use or freed but not yet
 * taken back by the sweep (pc_secret.c).
 *
 * Memory offline: offline_pages() isolates the range before it notifies
 * anyone, and isolation fails on unmovable pages; idle chunks are logically
 * offline, which isolation for offlining accepts (as for a balloon's pages).
 * On MEM_GOING_OFFLINE the memory notifier releases the idle chunks inside
 * the range into it, where offlining takes them as free memory; a chunk in
 * use inside it (which isolation has normally refused already) makes the
 * notifier refuse with -EBUSY, and nothing is lost.  Chunks never come from
 * ZONE_MOVABLE (GFP_KERNEL), so movable memory stays offlinable as ever.
 *
 * A chunk that retired for a hardware-poisoned page (numa/pc_node.c) keeps its
 * poisoned and unused pages logically offline, so the snapshot skips them;
 * while a page of a retired SECRET chunk is still in use, hibernation is
 * refused as for any SECRET page.  A poisoned page under live text of a
 * retired text chunk is read by the snapshot (a machine check on real
 * hardware), as a poisoned page of any other kernel memory would be.
 *
 * Locking: none of its own.  The PM notifier runs in process context,
 * before tasks are frozen; pc_block_unmapping() waits for the changes that
 * unmap memory already under way (pc_chunk.c).  The memory notifier runs
 * under the memory hotplug lock and takes node locks.
 */

#include <linux/memory.h>
#include <linux/notifier.h>
#include <linux/nodemask.h>
#include <linux/suspend.h>

#include "pc_internal.h"

static void pc_count_busy(const struct pc_chunk *c, bool idle, void *data)
{
	unsigned long *busy = data;
	unsigned int i;

	/*
	 * A SECRET page in use: the snapshot would save secret bytes.  A
	 * retired chunk keeps the units of its poisoned pages, but those and
	 * its unused pages are logically offline and not saved; any other
	 * page of it out of the direct map would be mapped one by one.
	 */
	if (c->poisoned) {
		if (c->cls == PERMCACHE_RO || c->cls == PERMCACHE_ROX)
			return;
		for (i = 0; i < PC_CHUNK_PAGES; i++)
			*busy += !PageOffline(c->page + i);
		return;
	}
	if (c->cls == PERMCACHE_SECRET)
		*busy += c->units.used;
}

/*
 * Is any SECRET page of @pn in use (freed pages not yet swept included), or
 * a retired chunk of it out of the direct map?
 */
static bool pc_node_hibernation_busy(struct pc_node *pn)
{
	unsigned long busy = 0;

	pc_node_walk_chunks(pn, pc_count_busy, &busy);
	return busy || !llist_empty(&pn->freed);
}

/* Chunks that went idle during the attempt were left online: mark them. */
static void pc_hibernation_finish(void)
{
	int nid;

	pc_unblock_unmapping();
	for_each_node_state(nid, N_MEMORY)
		if (pc_node(nid))
			pc_node_offline_idle(pc_node(nid));
}

/**
 * pc_hibernation_prepare() - make the cache safe for a hibernation image
 *
 * Context: Process context; sleeps.
 * Return: 0, or -EBUSY while SECRET memory is in use or a retired chunk is
 * out of the direct map (nothing is blocked then).
 */
static int pc_hibernation_prepare(void)
{
	unsigned int released = 0;
	int nid;

	pc_block_unmapping();
	for_each_node_state(nid, N_MEMORY) {
		struct pc_node *pn = pc_node(nid);

		if (!pn)
			continue;
		pc_secret_sweep_node(pn);
		pc_node_zero_dirty(pn);
		/* Releasing finds (and retires) chunks with poison: first. */
		released += pc_node_release_idle(pn, 0, UINT_MAX);
		if (pc_node_hibernation_busy(pn)) {
			/* No PM_POST_HIBERNATION follows a refusal: end it here. */
			pc_hibernation_finish();
			pr_info("permcache: hibernation refused: secret memory in use, or a retired chunk, on node %d\n",
				nid);
			return -EBUSY;
		}
	}
	pr_info("permcache: released %u idle chunks for hibernation\n",
		released);
	return 0;
}

static int pc_pm_notify(struct notifier_block *nb, unsigned long action,
			void *data)
{
	switch (action) {
	case PM_HIBERNATION_PREPARE:
		return notifier_from_errno(pc_hibernation_prepare());
	case PM_POST_HIBERNATION:
	case PM_POST_RESTORE:
		pc_hibernation_finish();
		break;
	}
	return NOTIFY_DONE;
}

static struct notifier_block pc_pm_nb = {
	.notifier_call = pc_pm_notify,
};

static int pc_memory_notify(struct notifier_block *nb, unsigned long action,
			    void *data)
{
	struct memory_notify *mn = data;
	struct pc_node *pn;
	int err;

	if (action != MEM_GOING_OFFLINE)
		return NOTIFY_OK;
	/*
	 * SECRET pages the free path gave back keep their units until the
	 * sweep runs; one may be on its way, and offline_pages() does not
	 * try again after a refusal.
	 */
	pn = pc_node(pfn_to_nid(mn->start_pfn));
	if (pn)
		pc_secret_sweep_node(pn);
	err = pc_release_range(mn->start_pfn, mn->nr_pages);
	if (err)
		pr_info("permcache: offline of pfn %#lx-%#lx refused: a chunk there is in use\n",
			mn->start_pfn, mn->start_pfn + mn->nr_pages - 1);
	return notifier_from_errno(err);
}

static struct notifier_block pc_memory_nb = {
	.notifier_call = pc_memory_notify,
};

/**
 * pc_neighbour_init() - register permcache's PM and memory notifiers
 *
 * Context: Process context, once, at init.
 * Return: 0, or a negative errno.
 */
int pc_neighbour_init(void)
{
	int err = register_pm_notifier(&pc_pm_nb);

	if (!err)
		err = register_memory_notifier(&pc_memory_nb);
	return err;
}
