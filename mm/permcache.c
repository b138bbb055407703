// SPDX-License-Identifier: GPL-2.0-only
/*
 * permcache: per-NUMA-node caches of 2 MiB chunks removed from the kernel
 * direct map as whole units, serving permissioned memory.
 *
 *   node 0 cache                          node 1 cache
 *   +-----------------------------+       +-----------------------------+
 *   | active[SECRET] [c][c]       |       | active[ROX]  [c]            |
 *   | active[ROX]    [c]          |       | idle[SECRET] [c]            |
 *   | idle[ROX] [c]  idle[CLEAN]  |       | idle[CLEAN]  [c][c]         |
 *   +-----------------------------+       +-----------------------------+
 *
 *   chunk (2 MiB, one node, not in the direct map):
 *     SECRET: 512 page units, no kernel mapping at all
 *     RO/ROX: 32768 units of 64 bytes, one PMD alias in the module range,
 *             written only through text_poke
 *
 * An allocation picks its home node (the caller's, or this CPU's), takes
 * units from a chunk of its class on that node, converts an idle chunk or
 * acquires a new one, and only if the home node has no memory left falls
 * back to the nearest other node.  A freed chunk stays idle with its class
 * and alias, so reusing it at the same permission costs no TLB shootdown;
 * the flush is deferred until it changes class or is released.
 *
 * Callers: memfd_secret (SECRET pages, mm/secretmem.c), the BPF JIT's
 * bpf_prog_pack (ROX packs, kernel/bpf/core.c), and the page allocator's
 * free path, which gives SECRET pages back (mm/page_alloc.c).  See
 * Documentation/mm/permcache.rst.
 *
 * Locking: this file takes no lock of its own.  Frees look chunks up under
 * rcu_read_lock() and then take the chunk's node lock (pc_chunk.c).
 */

#include <linux/err.h>
#include <linux/init.h>
#include <linux/nodemask.h>
#include <linux/rcupdate.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "pc_internal.h"

const char * const permcache_stat_names[PERMCACHE_NR_STAT_ITEMS] = {
	[PERMCACHE_STAT_ALLOC_SECRET]		= "alloc_secret",
	[PERMCACHE_STAT_FREE_SECRET]		= "free_secret",
	[PERMCACHE_STAT_ALLOC_TEXT]		= "alloc_text",
	[PERMCACHE_STAT_FREE_TEXT]		= "free_text",
	[PERMCACHE_STAT_ALLOC_FAILED]		= "alloc_failed",
	[PERMCACHE_STAT_ALLOC_REMOTE]		= "alloc_remote",
	[PERMCACHE_STAT_CHUNKS_ACQUIRED]	= "chunks_acquired",
	[PERMCACHE_STAT_CHUNKS_RELEASED]	= "chunks_released",
	[PERMCACHE_STAT_ACQUIRE_FAILED]		= "acquire_failed",
	[PERMCACHE_STAT_REUSE_SAME_CLASS]	= "reuse_same_class",
	[PERMCACHE_STAT_CLASS_CHANGES]		= "class_changes",
	[PERMCACHE_STAT_FLUSHES]		= "flushes",
	[PERMCACHE_STAT_FLUSHES_AVOIDED]	= "flushes_avoided",
	[PERMCACHE_STAT_BAD_FREES]		= "bad_frees",
	[PERMCACHE_STAT_SHRINK_SCANS]		= "shrink_scans",
	[PERMCACHE_STAT_SHRINK_FREED]		= "shrink_freed",
	[PERMCACHE_STAT_SECRET_ZEROED]		= "secret_zeroed",
	[PERMCACHE_STAT_ZERO_BATCHES]		= "zero_batches",
	[PERMCACHE_STAT_HWPOISONED]		= "hwpoisoned",
};

struct pc_config pc_config = {
	.enable		= true,
	.lazy_flush	= true,
	.fallback	= PC_FALLBACK_DISTANCE,
	.prefill	= 1,
	.reserve	= 1,
	.max_idle	= 16,
};

static bool pc_ready;

/**
 * permcache_enabled() - should consumers use permcache?
 *
 * Context: Any context.
 * Return: true if permcache is initialised and permcache.enable is set.
 */
bool permcache_enabled(void)
{
	return READ_ONCE(pc_ready) && READ_ONCE(pc_config.enable);
}

#if IS_ENABLED(CONFIG_PERMCACHE_KUNIT_TEST)
#include <kunit/test-bug.h>

/* Set by the misuse tests: count the misuse but do not WARN. */
atomic_t pc_test_misuse_expected = ATOMIC_INIT(0);

