// SPDX-License-Identifier: GPL-2.0-only
/*
 * API tests: the entry points of mm/permcache.c (the consumers' interface,
 * include/linux/permcache.h, and the ones pc_internal.h keeps for debugfs,
 * the benchmark and the tests) on a small simulated machine, asserting what
 * a caller sees (return values, node ids, counter deltas, flushes) with the
 * invariant checker after each step.
 */
#include "harness.h"

#define FLUSHES()	(sim.flushes)

static void boot(int nodes, int cpus, int regions, unsigned int prefill)
{
	struct sim_cfg cfg;

	h_default_cfg(&cfg, nodes, cpus, regions);
	H_EQ(h_boot(&cfg, prefill), 0);
	h_check(true);
}

static void done(void)
{
	h_check(true);
	h_teardown();
}

static void bad_input_is_refused(void)
{
	struct permcache_stats st;

	boot(2, 2, 2, 1);
	H_EQ(PTR_ERR(permcache_alloc_text(PERMCACHE_ROX, 0, 0)), -EINVAL);
	H_EQ(PTR_ERR(permcache_alloc_text(PERMCACHE_ROX, PC_CHUNK_SIZE + 1, 0)), -E2BIG);
	H_EQ(PTR_ERR(permcache_alloc_text(PERMCACHE_RO, (size_t)-1, 0)), -E2BIG);
	H_EQ(PTR_ERR(permcache_alloc_text(PERMCACHE_SECRET, 64, 0)), -EINVAL);
	H_EQ(PTR_ERR(permcache_alloc_text(PERMCACHE_NR_CLASSES, 64, 0)), -EINVAL);
	H_EQ(PTR_ERR(permcache_alloc_text((enum permcache_class)-1, 64, 0)), -EINVAL);
	H_EQ(PTR_ERR(permcache_alloc_text(PERMCACHE_ROX, 64, 2)), -EINVAL);
	H_EQ(PTR_ERR(permcache_alloc_text(PERMCACHE_ROX, 64, MAX_NUMNODES)), -EINVAL);
	H_EQ(PTR_ERR(permcache_alloc_text(PERMCACHE_ROX, 64, -2)), -EINVAL);
	H_EQ(PTR_ERR(permcache_alloc_secret(2, GFP_KERNEL)), -EINVAL);
	H_EQ(PTR_ERR(permcache_alloc_secret(-5, GFP_KERNEL)), -EINVAL);
	H_EQ(PTR_ERR(permcache_alloc_secret(1000, GFP_KERNEL)), -EINVAL);
	H_EQ(permcache_get_stats(2, &st), -EINVAL);
	H_EQ(permcache_get_stats(-7, &st), -EINVAL);
	H_EQ(permcache_get_stats(1, &st), 0);
	H_EQ(h_stat(PERMCACHE_STAT_ALLOC_FAILED), 0);
	done();
}

/* Each misuse: -EINVAL, one bad_frees, one WARN, and nothing changed. */
static void expect_misuse(int err, const char *what)
{
	static unsigned long bad;
	unsigned int i;

	if (!h_expected_warnings)
		bad = 0;
	h_expected_warnings++;
	bad++;
	if (err != -EINVAL)
		H_FAIL("%s = %d, expected -EINVAL", what, err);
	if (h_stat(PERMCACHE_STAT_BAD_FREES) != bad)
		H_FAIL("%s: bad_frees = %lu, expected %lu", what,
		       h_stat(PERMCACHE_STAT_BAD_FREES), bad);
	for (i = 0; i < h_nr_led; i++)
		h_led[i].touched = true;
	if (!h_check(true))
		H_FAIL("state changed by: %s", what);
}

static void bad_frees_change_nothing(void)
{
	struct page *foreign;
	int a, b, s;
	unsigned long fa;
	size_t asz;

	boot(2, 2, 2, 1);
	shim_warn_quiet = true;
	a = h_alloc_text(PERMCACHE_ROX, 256, 0, 0);
	b = h_alloc_text(PERMCACHE_ROX, 256, 0, 0);
	s = h_alloc_secret(0, 0);
	if (a < 0 || b < 0 || s < 0) {
		H_FAIL("setup allocations failed");
		goto out;
	}
	h_check(true);
	fa = h_led[a].addr;
	asz = h_led[a].size;
	expect_misuse(permcache_free_text((void *)fa, asz + 64), "text free too long, into the next allocation");
	expect_misuse(permcache_free_text((void *)fa, asz - 64), "text free too short");
	expect_misuse(permcache_free_text((void *)(fa + 64), asz - 64), "text free of the middle");
	expect_misuse(permcache_free_text((void *)(fa + 1), asz - 1), "text free of an unaligned address");
	expect_misuse(permcache_free_text((void *)0xffffffffa1234000UL, 64), "free of a foreign text address");
	expect_misuse(permcache_free_text(NULL, 64), "text free of NULL");
	expect_misuse(permcache_free_text((void *)fa, 0), "text free of size 0");
	expect_misuse(permcache_free_text((void *)fa, PC_CHUNK_SIZE + 64), "text free of size > 2 MiB");
	foreign = pfn_to_page(SIM_PFN_BASE + (sim.nr_regions - 1) * SIM_REGION_PAGES + 3);
	expect_misuse(permcache_free_secret(foreign), "free of a page permcache never owned");
	expect_misuse(permcache_free_secret(NULL), "free of a NULL page");
	expect_misuse(permcache_free_secret(pfn_to_page(page_to_pfn(h_led[s].page) + 1)),
		      "free of a free SECRET page in a SECRET chunk");
	expect_misuse(permcache_free_secret(pfn_to_page(sim_pfn_region(0) * 0 + SIM_PFN_BASE +
				h_led[a].region * SIM_REGION_PAGES)),
		      "free of a page of a ROX chunk as SECRET");
	{
		struct page *p = h_led[s].page;

		h_free(s);
		h_check(true);
		/* Freed, waiting to be zeroed: not freed again. */
		expect_misuse(permcache_free_secret(p), "double free of a SECRET page");
		H_EQ(pc_node_zero_dirty(pc_node(0)), 1);
		h_check(true);
		expect_misuse(permcache_free_secret(p), "double free of a zeroed SECRET page");
	}
	h_free(h_led[0].addr == fa ? 0 : 1);
	h_check(true);
	expect_misuse(permcache_free_text((void *)fa, asz), "double free of text");
out:
	shim_warn_quiet = false;
	done();
}

