// SPDX-License-Identifier: GPL-2.0-only
/*
 * Mutants, linked with -Wl,--wrap=SYMBOL (WRAP_* in the Makefile) or in
 * place of a symbol made weak in the core (WEAKEN_*) into extra binaries to
 * prove the harness fails when the core is wrong.  `make check` requires each to be
 * caught, with the invariant it breaks.
 */
#include "harness.h"

#ifdef MUTANT_FLUSH
/*
 * A broken lazy-flush rule: every generation counts as flushed, for every
 * caller (the lazy reuse in pc_chunk.c and pc_flush_sync()'s class changes).
 */
bool pc_flush_gen_done(unsigned long need)
{
	(void)need;
	return true;
}
#endif

#ifdef MUTANT_FILL
/* Secret pages are not zeroed (nor chunks refilled on a class change). */
void __wrap_pc_arch_fill_page(struct page *page, int byte)
{
	(void)page;
	(void)byte;
}

void __wrap_pc_arch_zero_pages(struct list_head *pages)
{
	(void)pages;
}
#endif

#ifdef MUTANT_SYNC
/* A class change that never waits for the flush its dropped alias needs. */
void __wrap_pc_flush_sync(struct pc_node *pn, unsigned long need)
{
	(void)pn;
	(void)need;
}
#endif

#ifdef MUTANT_INITMM
/*
 * The old scheme: the temporary mappings that fill, zero and read pages are
 * per-CPU PTEs in init_mm, which every CPU's page walker may cache, while
 * only the local TLB is flushed afterwards.
 */
void __real_pc_arch_fill_page(struct page *page, int byte);
void __real_pc_arch_zero_pages(struct list_head *pages);
bool __real_pc_arch_page_filled(struct page *page, int byte);

void __wrap_pc_arch_fill_page(struct page *page, int byte)
{
	sim_temp_in_init_mm = true;
	__real_pc_arch_fill_page(page, byte);
}

void __wrap_pc_arch_zero_pages(struct list_head *pages)
{
	sim_temp_in_init_mm = true;
	__real_pc_arch_zero_pages(pages);
}

bool __wrap_pc_arch_page_filled(struct page *page, int byte)
{
	sim_temp_in_init_mm = true;
	return __real_pc_arch_page_filled(page, byte);
}
#endif

#ifdef MUTANT_RWTEXT
/* Text chunks get their direct map back read-write instead of read-only. */
int __wrap_pc_arch_ro_direct(struct page *page)
{
	return pc_arch_restore_direct(page);
}
#endif

#ifdef MUTANT_KEEPRO
/* A text chunk that stops being text keeps its read-only direct map. */
int __real_pc_arch_unmap_direct(struct page *page);

int __wrap_pc_arch_unmap_direct(struct page *page)
{
	int r = sim_pfn_region(page_to_pfn(page));

	if (r >= 0 && sim.reg[r].dm == SIM_DM_RO)
		return 0;
	return __real_pc_arch_unmap_direct(page);
}
#endif

#ifdef MUTANT_POISON
/* The core is built blind to PG_hwpoison (Makefile); nothing to wrap. */
#endif
