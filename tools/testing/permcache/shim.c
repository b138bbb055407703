// SPDX-License-Identifier: GPL-2.0-only
/*
 * Userspace shim implementations: warning and lock-misuse counters, a
 * counting kmalloc with failure injection, bitmap and find_bit helpers and a
 * small xarray.  The bitmap helpers and the xarray are under test together
 * with the core (pc_unit.c relies on them), so they are written for
 * correctness and checked against naive versions by tests.c.
 */
#include "shim.h"

bool shim_quiet;
bool shim_warn_quiet;
unsigned long shim_warnings;
unsigned long shim_lock_errors;
int shim_locks_held;
long shim_kmalloc_live;
unsigned int shim_kmalloc_fail;

void shim_warn(const char *file, int line, const char *cond, const char *fmt, ...)
{
	static unsigned int printed;
	va_list ap;

	shim_warnings++;
	if (shim_warn_quiet || printed++ >= 200)
		return;
	printf("WARNING: %s:%d: %s", file, line, cond);
	if (fmt) {
		printf(": ");
		va_start(ap, fmt);
		vprintf(fmt, ap);
		va_end(ap);
	}
	printf("\n");
}

void shim_lock_error(const char *file, int line, const char *what)
{
	shim_lock_errors++;
	printf("LOCK ERROR: %s:%d: %s\n", file, line, what);
}

/*
 * Would reclaim under an allocation with @gfp be allowed into the filesystem
 * (start I/O)?  The scopes narrow @gfp as current_gfp_context() does.
 */
void shim_gfp_reclaim(gfp_t gfp)
{
	if ((gfp & __GFP_FS) && !shim_nofs_depth && !shim_noio_depth)
		shim_kmalloc_may_fs++;
	if ((gfp & __GFP_IO) && !shim_noio_depth)
		shim_kmalloc_may_io++;
}

void *shim_kmalloc(size_t size, gfp_t gfp)
{
	void *p;

	if (gfpflags_allow_blocking(gfp))
		might_sleep();
	if (shim_kmalloc_fail) {
		shim_kmalloc_fail--;
		return NULL;
	}
	shim_gfp_reclaim(gfp);
	p = (gfp & __GFP_ZERO) ? calloc(1, size ? size : 1) : malloc(size ? size : 1);
	if (p)
		shim_kmalloc_live++;
	return p;
}

void shim_kfree(const void *p)
{
	if (!p)
		return;
	shim_kmalloc_live--;
	free((void *)p);
}

/* ---- bitmaps ---- */

static unsigned long find_bit(const unsigned long *addr, unsigned long size,
			      unsigned long offset, unsigned long invert)
{
	unsigned long word, idx;

	if (offset >= size)
		return size;
	idx = offset / BITS_PER_LONG;
	word = (addr[idx] ^ invert) & (~0UL << (offset % BITS_PER_LONG));
	for (;;) {
		if (word) {
			unsigned long bit = idx * BITS_PER_LONG + __builtin_ctzl(word);

			return bit < size ? bit : size;
		}
		if (++idx * BITS_PER_LONG >= size)
			return size;
		word = addr[idx] ^ invert;
	}
}

unsigned long find_next_bit(const unsigned long *addr, unsigned long size, unsigned long offset)
{
	return find_bit(addr, size, offset, 0);
}

unsigned long find_next_zero_bit(const unsigned long *addr, unsigned long size, unsigned long offset)
{
	return find_bit(addr, size, offset, ~0UL);
}

unsigned long *bitmap_alloc(unsigned int nbits, gfp_t gfp)
{
	return kmalloc(BITS_TO_LONGS(nbits) * sizeof(unsigned long), gfp);
}

unsigned long *bitmap_zalloc(unsigned int nbits, gfp_t gfp)
{
	return bitmap_alloc(nbits, gfp | __GFP_ZERO);
}

void bitmap_free(const unsigned long *bitmap)
{
	kfree(bitmap);
}

void bitmap_zero(unsigned long *dst, unsigned int nbits)
{
	memset(dst, 0, BITS_TO_LONGS(nbits) * sizeof(unsigned long));
}

void bitmap_fill(unsigned long *dst, unsigned int nbits)
{
	bitmap_zero(dst, nbits);
	bitmap_set(dst, 0, nbits);
}

void bitmap_set(unsigned long *map, unsigned int start, unsigned int len)
{
	while (len && start % BITS_PER_LONG) {
		__set_bit(start++, map);
		len--;
	}
	for (; len >= BITS_PER_LONG; len -= BITS_PER_LONG, start += BITS_PER_LONG)
		map[BIT_WORD(start)] = ~0UL;
	while (len--)
		__set_bit(start++, map);
}

void bitmap_clear(unsigned long *map, unsigned int start, unsigned int len)
{
	while (len && start % BITS_PER_LONG) {
		__clear_bit(start++, map);
		len--;
	}
	for (; len >= BITS_PER_LONG; len -= BITS_PER_LONG, start += BITS_PER_LONG)
		map[BIT_WORD(start)] = 0;
	while (len--)
		__clear_bit(start++, map);
}

bool bitmap_empty(const unsigned long *src, unsigned int nbits)
{
	return find_next_bit(src, nbits, 0) >= nbits;
}

bool bitmap_full(const unsigned long *src, unsigned int nbits)
{
	return find_next_zero_bit(src, nbits, 0) >= nbits;
}

unsigned int bitmap_weight(const unsigned long *src, unsigned int nbits)
{
	unsigned int i, w = 0;

	for (i = 0; i < nbits / BITS_PER_LONG; i++)
		w += __builtin_popcountl(src[i]);
	if (nbits % BITS_PER_LONG)
		w += __builtin_popcountl(src[i] & (BIT_MASK(nbits) - 1));
	return w;
}