static void same_class_reuse_issues_no_flush(void)
{
	unsigned long f, reuse;
	int i;

	boot(2, 2, 1, 1);
	i = h_alloc_text(PERMCACHE_ROX, 1000, 0, 0);
	h_check(true);
	h_free(i);
	h_check(true);
	f = FLUSHES();
	reuse = h_stat(PERMCACHE_STAT_REUSE_SAME_CLASS);
	i = h_alloc_text(PERMCACHE_ROX, 5000, 0, 1);
	H_EXPECT(i >= 0, "allocation failed");
	H_EQ(FLUSHES() - f, 0);
	H_EQ(h_stat(PERMCACHE_STAT_REUSE_SAME_CLASS) - reuse, 1);
	h_check(true);
	/* SECRET pages: same. */
	i = h_alloc_secret(1, 1);
	h_free(i);
	h_check(true);
	f = FLUSHES();
	i = h_alloc_secret(1, 0);
	H_EQ(FLUSHES() - f, 0);
	done();
}

static void class_change_issues_exactly_one_flush(void)
{
	unsigned long f, changes;
	int i;

	boot(2, 2, 1, 0);			/* one region per node: no clean chunk left */
	i = h_alloc_text(PERMCACHE_ROX, 4096, 0, 0);
	h_free(i);
	h_check(true);
	f = FLUSHES();
	changes = h_stat(PERMCACHE_STAT_CLASS_CHANGES);
	i = h_alloc_secret(0, 0);		/* ROX -> SECRET: the alias must go */
	H_EXPECT(i >= 0 && sim.reg[h_led[i].region].nid == 0, "not served by node 0");
	H_EQ(FLUSHES() - f, 1);
	H_EQ(h_stat(PERMCACHE_STAT_CLASS_CHANGES) - changes, 1);
	h_check(true);
	h_free(i);
	f = FLUSHES();
	i = h_alloc_text(PERMCACHE_RO, 64, 0, 1);	/* SECRET -> RO: nothing to flush */
	H_EQ(FLUSHES() - f, 0);
	h_free(i);
	h_check(true);
	f = FLUSHES();
	i = h_alloc_text(PERMCACHE_ROX, 64, 0, 1);	/* RO -> ROX: the RO alias must go */
	H_EQ(FLUSHES() - f, 1);
	done();
}

static void class_change_after_eager_flush_costs_none(void)
{
	unsigned long f;
	int i;

	boot(2, 2, 1, 0);
	pc_config.lazy_flush = false;
	i = h_alloc_text(PERMCACHE_RO, 4096, 0, 0);
	f = FLUSHES();
	h_free(i);				/* eager: drop the alias, flush now */
	H_EQ(FLUSHES() - f, 1);
	h_check(true);
	f = FLUSHES();
	i = h_alloc_secret(0, 1);
	H_EXPECT(i >= 0, "allocation failed");
	H_EQ(FLUSHES() - f, 0);
	done();
}

static void releasing_several_chunks_costs_one_flush(void)
{
	unsigned long f;
	int i, j, idx[3];

	boot(2, 2, 3, 0);
	for (j = 0; j < 3; j++)
		idx[j] = h_alloc_text(j ? PERMCACHE_RO : PERMCACHE_ROX, PC_CHUNK_SIZE, 0, 0);
	h_check(true);
	for (j = 0; j < 3; j++) {
		for (i = 0; i < (int)h_nr_led; i++)
			if (h_led[i].size == PC_CHUNK_SIZE)
				break;
		if (i < (int)h_nr_led)
			h_free(i);
	}
	(void)idx;
	h_check(true);
	f = FLUSHES();
	H_EQ(pc_node_release_idle(pc_node(0), 0, 10), 3);
	H_EQ(FLUSHES() - f, 1);
	H_EQ(h_stat(PERMCACHE_STAT_CHUNKS_RELEASED), 3);
	H_EQ(sim_buddy_free_regions(0), 3);
	done();
}

static void boot_prefill_of_all_nodes_costs_one_flush(void)
{
	struct permcache_stats st;

	boot(4, 4, 3, 2);
	H_EQ(FLUSHES(), 1);
	permcache_get_stats(NUMA_NO_NODE, &st);
	H_EQ(st.chunks[PERMCACHE_CLEAN], 8);
	H_EQ(st.idle[PERMCACHE_CLEAN], 8);
	H_EQ(st.item[PERMCACHE_STAT_CHUNKS_ACQUIRED], 8);
	permcache_get_stats(3, &st);
	H_EQ(st.chunks[PERMCACHE_CLEAN], 2);
	H_EQ(sim_buddy_free_regions(3), 1);
	done();
}

