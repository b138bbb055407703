// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests: the bitmap helpers of the shim (checked against naive loops,
 * since pc_unit.c relies on them), the unit sub-allocator (mm/pc_unit.c) and
 * the flush-generation rule (mm/pc_flush.c).
 */
#include "harness.h"

static unsigned long seed = 12345;

static unsigned long r32(void)
{
	seed = seed * 6364136223846793005UL + 1442695040888963407UL;
	return seed >> 33;
}

static void bitmap_helpers_match_naive_versions(void)
{
	unsigned long map[BITS_TO_LONGS(300)];
	bool ref[300];
	unsigned int it, i, n;

	for (it = 0; it < 2000; it++) {
		unsigned int start = r32() % 300, len = r32() % (301 - start);
		unsigned long off = r32() % 310, want;

		if (it % 50 == 0) {
			bitmap_zero(map, 300);
			memset(ref, 0, sizeof(ref));
		}
		if (r32() & 1) {
			bitmap_set(map, start, len);
			memset(ref + start, 1, len);
		} else {
			bitmap_clear(map, start, len);
			memset(ref + start, 0, len);
		}
		for (i = 0; i < 300; i++)
			if (test_bit(i, map) != ref[i]) {
				H_FAIL("bit %u after set/clear(%u, %u)", i, start, len);
				return;
			}
		for (want = off; want < 300 && !ref[want]; want++)
			;
		H_EQ(find_next_bit(map, 300, off), min(want, 300UL));
		for (i = 0, n = 0; i < 300; i++)
			n += ref[i];
		H_EQ(bitmap_weight(map, 300), n);
		for (want = off; want < 300 && ref[want]; want++)
			;
		H_EQ(find_next_zero_bit(map, 300, off), min(want, 300UL));
		/* First fit of a run of n zero bits at or after off. */
		n = 1 + r32() % 40;
		for (want = off; want + n <= 300; want++) {
			for (i = 0; i < n && !ref[want + i]; i++)
				;
			if (i == n)
				break;
		}
		i = bitmap_find_next_zero_area(map, 300, off, n, 0);
		if (want + n <= 300)
			H_EQ(i, want);
		else
			H_EXPECT(i + n > 300, "found %u for a run of %u that does not exist", i, n);
		if (h_failures)
			return;
	}
}

static struct pc_units u;

static void units_setup(unsigned int shift)
{
	H_EQ(pc_units_init(&u, GFP_KERNEL), 0);
	pc_units_reset(&u, shift);
}

static void units_same(const unsigned long *map, const unsigned long *starts,
		       unsigned int used)
{
	H_EXPECT(!memcmp(map, u.map, PC_MAX_UNITS / 8), "map changed");
	H_EXPECT(!memcmp(starts, u.starts, PC_MAX_UNITS / 8), "starts changed");
	H_EQ(u.used, used);
}

static void units_page_first_fit_until_full(void)
{
	unsigned int i;

	units_setup(PC_SECRET_UNIT_SHIFT);
	H_EQ(u.nr, 512);
	for (i = 0; i < 512; i++)
		H_EQ(pc_units_alloc(&u, 1), i);
	H_EQ(u.used, 512);
	H_EQ(pc_units_alloc(&u, 1), -ENOSPC);
	H_EQ(pc_units_free(&u, 100, 1), 0);
	H_EQ(pc_units_free(&u, 7, 1), 0);
	H_EQ(pc_units_alloc(&u, 1), 7);		/* first fit */
	H_EQ(pc_units_alloc(&u, 1), 100);
	H_EQ(pc_units_alloc(&u, 2), -ENOSPC);
	pc_units_destroy(&u);
}

