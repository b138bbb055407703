// SPDX-License-Identifier: GPL-2.0-only
/*
 * Mutants, linked with -Wl,--wrap=SYMBOL into extra binaries to prove the
 * harness fails when the core is wrong.  `make check` requires each to be
 * caught, with the invariant it breaks.
 */
#include "harness.h"

#ifdef MUTANT_FLUSH
/* A broken lazy-flush rule: every generation counts as flushed. */
bool __wrap_pc_flush_gen_done(unsigned long need)
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