static void text_alloc_uses_room_behind_a_full_chunk(void)
{
	unsigned long acq;
	int a, c;

	boot(2, 2, 3, 0);
	a = h_alloc_text(PERMCACHE_ROX, 4096, 0, 0);
	h_alloc_text(PERMCACHE_ROX, PC_CHUNK_SIZE, 0, 0);	/* a full chunk */
	acq = h_stat(PERMCACHE_STAT_CHUNKS_ACQUIRED);
	c = h_alloc_text(PERMCACHE_ROX, 4096, 0, 0);
	H_EXPECT(a >= 0 && c >= 0 && h_led[a].region == h_led[c].region,
		 "a small allocation took a new chunk although the first ROX chunk has room");
	H_EQ(h_stat(PERMCACHE_STAT_CHUNKS_ACQUIRED) - acq, 0);
	done();
}

static void fallback_goes_to_nearest_node_and_counts(void)
{
	struct sim_cfg cfg;
	int i;

	h_default_cfg(&cfg, 3, 3, 1);
	cfg.distance[0][1] = cfg.distance[1][0] = 31;
	cfg.distance[0][2] = cfg.distance[2][0] = 12;
	H_EQ(h_boot(&cfg, 0), 0);
	i = h_alloc_text(PERMCACHE_ROX, PC_CHUNK_SIZE, 0, 0);	/* node 0 is full */
	H_EXPECT(i >= 0 && sim.reg[h_led[i].region].nid == 0, "not on node 0");
	i = h_alloc_secret(0, 0);
	H_EXPECT(i >= 0 && page_to_nid(h_led[i].page) == 2, "fallback not to node 2");
	H_EQ(h_stat(PERMCACHE_STAT_ALLOC_REMOTE), 1);
	h_check(true);
	pc_config.fallback = PC_FALLBACK_NONE;
	H_EQ(PTR_ERR(permcache_alloc_text(PERMCACHE_RO, 64, 0)), -ENOMEM);
	H_EQ(h_stat(PERMCACHE_STAT_ALLOC_FAILED), 1);
	H_EQ(h_stat(PERMCACHE_STAT_ALLOC_REMOTE), 1);
	done();
}

static void numa_no_node_allocates_on_the_cpus_node(void)
{
	int cpu, i;

	boot(4, 4, 2, 1);
	for (cpu = 0; cpu < 4; cpu++) {
		i = h_alloc_secret(NUMA_NO_NODE, cpu);
		H_EXPECT(i >= 0 && page_to_nid(h_led[i].page) == cpu, "cpu %d", cpu);
		i = h_alloc_text(PERMCACHE_ROX, 100, NUMA_NO_NODE, cpu);
		H_EXPECT(i >= 0 && sim.reg[h_led[i].region].nid == cpu, "cpu %d", cpu);
		h_check(true);
	}
	H_EQ(h_stat(PERMCACHE_STAT_ALLOC_REMOTE), 0);
	done();
}

static void secret_page_is_zeroed_before_reuse(void)
{
	unsigned long local, works, batches;
	struct permcache_stats st;
	struct page *p;
	int i, k;

	boot(2, 2, 1, 1);
	local = sim.local_flushes;
	works = shim_delayed_works;
	i = h_alloc_secret(0, 0);
	p = h_led[i].page;
	h_free(i);			/* the ledger wrote a secret into it */
	H_EQ(shim_delayed_works - works, 1);	/* zeroed soon if no batch fills */
	h_check(true);

	/* Not zeroed yet, so not handed out: another page, zeroed, is. */
	i = h_alloc_secret(0, 1);
	H_EXPECT(i >= 0 && h_led[i].page != p, "a page was handed out before it was zeroed");
	h_free(i);
	H_EQ(sim.local_flushes - local, 0);

	/* What the work runs: both in one batch with one local flush. */
	H_EQ(pc_node_zero_dirty(pc_node(0)), 2);
	H_EQ(sim.local_flushes - local, 1);
	H_EQ(h_stat(PERMCACHE_STAT_ZERO_BATCHES), 1);
	H_EQ(h_stat(PERMCACHE_STAT_SECRET_ZEROED), 2);
	h_check(true);
	i = h_alloc_secret(0, 1);	/* h_alloc_secret checks it reads zero */
	H_EXPECT(i >= 0 && h_led[i].page == p, "first fit did not hand the page out again");
	h_free(i);
	H_EQ(pc_node_zero_dirty(pc_node(0)), 1);

	/* A full batch zeroes itself, with one local flush for all its pages. */
	for (k = 0; k < PC_ZERO_BATCH; k++)
		H_EXPECT(h_alloc_secret(0, k % 2) >= 0, "allocation %d", k);
	local = sim.local_flushes;
	batches = h_stat(PERMCACHE_STAT_ZERO_BATCHES);
	for (k = 0; k < PC_ZERO_BATCH - 1; k++)
		h_free(h_nr_led - 1);
	permcache_get_stats(0, &st);
	H_EQ(st.zero_pending, PC_ZERO_BATCH - 1);
	H_EQ(sim.local_flushes - local, 0);
	h_check(true);
	h_free(h_nr_led - 1);
	permcache_get_stats(0, &st);
	H_EQ(st.zero_pending, 0);
	H_EQ(st.units_used[PERMCACHE_SECRET], 0);
	H_EQ(sim.local_flushes - local, 1);
	H_EQ(h_stat(PERMCACHE_STAT_ZERO_BATCHES) - batches, 1);
	h_check(true);
	done();
}