static bool pc_misuse_expected(void)
{
	return kunit_get_current_test() &&
	       atomic_read(&pc_test_misuse_expected);
}
#else
static bool pc_misuse_expected(void)
{
	return false;
}
#endif

/**
 * pc_report_misuse() - a kernel caller freed something it does not own
 * @pn: node to count it on, or NULL.
 * @what: what was wrong.
 *
 * Counted in bad_frees and reported once with a backtrace: it is a bug in
 * the caller, and permcache has refused it without changing any state.
 *
 * Context: Any context.
 */
void pc_report_misuse(struct pc_node *pn, const char *what)
{
	if (!pn)
		pn = pc_node(first_node(node_states[N_MEMORY]));
	if (pn)
		pc_stat_inc(pn, PERMCACHE_STAT_BAD_FREES);
	if (!pc_misuse_expected())
		WARN_ONCE(1, "permcache: %s\n", what);
}

/*
 * Allocate @nr units of @cls for home node @home, falling back to the nearest
 * nodes only when @home cannot supply them.  Any failure is -ENOMEM to the
 * caller: whether no chunk was free or a permission change failed, no chunk
 * could serve.
 */
static long pc_alloc(int home, enum permcache_class cls, unsigned int nr,
		     gfp_t gfp, struct pc_chunk **chunkp)
{
	bool may_block = gfpflags_allow_blocking(gfp);
	struct pc_node *pn = pc_node(home);
	unsigned int scope = 0;
	long start;
	int i, nid;

	/*
	 * A new chunk allocates (the chunk, its bookkeeping, an alias): a
	 * caller that must not recurse into the filesystem or I/O through
	 * reclaim passes that on to all of it, as the scoped API does.
	 */
	if (!(gfp & __GFP_IO))
		scope = memalloc_noio_save();
	else if (!(gfp & __GFP_FS))
		scope = memalloc_nofs_save();
	start = pc_node_alloc(pn, cls, nr, may_block, chunkp);
	for (i = 0; start < 0 && !(gfp & __GFP_THISNODE); i++) {
		nid = pc_node_fallback(home, i);
		if (nid == NUMA_NO_NODE)
			break;
		start = pc_node_alloc(pc_node(nid), cls, nr, may_block, chunkp);
		if (start >= 0)
			pc_stat_inc(pn, PERMCACHE_STAT_ALLOC_REMOTE);
	}
	if (!(gfp & __GFP_IO))
		memalloc_noio_restore(scope);
	else if (!(gfp & __GFP_FS))
		memalloc_nofs_restore(scope);
	if (start < 0) {
		pc_stat_inc(pn, PERMCACHE_STAT_ALLOC_FAILED);
		start = -ENOMEM;
	}
	return start;
}

/**
 * permcache_alloc_secret() - allocate a page with no kernel mapping
 * @nid: node to allocate on, or NUMA_NO_NODE for this CPU's node.
 * @gfp: the caller's allocation flags, as for alloc_pages_node().
 *
 * The page is zeroed, is not in the direct map or any other kernel mapping,
 * and has a reference count of one.  It comes from @nid, or from the nearest
 * node with memory if @nid has none left and permcache.fallback=distance.
 * It is an ordinary page from then on, marked PG_permcache, its allocation
 * recorded as the page allocator records its own (page_owner, the page
 * table check, allocation profiling): whoever drops its last reference frees
 * it, through the page allocator, which gives it back to permcache.
 *
 * @gfp is never widened.  Without __GFP_DIRECT_RECLAIM only chunks already
 * cached as SECRET serve: no chunk is acquired or converted, no sweep runs.
 * With __GFP_THISNODE no other node is tried.  Without __GFP_FS (__GFP_IO),
 * everything permcache allocates to serve the call (the 2 MiB chunk, its
 * struct and bitmaps, xarray nodes, page tables of a direct-map split)
 * runs in a memalloc_nofs_save() (memalloc_noio_save()) scope, so that
 * reclaim does not recurse into the filesystem (or start I/O), as
 * __vmalloc_node_range() does for such a caller's page tables.  The
 * allocation record (page_owner) is made with @gfp itself.  The page
 * is always zeroed; it is not charged to a memcg here (__GFP_ACCOUNT is
 * ignored): secretmem charges it when it adds it to its page cache.
 *
 * Context: Process context; sleeps only if @gfp allows blocking.
 * Return: the page, or an ERR_PTR(), never NULL: ERR_PTR(-EINVAL) for a
 * bad @nid, ERR_PTR(-ENOMEM) if no chunk could serve.  alloc_pages()
 * returns NULL, since its failure has one meaning; a consumer of permcache
 * always has a stock path to fall back to, and the error tells a caller's
 * bug from an empty cache.  The consumer, mm/secretmem.c, tests IS_ERR()
 * and falls back to folio_alloc().
 */
