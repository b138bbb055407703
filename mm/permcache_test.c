// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit suites for permcache, run at boot in the emulated NUMA guest.
 *
 * Each case asserts what a user of permcache would see: the node a page is
 * on, the state of the page tables, the value of a counter, the bytes text
 * reads back as.  The flush cases first release every idle chunk of the node
 * they use, so that they see exactly the flushes their own steps cause; no
 * other user of permcache runs while KUnit does at boot.
 *
 * Locking: the cases take no lock; they call the API and, for a few
 * white-box steps, the core functions that take the node lock themselves.
 */

#include <kunit/test.h>
#include <linux/delay.h>
#include <linux/err.h>
#include <linux/gfp.h>
#include <linux/kprobes.h>
#include <linux/mm.h>
#include <linux/nodemask.h>
#include <linux/pgtable.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>
#include <linux/vmstat.h>
#include <asm/tlbflush.h>
#include <asm/sections.h>

#include "pc_internal.h"

/* direct_map_level2_splits when the first suite started. */
static unsigned long pc_test_splits_at_start;

static unsigned long pc_test_level2_splits(void)
{
	unsigned long ev[NR_VM_EVENT_ITEMS];

	all_vm_events(ev);
	return ev[DIRECT_MAP_LEVEL2_SPLIT];
}

static unsigned long pc_test_stat(enum permcache_stat_item item)
{
	struct permcache_stats st;

	permcache_get_stats(NUMA_NO_NODE, &st);
	return st.item[item];
}

/*
 * What a step really did to the TLBs, seen from outside permcache: the
 * kernel TLB flushes the test's own task issued (flush_tlb_all() and
 * flush_tlb_kernel_range(), counted through kprobes), and, for each CPU,
 * how often the flush callback those send by IPI ran there.  A flush that
 * permcache counts but that never reaches the other CPUs shows up as a CPU
 * that ran no callback; one it issues without counting, as a task flush.
 */
struct pc_test_tlb;

struct pc_test_probe {
	struct kprobe kp;
	struct pc_test_tlb *t;
};

struct pc_test_tlb {
	struct pc_test_probe issue[2];	/* flush_tlb_all, flush_tlb_kernel_range */
	struct pc_test_probe ran[2];	/* their IPI callbacks */
	struct task_struct *task;
	atomic_t issued;
	atomic_t *ran_on;		/* [nr_cpu_ids] */
	unsigned int *mark;		/* ran_on at pc_test_tlb_mark() */
};

static int pc_test_tlb_issue(struct kprobe *kp, struct pt_regs *regs)
{
	struct pc_test_tlb *t = container_of(kp, struct pc_test_probe, kp)->t;

	if (current == t->task)
		atomic_inc(&t->issued);
	return 0;
}

static int pc_test_tlb_ran(struct kprobe *kp, struct pt_regs *regs)
{
	struct pc_test_tlb *t = container_of(kp, struct pc_test_probe, kp)->t;

	atomic_inc(&t->ran_on[raw_smp_processor_id()]);
	return 0;
}

static void pc_test_tlb_stop(void *data)
{
	struct pc_test_tlb *t = data;
	struct kprobe *kps[] = { &t->issue[0].kp, &t->issue[1].kp,
				 &t->ran[0].kp, &t->ran[1].kp };

	unregister_kprobes(kps, ARRAY_SIZE(kps));
}

static void pc_test_probe_init(struct pc_test_tlb *t, struct pc_test_probe *p,
			       const char *sym, kprobe_pre_handler_t handler)
{
	p->t = t;
	p->kp.symbol_name = sym;
	p->kp.pre_handler = handler;
}

/* Has the watch seen this task flush, and every online CPU run a flush? */
static bool pc_test_tlb_live(struct pc_test_tlb *t)
{
	unsigned int cpu;

	if (!atomic_read(&t->issued))
		return false;
	for_each_online_cpu(cpu)
		if (!atomic_read(&t->ran_on[cpu]))
			return false;
	return true;
}

/*
 * Start watching: until the case ends, ->issued counts the kernel TLB
 * flushes this task issues and ->ran_on[cpu] the flush callbacks each CPU
 * runs.  Skips the case without kprobes.
 */
static struct pc_test_tlb *pc_test_tlb_watch(struct kunit *test)
{
	struct pc_test_tlb *t;
	struct kprobe *kps[4];
	unsigned int i;

	if (!IS_ENABLED(CONFIG_KPROBES))
		kunit_skip(test, "needs CONFIG_KPROBES to watch the TLB flushes");
	/* The probes outlive the case function: kunit memory, not its stack. */
	t = kunit_kzalloc(test, sizeof(*t), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, t);
	t->ran_on = kunit_kcalloc(test, nr_cpu_ids, sizeof(*t->ran_on),
				  GFP_KERNEL);
	t->mark = kunit_kcalloc(test, nr_cpu_ids, sizeof(*t->mark), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, t->ran_on);
	KUNIT_ASSERT_NOT_NULL(test, t->mark);
	t->task = current;
	pc_test_probe_init(t, &t->issue[0], "flush_tlb_all", pc_test_tlb_issue);
	pc_test_probe_init(t, &t->issue[1], "flush_tlb_kernel_range",
			   pc_test_tlb_issue);
	pc_test_probe_init(t, &t->ran[0], "do_flush_tlb_all", pc_test_tlb_ran);
	pc_test_probe_init(t, &t->ran[1], "do_kernel_range_flush",
			   pc_test_tlb_ran);
	kps[0] = &t->issue[0].kp;
	kps[1] = &t->issue[1].kp;
	kps[2] = &t->ran[0].kp;
	kps[3] = &t->ran[1].kp;
	KUNIT_ASSERT_EQ(test, register_kprobes(kps, ARRAY_SIZE(kps)), 0);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, pc_test_tlb_stop, t),
			0);
	/*
	 * A watch that sees nothing would pass every "no flush" case: first
	 * see a flush of the test's own reach every CPU.  (Right after
	 * registration the first flushes can go unseen, so try a few times.)
	 */
	for (i = 0; i < 100 && !pc_test_tlb_live(t); i++) {
		flush_tlb_all();
		msleep(20);
	}
	KUNIT_ASSERT_TRUE_MSG(test, pc_test_tlb_live(t),
			      "the kprobes see no kernel TLB flush");
	return t;
}

/* Start a step: remember each CPU's callback count, zero the task's flushes. */
static void pc_test_tlb_mark(struct pc_test_tlb *t)
{
	unsigned int cpu;

	for_each_possible_cpu(cpu)
		t->mark[cpu] = atomic_read(&t->ran_on[cpu]);
	atomic_set(&t->issued, 0);
}

/*
 * The step since pc_test_tlb_mark() issued exactly @nr kernel TLB flushes
 * from this task and, if any, every online CPU has flushed since.
 */
static void pc_test_tlb_expect(struct kunit *test, struct pc_test_tlb *t,
			       int nr)
{
	unsigned int cpu;

	KUNIT_EXPECT_EQ(test, atomic_read(&t->issued), nr);
	if (!nr)
		return;
	for_each_online_cpu(cpu)
		KUNIT_EXPECT_GT_MSG(test, (unsigned int)atomic_read(&t->ran_on[cpu]),
				    t->mark[cpu], "CPU %u did not flush its TLB",
				    cpu);
}

/* Release every idle chunk of @nid; fails the test if one stays in use. */
static void pc_test_drain(struct kunit *test, int nid)
{
	struct permcache_stats st;
	struct pc_node *pn = pc_node(nid);

	KUNIT_ASSERT_NOT_NULL(test, pn);
	pc_node_release_idle(pn, 0, UINT_MAX);
	permcache_get_stats(nid, &st);
	/* Chunks retired for a poisoned page (the hwpoison cases) stay. */
	KUNIT_ASSERT_EQ(test, st.chunks[PERMCACHE_SECRET] + st.chunks[PERMCACHE_RO] +
			st.chunks[PERMCACHE_ROX] + st.chunks[PERMCACHE_CLEAN],
			st.retired);
}

/*
 * The direct-map entry that maps @page: its level, and whether it is
 * present, writable and executable.
 */
struct pc_test_dm {
	unsigned int level;
	bool present, write, exec;
};

static struct pc_test_dm pc_test_direct_map(struct page *page)
{
	struct pc_test_dm dm = {};
	pte_t *pte = lookup_address((unsigned long)page_address(page),
				    &dm.level);

	if (pte) {
		dm.present = pte_present(*pte);
		dm.write = pte_write(*pte);
		dm.exec = pte_exec(*pte);
	}
	return dm;
}