static void text_writes_outside_text_are_refused(void)
{
	u8 buf[128] = { 0 };
	int i;

	boot(2, 2, 1, 1);
	i = h_alloc_text(PERMCACHE_ROX, 128, 0, 0);
	H_EQ(permcache_copy_text((void *)0xffffffffa1234000UL, buf, 16), -EINVAL);
	H_EQ(permcache_copy_text((void *)(h_led[i].addr + PC_CHUNK_SIZE - 64), buf, 128), -EINVAL);
	H_EQ(permcache_set_text((void *)h_led[i].addr, 0x90, 0), -EINVAL);
	H_EQ(permcache_set_text((void *)(PAGE_OFFSET + 4096), 0x90, 16), -EINVAL);
	H_EQ(permcache_set_text((void *)h_led[i].addr, 0x90, 16), 0);
	memset(h_led[i].want, 0x90, 16);
	h_led[i].touched = true;
	done();
}

static void alias_map_failure_leaves_a_clean_idle_chunk(void)
{
	int i;

	boot(2, 2, 1, 1);
	pc_config.fallback = PC_FALLBACK_NONE;
	sim.fail_map_alias = 1;
	H_EQ(PTR_ERR(permcache_alloc_text(PERMCACHE_ROX, 64, 0)), -ENOMEM);
	H_EQ(h_stat(PERMCACHE_STAT_ALLOC_FAILED), 1);
	h_check(true);
	i = h_alloc_text(PERMCACHE_ROX, 64, 0, 0);
	H_EXPECT(i >= 0, "allocation after a failed alias map failed");
	done();
}

/* Leave @n idle ROX chunks, one whole-chunk allocation each, on node 0. */
static void make_idle_text_chunks(int n)
{
	int j, idx[8];

	for (j = 0; j < n; j++)
		idx[j] = h_alloc_text(PERMCACHE_ROX, PC_CHUNK_SIZE, 0, 0);
	h_check(true);
	for (j = n - 1; j >= 0; j--)
		h_free(idx[j]);
	h_check(true);
}

static unsigned long shrink(int nid, unsigned long nr, bool scan)
{
	struct shrink_control sc = { .gfp_mask = GFP_KERNEL, .nid = nid,
				     .nr_to_scan = nr };

	H_EXPECT(shim_shrinker && shim_shrinker->registered &&
		 (shim_shrinker->flags & SHRINKER_NUMA_AWARE),
		 "no NUMA-aware shrinker registered");
	if (!scan)
		return shim_shrinker->count_objects(shim_shrinker, &sc);
	return shim_shrinker->scan_objects(shim_shrinker, &sc);
}

/*
 * The shrinker counts and scans pages, as the LRU lists do: a chunk goes as
 * soon as a node is asked for anything, and one per 512 pages asked for
 * over many requests (the pages a chunk gave beyond a request are owed);
 * what it frees is credited to reclaim.
 */
static void shrinker_releases_idle_chunks_above_reserve(void)
{
	unsigned long f, reclaimed;

	boot(2, 2, 4, 0);
	pc_config.reserve = 1;
	make_idle_text_chunks(3);
	H_EQ(shrink(0, 0, false), 2 * PC_CHUNK_PAGES);
	H_EQ(shrink(1, 0, false), SHRINK_EMPTY);
	f = FLUSHES();
	reclaimed = shim_reclaimed_pages;
	/* Two chunks' worth in one request: both aliases go before one flush. */
	H_EQ(shrink(0, 2 * PC_CHUNK_PAGES, true), 2 * PC_CHUNK_PAGES);
	h_check(true);
	H_EQ(FLUSHES() - f, 1);
	H_EQ(sim_buddy_free_regions(0), 3);
	H_EQ(h_stat(PERMCACHE_STAT_SHRINK_FREED), 2);
	H_EQ(h_stat(PERMCACHE_STAT_SHRINK_SCANS), 1);
	H_EQ(shim_reclaimed_pages - reclaimed, 2 * PC_CHUNK_PAGES);
	/* The reserve stays. */
	H_EQ(shrink(0, 0, false), SHRINK_EMPTY);
	H_EQ(shrink(0, PC_CHUNK_PAGES, true), SHRINK_STOP);
	H_EQ(h_stat(PERMCACHE_STAT_SHRINK_FREED), 2);
	pc_config.reserve = 0;
	make_idle_text_chunks(2);	/* the reserve's and one more */
	H_EQ(sim_buddy_free_regions(0), 2);
	/* A quarter of a chunk asked for: one goes at once... */
	H_EQ(shrink(0, PC_CHUNK_PAGES / 4, true), PC_CHUNK_PAGES);
	H_EQ(sim_buddy_free_regions(0), 3);
	/* ...and the next three quarters pay for it: nothing more goes... */
	H_EQ(shrink(0, 3 * PC_CHUNK_PAGES / 4, true), 0);
	H_EQ(sim_buddy_free_regions(0), 3);
	/* ...until the next request. */
	H_EQ(shrink(0, 1, true), PC_CHUNK_PAGES);
	H_EQ(sim_buddy_free_regions(0), 4);
	H_EQ(shim_reclaimed_pages - reclaimed, 4 * PC_CHUNK_PAGES);
	done();
}

/*
 * One pass of 6.12's do_shrink_slab() over node @nid at @priority, with no
 * work deferred from earlier passes: how many objects reclaim asks the
 * shrinker to scan, in batches of SHRINK_BATCH; returns what it freed.
 */
static unsigned long shrink_slab_pass(int nid, int priority)
{
	unsigned long freeable = shrink(nid, 0, false), delta, total, freed = 0;
	const unsigned long batch = 128;	/* SHRINK_BATCH */

	if (!freeable || freeable == SHRINK_EMPTY)
		return 0;
	if (shim_shrinker->seeks) {
		delta = (freeable >> priority) * 4 / shim_shrinker->seeks;
	} else {
		delta = freeable / 2;
	}
	total = min(delta, 2 * freeable);
	while (total >= batch || total >= freeable) {
		unsigned long n = min(batch, total), ret = shrink(nid, n, true);

		if (ret == SHRINK_STOP)
			break;
		freed += ret;
		total -= n;
	}
	return freed;
}

