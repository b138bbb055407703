// SPDX-License-Identifier: GPL-2.0-only
/*
 * mm/pc_chunk.c as the harness builds it: included so that the harness can
 * check that no lookup entry outlives its chunk (invariant 7).
 */
#include "../../../mm/pc_chunk.c"

/* Lookup entries left: both XArrays must be empty once all chunks went. */
unsigned long pc_test_lookup_entries(void)
{
	return pc_by_pfn.nr + pc_by_alias.nr;
}

/* Entries of the alias XArray whose chunk has no such alias any more. */
unsigned long pc_test_stale_alias_entries(void)
{
	unsigned long index, n = 0;
	struct pc_chunk *c;

	xa_for_each(&pc_by_alias, index, c)
		n += !c->alias || c->alias >> PMD_SHIFT != index;
	return n;
}

/* After a failed sequence: forget what is left, for the next one. */
void pc_test_lookup_reset(void)
{
	xa_destroy(&pc_by_pfn);
	xa_destroy(&pc_by_alias);
}

#ifdef PC_HAVE_HWPOISON
/*
 * Teardown: chunks retired for a poisoned page are never released (the
 * kernel loses their 2 MiB for good).  Forget them here, without giving
 * their memory back, so the next sequence starts clean.  Returns how many.
 */
unsigned int pc_test_forget_retired(struct pc_node *pn)
{
	struct pc_chunk *c, *tmp;
	unsigned int n = 0;

	list_for_each_entry_safe(c, tmp, &pn->retired, list) {
		list_del(&c->list);
		xa_erase(&pc_by_pfn, pc_chunk_pfn(c) >> PC_CHUNK_ORDER);
		if (c->alias) {
			xa_erase(&pc_by_alias, c->alias >> PMD_SHIFT);
			pc_mm_unmap_alias(c);
		}
		pn->nr_retired--;
		pn->nr_chunks--;
		pc_units_destroy(&c->units);
		kfree(c);
		n++;
	}
	return n;
}
#endif