static void pc_test_expect_misuse(bool on)
{
	if (on)
		atomic_inc(&pc_test_misuse_expected);
	else
		atomic_dec(&pc_test_misuse_expected);
}

/* ---- permcache_unit: the sub-allocator inside one chunk ---- */

static int pc_unit_test_init(struct kunit *test)
{
	struct pc_units *u = kunit_kzalloc(test, sizeof(*u), GFP_KERNEL);

	if (!u || pc_units_init(u, GFP_KERNEL))
		return -ENOMEM;
	test->priv = u;
	return 0;
}

static void pc_unit_test_exit(struct kunit *test)
{
	pc_units_destroy(test->priv);
}

static int pc_unit_suite_init(struct kunit_suite *suite)
{
	pc_test_splits_at_start = pc_test_level2_splits();
	return 0;
}

static void page_units_fill_the_chunk_first_fit(struct kunit *test)
{
	struct pc_units *u = test->priv;
	unsigned int i;

	KUNIT_EXPECT_EQ(test, u->nr, (unsigned int)PC_CHUNK_PAGES);
	for (i = 0; i < PC_CHUNK_PAGES; i++)
		KUNIT_ASSERT_EQ(test, pc_units_alloc(u, 1), (long)i);
	KUNIT_EXPECT_EQ(test, u->used, u->nr);
	KUNIT_EXPECT_EQ(test, pc_units_alloc(u, 1), (long)-ENOSPC);

	KUNIT_EXPECT_EQ(test, pc_units_free(u, 7, 1), 0);
	KUNIT_EXPECT_EQ(test, pc_units_alloc(u, 1), 7L);
}

static void text_units_runs_are_first_fit(struct kunit *test)
{
	struct pc_units *u = test->priv;

	pc_units_reset(u, PC_TEXT_UNIT_SHIFT);
	KUNIT_EXPECT_EQ(test, u->nr, (unsigned int)PC_MAX_UNITS);
	KUNIT_EXPECT_EQ(test, pc_bytes_to_units(u, 1), 1U);
	KUNIT_EXPECT_EQ(test, pc_bytes_to_units(u, 65), 2U);
	KUNIT_EXPECT_EQ(test, pc_units_alloc(u, 4), 0L);
	KUNIT_EXPECT_EQ(test, pc_units_alloc(u, 2), 4L);
	KUNIT_EXPECT_EQ(test, pc_units_alloc(u, 8), 6L);
	KUNIT_EXPECT_EQ(test, pc_units_free(u, 4, 2), 0);
	/* A run of 3 does not fit the hole of 2. */
	KUNIT_EXPECT_EQ(test, pc_units_alloc(u, 3), 14L);
	KUNIT_EXPECT_EQ(test, pc_units_alloc(u, 2), 4L);
	KUNIT_EXPECT_EQ(test, pc_units_alloc(u, PC_MAX_UNITS), (long)-ENOSPC);
	KUNIT_EXPECT_EQ(test, pc_units_alloc(u, 0), (long)-ENOSPC);
	KUNIT_EXPECT_EQ(test, u->used, 17U);
}

static void wrong_size_free_is_refused_unchanged(struct kunit *test)
{
	struct pc_units *u = test->priv;

	pc_units_reset(u, PC_TEXT_UNIT_SHIFT);
	KUNIT_ASSERT_EQ(test, pc_units_alloc(u, 4), 0L);
	KUNIT_ASSERT_EQ(test, pc_units_alloc(u, 4), 4L);
	/* Too short, too long (into the next run), beyond the end. */
	KUNIT_EXPECT_EQ(test, pc_units_free(u, 0, 3), -EINVAL);
	KUNIT_EXPECT_EQ(test, pc_units_free(u, 0, 5), -EINVAL);
	KUNIT_EXPECT_EQ(test, pc_units_free(u, 4, 5), -EINVAL);
	KUNIT_EXPECT_EQ(test, pc_units_free(u, PC_MAX_UNITS - 1, 2), -EINVAL);
	KUNIT_EXPECT_EQ(test, u->used, 8U);
	KUNIT_EXPECT_EQ(test, pc_units_free(u, 4, 4), 0);
	KUNIT_EXPECT_EQ(test, pc_units_free(u, 0, 4), 0);
	KUNIT_EXPECT_EQ(test, u->used, 0U);
}

static void double_and_middle_frees_are_refused(struct kunit *test)
{
	struct pc_units *u = test->priv;

	pc_units_reset(u, PC_TEXT_UNIT_SHIFT);
	KUNIT_ASSERT_EQ(test, pc_units_alloc(u, 6), 0L);
	KUNIT_EXPECT_EQ(test, pc_units_free(u, 2, 4), -EINVAL);
	KUNIT_EXPECT_EQ(test, pc_units_free(u, 0, 6), 0);
	KUNIT_EXPECT_EQ(test, pc_units_free(u, 0, 6), -EINVAL);
	KUNIT_EXPECT_EQ(test, u->used, 0U);
}

static struct kunit_case pc_unit_cases[] = {
	KUNIT_CASE(page_units_fill_the_chunk_first_fit),
	KUNIT_CASE(text_units_runs_are_first_fit),
	KUNIT_CASE(wrong_size_free_is_refused_unchanged),
	KUNIT_CASE(double_and_middle_frees_are_refused),
	{}
};

static struct kunit_suite pc_unit_suite = {
	.name = "permcache_unit",
	.suite_init = pc_unit_suite_init,
	.init = pc_unit_test_init,
	.exit = pc_unit_test_exit,
	.test_cases = pc_unit_cases,
};

/* ---- permcache_secret: pages with no kernel mapping ---- */

static void secret_pages_land_on_requested_node(struct kunit *test)
{
	struct page *page;
	int nid, nodes = 0;

	for_each_node_state(nid, N_MEMORY) {
		page = permcache_alloc_secret(nid, GFP_KERNEL);
		KUNIT_ASSERT_FALSE(test, IS_ERR(page));
		KUNIT_EXPECT_EQ(test, page_to_nid(page), nid);
		KUNIT_EXPECT_EQ(test, page_ref_count(page), 1);
		KUNIT_EXPECT_EQ(test, permcache_free_secret(page), 0);
		nodes++;
	}
	kunit_info(test, "checked %d nodes\n", nodes);
	KUNIT_EXPECT_GE(test, nodes, 1);
}

static void secret_page_is_absent_from_direct_map(struct kunit *test)
{
	struct page *page = permcache_alloc_secret(NUMA_NO_NODE, GFP_KERNEL);
	unsigned int level;
	pte_t *pte;

	KUNIT_ASSERT_FALSE(test, IS_ERR(page));
	pte = lookup_address((unsigned long)page_address(page), &level);
	KUNIT_ASSERT_NOT_NULL(test, pte);
	KUNIT_EXPECT_FALSE(test, pte_present(*pte));
	/* Invariant 3: unmapped as one 2 MiB unit, the PMD was not split. */
	KUNIT_EXPECT_EQ(test, level, (unsigned int)PG_LEVEL_2M);
	KUNIT_EXPECT_EQ(test, permcache_free_secret(page), 0);
}

static void freed_secret_page_is_zeroed(struct kunit *test)
{
	struct page *page = permcache_alloc_secret(NUMA_NO_NODE, GFP_KERNEL);
	struct page *again, **held;
	struct permcache_stats st;
	unsigned long n, max;

	KUNIT_ASSERT_FALSE(test, IS_ERR(page));
	KUNIT_EXPECT_TRUE(test, pc_arch_page_filled(page, 0));
	pc_arch_fill_page(page, 0x5a);
	KUNIT_EXPECT_TRUE(test, pc_arch_page_filled(page, 0x5a));
	KUNIT_ASSERT_EQ(test, permcache_free_secret(page), 0);

	/* Whatever is handed out meanwhile reads zero, never 0x5a. */
	again = permcache_alloc_secret(page_to_nid(page), GFP_KERNEL);
	KUNIT_ASSERT_FALSE(test, IS_ERR(again));
	KUNIT_EXPECT_TRUE(test, pc_arch_page_filled(again, 0));
	KUNIT_EXPECT_EQ(test, permcache_free_secret(again), 0);

	/*
	 * Once the node's freed pages are zeroed, the page is handed out again,
	 * reading zero.  First fit may hand out other free pages of the node
	 * first (freed earlier, by anyone): take pages until it comes, each of
	 * them zero, at most every unit of the node's chunks.
	 */
	pc_node_zero_dirty(pc_node(page_to_nid(page)));
	KUNIT_EXPECT_TRUE(test, pc_arch_page_filled(page, 0));
	KUNIT_ASSERT_EQ(test, permcache_get_stats(page_to_nid(page), &st), 0);
	max = st.units_total[PERMCACHE_SECRET] + 1;
	held = kunit_kcalloc(test, max, sizeof(*held), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, held);
	for (n = 0; n < max; ) {
		again = permcache_alloc_secret(page_to_nid(page),
					       GFP_KERNEL | __GFP_THISNODE);
		if (IS_ERR(again))
			break;
		held[n++] = again;
		KUNIT_EXPECT_TRUE(test, pc_arch_page_filled(again, 0));
		if (again == page)
			break;
	}
	KUNIT_EXPECT_PTR_EQ(test, n ? held[n - 1] : NULL, page);
	while (n)
		KUNIT_EXPECT_EQ(test, permcache_free_secret(held[--n]), 0);
}