/*
 * Idle chunks hold no data: reclaim should take them before the page cache,
 * whose pages must be read in again.  At priority 12, where kswapd works
 * while clean page cache is plentiful, each pass over a node with a few idle
 * chunks above the reserve frees half of them, the last one included
 * (seeks = 0), not none (the default seeks: (4 chunks' pages >> 12) rounds
 * to 0).
 */
static void shrinker_takes_idle_chunks_at_the_lowest_priority(void)
{
	struct permcache_stats st;

	boot(2, 2, 8, 0);
	pc_config.reserve = 1;
	make_idle_text_chunks(5);
	H_EQ(shrink_slab_pass(0, 12), 2 * PC_CHUNK_PAGES);
	H_EQ(shrink_slab_pass(0, 12), PC_CHUNK_PAGES);
	H_EQ(shrink_slab_pass(0, 12), PC_CHUNK_PAGES);
	H_EQ(shrink_slab_pass(0, 12), 0);
	permcache_get_stats(0, &st);
	H_EQ(st.idle[PERMCACHE_ROX], 1);
	H_EQ(shrink_slab_pass(1, 12), 0);
	h_check(true);
	done();
}

static void frees_above_max_idle_trim_to_max_idle(void)
{
	struct permcache_stats st;
	unsigned long works;

	boot(2, 2, 4, 0);
	pc_config.max_idle = 2;
	works = shim_works_run;
	make_idle_text_chunks(4);
	/* The third and fourth idle chunk each scheduled a trim. */
	H_EQ(shim_works_run - works, 2);
	permcache_get_stats(0, &st);
	H_EQ(st.idle[PERMCACHE_ROX], 2);
	H_EQ(st.item[PERMCACHE_STAT_CHUNKS_RELEASED], 2);
	H_EQ(sim_buddy_free_regions(0), 2);
	done();
}

/* Forget ledger entry @i without freeing it (permcache took it back). */
static void led_forget(int i)
{
	free(h_led[i].want);
	h_led[i] = h_led[--h_nr_led];
}

/*
 * A SECRET page whose last reference went just before its memory block
 * goes offline: the free path gave it back, the sweep has not run yet.
 * Its unit must not keep the chunk in use: the offline notifier sweeps
 * before it releases the range.  Before it did, the offline was refused
 * with -EBUSY, and offline_pages() does not retry.
 */
static void offline_right_after_a_last_put_releases_the_chunk(void)
{
	struct memory_notify mn = { .nr_pages = PC_CHUNK_PAGES };
	unsigned long released;
	struct permcache_stats st;
	struct page *page;
	int i, ret;

	boot(1, 1, 2, 0);
	i = h_alloc_secret(0, 0);
	H_EXPECT(i >= 0, "no SECRET page");
	page = h_led[i].page;
	mn.start_pfn = page_to_pfn(page) & ~(PC_CHUNK_PAGES - 1UL);
	put_page(page);			/* the owner's last reference */
	led_forget(i);
	permcache_get_stats(0, &st);
	H_EQ(st.units_used[PERMCACHE_SECRET], 1);	/* not swept yet */

	released = h_stat(PERMCACHE_STAT_CHUNKS_RELEASED);
	ret = shim_memory_notifier->notifier_call(shim_memory_notifier,
						  MEM_GOING_OFFLINE, &mn);
	H_EQ(notifier_to_errno(ret), 0);
	H_EQ(h_stat(PERMCACHE_STAT_CHUNKS_RELEASED) - released, 1);
	permcache_get_stats(0, &st);
	H_EQ(st.chunks[PERMCACHE_SECRET] + st.chunks[PERMCACHE_CLEAN], 0);
	done();
}

static void secret_page_goes_back_at_its_last_put(void)
{
	unsigned long queued = shim_sweeps_queued;
	unsigned long back = sim.freed_back, tracked = sim.tracked;
	struct page *page, *again;
	struct permcache_stats st;
	int i;

	boot(2, 2, 2, 1);
	back = sim.freed_back;
	tracked = sim.tracked;
	i = h_alloc_secret(0, 0);
	page = h_led[i].page;
	H_EXPECT(folio_test_permcache(page_folio(page)), "a SECRET page handed out without PG_permcache");
	/* page_owner & co.: the caller's record now, not the chunk's. */
	H_EQ(sim.tracked - tracked, 1);
	get_page(page);				/* a lookup still holds it */
	H_EQ(permcache_free_secret(page), 0);	/* the owner's reference */
	permcache_get_stats(0, &st);
	H_EQ(st.units_used[PERMCACHE_SECRET], 1);	/* still held */
	H_EQ(sim.freed_back - back, 0);
	h_check(true);

	put_page(page);				/* the last one: the free path */
	H_EQ(sim.freed_back - back, 1);
	H_EQ(shim_sweeps_queued - queued, 1);
	H_EQ(page_ref_count(page), 0);
	H_EXPECT(!folio_test_permcache(page_folio(page)), "the free path left PG_permcache set");
	permcache_get_stats(0, &st);
	H_EQ(st.units_used[PERMCACHE_SECRET], 1);	/* not swept yet */
	pc_secret_sweep_node(pc_node(0));	/* what the queued work runs */
	led_forget(i);
	H_EQ(page_ref_count(page), 1);		/* the chunk's reference */
	permcache_get_stats(0, &st);
	H_EQ(st.zero_pending, 1);		/* freed, not zeroed yet */
	H_EQ(pc_node_zero_dirty(pc_node(0)), 1);	/* what the work does next */
	permcache_get_stats(0, &st);
	H_EQ(st.units_used[PERMCACHE_SECRET], 0);
	H_EQ(st.item[PERMCACHE_STAT_FREE_SECRET], 1);
	h_check(true);

	/* The same page again, zeroed (h_alloc_secret checks the bytes). */
	i = h_alloc_secret(0, 0);
	again = h_led[i].page;
	H_EXPECT(again == page, "first fit did not hand the page out again");
	H_EQ(sim.tracked - tracked, 3);		/* caller, permcache, caller */

	/* A second free is refused: PG_permcache went with the first. */
	shim_warn_quiet = true;
	H_EQ(permcache_free_secret(again), 0);
	led_forget(i);
	h_expected_warnings++;
	H_EQ(permcache_free_secret(again), -EINVAL);
	H_EQ(page_ref_count(again), 1);		/* nothing was put */
	shim_warn_quiet = false;
	H_EQ(sim.freed_back - back, 2);
	done();
}