struct page *permcache_alloc_secret(int nid, gfp_t gfp)
{
	bool may_block = gfpflags_allow_blocking(gfp);
	struct pc_chunk *c;
	struct page *page;
	int home;
	long start;

	if (may_block)
		might_sleep();
	home = pc_node_home(nid);
	if (home < 0)
		return ERR_PTR(-EINVAL);

	/*
	 * Pages whose last user just went are the warmest to reuse (no wait
	 * for a sweep already under way: the work finishes it).
	 */
	if (may_block && !llist_empty(&pc_node(home)->freed))
		pc_secret_sweep_node(pc_node(home));
	start = pc_alloc(home, PERMCACHE_SECRET, 1, gfp, &c);
	if (start < 0)
		return ERR_PTR(start);

	page = c->page + start;
	pc_stat_inc(pc_node(c->nid), PERMCACHE_STAT_ALLOC_SECRET);
	VM_WARN_ON_ONCE(!pc_arch_page_filled(page, PC_FILL_ZERO));
	folio_set_permcache(page_folio(page));
	/* The page is the caller's now, no longer part of the chunk's. */
	pc_mm_untrack(page, 0);
	pc_mm_track(page, 0, gfp);
	return page;
}

/**
 * permcache_free_secret() - free a page from permcache_alloc_secret()
 * @page: the page; its caller drops the reference it was handed out with.
 *
 * The same as put_page(), for a caller that holds the page only because it
 * allocated it: when the last reference goes (here, or later from whoever
 * still holds one), the page allocator's free path gives the page back to
 * permcache.  It stays out of the direct map, in its chunk, until the chunk
 * is released, and is zeroed through CPU-local mappings in a batch of up to
 * PC_ZERO_BATCH freed pages of its node, with one local TLB flush for the
 * batch, before it can be handed out again: the batch is zeroed when it is
 * full, when the node runs out of free units, before chunks are released,
 * and shortly after the first page of it was freed.  If this was the last
 * reference, the page is back in its chunk on return, waiting to be zeroed
 * (its unit is free once it is).
 *
 * Not for consumers (it is in pc_internal.h, not include/linux/permcache.h):
 * they free with put_page(), as secretmem does.  The benchmark and the
 * tests call it, to free a page and find it back in its chunk.
 *
 * Context: Process context; may sleep.
 * Return: 0, or -EINVAL (with a warning, once) if @page is not a SECRET
 * page permcache handed out, or has no reference left (freed already).
 * Unlike put_page() it returns a result, so that tests see a refused free.
 */
int permcache_free_secret(struct page *page)
{
	int nid = NUMA_NO_NODE, err = -EINVAL;
	struct pc_chunk *c;

	might_sleep();
	rcu_read_lock();
	c = page ? pc_chunk_lookup_pfn(page_to_pfn(page)) : NULL;
	if (c && folio_test_permcache(page_folio(page)) &&
	    page_ref_count(page) > 0) {
		nid = c->nid;
		err = 0;
	}
	rcu_read_unlock();

	if (err) {
		pc_report_misuse(pc_node(nid),
				 "free of a page that is not a live SECRET page");
		return err;
	}
	put_page(page);
	pc_secret_sweep_node(pc_node(nid));
	return 0;
}

static bool pc_is_text_class(enum permcache_class cls)
{
	return cls == PERMCACHE_RO || cls == PERMCACHE_ROX;
}

