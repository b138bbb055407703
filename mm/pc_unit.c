// SPDX-License-Identifier: GPL-2.0-only
/*
 * permcache unit sub-allocator: runs of units inside one 2 MiB chunk.
 *
 * A chunk is cut into units of one size: a page for SECRET chunks, 64 bytes
 * for RO/ROX text (the granule bpf_prog_pack uses).  Two bitmaps track them:
 *
 *	map    |1|1|1|0|0|1|1|0|...	unit owned by a caller
 *	starts |1|0|0|0|0|1|0|0|...	first unit of each allocation
 *
 * An allocation is the first fit of a run of free units.  A free names the
 * first unit and the length; it is accepted only if it is exactly one live
 * allocation: the start bit is set, every unit of the run is owned, no other
 * allocation starts inside it and the unit after it is free or starts another
 * allocation.  That catches double frees, frees of the middle of a run and
 * frees of the wrong size before anything is changed.
 *
 * What is not tracked: who owns a run, and what it holds.  The caller
 * serialises calls on one chunk (its node lock).
 */

#include <linux/bitmap.h>
#include <linux/errno.h>
#include <linux/slab.h>

#include "pc_internal.h"

/**
 * pc_units_init() - allocate the bitmaps of a chunk's sub-allocator
 * @u: sub-allocator to set up; it starts with page units, all free.
 * @gfp: allocation flags for the bitmaps.
 *
 * Context: Process context if @gfp allows sleeping.
 * Return: 0, or -ENOMEM.
 */
int pc_units_init(struct pc_units *u, gfp_t gfp)
{
	u->map = bitmap_zalloc(PC_MAX_UNITS, gfp);
	u->starts = bitmap_zalloc(PC_MAX_UNITS, gfp);
	if (!u->map || !u->starts) {
		pc_units_destroy(u);
		return -ENOMEM;
	}
	u->used = 0;
	pc_units_reset(u, PC_SECRET_UNIT_SHIFT);
	return 0;
}

/**
 * pc_units_destroy() - free the bitmaps of a sub-allocator
 * @u: sub-allocator; may be partly initialised.
 *
 * Context: Any context.
 */
void pc_units_destroy(struct pc_units *u)
{
	bitmap_free(u->map);
	bitmap_free(u->starts);
	u->map = NULL;
	u->starts = NULL;
}

/**
 * pc_units_reset() - change the unit size of an empty sub-allocator
 * @u: sub-allocator with no unit in use.
 * @shift: log2 of the new unit size in bytes.
 *
 * Context: Caller holds the lock that guards @u.
 */
void pc_units_reset(struct pc_units *u, unsigned int shift)
{
	WARN_ON_ONCE(u->used);
	u->shift = shift;
	u->nr = PC_CHUNK_SIZE >> shift;
	bitmap_zero(u->map, PC_MAX_UNITS);
	bitmap_zero(u->starts, PC_MAX_UNITS);
}

/**
 * pc_units_alloc() - take the first run of @nr free units
 * @u: sub-allocator.
 * @nr: length of the run, in units.
 *
 * Context: Caller holds the lock that guards @u.
 * Return: the first unit of the run, or -ENOSPC if there is no such run.
 */
long pc_units_alloc(struct pc_units *u, unsigned int nr)
{
	unsigned long start;

	if (!nr || nr > u->nr - u->used)
		return -ENOSPC;

	start = bitmap_find_next_zero_area(u->map, u->nr, 0, nr, 0);
	if (start + nr > u->nr)
		return -ENOSPC;

	bitmap_set(u->map, start, nr);
	__set_bit(start, u->starts);
	u->used += nr;
	return start;
}

/**
 * pc_units_is_allocation() - is [@start, @start + @nr) exactly one live run?
 * @u: sub-allocator.
 * @start: first unit.
 * @nr: length in units.
 *
 * Context: Caller holds the lock that guards @u.
 * Return: true if pc_units_free() of the same run would succeed.
 */
bool pc_units_is_allocation(const struct pc_units *u, unsigned int start,
			    unsigned int nr)
{
	unsigned int end = start + nr;

	if (!pc_units_owned(u, start, nr) || !test_bit(start, u->starts))
		return false;
	if (find_next_bit(u->starts, end, start + 1) < end)
		return false;
	/* A shorter length than allocated leaves an owned unit with no start. */
	if (end < u->nr && test_bit(end, u->map) && !test_bit(end, u->starts))
		return false;
	return true;
}

/**
 * pc_units_owned() - is every unit of [@start, @start + @nr) in use?
 * @u: sub-allocator.
 * @start: first unit.
 * @nr: length in units.
 *
 * Context: Caller holds the lock that guards @u.
 * Return: true if the range is inside the chunk and no unit of it is free.
 */
bool pc_units_owned(const struct pc_units *u, unsigned int start,
		    unsigned int nr)
{
	return nr && start < u->nr && nr <= u->nr - start &&
	       find_next_zero_bit(u->map, start + nr, start) >= start + nr;
}

/**
 * pc_units_free() - give back a run taken by pc_units_alloc()
 * @u: sub-allocator.
 * @start: first unit, as pc_units_alloc() returned it.
 * @nr: length of the run, as it was allocated.
 *
 * Context: Caller holds the lock that guards @u.
 * Return: 0, or -EINVAL if the run is not exactly one live allocation
 * (double free, wrong length, not a start); @u is then unchanged.
 */
int pc_units_free(struct pc_units *u, unsigned int start, unsigned int nr)
{
	if (!pc_units_is_allocation(u, start, nr))
		return -EINVAL;

	bitmap_clear(u->map, start, nr);
	__clear_bit(start, u->starts);
	u->used -= nr;
	return 0;
}