/* Text keeps its direct map present RO+NX; reuse as SECRET takes it away. */
static void text_keeps_ro_direct_map_until_it_becomes_secret(void)
{
	unsigned long f;
	int i, r;

	boot(2, 2, 1, 0);			/* one region per node */
	i = h_alloc_text(PERMCACHE_ROX, 4096, 0, 0);
	r = h_led[i].region;
#ifdef PC_HAVE_RO_DIRECT
	H_EQ(sim.reg[r].dm, SIM_DM_RO);		/* kcore and hibernation read it */
	H_EQ(sim.ro_directs, 1);
#endif
	H_EXPECT(!sim_tlb_region_has(r, SIM_W), "a writable translation of ROX text is cached");
	h_free(i);
	h_check(true);
	f = FLUSHES();
	i = h_alloc_secret(0, 1);		/* ROX -> SECRET: alias and RO direct map go */
	H_EXPECT(i >= 0 && h_led[i].region == r, "not the same chunk");
	H_EQ(sim.reg[r].dm, SIM_DM_UNMAPPED);
	H_EQ(FLUSHES() - f, 1);			/* one flush for both */
	H_EXPECT(!sim_tlb_region_has(r, SIM_R | SIM_W | SIM_X), "a CPU still caches a translation of a SECRET chunk");
	done();
}

/*
 * The temporary mappings: with a per-CPU temporary mm only the filling CPU
 * may cache them and its local flush ends them; in init_mm (the old scheme,
 * a model switch) every CPU may, and the checker must see the stale entry
 * when the page is handed out again.
 */
static void temporary_mappings_stay_on_their_cpu(void)
{
	unsigned int cpu, i, temp = 0;
	struct page *p;
	int a, b, r;

	boot(2, 4, 1, 0);
	a = h_alloc_secret(0, 0);
	b = h_alloc_secret(0, 0);
	p = h_led[b].page;
	r = h_led[b].region;
	h_free(b);
	H_EQ(pc_node_zero_dirty(pc_node(0)), 1);	/* on CPU 0 */
	h_check(true);
	for (cpu = 0; cpu < 4; cpu++)
		for (i = 0; i < sim.tlb[cpu].nr; i++)
			temp += sim.tlb[cpu].e[i].kind == SIM_VA_TEMP;
	H_EQ(temp, 0);

	/* The old scheme: another CPU keeps the zeroing's translation. */
	b = h_alloc_secret(0, 0);
	H_EXPECT(b >= 0 && h_led[b].page == p, "first fit did not hand the page out again");
	h_check(true);
	sim_temp_in_init_mm = true;
	h_free(b);
	H_EQ(pc_node_zero_dirty(pc_node(0)), 1);
	H_EXPECT(sim_tlb_region_has(r, SIM_W), "no CPU caches the init_mm temporary mapping");
	b = h_alloc_secret(0, 2);
	H_EXPECT(sim.violations && strstr(sim.first_violation, "temporary"),
		 "a stale temporary translation of a SECRET page handed out was not seen: %s",
		 sim.first_violation);
	sim.violations = 0;
	sim_temp_in_init_mm = false;
	sim_tlb_flush_all();			/* not counted: the model's own reset */
	h_free(a);
	done();
}

#ifdef PC_HAVE_HWPOISON
/* A poisoned SECRET page: never zeroed, reused or freed back; its chunk retires. */
static void hwpoisoned_page_retires_its_chunk(void)
{
	struct permcache_stats st;
	struct page *p;
	int a, b, r;

	boot(2, 2, 2, 0);
	a = h_alloc_secret(0, 0);
	b = h_alloc_secret(0, 0);
	p = h_led[a].page;
	r = h_led[a].region;
	SetPageHWPoison(p);			/* memory_failure() on a page in use */
	h_free(a);
	h_check(true);
	pc_node_zero_dirty(pc_node(0));		/* must skip it */
	h_check(true);
	H_EQ(h_stat(PERMCACHE_STAT_HWPOISONED), 1);
	permcache_get_stats(0, &st);
	H_EQ(st.retired, 1);
	H_EQ(st.idle[PERMCACHE_SECRET], 0);
	a = h_alloc_secret(0, 1);		/* not from the retired chunk */
	H_EXPECT(a >= 0 && h_led[a].region != r, "a retired chunk served");
	h_free(b);
	h_check(true);
	H_EQ(h_stat(PERMCACHE_STAT_HWPOISONED), 1);
	done();					/* the region stays out of the buddy */
	H_EXPECT(!sim.reg[r].in_buddy, "a chunk with a poisoned page went back to the buddy allocator");
}

/*
 * A chunk retires when an allocation hits its poisoned page, while another
 * page of it is still in use: that page is SECRET memory in use, and
 * hibernation must be refused for it.
 */