/**
 * permcache_alloc_text() - allocate read-only (executable) memory
 * @cls: PERMCACHE_RO or PERMCACHE_ROX.
 * @size: bytes, at most 2 MiB; rounded up to 64-byte units.
 * @nid: node to allocate on, or NUMA_NO_NODE for this CPU's node.
 *
 * The memory lies in the module range (within rel32 reach of kernel text),
 * is mapped at its final permission and never writable, and reads as INT3
 * (0xcc) until written through the arch text-poke path (text_poke_copy(),
 * as bpf_arch_text_copy() does).
 *
 * There is no gfp argument: like execmem_alloc() and module_alloc(), this
 * allocates in GFP_KERNEL context (a chunk, its bookkeeping, a vmalloc area
 * and its page tables), and its caller, bpf_prog_pack under its mutex, is
 * in such a context.  A caller inside a memalloc_nofs_save() or
 * memalloc_noio_save() scope has it honoured by every allocation made here.
 *
 * Context: Process context; may sleep (GFP_KERNEL).
 * Return: the address, or an ERR_PTR(), never NULL: ERR_PTR(-EINVAL) for
 * a bad @cls, @nid or a zero @size, ERR_PTR(-E2BIG) if @size exceeds a
 * chunk, ERR_PTR(-ENOMEM) if no chunk could serve.  execmem_alloc() and
 * vmalloc() return NULL; as for permcache_alloc_secret(), the consumer
 * falls back to its stock path on any error and the error tells a caller's
 * bug from an empty cache.  The consumer, bpf_prog_pack in
 * kernel/bpf/core.c, tests IS_ERR() and falls back to bpf_jit_alloc_exec().
 */
void *permcache_alloc_text(enum permcache_class cls, size_t size, int nid)
{
	struct pc_chunk *c;
	int home;
	long start;

	might_sleep();
	if (!pc_is_text_class(cls) || !size)
		return ERR_PTR(-EINVAL);
	if (size > PC_CHUNK_SIZE)
		return ERR_PTR(-E2BIG);
	home = pc_node_home(nid);
	if (home < 0)
		return ERR_PTR(-EINVAL);

	start = pc_alloc(home, cls, DIV_ROUND_UP(size, 1UL << PC_TEXT_UNIT_SHIFT),
			 GFP_KERNEL, &c);
	if (start < 0)
		return ERR_PTR(start);

	pc_stat_inc(pc_node(c->nid), PERMCACHE_STAT_ALLOC_TEXT);
	return (void *)(c->alias + pc_unit_to_offset(&c->units, start));
}

/**
 * permcache_free_text() - free memory from permcache_alloc_text()
 * @addr: the address permcache_alloc_text() returned.
 * @size: the size it was allocated with.
 *
 * The memory is filled with INT3 through the text-poke path before anyone
 * can allocate it again.
 *
 * Context: Process context; may sleep.
 * Return: 0, or -EINVAL (with a warning, once) if @addr and @size are not
 * exactly one live allocation; a refused free changes nothing.
 * execmem_free() and vfree() return nothing; this returns the result so
 * that a caller can tell a refused free (its memory is then leaked rather
 * than reused) and tests can check it.  bpf_prog_pack WARNs on it.
 */
int permcache_free_text(void *addr, size_t size)
{
	unsigned long a = (unsigned long)addr;
	int nid = NUMA_NO_NODE, err = -EINVAL;
	struct pc_text_claim claim;
	struct pc_chunk *c;
	size_t len;

	might_sleep();
	rcu_read_lock();
	c = pc_chunk_lookup_alias(a);
	if (c) {
		nid = c->nid;
		err = pc_chunk_text_claim(c, a, size, &claim);
	}
	rcu_read_unlock();
	if (err)
		goto misuse;

	/*
	 * The run is claimed, so the chunk cannot go away under us, and a
	 * second free of it is refused.  A poisoned page is never written (a
	 * machine check in kernel mode): the run stays allocated and the
	 * chunk retires.
	 */
	if (pc_chunk_retire_if_poisoned(c, claim.start, claim.nr)) {
		pc_chunk_text_unclaim(&claim);
		pc_stat_inc(pc_node(c->nid), PERMCACHE_STAT_FREE_TEXT);
		return 0;
	}
	/*
	 * Invariant 2: free text traps.  This sleeps, so it is done before
	 * the units are given back rather than under the node lock.  Text
	 * its owner already invalidated (bpf_prog_pack fills each freed
	 * program, then frees the whole 2 MiB pack) is only read: a poke per
	 * page would cost a temporary-mm switch and a flush each.
	 */
	len = (size_t)claim.nr << PC_TEXT_UNIT_SHIFT;
	if (!pc_arch_text_filled(addr, PC_FILL_TRAP, len)) {
		err = pc_arch_poke_set(addr, PC_FILL_TRAP, len);
		if (WARN_ON_ONCE(err)) {
			pc_chunk_text_unclaim(&claim);
			return err;
		}
	}

	/*
	 * No RCU section needed: the claim pins the chunk.  With eager
	 * flushing this sleeps (alias unmap, flush).
	 */
	err = pc_chunk_free_units(&claim);
	if (!err)
		return 0;

misuse:
	pc_report_misuse(pc_node(nid),
			 "free of text that is not one live allocation");
	return err;
}