static void units_text_runs_first_fit_and_reuse(void)
{
	units_setup(PC_TEXT_UNIT_SHIFT);
	H_EQ(u.nr, 32768);
	H_EQ(pc_units_alloc(&u, 3), 0);
	H_EQ(pc_units_alloc(&u, 5), 3);
	H_EQ(pc_units_alloc(&u, 2), 8);
	H_EQ(pc_units_free(&u, 3, 5), 0);
	H_EQ(pc_units_alloc(&u, 6), 10);	/* does not fit in the hole */
	H_EQ(pc_units_alloc(&u, 4), 3);		/* fits */
	H_EQ(pc_units_alloc(&u, 1), 7);
	H_EQ(pc_units_alloc(&u, 32768), -ENOSPC);
	H_EQ(pc_units_alloc(&u, 0), -ENOSPC);
	H_EQ(u.used, 16);
	pc_units_destroy(&u);
}

static void units_whole_chunk_and_enospc(void)
{
	units_setup(PC_TEXT_UNIT_SHIFT);
	H_EQ(pc_units_alloc(&u, 32768), 0);
	H_EQ(pc_units_alloc(&u, 1), -ENOSPC);
	H_EQ(pc_units_free(&u, 0, 32767), -EINVAL);
	H_EQ(pc_units_free(&u, 0, 32768), 0);
	H_EQ(u.used, 0);
	H_EQ(pc_units_alloc(&u, 32767), 0);
	H_EQ(pc_units_alloc(&u, 2), -ENOSPC);
	H_EQ(pc_units_alloc(&u, 1), 32767);
	pc_units_destroy(&u);
}

static void units_bad_frees_are_refused_unchanged(void)
{
	unsigned long map[PC_MAX_UNITS / 64], starts[PC_MAX_UNITS / 64];

	units_setup(PC_TEXT_UNIT_SHIFT);
	H_EQ(pc_units_alloc(&u, 4), 0);		/* A: 0..3 */
	H_EQ(pc_units_alloc(&u, 4), 4);		/* B: 4..7 */
	H_EQ(pc_units_alloc(&u, 2), 8);		/* C: 8..9, then free */
	memcpy(map, u.map, sizeof(map));
	memcpy(starts, u.starts, sizeof(starts));
	H_EQ(pc_units_free(&u, 0, 5), -EINVAL);		/* too long, into B */
	H_EQ(pc_units_free(&u, 0, 8), -EINVAL);		/* A and B at once */
	H_EQ(pc_units_free(&u, 0, 3), -EINVAL);		/* too short */
	H_EQ(pc_units_free(&u, 1, 3), -EINVAL);		/* middle */
	H_EQ(pc_units_free(&u, 5, 2), -EINVAL);		/* middle of B */
	H_EQ(pc_units_free(&u, 8, 3), -EINVAL);		/* too long, into free */
	H_EQ(pc_units_free(&u, 10, 1), -EINVAL);	/* never allocated */
	H_EQ(pc_units_free(&u, 0, 0), -EINVAL);
	H_EQ(pc_units_free(&u, 32767, 2), -EINVAL);	/* past the end */
	H_EQ(pc_units_free(&u, 40000, 1), -EINVAL);
	H_EQ(pc_units_free(&u, 4, 0xffffffffu), -EINVAL);
	units_same(map, starts, 10);
	H_EQ(pc_units_free(&u, 8, 2), 0);
	H_EQ(pc_units_free(&u, 8, 2), -EINVAL);		/* double free */
	H_EQ(pc_units_free(&u, 4, 4), 0);
	H_EQ(pc_units_free(&u, 4, 4), -EINVAL);		/* double free */
	H_EQ(pc_units_free(&u, 0, 4), 0);
	H_EQ(u.used, 0);
	H_EXPECT(bitmap_empty(u.map, PC_MAX_UNITS) && bitmap_empty(u.starts, PC_MAX_UNITS),
		 "bitmaps not empty after freeing everything");
	pc_units_destroy(&u);
}