static void hibernation_is_refused_for_secret_in_a_retired_chunk(void)
{
	int a, b, r;

	boot(2, 2, 2, 0);
	a = h_alloc_secret(0, 0);
	r = h_led[a].region;
	SetPageHWPoison(h_led[a].page + 1);	/* the next free unit */
	b = h_alloc_secret(0, 0);		/* hits it: the chunk retires */
	H_EXPECT(b >= 0 && h_led[b].region != r, "served from the poisoned chunk");
	H_EQ(h_stat(PERMCACHE_STAT_HWPOISONED), 1);
	h_free(b);
	h_check(true);
	H_EQ(h_hibernate(), -EBUSY);		/* page a is in use */
	h_check(true);
	h_free(a);
	done();
}
#endif

/* Hibernation: refused while SECRET is in use, else nothing left to split. */
static void hibernation_releases_unmapped_chunks_and_splits_nothing(void)
{
	int t, s, r;

	boot(2, 2, 3, 1);
	t = h_alloc_text(PERMCACHE_RO, 100, 0, 0);
	s = h_alloc_secret(0, 0);
	H_EQ(h_hibernate(), -EBUSY);
	h_check(true);
	h_free(s);
	H_EQ(h_hibernate(), 0);
	h_check(true);
	for (r = 0; r < sim.nr_regions; r++)
		H_EXPECT(sim.reg[r].in_buddy || sim.reg[r].dm != SIM_DM_UNMAPPED,
			 "region %d is out of the direct map after the PM notifier", r);
	H_EQ(sim.direct_map_level2_splits, 0);
	/* After the attempt, chunks are acquired again. */
	s = h_alloc_secret(1, 1);
	H_EXPECT(s >= 0, "no SECRET page after hibernation");
	h_free(t);
	done();
}

/*
 * A GFP_NOFS caller (a filesystem, say) must not recurse into the
 * filesystem through reclaim in permcache's own allocations for a new
 * chunk: they run in its memalloc_nofs scope.
 */
static void nofs_callers_allocate_nothing_that_may_enter_the_fs(void)
{
	struct page *page;

	boot(1, 1, 2, 0);
	shim_kmalloc_may_fs = 0;
	page = permcache_alloc_secret(0, GFP_NOFS);
	H_EXPECT(!IS_ERR(page), "GFP_NOFS allocation failed");
	H_EQ(h_stat(PERMCACHE_STAT_CHUNKS_ACQUIRED), 1);
	H_EQ(shim_kmalloc_may_fs, 0);
	H_EQ(shim_nofs_depth, 0);
	if (!IS_ERR(page))
		H_EQ(permcache_free_secret(page), 0);
	done();
}

/*
 * A GFP_NOIO caller (a block driver, swap) must not start I/O through
 * reclaim in any allocation made for a new chunk: the chunk, its struct
 * and bitmaps, the xarray entry that finds it.  The GFP_KERNEL allocation
 * on the other node shows that those allocations are seen at all.
 */
static void noio_callers_allocate_nothing_that_may_start_io(void)
{
	struct page *page, *control;

	boot(2, 2, 4, 0);
	shim_kmalloc_may_fs = 0;
	shim_kmalloc_may_io = 0;
	control = permcache_alloc_secret(1, GFP_KERNEL);
	H_EXPECT(!IS_ERR(control), "GFP_KERNEL allocation failed");
	H_EXPECT(shim_kmalloc_may_io > 0, "a new chunk allocated nothing");
	shim_kmalloc_may_fs = 0;
	shim_kmalloc_may_io = 0;
	page = permcache_alloc_secret(0, GFP_NOIO | __GFP_THISNODE);
	H_EXPECT(!IS_ERR(page), "GFP_NOIO allocation failed");
	H_EQ(h_stat(PERMCACHE_STAT_CHUNKS_ACQUIRED), 2);
	H_EQ(shim_kmalloc_may_io, 0);
	H_EQ(shim_kmalloc_may_fs, 0);
	H_EQ(shim_noio_depth, 0);
	if (!IS_ERR(page))
		H_EQ(permcache_free_secret(page), 0);
	if (!IS_ERR(control))
		H_EQ(permcache_free_secret(control), 0);
	done();
}

/*
 * Freed text that already traps (bpf_prog_pack invalidates each program,
 * then frees the whole pack) is read, not poked 512 times again; other
 * freed text is poked back to traps.
 */
static void freed_text_that_traps_is_not_poked_again(void)
{
	static const u8 code[] = { 0x90, 0x90, 0xc3 };
	unsigned long pokes;
	void *t;

	boot(1, 1, 2, 0);
	t = permcache_alloc_text(PERMCACHE_ROX, 4096, 0);
	H_EXPECT(!IS_ERR(t), "no text");
	pokes = sim.pokes;
	H_EQ(permcache_free_text(t, 4096), 0);
	H_EQ(sim.pokes - pokes, 0);

	t = permcache_alloc_text(PERMCACHE_ROX, 4096, 0);
	H_EXPECT(!IS_ERR(t), "no text");
	H_EQ(permcache_copy_text(t, code, sizeof(code)), 0);
	pokes = sim.pokes;
	H_EQ(permcache_free_text(t, 4096), 0);
	H_EQ(sim.pokes - pokes, 1);
	H_EXPECT(pc_arch_text_filled(t, PC_FILL_TRAP, 4096),
		 "freed text does not trap");
	done();
}

/*
 * Two frees of the same text racing (a caller's double free): the second,
 * made while the first fills the run with traps, is refused as misuse and
 * changes nothing; the first completes.  Before text frees claimed their
 * run, both passed the check and the second freed the units under the
 * first, which then failed.
 */
static struct h_alloc *racing_text;