static void freed_secret_pages_are_zeroed_in_batches(struct kunit *test)
{
	int nid = numa_mem_id();
	unsigned long zeroed, batches;
	struct permcache_stats st;
	struct page **pages;
	unsigned int i;

	pages = kunit_kcalloc(test, PC_ZERO_BATCH, sizeof(*pages), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, pages);
	for (i = 0; i < PC_ZERO_BATCH; i++) {
		pages[i] = permcache_alloc_secret(nid, GFP_KERNEL);
		KUNIT_ASSERT_FALSE(test, IS_ERR(pages[i]));
		pc_arch_fill_page(pages[i], 0x5a);
	}
	pc_node_zero_dirty(pc_node(nid));
	zeroed = pc_test_stat(PERMCACHE_STAT_SECRET_ZEROED);
	batches = pc_test_stat(PERMCACHE_STAT_ZERO_BATCHES);
	for (i = 0; i < PC_ZERO_BATCH; i++)
		KUNIT_EXPECT_EQ(test, permcache_free_secret(pages[i]), 0);
	/* The sweep work may have zeroed part of them already: no more waits. */
	pc_node_zero_dirty(pc_node(nid));

	for (i = 0; i < PC_ZERO_BATCH; i++)
		KUNIT_EXPECT_TRUE(test, pc_arch_page_filled(pages[i], 0));
	KUNIT_EXPECT_EQ(test, pc_test_stat(PERMCACHE_STAT_SECRET_ZEROED),
			zeroed + PC_ZERO_BATCH);
	/* One batch when the frees ran together: fewer than a flush each. */
	kunit_info(test, "%lu batches for %d pages\n",
		   pc_test_stat(PERMCACHE_STAT_ZERO_BATCHES) - batches,
		   PC_ZERO_BATCH);
	KUNIT_EXPECT_LT(test, pc_test_stat(PERMCACHE_STAT_ZERO_BATCHES) - batches,
			(unsigned long)PC_ZERO_BATCH / 2);
	/*
	 * A batch the sweep work took off the dirty list just before may
	 * still be being zeroed (zero_pending no longer counts it): wait.
	 */
	for (i = 0; i < 100; i++) {
		KUNIT_ASSERT_EQ(test, permcache_get_stats(nid, &st), 0);
		if (st.item[PERMCACHE_STAT_FREE_SECRET] ==
		    st.item[PERMCACHE_STAT_SECRET_ZEROED])
			break;
		msleep(20);
	}
	KUNIT_EXPECT_EQ(test, st.zero_pending, 0UL);
	KUNIT_EXPECT_EQ(test, st.item[PERMCACHE_STAT_FREE_SECRET],
			st.item[PERMCACHE_STAT_SECRET_ZEROED]);
}

/*
 * A page someone else still holds (a page-cache lookup, the caller of
 * ->free_folio()) goes back when the last holder lets go, through the page
 * allocator's free path: free_pages_prepare() gives it to permcache.
 */
static void secret_page_returns_at_its_last_put(struct kunit *test)
{
	struct page *page = permcache_alloc_secret(NUMA_NO_NODE, GFP_KERNEL);
	struct permcache_stats st0, st1;
	int nid;

	KUNIT_ASSERT_FALSE(test, IS_ERR(page));
	nid = page_to_nid(page);
	KUNIT_EXPECT_TRUE(test, folio_test_permcache(page_folio(page)));
	get_page(page);				/* a lookup still holds it */
	KUNIT_EXPECT_EQ(test, permcache_free_secret(page), 0);
	KUNIT_EXPECT_EQ(test, page_ref_count(page), 1);
	/* Not back yet: still handed out. */
	KUNIT_EXPECT_TRUE(test, folio_test_permcache(page_folio(page)));

	permcache_get_stats(nid, &st0);
	put_page(page);				/* the last one */
	pc_secret_sweep_node(pc_node(nid));	/* what the queued work runs */
	permcache_get_stats(nid, &st1);
	KUNIT_EXPECT_GE(test, st1.item[PERMCACHE_STAT_FREE_SECRET] -
			      st0.item[PERMCACHE_STAT_FREE_SECRET], 1UL);
	KUNIT_EXPECT_EQ(test, st1.item[PERMCACHE_STAT_BAD_FREES],
			st0.item[PERMCACHE_STAT_BAD_FREES]);
	/*
	 * Back in its chunk, holding the chunk's reference, no longer marked
	 * as handed out (nothing else in a KUnit boot allocates SECRET pages
	 * that could have taken it again).
	 */
	KUNIT_EXPECT_EQ(test, page_ref_count(page), 1);
	KUNIT_EXPECT_FALSE(test, folio_test_permcache(page_folio(page)));
}

static void many_secret_pages_fill_more_than_a_chunk(struct kunit *test)
{
	unsigned int i, nr = PC_CHUNK_PAGES + 3;
	struct page **pages;
	int nid = first_node(node_states[N_MEMORY]);

	pages = kunit_kcalloc(test, nr, sizeof(*pages), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, pages);
	for (i = 0; i < nr; i++) {
		pages[i] = permcache_alloc_secret(nid, GFP_KERNEL);
		KUNIT_ASSERT_FALSE(test, IS_ERR(pages[i]));
		KUNIT_EXPECT_EQ(test, page_to_nid(pages[i]), nid);
	}
	for (i = 0; i < nr; i++)
		KUNIT_EXPECT_EQ(test, permcache_free_secret(pages[i]), 0);
}

static struct kunit_case pc_secret_cases[] = {
	KUNIT_CASE(secret_pages_land_on_requested_node),
	KUNIT_CASE(secret_page_is_absent_from_direct_map),
	KUNIT_CASE(freed_secret_pages_are_zeroed_in_batches),
	KUNIT_CASE(freed_secret_page_is_zeroed),
	KUNIT_CASE(secret_page_returns_at_its_last_put),
	KUNIT_CASE(many_secret_pages_fill_more_than_a_chunk),
	{}
};

static struct kunit_suite pc_secret_suite = {
	.name = "permcache_secret",
	.test_cases = pc_secret_cases,
};

/* ---- permcache_text: RO/ROX aliases and text poking ---- */

static void rox_alias_is_one_pmd_not_writable(struct kunit *test)
{
	void *text = permcache_alloc_text(PERMCACHE_ROX, 256, NUMA_NO_NODE);
	unsigned long addr = (unsigned long)text;
	unsigned int level;
	pte_t *pte;

	KUNIT_ASSERT_FALSE(test, IS_ERR(text));
	KUNIT_EXPECT_GE(test, addr, (unsigned long)MODULES_VADDR);
	KUNIT_EXPECT_LT(test, addr, (unsigned long)MODULES_END);
	pte = lookup_address(addr, &level);
	KUNIT_ASSERT_NOT_NULL(test, pte);
	KUNIT_EXPECT_EQ(test, level, (unsigned int)PG_LEVEL_2M);
	KUNIT_EXPECT_TRUE(test, pte_present(*pte));
	KUNIT_EXPECT_FALSE(test, pte_write(*pte));
	KUNIT_EXPECT_TRUE(test, pte_exec(*pte));
	KUNIT_EXPECT_EQ(test, page_to_nid(vmalloc_to_page(text)), numa_mem_id());
	KUNIT_EXPECT_EQ(test, permcache_free_text(text, 256), 0);
}

static void ro_alias_is_not_executable(struct kunit *test)
{
	void *data = permcache_alloc_text(PERMCACHE_RO, 64, NUMA_NO_NODE);
	unsigned int level;
	pte_t *pte;

	KUNIT_ASSERT_FALSE(test, IS_ERR(data));
	pte = lookup_address((unsigned long)data, &level);
	KUNIT_ASSERT_NOT_NULL(test, pte);
	KUNIT_EXPECT_EQ(test, level, (unsigned int)PG_LEVEL_2M);
	KUNIT_EXPECT_FALSE(test, pte_write(*pte));
	KUNIT_EXPECT_FALSE(test, pte_exec(*pte));
	KUNIT_EXPECT_EQ(test, permcache_free_text(data, 64), 0);
}