/* Adjacent runs of one unit: a start bit alone separates them. */
static void units_adjacent_single_units(void)
{
	unsigned int i;

	units_setup(PC_SECRET_UNIT_SHIFT);
	for (i = 0; i < 4; i++)
		H_EQ(pc_units_alloc(&u, 1), i);
	H_EQ(pc_units_free(&u, 1, 2), -EINVAL);
	H_EQ(pc_units_free(&u, 3, 1), 0);
	H_EQ(pc_units_free(&u, 2, 2), -EINVAL);
	H_EQ(pc_units_free(&u, 2, 1), 0);
	H_EQ(u.used, 2);
	pc_units_destroy(&u);
}

static void units_reset_changes_unit_size(void)
{
	unsigned long w = h_failures;

	units_setup(PC_TEXT_UNIT_SHIFT);
	H_EQ(pc_units_alloc(&u, 100), 0);
	H_EQ(pc_units_free(&u, 0, 100), 0);
	pc_units_reset(&u, PC_SECRET_UNIT_SHIFT);
	H_EQ(u.nr, 512);
	H_EQ(pc_units_alloc(&u, 512), 0);
	H_EQ(pc_units_alloc(&u, 1), -ENOSPC);
	/* Reset of a sub-allocator in use is a kernel bug: WARN. */
	w = shim_warnings;
	shim_warn_quiet = true;
	pc_units_reset(&u, PC_TEXT_UNIT_SHIFT);
	shim_warn_quiet = false;
	H_EQ(shim_warnings - w, 1);
	pc_units_destroy(&u);
}

static void units_init_failure_is_enomem(void)
{
	long live = shim_kmalloc_live;

	shim_kmalloc_fail = 1;
	H_EQ(pc_units_init(&u, GFP_KERNEL), -ENOMEM);
	H_EXPECT(!u.map && !u.starts, "bitmaps left behind");
	shim_kmalloc_fail = 0;
	H_EQ(shim_kmalloc_live, live);
}

/* The flush-generation rule of mm/pc_flush.c, on a booted machine. */
static void flush_sync_skips_when_a_flush_already_happened(void)
{
	struct sim_cfg cfg;
	struct pc_node *pn;
	unsigned long need, f;

	h_default_cfg(&cfg, 2, 2, 1);
	H_EQ(h_boot(&cfg, 0), 0);
	pn = pc_node(0);
	f = sim.flushes;
	need = pc_flush_gen_need();
	H_EXPECT(!pc_flush_gen_done(need), "a generation nobody flushed is done");
	H_EXPECT(pc_flush_gen_done(0), "nothing pending is not done");
	pc_flush_now(pn);
	H_EXPECT(pc_flush_gen_done(need), "flushed generation not done");
	pc_flush_sync(pn, need);
	H_EQ(sim.flushes - f, 1);
	H_EQ(h_stat(PERMCACHE_STAT_FLUSHES_AVOIDED), 1);
	need = pc_flush_gen_need();
	pc_flush_sync(pn, need);
	H_EQ(sim.flushes - f, 2);
	pc_flush_sync(pn, need);
	H_EQ(sim.flushes - f, 2);
	h_check(true);
	h_teardown();
}

const struct h_test h_unit_tests[] = {
	{ "bitmap_helpers_match_naive_versions", bitmap_helpers_match_naive_versions },
	{ "units_page_first_fit_until_full", units_page_first_fit_until_full },
	{ "units_text_runs_first_fit_and_reuse", units_text_runs_first_fit_and_reuse },
	{ "units_whole_chunk_and_enospc", units_whole_chunk_and_enospc },
	{ "units_bad_frees_are_refused_unchanged", units_bad_frees_are_refused_unchanged },
	{ "units_adjacent_single_units", units_adjacent_single_units },
	{ "units_reset_changes_unit_size", units_reset_changes_unit_size },
	{ "units_init_failure_is_enomem", units_init_failure_is_enomem },
	{ "flush_sync_skips_when_a_flush_already_happened", flush_sync_skips_when_a_flush_already_happened },
};
const unsigned int h_nr_unit_tests = ARRAY_SIZE(h_unit_tests);