/* As lib/bitmap.c: the start of the area, or a value > size - nr if none. */
unsigned long bitmap_find_next_zero_area_off(unsigned long *map, unsigned long size,
					     unsigned long start, unsigned int nr,
					     unsigned long align_mask,
					     unsigned long align_offset)
{
	unsigned long index, end, i;
again:
	index = find_next_zero_bit(map, size, start);
	index = ((index + align_offset + align_mask) & ~align_mask) - align_offset;
	end = index + nr;
	if (end > size)
		return end;
	i = find_next_bit(map, end, index);
	if (i < end) {
		start = i + 1;
		goto again;
	}
	return index;
}

/* ---- xarray: sorted (index, entry) pairs ---- */

void xa_init_flags(struct xarray *xa, unsigned int flags)
{
	memset(xa, 0, sizeof(*xa));
	xa->flags = flags;
}

/* First slot whose index is >= @index. */
static unsigned long xa_slot(const struct xarray *xa, unsigned long index)
{
	unsigned long lo = 0, hi = xa->nr;

	while (lo < hi) {
		unsigned long mid = (lo + hi) / 2;

		if (xa->index[mid] < index)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

void *xa_load(struct xarray *xa, unsigned long index)
{
	unsigned long s = xa_slot(xa, index);

	return s < xa->nr && xa->index[s] == index ? xa->entry[s] : NULL;
}

void *xa_erase(struct xarray *xa, unsigned long index)
{
	unsigned long s = xa_slot(xa, index);
	void *old;

	if (s >= xa->nr || xa->index[s] != index)
		return NULL;
	old = xa->entry[s];
	memmove(&xa->index[s], &xa->index[s + 1], (xa->nr - s - 1) * sizeof(*xa->index));
	memmove(&xa->entry[s], &xa->entry[s + 1], (xa->nr - s - 1) * sizeof(*xa->entry));
	xa->nr--;
	return old;
}

void *xa_store(struct xarray *xa, unsigned long index, void *entry, gfp_t gfp)
{
	unsigned long s;
	void *old;

	if (!entry)
		return xa_erase(xa, index);
	s = xa_slot(xa, index);
	if (s < xa->nr && xa->index[s] == index) {
		old = xa->entry[s];
		xa->entry[s] = entry;
		return old;
	}
	if (xa->nr == xa->cap) {
		unsigned long cap = xa->cap ? 2 * xa->cap : 16;
		unsigned long *ni;
		void **ne;

		if (gfpflags_allow_blocking(gfp))
			might_sleep();
		/* New xarray nodes, allocated with @gfp. */
		shim_gfp_reclaim(gfp);
		if (shim_kmalloc_fail) {
			shim_kmalloc_fail--;
			return xa_mk_err_shim(-ENOMEM);
		}
		ni = realloc(xa->index, cap * sizeof(*ni));
		if (!ni)
			return xa_mk_err_shim(-ENOMEM);
		xa->index = ni;
		ne = realloc(xa->entry, cap * sizeof(*ne));
		if (!ne)
			return xa_mk_err_shim(-ENOMEM);
		xa->entry = ne;
		xa->cap = cap;
	}
	memmove(&xa->index[s + 1], &xa->index[s], (xa->nr - s) * sizeof(*xa->index));
	memmove(&xa->entry[s + 1], &xa->entry[s], (xa->nr - s) * sizeof(*xa->entry));
	xa->index[s] = index;
	xa->entry[s] = entry;
	xa->nr++;
	return NULL;
}

int xa_insert(struct xarray *xa, unsigned long index, void *entry, gfp_t gfp)
{
	void *old;

	if (xa_load(xa, index))
		return -EBUSY;
	old = xa_store(xa, index, entry, gfp);
	return xa_err(old);
}

void xa_destroy(struct xarray *xa)
{
	free(xa->index);
	free(xa->entry);
	xa_init_flags(xa, xa->flags);
}

bool xa_empty(const struct xarray *xa)
{
	return !xa->nr;
}

void *xa_find(struct xarray *xa, unsigned long *index, unsigned long max, unsigned int filter)
{
	unsigned long s = xa_slot(xa, *index);

	(void)filter;
	if (s >= xa->nr || xa->index[s] > max)
		return NULL;
	*index = xa->index[s];
	return xa->entry[s];
}

void *xa_find_after(struct xarray *xa, unsigned long *index, unsigned long max, unsigned int filter)
{
	if (*index == ULONG_MAX)
		return NULL;
	(*index)++;
	return xa_find(xa, index, max, filter);
}

/* ---- shrinker and workqueue ---- */
struct shrinker *shim_shrinker;
unsigned long shim_works_run;
unsigned long shim_delayed_works;
unsigned long shim_sweeps_queued;
struct workqueue_struct shim_wq;
unsigned long shim_reclaimed_pages;
struct notifier_block *shim_pm_notifier;
struct notifier_block *shim_memory_notifier;
int shim_rcu_depth;
int shim_nofs_depth, shim_noio_depth;
unsigned long shim_kmalloc_may_fs, shim_kmalloc_may_io;
long shim_nr_mlock;
unsigned long jiffies;

struct shrinker *shrinker_alloc(unsigned int flags, const char *fmt, ...)
{
	/* Not kmalloc: the harness counts the core's kmalloc()s for leaks. */
	free(shim_shrinker);
	shim_shrinker = calloc(1, sizeof(*shim_shrinker));
	if (shim_shrinker) {
		shim_shrinker->flags = flags;
		shim_shrinker->seeks = DEFAULT_SEEKS;
	}
	return shim_shrinker;
}

void shrinker_register(struct shrinker *s)
{
	s->registered = true;
}