typedef int (*pc_test_fn)(void);

static void generated_code_runs(struct kunit *test)
{
	/* endbr64; mov $0x2a51, %eax; ret */
	static const u8 code[] = {
		0xf3, 0x0f, 0x1e, 0xfa, 0xb8, 0x51, 0x2a, 0x00, 0x00, 0xc3,
	};
	void *text = permcache_alloc_text(PERMCACHE_ROX, sizeof(code),
					  NUMA_NO_NODE);
	long reach;

	KUNIT_ASSERT_FALSE(test, IS_ERR(text));
	/* JITted code calls kernel functions with rel32. */
	reach = (long)text - (long)_text;
	KUNIT_EXPECT_LT(test, reach < 0 ? -reach : reach, (long)S32_MAX);
	KUNIT_ASSERT_EQ(test, permcache_copy_text(text, code, sizeof(code)), 0);
	KUNIT_EXPECT_EQ(test, memcmp(text, code, sizeof(code)), 0);
	KUNIT_EXPECT_EQ(test, ((pc_test_fn)text)(), 0x2a51);
	KUNIT_EXPECT_EQ(test, permcache_free_text(text, sizeof(code)), 0);
}

static void freed_text_reads_back_as_int3(struct kunit *test)
{
	u8 *text = permcache_alloc_text(PERMCACHE_ROX, 200, NUMA_NO_NODE);

	KUNIT_ASSERT_FALSE(test, IS_ERR(text));
	/* Fresh text traps too. */
	KUNIT_EXPECT_NULL(test, memchr_inv(text, 0xcc, 200));
	KUNIT_ASSERT_EQ(test, permcache_set_text(text, 0x90, 200), 0);
	KUNIT_EXPECT_NULL(test, memchr_inv(text, 0x90, 200));
	KUNIT_ASSERT_EQ(test, permcache_free_text(text, 200), 0);
	/* Eager flushing drops the alias of the idle chunk: nothing to read. */
	if (!pc_config.lazy_flush)
		return;
	/* The chunk is idle and keeps its alias: read what is there now. */
	KUNIT_EXPECT_NULL(test, memchr_inv(text, 0xcc, 256));
}

static void text_writes_outside_permcache_are_refused(struct kunit *test)
{
	static u8 not_text[16];
	u8 *text = permcache_alloc_text(PERMCACHE_ROX, 64, NUMA_NO_NODE);

	KUNIT_ASSERT_FALSE(test, IS_ERR(text));
	KUNIT_EXPECT_EQ(test, permcache_set_text(not_text, 0, 16), -EINVAL);
	KUNIT_EXPECT_EQ(test, permcache_set_text(text, 0x90, 0), -EINVAL);
	KUNIT_EXPECT_EQ(test, permcache_set_text(text, 0x90, PC_CHUNK_SIZE),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, permcache_free_text(text, 64), 0);
}

/*
 * Readers of the direct map (/proc/kcore through vread_iter(), the
 * hibernation snapshot) find a text page through vmalloc_to_page() and
 * read it at page_address(): it must be there, read-only, with the bytes
 * the alias shows, and the alias must stay the only executable mapping.
 */
static void text_reads_the_same_through_the_direct_map(struct kunit *test)
{
	static const u8 code[] = { 0x0f, 0x0b, 0x90, 0x90, 0xc3 };
	u8 *text = permcache_alloc_text(PERMCACHE_ROX, 300, NUMA_NO_NODE);
	u8 buf[300];
	struct pc_test_dm dm;
	struct page *page;

	KUNIT_ASSERT_FALSE(test, IS_ERR(text));
	KUNIT_ASSERT_EQ(test, permcache_copy_text(text + 100, code, sizeof(code)),
			0);
	page = vmalloc_to_page(text);
	KUNIT_ASSERT_NOT_NULL(test, page);
	dm = pc_test_direct_map(page);
	KUNIT_EXPECT_EQ(test, dm.level, (unsigned int)PG_LEVEL_2M);
	KUNIT_EXPECT_TRUE(test, dm.present);
	KUNIT_EXPECT_FALSE(test, dm.write);
	KUNIT_EXPECT_FALSE(test, dm.exec);
	KUNIT_ASSERT_EQ(test, copy_from_kernel_nofault(buf, (u8 *)page_address(page) +
						       offset_in_page(text),
						       sizeof(buf)), 0L);
	KUNIT_EXPECT_EQ(test, memcmp(buf, text, sizeof(buf)), 0);
	KUNIT_EXPECT_EQ(test, permcache_free_text(text, 300), 0);
}

static struct kunit_case pc_text_cases[] = {
	KUNIT_CASE(text_reads_the_same_through_the_direct_map),
	KUNIT_CASE(rox_alias_is_one_pmd_not_writable),
	KUNIT_CASE(ro_alias_is_not_executable),
	KUNIT_CASE(generated_code_runs),
	KUNIT_CASE(freed_text_reads_back_as_int3),
	KUNIT_CASE(text_writes_outside_permcache_are_refused),
	{}
};

static struct kunit_suite pc_text_suite = {
	.name = "permcache_text",
	.test_cases = pc_text_cases,
};

/*
 * ---- permcache_flush: lazy flushing, counted by permcache and watched
 * from outside (pc_test_tlb_watch()) ----
 */

static void same_class_reuse_issues_no_flush(struct kunit *test)
{
	struct pc_test_tlb *t = pc_test_tlb_watch(test);
	int nid = numa_mem_id();
	unsigned long flushes, reuse;
	void *a, *b;

	pc_test_drain(test, nid);
	a = permcache_alloc_text(PERMCACHE_ROX, 4096, nid);
	KUNIT_ASSERT_FALSE(test, IS_ERR(a));
	KUNIT_ASSERT_EQ(test, permcache_free_text(a, 4096), 0);

	flushes = pc_test_stat(PERMCACHE_STAT_FLUSHES);
	pc_test_tlb_mark(t);
	reuse = pc_test_stat(PERMCACHE_STAT_REUSE_SAME_CLASS);
	b = permcache_alloc_text(PERMCACHE_ROX, 4096, nid);
	KUNIT_ASSERT_FALSE(test, IS_ERR(b));
	KUNIT_EXPECT_EQ(test, pc_test_stat(PERMCACHE_STAT_FLUSHES), flushes);
	pc_test_tlb_expect(test, t, 0);
	KUNIT_EXPECT_EQ(test, pc_test_stat(PERMCACHE_STAT_REUSE_SAME_CLASS),
			reuse + 1);
	KUNIT_EXPECT_EQ(test, permcache_free_text(b, 4096), 0);
	pc_test_drain(test, nid);
}

static void text_to_secret_change_issues_one_flush(struct kunit *test)
{
	struct pc_test_tlb *t = pc_test_tlb_watch(test);
	int nid = numa_mem_id();
	unsigned long flushes, changes;
	struct page *page;
	void *text;

	pc_test_drain(test, nid);
	text = permcache_alloc_text(PERMCACHE_ROX, 64, nid);
	KUNIT_ASSERT_FALSE(test, IS_ERR(text));
	KUNIT_ASSERT_EQ(test, permcache_free_text(text, 64), 0);

	flushes = pc_test_stat(PERMCACHE_STAT_FLUSHES);
	pc_test_tlb_mark(t);
	changes = pc_test_stat(PERMCACHE_STAT_CLASS_CHANGES);
	page = permcache_alloc_secret(nid, GFP_KERNEL);
	KUNIT_ASSERT_FALSE(test, IS_ERR(page));
	/* The idle ROX chunk was converted, not a new one acquired. */
	KUNIT_EXPECT_EQ(test, pc_test_stat(PERMCACHE_STAT_CLASS_CHANGES),
			changes + 1);
	KUNIT_EXPECT_EQ(test, pc_test_stat(PERMCACHE_STAT_FLUSHES), flushes + 1);
	pc_test_tlb_expect(test, t, 1);
	KUNIT_EXPECT_TRUE(test, pc_arch_page_filled(page, 0));
	/* The read-only direct map of the text went with the same flush. */
	KUNIT_EXPECT_FALSE(test, pc_test_direct_map(page).present);
	KUNIT_EXPECT_EQ(test, pc_test_direct_map(page).level,
			(unsigned int)PG_LEVEL_2M);
	KUNIT_EXPECT_EQ(test, permcache_free_secret(page), 0);

	/* Back to text: a SECRET chunk has no alias, so no flush. */
	flushes = pc_test_stat(PERMCACHE_STAT_FLUSHES);
	pc_test_tlb_mark(t);
	text = permcache_alloc_text(PERMCACHE_RO, 64, nid);
	KUNIT_ASSERT_FALSE(test, IS_ERR(text));
	KUNIT_EXPECT_EQ(test, pc_test_stat(PERMCACHE_STAT_FLUSHES), flushes);
	pc_test_tlb_expect(test, t, 0);
	KUNIT_EXPECT_TRUE(test, pc_test_direct_map(page).present);
	KUNIT_EXPECT_FALSE(test, pc_test_direct_map(page).write);
	KUNIT_EXPECT_NULL(test, memchr_inv(text, 0xcc, 64));
	KUNIT_EXPECT_EQ(test, permcache_free_text(text, 64), 0);
	pc_test_drain(test, nid);
}

