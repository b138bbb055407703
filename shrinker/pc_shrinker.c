// SPDX-License-Identifier: GPL-2.0-only
/*
 * permcache shrinker and idle trimming: give idle chunks back to the buddy
 * allocator of their node.
 *
 * The shrinker is NUMA aware: reclaim on node N counts and scans only node
 * N's idle chunks, and leaves permcache.reserve of them so that the next
 * allocation on that node does not pay for a new chunk (and its flush).
 * Releasing goes through pc_node_release_idle(): aliases of the whole batch
 * are dropped before one flush, if one is still needed, and every chunk goes
 * back into the direct map as a 2 MiB unit before it is freed.
 *
 * It counts and scans in pages, as the LRU lists do; requests are summed
 * per node and a chunk goes for every 512 pages asked for, the first as
 * soon as anything is (pc_shrink_take()).  An idle
 * chunk holds no data: giving it back loses nothing that must be read in
 * again, only the price of a later order-9 allocation and flush.  So the
 * shrinker declares seeks = 0 ("no I/O to recreate"), and every reclaim
 * pass on a node asks for half of its idle pages above the reserve, where
 * the default seeks (2) would ask for (pages >> priority) * 4 / 2, a share
 * that rounds to nothing for a few chunks at priority 12 and took the last
 * chunks only once most of the node's page cache was gone (measured:
 * check-reclaim.sh).  What it frees is
 * credited to the reclaim in progress (mm_account_reclaimed_pages()).
 *
 * Trimming keeps idle chunks at or below permcache.max_idle without memory
 * pressure: a free that leaves more idle chunks on a node has the node
 * caches queue this file's trim work, which pc_shrinker_init() registered
 * with them (pc_node_set_trim_work()), because the free path must not
 * sleep and releasing does.  The node caches never call this file.
 *
 * The shrinker is not memcg aware, on purpose: chunks are not charged to any
 * memcg (secret pages are charged by their consumer when handed out), so a
 * memcg's own reclaim has nothing of permcache's to take; global reclaim and
 * drop_caches do.
 *
 * Locking: no lock of its own.  pc_node.lock is taken inside
 * pc_node_release_idle(); count reads nr_idle without it (an estimate is
 * what a shrinker count is).  Scan sleeps and may run in direct reclaim
 * from any GFP_KERNEL allocation, including permcache's own chunk
 * allocations, which hold no permcache lock while they allocate.
 */

#include <linux/nodemask.h>
#include <linux/shrinker.h>
#include <linux/swap.h>
#include <linux/workqueue.h>

#include "../mm/pc_internal.h"

static struct shrinker *pc_shrinker;

static unsigned long pc_shrink_count(struct shrinker *s,
				     struct shrink_control *sc)
{
	struct pc_node *pn = pc_node(sc->nid);
	unsigned int idle, reserve = READ_ONCE(pc_config.reserve);

	if (!pn)
		return SHRINK_EMPTY;
	idle = READ_ONCE(pn->nr_idle);
	/* In pages, as the LRU lists count, so that pressure is proportional. */
	if (idle <= reserve)
		return SHRINK_EMPTY;
	return (unsigned long)(idle - reserve) * PC_CHUNK_PAGES;
}

/*
 * Reclaim asks for pages, a batch at a time (128 pages, a quarter of a
 * chunk): add @pages to the node's credit and take the chunks it covers,
 * rounding up; what a chunk gave beyond the request is owed (the credit goes
 * negative, by less than a chunk) and the next requests pay it first.  So
 * one chunk goes as soon as reclaim asks anything of a node, and over many
 * requests one goes per 512 pages asked for.  Rounding down instead would
 * leave the last chunk, which a pass asks half of (seeks = 0), to a later
 * pass, and drop_caches stops before one comes: it left a chunk behind.
 * Concurrent scanners each take only the chunks their own request reached.
 */
static unsigned long pc_shrink_take(struct pc_node *pn, unsigned long pages)
{
	long old = atomic_long_read(&pn->shrink_credit), new;
	unsigned long chunks;

	pages = min_t(unsigned long, pages, LONG_MAX / 2);
	do {
		new = old + pages;
		chunks = new > 0 ? DIV_ROUND_UP(new, PC_CHUNK_PAGES) : 0;
		new -= chunks * PC_CHUNK_PAGES;
	} while (!atomic_long_try_cmpxchg(&pn->shrink_credit, &old, new));
	return chunks;
}

static unsigned long pc_shrink_scan(struct shrinker *s,
				    struct shrink_control *sc)
{
	struct pc_node *pn = pc_node(sc->nid);
	unsigned long chunks, freed;

	if (!pn)
		return SHRINK_STOP;
	chunks = pc_shrink_take(pn, sc->nr_to_scan);
	pc_stat_inc(pn, PERMCACHE_STAT_SHRINK_SCANS);
	if (!chunks)
		return 0;
	freed = pc_node_release_idle(pn, READ_ONCE(pc_config.reserve),
				     min_t(unsigned long, chunks, UINT_MAX));
	pc_stat_add(pn, PERMCACHE_STAT_SHRINK_FREED, freed);
	/*
	 * Give back what was taken and not released (nothing more idle above
	 * reserve), as far as it cancels debt: never a credit for later.
	 * Only this scanner's share, so a concurrent scanner's debt stays.
	 */
	if (freed < chunks) {
		long old = atomic_long_read(&pn->shrink_credit), new;

		do {
			new = min_t(long, old + (long)(chunks - freed) *
				    PC_CHUNK_PAGES, 0);
		} while (!atomic_long_try_cmpxchg(&pn->shrink_credit, &old, new));
	}
	if (!freed)
		return SHRINK_STOP;
	/* Credit reclaim with what went back to the buddy allocator. */
	freed *= PC_CHUNK_PAGES;
	mm_account_reclaimed_pages(freed);
	return freed;
}

static void pc_trim_fn(struct work_struct *work)
{
	unsigned int keep = READ_ONCE(pc_config.max_idle);
	int nid;

	for_each_node_state(nid, N_MEMORY) {
		struct pc_node *pn = pc_node(nid);

		if (pn)
			pc_node_release_idle(pn, keep, UINT_MAX);
	}
}

static DECLARE_WORK(pc_trim_work, pc_trim_fn);

/**
 * pc_trim_wait() - wait until a scheduled trim has run
 *
 * Context: Process context; sleeps.
 */
void pc_trim_wait(void)
{
	flush_work(&pc_trim_work);
}

/**
 * pc_shrinker_init() - register the trim work and the NUMA-aware shrinker
 *
 * The trim work is registered even if the shrinker cannot be.
 *
 * Context: Process context, once, after the node caches exist.
 * Return: 0, or -ENOMEM.
 */
int pc_shrinker_init(void)
{
	pc_node_set_trim_work(&pc_trim_work);
	pc_shrinker = shrinker_alloc(SHRINKER_NUMA_AWARE, "permcache");
	if (!pc_shrinker)
		return -ENOMEM;
	/* Idle chunks first: no data in them (see the top of this file). */
	pc_shrinker->seeks = 0;
	pc_shrinker->count_objects = pc_shrink_count;
	pc_shrinker->scan_objects = pc_shrink_scan;
	shrinker_register(pc_shrinker);
	return 0;
}
