// SPDX-License-Identifier: GPL-2.0-only
/*
 * permcache and the kernel's other users of the same memory (invariant 8).
 *
 * Hibernation: the snapshot copies every saveable page, through the direct
 * map where it is present and otherwise by mapping the page there 4 KiB at
 * a time (kernel/power/snapshot.c: safe_copy_page()), which inside an
 * unmapped 2 MiB chunk splits the direct map while the image is being made.
 * Text chunks keep a present, read-only direct map and are copied as any
 * other memory.  So before a hibernation image is made, the PM notifier
 * zeroes the freed SECRET pages that still wait, releases every idle chunk
 * that is out of the direct map (clean and SECRET ones, whatever the
 * reserve) and stops new chunks from being acquired until the attempt is
 * over; it refuses with -EBUSY, as secretmem does with -EPERM while a file
 * is open, while any SECRET page is still in use or waits for its last
 * reference.
 *
 * A chunk that retired for a hardware-poisoned page (pc_chunk.c) and is out
 * of the direct map refuses hibernation too (-EBUSY): the snapshot would
 * map its pages one at a time, and read the poisoned one.  A retired text
 * chunk is present read-only; its poisoned page is read by the snapshot as
 * any poisoned page the rest of the kernel still holds.
 *
 * Locking: none of its own.  The notifier runs in process context, before
 * tasks are frozen; pc_acquire_blocked is read without a lock by the
 * acquire path, which at worst acquires one more chunk that the next
 * attempt releases.
 */

#include <linux/notifier.h>
#include <linux/nodemask.h>
#include <linux/suspend.h>

#include "pc_internal.h"

static void pc_count_busy(const struct pc_chunk *c, bool idle, void *data)
{
	unsigned long *busy = data;

	/*
	 * A SECRET page in use, or a retired chunk out of the direct map:
	 * the snapshot would save secret bytes, or map pages one by one (and
	 * read a poisoned one).
	 */
	if (c->cls == PERMCACHE_SECRET)
		*busy += c->units.used;
	if (c->poisoned && c->cls != PERMCACHE_RO && c->cls != PERMCACHE_ROX)
		(*busy)++;
}

/*
 * Is any SECRET page of @pn in use or waiting for its last reference, or a
 * retired chunk of it out of the direct map?
 */
static bool pc_node_hibernation_busy(struct pc_node *pn)
{
	unsigned long busy = 0;

	pc_node_walk_chunks(pn, pc_count_busy, &busy);
	return busy || READ_ONCE(pn->nr_pending);
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

	WRITE_ONCE(pc_acquire_blocked, true);
	for_each_node_state(nid, N_MEMORY) {
		struct pc_node *pn = pc_node(nid);

		if (!pn)
			continue;
		pc_secret_sweep_node(pn);
		pc_node_zero_dirty(pn);
		/* Releasing finds (and retires) chunks with poison: first. */
		released += pc_node_release_unmapped(pn);
		if (pc_node_hibernation_busy(pn)) {
			WRITE_ONCE(pc_acquire_blocked, false);
			pr_info("permcache: hibernation refused: secret memory in use, or a retired chunk, on node %d\n",
				nid);
			return -EBUSY;
		}
	}
	pr_info("permcache: released %u unmapped chunks for hibernation\n",
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
		WRITE_ONCE(pc_acquire_blocked, false);
		break;
	}
	return NOTIFY_DONE;
}

static struct notifier_block pc_pm_nb = {
	.notifier_call = pc_pm_notify,
};

/**
 * pc_neighbour_init() - register permcache's PM notifier
 *
 * Context: Process context, once, at init.
 * Return: 0, or a negative errno.
 */
int pc_neighbour_init(void)
{
	return register_pm_notifier(&pc_pm_nb);
}