static void releasing_text_chunks_issues_one_flush(struct kunit *test)
{
	struct pc_test_tlb *t = pc_test_tlb_watch(test);
	int nid = numa_mem_id();
	unsigned long flushes, released;
	void *text[3];
	unsigned int i;

	pc_test_drain(test, nid);
	/* A whole chunk each: three chunks with three aliases. */
	for (i = 0; i < ARRAY_SIZE(text); i++) {
		text[i] = permcache_alloc_text(PERMCACHE_ROX, PC_CHUNK_SIZE, nid);
		KUNIT_ASSERT_FALSE(test, IS_ERR(text[i]));
	}
	for (i = 0; i < ARRAY_SIZE(text); i++)
		KUNIT_EXPECT_EQ(test, permcache_free_text(text[i], PC_CHUNK_SIZE), 0);

	flushes = pc_test_stat(PERMCACHE_STAT_FLUSHES);
	pc_test_tlb_mark(t);
	released = pc_test_stat(PERMCACHE_STAT_CHUNKS_RELEASED);
	KUNIT_EXPECT_EQ(test, pc_node_release_idle(pc_node(nid), 0, UINT_MAX), 3U);
	KUNIT_EXPECT_EQ(test, pc_test_stat(PERMCACHE_STAT_FLUSHES), flushes + 1);
	pc_test_tlb_expect(test, t, 1);
	KUNIT_EXPECT_EQ(test, pc_test_stat(PERMCACHE_STAT_CHUNKS_RELEASED),
			released + 3);
}

static void releasing_secret_chunks_issues_no_flush(struct kunit *test)
{
	struct pc_test_tlb *t = pc_test_tlb_watch(test);
	int nid = numa_mem_id();
	unsigned long flushes;
	struct page *page;

	pc_test_drain(test, nid);
	page = permcache_alloc_secret(nid, GFP_KERNEL);
	KUNIT_ASSERT_FALSE(test, IS_ERR(page));
	KUNIT_ASSERT_EQ(test, permcache_free_secret(page), 0);
	flushes = pc_test_stat(PERMCACHE_STAT_FLUSHES);
	pc_test_tlb_mark(t);
	KUNIT_EXPECT_EQ(test, pc_node_release_idle(pc_node(nid), 0, UINT_MAX), 1U);
	KUNIT_EXPECT_EQ(test, pc_test_stat(PERMCACHE_STAT_FLUSHES), flushes);
	pc_test_tlb_expect(test, t, 0);
}

static void prefill_of_all_nodes_issues_one_flush(struct kunit *test)
{
	struct pc_test_tlb *t = pc_test_tlb_watch(test);
	unsigned long flushes, acquired;
	unsigned int nr = 0;
	int *nids, nid;

	nids = kunit_kcalloc(test, 2 * nr_node_ids, sizeof(*nids), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, nids);
	for_each_node_state(nid, N_MEMORY) {
		pc_test_drain(test, nid);
		nids[nr++] = nid;
		nids[nr++] = nid;
	}
	flushes = pc_test_stat(PERMCACHE_STAT_FLUSHES);
	pc_test_tlb_mark(t);
	acquired = pc_test_stat(PERMCACHE_STAT_CHUNKS_ACQUIRED);
	KUNIT_EXPECT_EQ(test, pc_chunks_acquire(nids, nr), (int)nr);
	KUNIT_EXPECT_EQ(test, pc_test_stat(PERMCACHE_STAT_FLUSHES), flushes + 1);
	pc_test_tlb_expect(test, t, 1);
	KUNIT_EXPECT_EQ(test, pc_test_stat(PERMCACHE_STAT_CHUNKS_ACQUIRED),
			acquired + nr);
	for_each_node_state(nid, N_MEMORY)
		pc_test_drain(test, nid);
}

static struct kunit_case pc_flush_cases[] = {
	KUNIT_CASE(same_class_reuse_issues_no_flush),
	KUNIT_CASE(text_to_secret_change_issues_one_flush),
	KUNIT_CASE(releasing_text_chunks_issues_one_flush),
	KUNIT_CASE(releasing_secret_chunks_issues_no_flush),
	KUNIT_CASE(prefill_of_all_nodes_issues_one_flush),
	{}
};

static int pc_flush_test_init(struct kunit *test)
{
	/* The counts below are those of lazy flushing; see permcache_params. */
	if (!pc_config.lazy_flush)
		kunit_skip(test, "permcache.lazy_flush=0");
	return 0;
}

/* Leave every node as boot left it: permcache.prefill clean chunks. */
static void pc_test_restore_prefill(struct kunit_suite *suite)
{
	int nid;

	/* Boot prefills only when permcache is enabled. */
	if (!pc_config.enable)
		return;

	for_each_node_state(nid, N_MEMORY) {
		unsigned int i;

		for (i = 0; i < pc_config.prefill; i++)
			pc_chunks_acquire(&nid, 1);
	}
}

static struct kunit_suite pc_flush_suite = {
	.name = "permcache_flush",
	.init = pc_flush_test_init,
	.suite_exit = pc_test_restore_prefill,
	.test_cases = pc_flush_cases,
};

/* ---- permcache_misuse: bad input is refused, nothing corrupted ---- */

static void bad_alloc_arguments_are_refused(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, PTR_ERR(permcache_alloc_text(PERMCACHE_ROX, 0,
							   NUMA_NO_NODE)), -EINVAL);
	KUNIT_EXPECT_EQ(test, PTR_ERR(permcache_alloc_text(PERMCACHE_ROX,
							   PC_CHUNK_SIZE + 1,
							   NUMA_NO_NODE)), -E2BIG);
	KUNIT_EXPECT_EQ(test, PTR_ERR(permcache_alloc_text(PERMCACHE_SECRET, 64,
							   NUMA_NO_NODE)), -EINVAL);
	KUNIT_EXPECT_EQ(test, PTR_ERR(permcache_alloc_text(PERMCACHE_NR_CLASSES,
							   64, NUMA_NO_NODE)),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, PTR_ERR(permcache_alloc_text(PERMCACHE_ROX, 64,
							   MAX_NUMNODES)), -EINVAL);
	KUNIT_EXPECT_EQ(test, PTR_ERR(permcache_alloc_secret(-7, GFP_KERNEL)),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, PTR_ERR(permcache_alloc_secret(MAX_NUMNODES,
							     GFP_KERNEL)), -EINVAL);
}

static void foreign_and_double_secret_frees_are_refused(struct kunit *test)
{
	struct page *foreign = alloc_page(GFP_KERNEL);
	struct page *page = permcache_alloc_secret(NUMA_NO_NODE, GFP_KERNEL);
	unsigned long bad = pc_test_stat(PERMCACHE_STAT_BAD_FREES);
	unsigned long frees = pc_test_stat(PERMCACHE_STAT_FREE_SECRET);

	KUNIT_ASSERT_NOT_NULL(test, foreign);
	KUNIT_ASSERT_FALSE(test, IS_ERR(page));
	pc_test_expect_misuse(true);
	KUNIT_EXPECT_EQ(test, permcache_free_secret(foreign), -EINVAL);
	KUNIT_EXPECT_EQ(test, permcache_free_secret(NULL), -EINVAL);
	KUNIT_EXPECT_EQ(test, permcache_free_secret(page), 0);
	KUNIT_EXPECT_EQ(test, permcache_free_secret(page), -EINVAL);
	pc_test_expect_misuse(false);
	KUNIT_EXPECT_EQ(test, pc_test_stat(PERMCACHE_STAT_BAD_FREES), bad + 3);
	KUNIT_EXPECT_EQ(test, pc_test_stat(PERMCACHE_STAT_FREE_SECRET), frees + 1);
	__free_page(foreign);
}

