// SPDX-License-Identifier: GPL-2.0-only
/*
 * Randomized operation sequences: a random machine (2..4 nodes and CPUs,
 * 1..4 regions per node, random distances), then random operations on a
 * random CPU, with the invariant checker after every step.  Each sequence
 * has its own seed, printed on failure; --seed N --sequences 1 replays it.
 */
#include "harness.h"

static unsigned long rnd_state;

static unsigned long rnd(void)
{
	/* splitmix64 */
	unsigned long z = (rnd_state += 0x9e3779b97f4a7c15UL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9UL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebUL;
	return z ^ (z >> 31);
}

static unsigned long rnd_below(unsigned long n)
{
	return n ? rnd() % n : 0;
}

static const int dist_choices[] = { 12, 16, 20, 21, 31 };

static void random_cfg(struct sim_cfg *cfg)
{
	int i, j;

	memset(cfg, 0, sizeof(*cfg));
	cfg->nr_nodes = 2 + rnd_below(3);
	cfg->nr_cpus = 2 + rnd_below(3);
	for (i = 0; i < cfg->nr_nodes; i++) {
		cfg->regions[i] = 1 + rnd_below(4);
		cfg->distance[i][i] = 10;
		for (j = 0; j < i; j++)
			cfg->distance[i][j] = cfg->distance[j][i] =
				dist_choices[rnd_below(ARRAY_SIZE(dist_choices))];
	}
}

static size_t random_text_size(void)
{
	unsigned long k = rnd_below(100);

	if (k < 25)
		return 1 + rnd_below(512);
	if (k < 97)
		return 1 + rnd_below(64 * 1024);
	return PC_CHUNK_SIZE - rnd_below(128 * 1024);
}

static int random_nid(void)
{
	return rnd_below(4) ? (int)rnd_below(sim.cfg.nr_nodes) : NUMA_NO_NODE;
}

static int random_led(int cls)
{
	unsigned int i, n = 0;
	int pick = -1;

	for (i = 0; i < h_nr_led; i++)
		if (cls < 0 || (cls == PERMCACHE_SECRET) == (h_led[i].cls == PERMCACHE_SECRET))
			if (!rnd_below(++n))
				pick = i;
	return pick;
}

/* A misuse must be refused, counted and warned about, and change nothing. */
static void misuse_free(void)
{
	unsigned long bad = h_stat(PERMCACHE_STAT_BAD_FREES);
	int i = random_led(1), err;
	struct h_alloc *a;
	size_t size;
	void *addr;

	if (i < 0)
		return;
	a = &h_led[i];
	addr = (void *)a->addr;
	size = a->size;
	switch (rnd_below(3)) {
	case 0:			/* too long */
		size = a->units * 64 + 1 + rnd_below(256);
		break;
	case 1:			/* too short */
		if (a->units < 2)
			return;
		size = (a->units - 1) * 64 - rnd_below(64);
		break;
	default:		/* the middle of the run */
		if (a->units < 2)
			return;
		addr = (char *)addr + 64;
		size -= 64;
		break;
	}
	err = permcache_free_text(addr, size);
	h_expected_warnings++;
	if (err != -EINVAL)
		H_FAIL("misuse: permcache_free_text(%p, %zu) of an allocation of %zu = %d",
		       addr, size, a->size, err);
	if (h_stat(PERMCACHE_STAT_BAD_FREES) != bad + 1)
		H_FAIL("misuse: bad_frees did not count a bad free");
	/* Nothing changed: every live allocation still holds what it held. */
	for (i = 0; i < (int)h_nr_led; i++)
		h_led[i].touched = true;
}

static void text_write(void)
{
	int i = random_led(1), err;
	struct h_alloc *a;
	size_t off, len;
	u8 buf[256];

	if (i < 0)
		return;
	a = &h_led[i];
	off = rnd_below(a->size);
	len = 1 + rnd_below(min(a->size - off, sizeof(buf)));
	if (rnd_below(2)) {
		int c = rnd_below(256);

		err = permcache_set_text((char *)a->addr + off, c, len);
		if (!err)
			memset(a->want + off, c, len);
	} else {
		for (size_t k = 0; k < len; k++)
			buf[k] = rnd();
		err = permcache_copy_text((char *)a->addr + off, buf, len);
		if (!err)
			memcpy(a->want + off, buf, len);
	}
	if (err)
		H_FAIL("text write at %#lx+%zu len %zu = %d", a->addr, off, len, err);
	a->touched = true;
}

/* Take a node's last free regions with whole-chunk text. */
static void exhaust_node(void)
{
	int nid = rnd_below(sim.cfg.nr_nodes), guard = 8;

	while (sim_buddy_free_regions(nid) && guard--) {
		if (h_alloc_text(rnd_below(2) ? PERMCACHE_RO : PERMCACHE_ROX,
				 PC_CHUNK_SIZE, nid, rnd_below(sim.cfg.nr_cpus)) < 0)
			break;
		if (!h_check(false))
			return;
	}
}

/*
 * Hardware poison on a page permcache owns (memory_failure() sets the flag
 * and, for a page it cannot handle, leaves it there): from now on the core
 * must never zero, fill, read, hand out or free back that page; the models
 * assert it (invariant 8) and the checker that counters still add up.
 */
static void poison_page(void)
{
	struct pc_chunk *c;
	struct page *page;
	int r, tries = 8;

	do {
		r = rnd_below(sim.nr_regions);
	} while (sim.reg[r].in_buddy && --tries);
	if (sim.reg[r].in_buddy)
		return;
	page = pfn_to_page(SIM_PFN_BASE + r * SIM_REGION_PAGES + rnd_below(SIM_REGION_PAGES));
	if (shim_page_hwpoison(page))
		return;
	SetPageHWPoison(page);
	/* A freed SECRET page waiting to be zeroed is never zeroed now. */
	c = pc_chunk_lookup_pfn(page_to_pfn(page));
	if (c && c->cls == PERMCACHE_SECRET && page->private == (unsigned long)c)
		h_secret_poison_freed++;
}

static const struct h_rand_opts *opts;

static void step(void)
{
	unsigned long op = rnd_below(100);
	int cpu = rnd_below(sim.cfg.nr_cpus), i;

	sim_set_cpu(cpu);
	if (op < 22) {
		h_alloc_secret(random_nid(), cpu);
	} else if (op < 36) {
		i = random_led(0);
		if (i >= 0)
			h_free(i);
	} else if (op < 56) {
		h_alloc_text(rnd_below(2) ? PERMCACHE_RO : PERMCACHE_ROX,
			     random_text_size(), random_nid(), cpu);
	} else if (op < 72) {
		i = random_led(1);
		if (i >= 0)
			h_free(i);
	} else if (op < 80) {
		text_write();
	} else if (op < 86) {
		struct shrink_control sc = {
			.gfp_mask = GFP_KERNEL,
			.nid = rnd_below(sim.cfg.nr_nodes),
			/* In pages: a chunk per 512, to the nearest. */
			.nr_to_scan = rnd_below(4) * PC_CHUNK_PAGES + rnd_below(PC_CHUNK_PAGES),
		};

		/* The shrinker, or a direct release (debugfs shrink). */
		pc_config.reserve = rnd_below(3);
		if (rnd_below(2))
			shim_shrinker->scan_objects(shim_shrinker, &sc);
		else
			pc_node_release_idle(pc_node(sc.nid), pc_config.reserve,
					     1 + rnd_below(4));
	} else if (op < 88) {
		pc_config.lazy_flush = !pc_config.lazy_flush;
	} else if (op < 89) {
		pc_config.max_idle = 1 + rnd_below(16);
	} else if (op < 92) {
		pc_config.fallback = rnd_below(3) ? PC_FALLBACK_DISTANCE : PC_FALLBACK_NONE;
	} else if (op < 93) {
		exhaust_node();
	} else if (op < 94) {
		h_hibernate();
	} else if (op < 96) {
		if (!opts->no_misuse)
			misuse_free();
	} else if (op < 97) {
		if (!rnd_below(4) && !opts->no_poison)
			poison_page();
	} else {
		/* Free a batch, so that chunks go idle and classes change. */
		for (i = rnd_below(8); i > 0 && h_nr_led; i--)
			h_free(rnd_below(h_nr_led));
	}
}

unsigned int h_run_random(const struct h_rand_opts *o, int *caught_inv)
{
	unsigned int s, failed = 0;
	unsigned long master = o->seed;
	struct sim_cfg cfg;

	printf("random: seed %lu, %u sequences of %u steps\n", o->seed,
	       o->sequences, o->steps);
	*caught_inv = 0;
	opts = o;
	for (s = 0; s < o->sequences; s++) {
		unsigned long before = h_failures;

		/* The first sequence uses the seed itself, so it replays alone. */
		h_seq_seed = s ? (rnd_state = master + s, rnd()) : master;
		rnd_state = h_seq_seed;
		h_seq_step = 0;
		h_inv_seen = 0;
		random_cfg(&cfg);
		if (h_boot(&cfg, rnd_below(3))) {
			H_FAIL("permcache_init failed");
			failed++;
			continue;
		}
		if (rnd_below(4) == 0)
			pc_config.lazy_flush = false;
		h_check(true);
		for (h_seq_step = 1; h_seq_step <= (int)o->steps; h_seq_step++) {
			/* Time passes between operations: backoffs expire. */
			jiffies += 1000;
			step();
			if (!h_check(h_seq_step % 64 == 0))
				break;
		}
		if (h_failures == before) {
			h_seq_step = o->steps + 1;
			h_check(true);
		}
		h_teardown();
		if (h_failures != before) {
			failed++;
			if (o->expect_violation &&
			    h_inv_seen & (1u << o->expect_violation)) {
				*caught_inv = o->expect_violation;
				printf("caught at seed %lu step %d\n", h_seq_seed, h_seq_step);
				break;
			}
			if (failed >= 5 && !o->expect_violation)
				break;
		}
		if (o->verbose)
			printf("sequence %u seed %lu: %s\n", s, h_seq_seed,
			       h_failures == before ? "ok" : "FAILED");
	}
	h_seq_step = -1;
	printf("random: %u of %u sequences failed\n", failed, s == o->sequences ? s : s + 1);
	return failed;
}