static void free_racing_text_again(void)
{
	expect_misuse(permcache_free_text((void *)racing_text->addr,
					  racing_text->size),
		      "second free of text while the first is in flight");
}

static void racing_double_free_of_text_is_refused(void)
{
	unsigned long freed;
	int i;

	boot(1, 1, 2, 0);
	i = h_alloc_text(PERMCACHE_ROX, 4096, 0, 0);
	H_EXPECT(i >= 0, "no text");
	racing_text = &h_led[i];
	freed = h_stat(PERMCACHE_STAT_FREE_TEXT);
	sim_text_filled_hook = free_racing_text_again;
	h_free(i);
	H_EXPECT(!sim_text_filled_hook, "the free never read the text");
	H_EQ(h_stat(PERMCACHE_STAT_FREE_TEXT) - freed, 1);
	done();
}

/*
 * When a node's buddy allocator has no free 2 MiB block, faults there do
 * not each retry an order-9 allocation: for PC_ACQUIRE_BACKOFF_MS the node
 * is not asked again; then it is.
 */
static void acquire_failure_backs_off(void)
{
	unsigned long failed;
	unsigned int n = 0;

	boot(1, 1, 2, 0);
	pc_config.fallback = PC_FALLBACK_NONE;
	/* Two chunks take both regions; then the buddy allocator is asked in vain. */
	while (h_alloc_secret(0, 0) >= 0 && n < 4 * PC_CHUNK_PAGES)
		n++;
	H_EQ(n, 2 * PC_CHUNK_PAGES);
	failed = h_stat(PERMCACHE_STAT_ACQUIRE_FAILED);
	H_EQ(failed, 1);
	/* Within the backoff it is not asked again. */
	H_EXPECT(h_alloc_secret(0, 0) < 0, "a page from nowhere");
	H_EQ(h_stat(PERMCACHE_STAT_ACQUIRE_FAILED), failed);
	/* After it, it is. */
	jiffies += msecs_to_jiffies(PC_ACQUIRE_BACKOFF_MS);
	H_EXPECT(h_alloc_secret(0, 0) < 0, "a page from nowhere");
	H_EQ(h_stat(PERMCACHE_STAT_ACQUIRE_FAILED), failed + 1);
	while (h_nr_led)
		h_free(h_nr_led - 1);
	done();
}

const struct h_test h_api_tests[] = {
	{ "acquire_failure_backs_off", acquire_failure_backs_off },
	{ "freed_text_that_traps_is_not_poked_again",
	  freed_text_that_traps_is_not_poked_again },
	{ "nofs_callers_allocate_nothing_that_may_enter_the_fs",
	  nofs_callers_allocate_nothing_that_may_enter_the_fs },
	{ "noio_callers_allocate_nothing_that_may_start_io",
	  noio_callers_allocate_nothing_that_may_start_io },
	{ "text_keeps_ro_direct_map_until_it_becomes_secret",
	  text_keeps_ro_direct_map_until_it_becomes_secret },
	{ "temporary_mappings_stay_on_their_cpu", temporary_mappings_stay_on_their_cpu },
#ifdef PC_HAVE_HWPOISON
	{ "hwpoisoned_page_retires_its_chunk", hwpoisoned_page_retires_its_chunk },
	{ "hibernation_is_refused_for_secret_in_a_retired_chunk",
	  hibernation_is_refused_for_secret_in_a_retired_chunk },
#endif
	{ "hibernation_releases_unmapped_chunks_and_splits_nothing",
	  hibernation_releases_unmapped_chunks_and_splits_nothing },
	{ "offline_right_after_a_last_put_releases_the_chunk",
	  offline_right_after_a_last_put_releases_the_chunk },
	{ "secret_page_goes_back_at_its_last_put",
	  secret_page_goes_back_at_its_last_put },
	{ "shrinker_releases_idle_chunks_above_reserve",
	  shrinker_releases_idle_chunks_above_reserve },
	{ "shrinker_takes_idle_chunks_at_the_lowest_priority",
	  shrinker_takes_idle_chunks_at_the_lowest_priority },
	{ "frees_above_max_idle_trim_to_max_idle",
	  frees_above_max_idle_trim_to_max_idle },
	{ "bad_input_is_refused", bad_input_is_refused },
	{ "bad_frees_change_nothing", bad_frees_change_nothing },
	{ "racing_double_free_of_text_is_refused", racing_double_free_of_text_is_refused },
	{ "same_class_reuse_issues_no_flush", same_class_reuse_issues_no_flush },
	{ "class_change_issues_exactly_one_flush", class_change_issues_exactly_one_flush },
	{ "class_change_after_eager_flush_costs_none", class_change_after_eager_flush_costs_none },
	{ "releasing_several_chunks_costs_one_flush", releasing_several_chunks_costs_one_flush },
	{ "boot_prefill_of_all_nodes_costs_one_flush", boot_prefill_of_all_nodes_costs_one_flush },
	{ "text_alloc_uses_room_behind_a_full_chunk", text_alloc_uses_room_behind_a_full_chunk },
	{ "fallback_goes_to_nearest_node_and_counts", fallback_goes_to_nearest_node_and_counts },
	{ "numa_no_node_allocates_on_the_cpus_node", numa_no_node_allocates_on_the_cpus_node },
	{ "secret_page_is_zeroed_before_reuse", secret_page_is_zeroed_before_reuse },
	{ "text_writes_outside_text_are_refused", text_writes_outside_text_are_refused },
	{ "alias_map_failure_leaves_a_clean_idle_chunk", alias_map_failure_leaves_a_clean_idle_chunk },
};
const unsigned int h_nr_api_tests = ARRAY_SIZE(h_api_tests);