static void wrong_size_and_double_text_frees_are_refused(struct kunit *test)
{
	u8 *text = permcache_alloc_text(PERMCACHE_ROX, 256, NUMA_NO_NODE);
	u8 *next = permcache_alloc_text(PERMCACHE_ROX, 64, NUMA_NO_NODE);
	unsigned long bad = pc_test_stat(PERMCACHE_STAT_BAD_FREES);
	void *heap = kmalloc(64, GFP_KERNEL);

	KUNIT_ASSERT_FALSE(test, IS_ERR(text));
	KUNIT_ASSERT_FALSE(test, IS_ERR(next));
	KUNIT_ASSERT_NOT_NULL(test, heap);
	KUNIT_ASSERT_EQ(test, permcache_set_text(next, 0x90, 64), 0);

	pc_test_expect_misuse(true);
	KUNIT_EXPECT_EQ(test, permcache_free_text(text, 128), -EINVAL);
	KUNIT_EXPECT_EQ(test, permcache_free_text(text, 512), -EINVAL);
	KUNIT_EXPECT_EQ(test, permcache_free_text(text + 64, 64), -EINVAL);
	KUNIT_EXPECT_EQ(test, permcache_free_text(text + 1, 255), -EINVAL);
	KUNIT_EXPECT_EQ(test, permcache_free_text(heap, 64), -EINVAL);
	KUNIT_EXPECT_EQ(test, permcache_free_text(text, 0), -EINVAL);
	KUNIT_EXPECT_EQ(test, permcache_free_text(text, 256), 0);
	KUNIT_EXPECT_EQ(test, permcache_free_text(text, 256), -EINVAL);
	pc_test_expect_misuse(false);

	KUNIT_EXPECT_EQ(test, pc_test_stat(PERMCACHE_STAT_BAD_FREES), bad + 7);
	/* Nothing was corrupted: the neighbour still holds what it was given. */
	KUNIT_EXPECT_NULL(test, memchr_inv(next, 0x90, 64));
	KUNIT_EXPECT_EQ(test, permcache_free_text(next, 64), 0);
	kfree(heap);
}

static struct kunit_case pc_misuse_cases[] = {
	KUNIT_CASE(bad_alloc_arguments_are_refused),
	KUNIT_CASE(foreign_and_double_secret_frees_are_refused),
	KUNIT_CASE(wrong_size_and_double_text_frees_are_refused),
	{}
};

static struct kunit_suite pc_misuse_suite = {
	.name = "permcache_misuse",
	.test_cases = pc_misuse_cases,
};

/* ---- permcache_node: node choice ---- */

static void fallback_order_is_by_distance(struct kunit *test)
{
	enum pc_fallback saved = pc_config.fallback;
	int nid, i, prev, next;

	pc_config.fallback = PC_FALLBACK_DISTANCE;
	for_each_node_state(nid, N_MEMORY) {
		prev = NUMA_NO_NODE;
		for (i = 0; (next = pc_node_fallback(nid, i)) != NUMA_NO_NODE; i++) {
			KUNIT_EXPECT_NE(test, next, nid);
			KUNIT_EXPECT_TRUE(test, node_state(next, N_MEMORY));
			if (prev != NUMA_NO_NODE)
				KUNIT_EXPECT_LE(test, node_distance(nid, prev),
						node_distance(nid, next));
			prev = next;
		}
		KUNIT_EXPECT_EQ(test, i, (int)num_node_state(N_MEMORY) - 1);
	}
	pc_config.fallback = saved;
}

static void pc_test_unblock_node(void *data)
{
	struct pc_node *pn = data;

	WRITE_ONCE(pn->acquire_after, jiffies);
}

/*
 * Until the case ends, @nid cannot supply a new chunk: its acquisition backs
 * off, as after a failed order-9 allocation.  With no idle chunk left (the
 * caller drains it), a whole-chunk allocation there has nowhere to come from
 * but another node.
 */
static void pc_test_block_node(struct kunit *test, int nid)
{
	struct pc_node *pn = pc_node(nid);

	WRITE_ONCE(pn->acquire_after, jiffies + 3600 * HZ);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, pc_test_unblock_node,
							pn), 0);
}

/*
 * Ask @nid, which cannot supply a chunk, for a whole RO chunk under
 * permcache.fallback=@fallback: served by the nearest other node, or not at
 * all.  Returns the node that served it, or NUMA_NO_NODE.
 */
static int pc_test_alloc_where_home_cannot(struct kunit *test, int nid,
					   enum pc_fallback fallback)
{
	enum pc_fallback saved = pc_config.fallback;
	unsigned long failed, remote, acquired_home;
	struct permcache_stats st;
	int served = NUMA_NO_NODE;
	void *text;

	pc_test_drain(test, nid);
	pc_test_block_node(test, nid);
	failed = pc_test_stat(PERMCACHE_STAT_ALLOC_FAILED);
	remote = pc_test_stat(PERMCACHE_STAT_ALLOC_REMOTE);
	KUNIT_ASSERT_EQ(test, permcache_get_stats(nid, &st), 0);
	acquired_home = st.item[PERMCACHE_STAT_CHUNKS_ACQUIRED];

	pc_config.fallback = fallback;
	text = permcache_alloc_text(PERMCACHE_RO, PC_CHUNK_SIZE, nid);
	pc_config.fallback = saved;

	KUNIT_EXPECT_EQ(test, permcache_get_stats(nid, &st), 0);
	KUNIT_EXPECT_EQ(test, st.item[PERMCACHE_STAT_CHUNKS_ACQUIRED], acquired_home);
	if (IS_ERR(text)) {
		KUNIT_EXPECT_EQ(test, PTR_ERR(text), -ENOMEM);
		KUNIT_EXPECT_EQ(test, pc_test_stat(PERMCACHE_STAT_ALLOC_FAILED),
				failed + 1);
		KUNIT_EXPECT_EQ(test, pc_test_stat(PERMCACHE_STAT_ALLOC_REMOTE),
				remote);
		return NUMA_NO_NODE;
	}
	served = page_to_nid(vmalloc_to_page(text));
	KUNIT_EXPECT_EQ(test, pc_test_stat(PERMCACHE_STAT_ALLOC_REMOTE), remote + 1);
	KUNIT_EXPECT_EQ(test, pc_test_stat(PERMCACHE_STAT_ALLOC_FAILED), failed);
	KUNIT_EXPECT_EQ(test, permcache_free_text(text, PC_CHUNK_SIZE), 0);
	pc_test_drain(test, served);
	return served;
}

static void fallback_none_fails_where_home_cannot_serve(struct kunit *test)
{
	int nid = numa_mem_id();

	KUNIT_EXPECT_EQ(test, pc_test_alloc_where_home_cannot(test, nid,
							      PC_FALLBACK_NONE),
			NUMA_NO_NODE);
	KUNIT_EXPECT_EQ(test, pc_node_home(NUMA_NO_NODE), numa_mem_id());
	KUNIT_EXPECT_EQ(test, pc_node_home(-2), -EINVAL);
}

static void fallback_distance_serves_from_the_nearest_node(struct kunit *test)
{
	int nid = numa_mem_id(), served;

	if (num_node_state(N_MEMORY) < 2)
		kunit_skip(test, "one node with memory");
	served = pc_test_alloc_where_home_cannot(test, nid, PC_FALLBACK_DISTANCE);
	KUNIT_ASSERT_NE(test, served, NUMA_NO_NODE);
	KUNIT_EXPECT_NE(test, served, nid);
	/* The nearest: no node with memory is closer to the home node. */
	KUNIT_EXPECT_EQ(test, served, pc_node_fallback(nid, 0));
}

/*
 * Counters kept in different places agree: the allocation counters (bumped
 * by the API) and the units in use (counted from the chunks' bitmaps) move
 * together on the node that served, and on no other; the sum over all nodes
 * is the per-node sum.
 */