/*
 * Does [@dst, @dst + @len) lie inside allocated text?  Writes anywhere else
 * would let a caller poke text it does not own, or free text that must trap.
 */
static bool pc_text_range_ok(const void *dst, size_t len)
{
	unsigned long a = (unsigned long)dst;
	enum permcache_class cls;
	unsigned int start, nr;
	struct pc_chunk *c;
	bool ok = false;

	rcu_read_lock();
	c = pc_chunk_lookup_alias(a);
	if (c)
		ok = !pc_chunk_text_run(c, a, len, &cls, &start, &nr);
	rcu_read_unlock();
	return ok;
}

/**
 * permcache_copy_text() - write text into memory from permcache_alloc_text()
 * @dst: destination inside an allocation.
 * @src: source, any kernel memory.
 * @len: bytes.
 *
 * Writes go through the arch text-poke path (x86 text_poke_copy()); no
 * writable mapping of the text ever exists.
 *
 * Not for consumers (it is in pc_internal.h): bpf_prog_pack writes with
 * bpf_arch_text_copy().  The benchmark and the tests call it; it checks
 * that the range is text a caller owns before it pokes.
 *
 * Context: Process context; may sleep.
 * Return: 0, or -EINVAL if the range is not inside permcache text.
 */
int permcache_copy_text(void *dst, const void *src, size_t len)
{
	might_sleep();
	if (!pc_text_range_ok(dst, len))
		return -EINVAL;
	return pc_arch_poke_copy(dst, src, len);
}

/**
 * permcache_set_text() - fill memory from permcache_alloc_text() with a byte
 * @dst: destination inside an allocation.
 * @c: byte value.
 * @len: bytes.
 *
 * Not for consumers (it is in pc_internal.h): only the tests call it.
 *
 * Context: Process context; may sleep.
 * Return: 0, or -EINVAL if the range is not inside permcache text.
 */
int permcache_set_text(void *dst, int c, size_t len)
{
	might_sleep();
	if (!pc_text_range_ok(dst, len))
		return -EINVAL;
	return pc_arch_poke_set(dst, c, len);
}

/**
 * permcache_get_stats() - snapshot the counters and chunks of one or all nodes
 * @nid: node, or NUMA_NO_NODE for the sum over all nodes.
 * @st: filled in.
 *
 * For debugfs, the benchmark and the tests; not for consumers (it is in
 * pc_internal.h).
 *
 * Context: Process context; does not sleep.
 * Return: 0, or -EINVAL if @nid has no permcache node.
 */
int permcache_get_stats(int nid, struct permcache_stats *st)
{
	struct pc_node *pn;

	memset(st, 0, sizeof(*st));
	if (nid != NUMA_NO_NODE) {
		pn = pc_node(nid);
		if (!pn)
			return -EINVAL;
		pc_node_snapshot(pn, st);
		return 0;
	}
	for_each_node_state(nid, N_MEMORY) {
		pn = pc_node(nid);
		if (pn)
			pc_node_snapshot(pn, st);
	}
	return 0;
}

/* Acquire pc_config.prefill clean chunks on every node, with one flush. */
static void __init pc_prefill(void)
{
	unsigned int n, nr = 0;
	int *nids, nid;

	if (!pc_config.enable || !pc_config.prefill)
		return;
	nids = kcalloc(num_node_state(N_MEMORY) * pc_config.prefill,
		       sizeof(*nids), GFP_KERNEL);
	if (!nids)
		return;
	for_each_node_state(nid, N_MEMORY)
		for (n = 0; n < pc_config.prefill; n++)
			nids[nr++] = nid;
	n = pc_chunks_acquire(nids, nr);
	pr_info("permcache: prefilled %u of %u chunks on %u nodes\n", n, nr,
		num_node_state(N_MEMORY));
	kfree(nids);
}

static int __init permcache_init(void)
{
	int err;

	err = pc_arch_init();
	if (!err)
		err = pc_nodes_init();
	if (!err)
		err = pc_secret_init();
	if (err) {
		pr_warn("permcache: init failed (%d), consumers use stock paths\n",
			err);
		return err;
	}
	pc_prefill();
	if (pc_shrinker_init())
		pr_warn("permcache: no shrinker; idle chunks are only trimmed to max_idle\n");
	if (pc_neighbour_init())
		pr_warn("permcache: no PM or memory notifier; hibernation may split the direct map, memory offline may refuse\n");
	pc_debugfs_init();
	WRITE_ONCE(pc_ready, true);
	return 0;
}
subsys_initcall(permcache_init);
