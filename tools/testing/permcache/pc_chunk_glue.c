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