static void stats_add_up_over_nodes(struct kunit *test)
{
	struct permcache_stats *before, *after, all, sum = {};
	unsigned int i, n = 0, per_node = 3;
	struct page **pages;
	int nid;

	before = kunit_kcalloc(test, nr_node_ids, sizeof(*before), GFP_KERNEL);
	after = kunit_kcalloc(test, nr_node_ids, sizeof(*after), GFP_KERNEL);
	pages = kunit_kcalloc(test, nr_node_ids * per_node, sizeof(*pages),
			      GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, before);
	KUNIT_ASSERT_NOT_NULL(test, after);
	KUNIT_ASSERT_NOT_NULL(test, pages);
	for_each_node_state(nid, N_MEMORY) {
		pc_node_zero_dirty(pc_node(nid));
		KUNIT_ASSERT_EQ(test, permcache_get_stats(nid, &before[nid]), 0);
	}
	/* per_node pages on each node but the first, to tell nodes apart. */
	for_each_node_state(nid, N_MEMORY) {
		if (nid == first_node(node_states[N_MEMORY]))
			continue;
		for (i = 0; i < per_node; i++) {
			pages[n] = permcache_alloc_secret(nid, GFP_KERNEL |
							  __GFP_THISNODE);
			KUNIT_ASSERT_FALSE(test, IS_ERR(pages[n]));
			KUNIT_EXPECT_EQ(test, page_to_nid(pages[n]), nid);
			n++;
		}
	}
	for_each_node_state(nid, N_MEMORY) {
		unsigned long want = nid == first_node(node_states[N_MEMORY]) ?
				     0 : per_node;

		KUNIT_ASSERT_EQ(test, permcache_get_stats(nid, &after[nid]), 0);
		KUNIT_EXPECT_EQ(test, after[nid].item[PERMCACHE_STAT_ALLOC_SECRET] -
				before[nid].item[PERMCACHE_STAT_ALLOC_SECRET], want);
		KUNIT_EXPECT_EQ(test, after[nid].units_used[PERMCACHE_SECRET] -
				before[nid].units_used[PERMCACHE_SECRET], want);
		for (i = 0; i < PERMCACHE_NR_CLASSES; i++)
			KUNIT_EXPECT_LE(test, after[nid].units_used[i],
					after[nid].units_total[i]);
		for (i = 0; i < PERMCACHE_NR_STAT_ITEMS; i++)
			sum.item[i] += after[nid].item[i];
	}
	KUNIT_ASSERT_EQ(test, permcache_get_stats(NUMA_NO_NODE, &all), 0);
	for (i = 0; i < PERMCACHE_NR_STAT_ITEMS; i++)
		KUNIT_EXPECT_EQ(test, all.item[i], sum.item[i]);
	KUNIT_EXPECT_EQ(test, permcache_get_stats(MAX_NUMNODES, &all), -EINVAL);

	/* Freed and zeroed, the units are back and free_secret has moved. */
	for (i = 0; i < n; i++)
		KUNIT_EXPECT_EQ(test, permcache_free_secret(pages[i]), 0);
	for_each_node_state(nid, N_MEMORY) {
		unsigned long want = nid == first_node(node_states[N_MEMORY]) ?
				     0 : per_node;

		pc_node_zero_dirty(pc_node(nid));
		KUNIT_ASSERT_EQ(test, permcache_get_stats(nid, &after[nid]), 0);
		KUNIT_EXPECT_EQ(test, after[nid].item[PERMCACHE_STAT_FREE_SECRET] -
				before[nid].item[PERMCACHE_STAT_FREE_SECRET], want);
		KUNIT_EXPECT_EQ(test, after[nid].units_used[PERMCACHE_SECRET],
				before[nid].units_used[PERMCACHE_SECRET]);
	}
}

static struct kunit_case pc_node_cases[] = {
	KUNIT_CASE(fallback_order_is_by_distance),
	KUNIT_CASE(fallback_none_fails_where_home_cannot_serve),
	KUNIT_CASE(fallback_distance_serves_from_the_nearest_node),
	KUNIT_CASE(stats_add_up_over_nodes),
	{}
};

static struct kunit_suite pc_node_suite = {
	.name = "permcache_node",
	.test_cases = pc_node_cases,
};

/* ---- permcache_params: the boot parameters in force have their effect ---- */

struct pc_test_walk {
	unsigned int idle, idle_with_alias, idle_clean;
};

static void pc_test_walk_chunk(const struct pc_chunk *c, bool idle, void *data)
{
	struct pc_test_walk *w = data;

	if (!idle)
		return;
	w->idle++;
	w->idle_with_alias += !!c->alias;
	w->idle_clean += c->cls == PC_CLEAN;
}

static void lazy_flush_decides_if_idle_text_keeps_its_alias(struct kunit *test)
{
	struct pc_test_tlb *t = pc_test_tlb_watch(test);
	struct pc_test_walk w = {};
	int nid = numa_mem_id();
	unsigned long flushes;
	void *text;

	pc_test_drain(test, nid);
	text = permcache_alloc_text(PERMCACHE_ROX, 64, nid);
	KUNIT_ASSERT_FALSE(test, IS_ERR(text));
	flushes = pc_test_stat(PERMCACHE_STAT_FLUSHES);
	pc_test_tlb_mark(t);
	KUNIT_ASSERT_EQ(test, permcache_free_text(text, 64), 0);
	pc_node_walk_chunks(pc_node(nid), pc_test_walk_chunk, &w);
	kunit_info(test, "lazy_flush=%d\n", pc_config.lazy_flush);
	KUNIT_EXPECT_EQ(test, w.idle, 1U);
	if (pc_config.lazy_flush) {
		KUNIT_EXPECT_EQ(test, w.idle_with_alias, 1U);
		KUNIT_EXPECT_EQ(test, pc_test_stat(PERMCACHE_STAT_FLUSHES), flushes);
		pc_test_tlb_expect(test, t, 0);
	} else {
		KUNIT_EXPECT_EQ(test, w.idle_clean, 1U);
		KUNIT_EXPECT_EQ(test, w.idle_with_alias, 0U);
		KUNIT_EXPECT_EQ(test, pc_test_stat(PERMCACHE_STAT_FLUSHES),
				flushes + 1);
		pc_test_tlb_expect(test, t, 1);
	}
	pc_test_drain(test, nid);
}

static void frees_trim_idle_chunks_to_max_idle(struct kunit *test)
{
	unsigned int i, nr = pc_config.max_idle + 2;
	struct pc_test_walk w = {};
	int nid = numa_mem_id();
	void **text;

	if (nr > 34)
		kunit_skip(test, "permcache.max_idle=%u: too many chunks to fill",
			   pc_config.max_idle);
	text = kunit_kcalloc(test, nr, sizeof(*text), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, text);
	pc_test_drain(test, nid);
	for (i = 0; i < nr; i++) {
		text[i] = permcache_alloc_text(PERMCACHE_RO, PC_CHUNK_SIZE, nid);
		KUNIT_ASSERT_FALSE(test, IS_ERR(text[i]));
	}
	for (i = 0; i < nr; i++)
		KUNIT_EXPECT_EQ(test, permcache_free_text(text[i], PC_CHUNK_SIZE), 0);
	pc_trim_wait();
	pc_node_walk_chunks(pc_node(nid), pc_test_walk_chunk, &w);
	kunit_info(test, "max_idle=%u\n", pc_config.max_idle);
	KUNIT_EXPECT_EQ(test, w.idle, pc_config.max_idle);
	pc_test_drain(test, nid);
}

/* The boot's permcache.fallback decides, for a home node that cannot serve. */
static void fallback_decides_if_other_nodes_serve(struct kunit *test)
{
	int nid = numa_mem_id(), served;

	if (num_node_state(N_MEMORY) < 2)
		kunit_skip(test, "one node with memory");
	kunit_info(test, "fallback=%d\n", pc_config.fallback);
	served = pc_test_alloc_where_home_cannot(test, nid, pc_config.fallback);
	if (pc_config.fallback == PC_FALLBACK_NONE)
		KUNIT_EXPECT_EQ(test, served, NUMA_NO_NODE);
	else
		KUNIT_EXPECT_EQ(test, served, pc_node_fallback(nid, 0));
}

static struct kunit_case pc_params_cases[] = {
	KUNIT_CASE(lazy_flush_decides_if_idle_text_keeps_its_alias),
	KUNIT_CASE(frees_trim_idle_chunks_to_max_idle),
	KUNIT_CASE(fallback_decides_if_other_nodes_serve),
	{}
};

static struct kunit_suite pc_params_suite = {
	.name = "permcache_params",
	.suite_exit = pc_test_restore_prefill,
	.test_cases = pc_params_cases,
};

/*
 * ---- permcache_neighbour: hwpoison and memory offline, where permcache
 * meets the rest of the kernel ----
 */

/*
 * Undo what the test did to a chunk it retired: the page is no longer
 * poisoned, the unit that was held for it is freed and the chunk goes back
 * into service, so that the suites after this one see a normal cache.
 */
static void pc_test_unretire(struct pc_chunk *c, struct page *bad)
{
	struct pc_node *pn = pc_node(c->nid);

	ClearPageHWPoison(bad);
	spin_lock(&pn->lock);
	pc_chunk_set_offline(c, false);
	c->poisoned = false;
	pn->nr_retired--;
	if (c->units.used) {
		list_move(&c->list, &pn->active[c->cls]);
	} else {
		list_move(&c->list, &pn->idle[c->cls]);
		pn->nr_idle++;
		pc_chunk_set_offline(c, true);
	}
	spin_unlock(&pn->lock);
}

static struct pc_chunk *pc_test_chunk_of(struct page *page)
{
	struct pc_chunk *c;

	rcu_read_lock();
	c = pc_chunk_lookup_pfn(page_to_pfn(page));
	rcu_read_unlock();
	return c;
}

static void poisoned_page_is_never_handed_out(struct kunit *test)
{
	unsigned long poisoned = pc_test_stat(PERMCACHE_STAT_HWPOISONED);
	gfp_t gfp = GFP_KERNEL | __GFP_THISNODE;
	int nid = numa_mem_id();
	struct permcache_stats st;
	struct page *first, *bad, **pages;
	struct pc_chunk *c;
	unsigned int i, n;

	pc_test_drain(test, nid);
	first = permcache_alloc_secret(nid, gfp);
	KUNIT_ASSERT_FALSE(test, IS_ERR(first));
	c = pc_test_chunk_of(first);
	KUNIT_ASSERT_NOT_NULL(test, c);
	/* Units are first fit: the fourth page would be the fourth out. */
	bad = c->page + 3;
	SetPageHWPoison(bad);

	pages = kunit_kcalloc(test, PC_CHUNK_PAGES, sizeof(*pages), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, pages);
	for (n = 0; n < PC_CHUNK_PAGES; n++) {
		pages[n] = permcache_alloc_secret(nid, gfp);
		if (IS_ERR(pages[n]))
			break;
		KUNIT_EXPECT_PTR_NE(test, pages[n], bad);
	}
	KUNIT_EXPECT_EQ(test, n, (unsigned int)PC_CHUNK_PAGES);
	KUNIT_EXPECT_EQ(test, pc_test_stat(PERMCACHE_STAT_HWPOISONED),
			poisoned + 1);
	permcache_get_stats(nid, &st);
	KUNIT_EXPECT_EQ(test, st.retired, 1UL);
	KUNIT_EXPECT_TRUE(test, c->poisoned);

	for (i = 0; i < n; i++)
		KUNIT_EXPECT_EQ(test, permcache_free_secret(pages[i]), 0);
	KUNIT_EXPECT_EQ(test, permcache_free_secret(first), 0);
	pc_node_zero_dirty(pc_node(nid));
	/* Freed units of a retired chunk do not bring it back into service. */
	KUNIT_EXPECT_TRUE(test, c->poisoned);
	/* The poisoned page's unit is nobody's: the page is offline. */
	KUNIT_EXPECT_EQ(test, c->units.used, 0U);
	KUNIT_EXPECT_TRUE(test, PageOffline(bad));
	pc_test_unretire(c, bad);
	pc_test_drain(test, nid);
}

static void poisoned_idle_chunk_is_never_released(struct kunit *test)
{
	unsigned long poisoned = pc_test_stat(PERMCACHE_STAT_HWPOISONED);
	int nid = numa_mem_id();
	struct pc_node *pn = pc_node(nid);
	struct page *page, *bad;
	struct pc_chunk *c;

	pc_test_drain(test, nid);
	page = permcache_alloc_secret(nid, GFP_KERNEL | __GFP_THISNODE);
	KUNIT_ASSERT_FALSE(test, IS_ERR(page));
	c = pc_test_chunk_of(page);
	KUNIT_ASSERT_NOT_NULL(test, c);
	KUNIT_ASSERT_EQ(test, permcache_free_secret(page), 0);
	bad = c->page + 100;
	SetPageHWPoison(bad);
	/* Zeroing skips nothing here: the freed page is a healthy one. */
	KUNIT_EXPECT_EQ(test, pc_node_release_idle(pn, 0, UINT_MAX), 0U);
	KUNIT_EXPECT_EQ(test, pc_test_stat(PERMCACHE_STAT_HWPOISONED),
			poisoned + 1);
	KUNIT_EXPECT_TRUE(test, c->poisoned);
	KUNIT_EXPECT_EQ(test, c->units.used, 0U);
	pc_test_unretire(c, bad);
	pc_test_drain(test, nid);
}

static void poisoned_freed_page_is_never_zeroed(struct kunit *test)
{
	int nid = numa_mem_id();
	struct page *page;
	struct pc_chunk *c;

	pc_test_drain(test, nid);
	page = permcache_alloc_secret(nid, GFP_KERNEL | __GFP_THISNODE);
	KUNIT_ASSERT_FALSE(test, IS_ERR(page));
	c = pc_test_chunk_of(page);
	KUNIT_ASSERT_NOT_NULL(test, c);
	SetPageHWPoison(page);
	KUNIT_ASSERT_EQ(test, permcache_free_secret(page), 0);
	KUNIT_EXPECT_EQ(test, pc_node_zero_dirty(pc_node(nid)), 0U);
	KUNIT_EXPECT_TRUE(test, c->poisoned);
	/* Nobody can be handed the page: it is offline in a retired chunk. */
	KUNIT_EXPECT_TRUE(test, PageOffline(page));
	pc_test_unretire(c, page);
	pc_test_drain(test, nid);
}

/* ---- memory offline: idle chunks are logically offline and go ---- */

static unsigned long pc_test_node_stat(int nid, enum permcache_stat_item item)
{
	struct permcache_stats st;

	permcache_get_stats(nid, &st);
	return st.item[item];
}

static void idle_chunks_are_offline_and_released_for_memory_offline(struct kunit *test)
{
	int nid = numa_mem_id();
	unsigned long released;
	struct page *page;
	struct pc_chunk *c;
	unsigned long pfn;

	pc_test_drain(test, nid);
	/* This node's count: trimming may release chunks of other nodes. */
	pc_trim_wait();
	released = pc_test_node_stat(nid, PERMCACHE_STAT_CHUNKS_RELEASED);
	page = permcache_alloc_secret(nid, GFP_KERNEL | __GFP_THISNODE);
	KUNIT_ASSERT_FALSE(test, IS_ERR(page));
	/* A page handed out is an ordinary page; its chunk is in use. */
	KUNIT_EXPECT_FALSE(test, PageOffline(page));
	c = pc_test_chunk_of(page);
	KUNIT_ASSERT_NOT_NULL(test, c);
	pfn = pc_chunk_pfn(c);
	KUNIT_EXPECT_FALSE(test, PageOffline(c->page + 1));
	/* A block holding a chunk in use cannot go offline; nothing changes. */
	KUNIT_EXPECT_EQ(test, pc_release_range(pfn, PC_CHUNK_PAGES), -EBUSY);
	KUNIT_EXPECT_EQ(test, pc_test_node_stat(nid, PERMCACHE_STAT_CHUNKS_RELEASED),
			released);

	KUNIT_ASSERT_EQ(test, permcache_free_secret(page), 0);
	pc_node_zero_dirty(pc_node(nid));
	/* Idle: every page is logically offline, so isolation accepts it. */
	KUNIT_EXPECT_TRUE(test, PageOffline(c->page));
	KUNIT_EXPECT_TRUE(test, PageOffline(c->page + PC_CHUNK_PAGES - 1));
	KUNIT_EXPECT_EQ(test, pc_release_range(pfn, PC_CHUNK_PAGES), 0);
	KUNIT_EXPECT_EQ(test, pc_test_node_stat(nid, PERMCACHE_STAT_CHUNKS_RELEASED),
			released + 1);
	/* Back in the buddy allocator: no longer offline, no longer ours. */
	KUNIT_EXPECT_FALSE(test, PageOffline(pfn_to_page(pfn)));
	rcu_read_lock();
	KUNIT_EXPECT_NULL(test, pc_chunk_lookup_pfn(pfn));
	rcu_read_unlock();
	pc_test_drain(test, nid);
}

static struct kunit_case pc_hwpoison_cases[] = {
	KUNIT_CASE(idle_chunks_are_offline_and_released_for_memory_offline),
	KUNIT_CASE(poisoned_page_is_never_handed_out),
	KUNIT_CASE(poisoned_idle_chunk_is_never_released),
	KUNIT_CASE(poisoned_freed_page_is_never_zeroed),
	{}
};

static struct kunit_suite pc_hwpoison_suite = {
	.name = "permcache_neighbour",
	.test_cases = pc_hwpoison_cases,
};

/* ---- permcache_direct_map: last, over everything the suites did ---- */

static void no_level2_splits_during_the_suites(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, pc_test_level2_splits(), pc_test_splits_at_start);
}

static struct kunit_case pc_direct_map_cases[] = {
	KUNIT_CASE(no_level2_splits_during_the_suites),
	{}
};

static struct kunit_suite pc_direct_map_suite = {
	.name = "permcache_direct_map",
	.test_cases = pc_direct_map_cases,
};

kunit_test_suites(&pc_unit_suite, &pc_secret_suite, &pc_text_suite,
		  &pc_flush_suite, &pc_misuse_suite, &pc_node_suite,
		  &pc_params_suite, &pc_hwpoison_suite, &pc_direct_map_suite);
