// SPDX-License-Identifier: GPL-2.0-only
/*
 * Models of the permcache arch boundary (mm/pc_internal.h, bottom): a
 * simulated machine of 2..4 nodes and CPUs, a buddy allocator of 2 MiB
 * regions per node, the direct map (present RW, not present, or present
 * RO+NX for text chunks), RO/ROX aliases in a module range, the per-CPU
 * temporary mm that fills, zeroes and reads pages, and the text-poke path.
 * Pages can be hardware-poisoned (PG_hwpoison); a poisoned page is never
 * zeroed, filled, read, handed out or freed back (invariant 8).
 *
 * Addresses handed to the core (page_address(), aliases) are kernel-half
 * addresses that fault if the core dereferences them: the only way to the
 * simulated bytes is through these functions, as in the kernel.
 * Each model function checks that it is called in a legal state and reports
 * a violation naming the DESIGN.md invariant otherwise.
 */
#include <sys/mman.h>

#include "model.h"
#include "../../../mm/pc_internal.h"

struct sim sim;
bool sim_temp_in_init_mm;

struct page *shim_mem_map;
unsigned long shim_pfn_base = SIM_PFN_BASE, shim_nr_pages;
unsigned int nr_node_ids = 2;
unsigned int shim_nr_cpus = 2;
int shim_cpu;
int shim_distance[MAX_NUMNODES][MAX_NUMNODES];
unsigned long node_states[NR_NODE_STATES];

static u8 *sim_memory;
/* Per page: its allocation is recorded (page_owner & co., post_alloc_track()). */
static bool *sim_track;

void sim_violation(int inv, const char *fmt, ...)
{
	char buf[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (!sim.violations++)
		snprintf(sim.first_violation, sizeof(sim.first_violation),
			 "invariant %d: %s", inv, buf);
}

void sim_reset(const struct sim_cfg *cfg)
{
	int n, r, i, nr = 0;

	if (!sim_memory) {
		sim_memory = mmap(NULL, SIM_MAX_REGIONS * SIM_REGION_SIZE,
				  PROT_READ | PROT_WRITE,
				  MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
		if (sim_memory == MAP_FAILED) {
			perror("mmap");
			exit(2);
		}
		shim_mem_map = calloc(SIM_MAX_REGIONS * SIM_REGION_PAGES,
				      sizeof(struct page));
		sim_track = calloc(SIM_MAX_REGIONS * SIM_REGION_PAGES,
				   sizeof(*sim_track));
	}
	sim_tlb_reset();
	memset(&sim, 0, sizeof(sim));
	sim.cfg = *cfg;
	nr_node_ids = cfg->nr_nodes;
	shim_nr_cpus = cfg->nr_cpus;
	shim_cpu = 0;
	node_states[N_MEMORY] = node_states[N_ONLINE] = (1UL << cfg->nr_nodes) - 1;
	node_states[N_POSSIBLE] = node_states[N_NORMAL_MEMORY] = node_states[N_MEMORY];
	for (i = 0; i < MAX_NUMNODES; i++)
		for (n = 0; n < MAX_NUMNODES; n++)
			shim_distance[i][n] = i == n ? LOCAL_DISTANCE : REMOTE_DISTANCE;
	for (i = 0; i < cfg->nr_nodes; i++)
		for (n = 0; n < cfg->nr_nodes; n++)
			shim_distance[i][n] = cfg->distance[i][n];

	for (n = 0; n < cfg->nr_nodes; n++) {
		for (r = 0; r < cfg->regions[n] && nr < SIM_MAX_REGIONS; r++, nr++) {
			struct sim_region *reg = &sim.reg[nr];

			reg->nid = n;
			reg->in_buddy = true;
			reg->dm = SIM_DM_MAPPED;
			reg->mem = sim_memory + nr * SIM_REGION_SIZE;
		}
	}
	sim.nr_regions = nr;
	shim_nr_pages = nr * SIM_REGION_PAGES;
	memset(shim_mem_map, 0, shim_nr_pages * sizeof(struct page));
	memset(sim_track, 0, shim_nr_pages * sizeof(*sim_track));
	/* Every CPU has touched all of memory through the direct map. */
	for (r = 0; r < nr; r++)
		sim_tlb_insert_all((struct sim_tlb_entry){ SIM_VA_DIRECT,
			PAGE_OFFSET + (r * SIM_REGION_SIZE), r, 0,
			SIM_REGION_PAGES, SIM_R | SIM_W });
}

void sim_set_cpu(int cpu)
{
	shim_cpu = cpu;
}

int shim_pfn_to_nid(unsigned long pfn)
{
	int r = sim_pfn_region(pfn);

	return r < 0 ? NUMA_NO_NODE : sim.reg[r].nid;
}

int sim_pfn_region(unsigned long pfn)
{
	if (pfn < SIM_PFN_BASE || pfn >= SIM_PFN_BASE + shim_nr_pages)
		return -1;
	return (pfn - SIM_PFN_BASE) / SIM_REGION_PAGES;
}

u8 *sim_page_mem(struct page *page)
{
	unsigned long pfn = page_to_pfn(page);
	int r = sim_pfn_region(pfn);

	if (r < 0)
		return NULL;
	return sim.reg[r].mem + ((pfn - SIM_PFN_BASE) % SIM_REGION_PAGES) * PAGE_SIZE;
}

int sim_alias_region(unsigned long va, unsigned long *off)
{
	int r;

	for (r = 0; r < sim.nr_regions; r++) {
		if (sim.reg[r].alias && va >= sim.reg[r].alias &&
		    va - sim.reg[r].alias < SIM_REGION_SIZE) {
			if (off)
				*off = va - sim.reg[r].alias;
			return r;
		}
	}
	return -1;
}

u8 *sim_alias_mem(unsigned long va)
{
	unsigned long off;
	int r = sim_alias_region(va, &off);

	return r < 0 ? NULL : sim.reg[r].mem + off;
}

int sim_buddy_free_regions(int nid)
{
	int r, n = 0;

	for (r = 0; r < sim.nr_regions; r++)
		n += sim.reg[r].nid == nid && sim.reg[r].in_buddy;
	return n;
}

unsigned int sim_region_poisoned(int r)
{
	struct page *page = pfn_to_page(SIM_PFN_BASE + r * SIM_REGION_PAGES);
	unsigned int i, n = 0;

	for (i = 0; i < SIM_REGION_PAGES; i++)
		n += shim_page_hwpoison(page + i);
	return n;
}

/* Invariant 8: a hwpoisoned page is never zeroed, handed out or freed back. */
void sim_check_not_poisoned(struct page *page, unsigned int nr, const char *what)
{
	unsigned int i;

	for (i = 0; i < nr; i++)
		if (shim_page_hwpoison(page + i)) {
			sim_violation(8, "%s hwpoisoned pfn %#lx", what,
				      page_to_pfn(page + i));
			return;
		}
}

/* The region a chunk's first page heads; a violation if it heads none. */
static int sim_chunk_region(struct page *page, const char *fn)
{
	unsigned long pfn = page_to_pfn(page);
	int r = sim_pfn_region(pfn);

	if (r < 0) {
		sim_violation(7, "%s: pfn %#lx is not simulated memory", fn, pfn);
		return -1;
	}
	if (sim.reg[r].in_buddy)
		sim_violation(7, "%s: region %d (pfn %#lx) is in the buddy allocator, not permcache's",
			      fn, r, pfn);
	return r;
}

int pc_arch_init(void)
{
	return 0;
}

/* A tiny buddy allocator: whole 2 MiB regions of one node, zeroed. */
struct page *pc_mm_alloc_chunk(int nid)
{
	int r;

	might_sleep();
	/* The kernel's alloc_pages_node(GFP_KERNEL | __GFP_THISNODE | ...). */
	shim_gfp_reclaim(GFP_KERNEL);
	for (r = 0; r < sim.nr_regions; r++) {
		struct sim_region *reg = &sim.reg[r];

		if (reg->nid != nid || !reg->in_buddy)
			continue;
		struct page *page = pfn_to_page(SIM_PFN_BASE + r * SIM_REGION_PAGES);
		unsigned int i;

		reg->in_buddy = false;
		memset(reg->mem, 0, SIM_REGION_SIZE);
		/*
		 * As after split_page(): every page holds one reference, and
		 * has the record of the chunk's allocation.
		 */
		for (i = 0; i < SIM_REGION_PAGES; i++) {
			atomic_set(&page[i]._refcount, 1);
			sim_track[page - shim_mem_map + i] = true;
		}
		return page;
	}
	return NULL;
}

void pc_mm_free_chunk(struct page *page)
{
	unsigned long pfn = page_to_pfn(page);
	int r = sim_pfn_region(pfn), cpu;
	unsigned int i;

	if (r < 0 || pfn % SIM_REGION_PAGES) {
		sim_violation(7, "pc_mm_free_chunk: pfn %#lx is not a chunk", pfn);
		return;
	}
	if (sim.reg[r].in_buddy) {
		sim_violation(7, "pc_mm_free_chunk: region %d freed twice", r);
		return;
	}
	sim_check_not_poisoned(page, SIM_REGION_PAGES,
			       "pc_mm_free_chunk: the buddy allocator gets back");
	/* Logically offline pages must not reach the buddy allocator. */
	for (i = 0; i < SIM_REGION_PAGES; i++)
		if (PageOffline(page + i)) {
			sim_violation(8, "region %d returned to the buddy allocator with page %u still PageOffline",
				      r, i);
			break;
		}
	for (i = 0; i < SIM_REGION_PAGES; i++)
		if (page_ref_count(page + i) != 1)
			sim_violation(7, "region %d returned to the buddy allocator with page %u referenced %d times",
				      r, i, page_ref_count(page + i));
	/* Every page has one record (ended and made whole again, then freed). */
	for (i = 0; i < SIM_REGION_PAGES; i++) {
		if (!sim_track[page - shim_mem_map + i])
			sim_violation(8, "region %d returned to the buddy allocator with page %u not recorded as allocated",
				      r, i);
		sim_track[page - shim_mem_map + i] = false;
	}
	if (sim.reg[r].dm != SIM_DM_MAPPED)
		sim_violation(3, "region %d returned to the buddy allocator not restored as one 2 MiB mapping (state %d)",
			      r, sim.reg[r].dm);
	if (sim.reg[r].alias)
		sim_violation(1, "region %d returned to the buddy allocator with its alias %#lx still mapped",
			      r, sim.reg[r].alias);
	for (cpu = 0; cpu < sim.cfg.nr_cpus; cpu++)
		for (i = 0; i < sim.tlb[cpu].nr; i++)
			if (sim.tlb[cpu].e[i].region == r &&
			    sim.tlb[cpu].e[i].kind != SIM_VA_DIRECT)
				sim_violation(1, "region %d returned to the buddy allocator while CPU %d still caches alias %#lx (perm %#x)",
					      r, cpu, sim.tlb[cpu].e[i].va, sim.tlb[cpu].e[i].perm);
	sim.reg[r].in_buddy = true;
}

/* Acting on anything but one whole 2 MiB unit splits the PMD (invariant 3). */
static int sim_direct_split(unsigned long pfn, const char *fn)
{
	int r = sim_pfn_region(pfn);

	sim.direct_map_level2_splits++;
	sim_violation(3, "%s: pfn %#lx is not the head of a 2 MiB unit: direct map split",
		      fn, pfn);
	if (r >= 0 && sim.reg[r].dm != SIM_DM_SPLIT) {
		memset(sim.reg[r].dm4k, sim.reg[r].dm == SIM_DM_MAPPED ? SIM_R | SIM_W : 0,
		       SIM_REGION_PAGES);
		sim.reg[r].dm = SIM_DM_SPLIT;
	}
	return 0;
}

int pc_arch_unmap_direct(struct page *page)
{
	unsigned long pfn = page_to_pfn(page);
	int r = sim_chunk_region(page, "pc_arch_unmap_direct");

	might_sleep();
	if (r < 0)
		return -EINVAL;
	if (pfn % SIM_REGION_PAGES)
		return sim_direct_split(pfn, "pc_arch_unmap_direct");
	if (sim.reg[r].dm != SIM_DM_MAPPED && sim.reg[r].dm != SIM_DM_RO)
		sim_violation(3, "pc_arch_unmap_direct: region %d is not mapped as 2 MiB (state %d)",
			      r, sim.reg[r].dm);
	/* No flush: stale RW or RO translations stay until the caller flushes. */
	sim.reg[r].dm = SIM_DM_UNMAPPED;
	return 0;
}

int pc_arch_restore_direct(struct page *page)
{
	unsigned long pfn = page_to_pfn(page);
	int r = sim_chunk_region(page, "pc_arch_restore_direct");

	might_sleep();
	if (r < 0)
		return -EINVAL;
	if (pfn % SIM_REGION_PAGES)
		return sim_direct_split(pfn, "pc_arch_restore_direct");
	if (sim.reg[r].dm != SIM_DM_UNMAPPED && sim.reg[r].dm != SIM_DM_RO)
		sim_violation(3, "pc_arch_restore_direct: region %d is not unmapped or RO as 2 MiB (state %d)",
			      r, sim.reg[r].dm);
	if (sim.reg[r].alias)
		sim_violation(sim.reg[r].alias_perm & SIM_X ? 2 : 1,
			      "pc_arch_restore_direct: region %d made writable in the direct map while its %s alias %#lx is mapped",
			      r, sim.reg[r].alias_perm & SIM_X ? "ROX" : "RO", sim.reg[r].alias);
	sim.reg[r].dm = SIM_DM_MAPPED;
	sim_tlb_insert_all((struct sim_tlb_entry){ SIM_VA_DIRECT,
		PAGE_OFFSET + r * SIM_REGION_SIZE, r, 0, SIM_REGION_PAGES,
		SIM_R | SIM_W });
	return 0;
}

/*
 * post_alloc_track() and free_pages_untrack(): page_owner & co. keep one
 * record per page while it is allocated; permcache must keep exactly one on
 * every page of its chunks (the chunk's, permcache's, or the caller's).
 */
void pc_mm_track(struct page *page, unsigned int order, gfp_t gfp)
{
	unsigned long i, first = page - shim_mem_map;

	for (i = first; i < first + (1UL << order); i++) {
		if (sim_track[i])
			sim_violation(8, "pfn %#lx: allocation recorded twice without a free",
				      shim_pfn_base + i);
		sim_track[i] = true;
		sim.tracked++;
	}
}

void pc_mm_untrack(struct page *page, unsigned int order)
{
	unsigned long i, first = page - shim_mem_map;

	for (i = first; i < first + (1UL << order); i++) {
		if (!sim_track[i])
			sim_violation(8, "pfn %#lx: record ended twice", shim_pfn_base + i);
		sim_track[i] = false;
	}
}

/*
 * The free path may run with interrupts off (the last put from any
 * context): as if a spinlock were held, so that a sleep in there is caught.
 */
static bool sim_take_freed_page(struct page *page)
{
	bool taken;

	shim_locks_held++;
	taken = permcache_take_freed_page(page);
	shim_locks_held--;
	return taken;
}

/*
 * The page allocator's free path for a page whose count reached zero, as
 * free_pages_prepare() does it: the allocation record is undone; a
 * hardware-poisoned page is kept out of use, and given to
 * permcache_take_freed_page() if it has PG_permcache; any other page has
 * its flags but PG_hwpoison cleared and, with PG_permcache, goes to
 * permcache_take_freed_page().  No simulated page may reach the buddy allocator this way: every one belongs
 * to a region the model hands out and takes back whole (chunks), so one
 * that is not taken back is a page permcache lost (a double free, a put of
 * a page it did not hand out, or a unit freed under a holder).
 */
void sim_free_path(struct page *page)
{
	unsigned long i = page - shim_mem_map;
	bool permcache = folio_test_permcache(page_folio(page));

	if (!sim_track[i])
		sim_violation(8, "pfn %#lx freed without a record of its allocation",
			      page_to_pfn(page));
	sim_track[i] = false;
	if (shim_page_hwpoison(page)) {
		if (permcache && sim_take_freed_page(page))
			sim.freed_back++;
		return;
	}
	page->flags &= ~PAGE_FLAGS_CHECK_AT_PREP;
	page->private = 0;
	if (permcache && sim_take_freed_page(page)) {
		sim.freed_back++;
		return;
	}
	sim_violation(8, "pfn %#lx reached the buddy allocator on its own (count 0)",
		      page_to_pfn(page));
}

/*
 * Present, read-only, NX, as one 2 MiB unit, without a flush: legal only
 * from not present (nothing caches a not-present entry) or RO.  From RW a
 * flush would be needed (stale W translations), from 4K it is no 2M unit.
 */
int pc_arch_ro_direct(struct page *page)
{
	unsigned long pfn = page_to_pfn(page);
	int r = sim_chunk_region(page, "pc_arch_ro_direct");

	might_sleep();
	if (r < 0)
		return -EINVAL;
	if (pfn % SIM_REGION_PAGES)
		return sim_direct_split(pfn, "pc_arch_ro_direct");
	if (sim.reg[r].dm == SIM_DM_SPLIT)
		sim_violation(3, "pc_arch_ro_direct: region %d is split", r);
	else if (sim.reg[r].dm == SIM_DM_MAPPED)
		sim_violation(sim.reg[r].alias_perm & SIM_X ? 2 : 1,
			      "pc_arch_ro_direct: region %d goes from RW to RO without a flush: CPUs keep writable translations",
			      r);
	sim.ro_directs++;
	sim.reg[r].dm = SIM_DM_RO;
	sim_tlb_insert_all((struct sim_tlb_entry){ SIM_VA_DIRECT,
		PAGE_OFFSET + r * SIM_REGION_SIZE, r, 0, SIM_REGION_PAGES,
		SIM_R });
	return 0;
}

/*
 * The hibernation snapshot (kernel/power/snapshot.c) copies every saveable
 * page: through the direct map where it is present, otherwise by mapping it
 * there 4 KiB at a time (safe_copy_page()), which splits an unmapped 2 MiB
 * chunk (invariant 3).  Free (buddy) memory is not saved; a hwpoisoned page
 * is taken as not saveable.  Returns the pages copied.
 */
unsigned long sim_hibernation_snapshot(void)
{
	unsigned long copied = 0;
	unsigned int p;
	int r;

	for (r = 0; r < sim.nr_regions; r++) {
		struct sim_region *reg = &sim.reg[r];
		struct page *page = pfn_to_page(SIM_PFN_BASE + r * SIM_REGION_PAGES);

		if (reg->in_buddy)
			continue;
		for (p = 0; p < SIM_REGION_PAGES; p++) {
			/* saveable_page() skips logically offline pages. */
			if (shim_page_hwpoison(page + p) || PageOffline(page + p))
				continue;
			copied++;
			if (reg->dm == SIM_DM_UNMAPPED ||
			    (reg->dm == SIM_DM_SPLIT && !reg->dm4k[p])) {
				sim_violation(3, "hibernation snapshot: region %d (%u hwpoisoned pages) is out of the direct map; safe_copy_page() maps pfn %#lx 4 KiB at a time",
					      r, sim_region_poisoned(r), page_to_pfn(page + p));
				sim_direct_split(page_to_pfn(page + p),
						 "hibernation snapshot (safe_copy_page) of a page out of the direct map");
				break;
			}
		}
	}
	return copied;
}

static bool sim_va_cached(unsigned long va)
{
	int cpu;
	unsigned int i;

	for (cpu = 0; cpu < sim.cfg.nr_cpus; cpu++)
		for (i = 0; i < sim.tlb[cpu].nr; i++)
			if (sim.tlb[cpu].e[i].va == va)
				return true;
	return false;
}

/* A fresh 2 MiB slot of the module range that no mapping or TLB uses. */
static unsigned long sim_alias_slot(void)
{
	unsigned int tries;

	for (tries = 0; tries < SIM_ALIAS_SLOTS; tries++) {
		unsigned long va = SIM_ALIAS_BASE +
			(sim.next_slot++ % SIM_ALIAS_SLOTS) * SIM_REGION_SIZE;

		if (sim_alias_region(va, NULL) < 0 && !sim_va_cached(va))
			return va;
	}
	return 0;
}

int pc_mm_map_alias(struct pc_chunk *c)
{
	int r = sim_chunk_region(c->page, "pc_mm_map_alias");
	unsigned long va;
	u8 perm;

	might_sleep();
	/* The kernel's vmalloc area (GFP_KERNEL) and its page tables. */
	shim_gfp_reclaim(GFP_KERNEL);
	if (r < 0)
		return -EINVAL;
	if (sim.fail_map_alias) {
		sim.fail_map_alias--;
		return -ENOMEM;
	}
	if (c->cls == PERMCACHE_RO) {
		perm = SIM_R;
	} else if (c->cls == PERMCACHE_ROX) {
		perm = SIM_R | SIM_X;
	} else {
		sim_violation(c->cls == PERMCACHE_SECRET ? 4 : 2,
			      "pc_mm_map_alias: chunk of class %u gets an alias", c->cls);
		return -EINVAL;
	}
	if (page_to_pfn(c->page) % SIM_REGION_PAGES) {
		sim_violation(3, "pc_mm_map_alias: chunk page is not 2 MiB aligned");
		return -EINVAL;
	}
	if (sim.reg[r].dm != SIM_DM_UNMAPPED && sim.reg[r].dm != SIM_DM_RO)
		sim_violation(2, "pc_mm_map_alias: region %d is still in the direct map (state %d) while mapped %s",
			      r, sim.reg[r].dm, perm & SIM_X ? "ROX" : "RO");
	if (sim.reg[r].alias)
		sim_violation(2, "pc_mm_map_alias: region %d already has alias %#lx",
			      r, sim.reg[r].alias);
	va = sim_alias_slot();
	if (!va)
		return -ENOMEM;
	sim.reg[r].alias = va;
	sim.reg[r].alias_perm = perm;
	c->alias = va;
	c->arch = (void *)(long)(r + 1);
	sim_tlb_insert_all((struct sim_tlb_entry){ SIM_VA_ALIAS, va, r, 0,
		SIM_REGION_PAGES, perm });
	return 0;
}

void pc_mm_unmap_alias(struct pc_chunk *c)
{
	int r = sim_chunk_region(c->page, "pc_mm_unmap_alias");

	might_sleep();
	if (r < 0)
		return;
	if (!c->alias || sim.reg[r].alias != c->alias) {
		sim_violation(7, "pc_mm_unmap_alias: chunk alias %#lx is not region %d's (%#lx)",
			      c->alias, r, sim.reg[r].alias);
		return;
	}
	sim.reg[r].alias = 0;
	sim.reg[r].alias_perm = 0;
	c->alias = 0;
	c->arch = NULL;
}

void pc_arch_flush_kernel_tlb(void)
{
	sim.flushes++;
	sim_tlb_flush_all();
}

/*
 * The temporary mappings that fill, zero and read pages with no kernel
 * mapping.  Now: a per-CPU temporary mm (as x86 text_poke), whose
 * translations only the current CPU can cache, flushed locally at the end.
 * Before (sim_temp_in_init_mm): per-CPU PTEs in init_mm, which any CPU's
 * page walker may cache speculatively, while the local flush reaches only
 * the current CPU.
 */
static void sim_temp_map(unsigned int slot, int r, struct page *page, u8 perm)
{
	struct sim_tlb_entry e = { SIM_VA_TEMP, SIM_TEMP_VA + slot * PAGE_SIZE, r,
		(page_to_pfn(page) - SIM_PFN_BASE) % SIM_REGION_PAGES, 1, perm };

	if (sim_temp_in_init_mm)
		sim_tlb_insert_all(e);
	else
		sim_tlb_insert(shim_cpu, e);
}

void pc_arch_fill_page(struct page *page, int byte)
{
	int r = sim_chunk_region(page, "pc_arch_fill_page");

	if (r < 0)
		return;
	sim_check_not_poisoned(page, 1, "pc_arch_fill_page: fills");
	sim.fills++;
	sim_temp_map(0, r, page, SIM_R | SIM_W);
	memset(sim_page_mem(page), byte, PAGE_SIZE);
	sim_tlb_flush_local_temp(shim_cpu);
}

/* Batch zeroing: a temporary mapping per page, one local flush per batch. */
void pc_arch_zero_pages(struct list_head *pages)
{
	struct page *page;
	unsigned int i = 0;
	int r;

	/* A batch is PC_ZERO_BATCH pages with interrupts off: not under RCU. */
	if (shim_rcu_depth)
		shim_lock_error(__FILE__, __LINE__,
				"pc_arch_zero_pages() inside an RCU read section");
	list_for_each_entry(page, pages, lru) {
		r = sim_chunk_region(page, "pc_arch_zero_pages");
		if (r < 0)
			continue;
		sim_check_not_poisoned(page, 1, "pc_arch_zero_pages: zeroes");
		sim.fills++;
		sim_temp_map(i % PC_ZERO_BATCH, r, page, SIM_R | SIM_W);
		memset(sim_page_mem(page), 0, PAGE_SIZE);
		if (++i % PC_ZERO_BATCH == 0)
			sim_tlb_flush_local_temp(shim_cpu);
	}
	if (i % PC_ZERO_BATCH)
		sim_tlb_flush_local_temp(shim_cpu);
}

bool pc_arch_page_filled(struct page *page, int byte)
{
	int r = sim_chunk_region(page, "pc_arch_page_filled");
	u8 *p = sim_page_mem(page);
	unsigned long i;
	bool ok = true;

	if (!p || r < 0)
		return false;
	/* Reading a poisoned page consumes the poison (a machine check). */
	sim_check_not_poisoned(page, 1, "pc_arch_page_filled: reads");
	sim_temp_map(0, r, page, SIM_R | SIM_W);
	for (i = 0; i < PAGE_SIZE; i++)
		if (p[i] != (u8)byte) {
			ok = false;
			break;
		}
	/* Its local flush is not one of the fills' (local_flushes). */
	sim_tlb_drop_local_temp(shim_cpu);
	return ok;
}

/* Text poke: writes the bytes behind a live RO/ROX alias, maps nothing W. */
static u8 *sim_poke_target(void *dst, size_t len)
{
	unsigned long va = (unsigned long)dst, off;
	int r;

	might_sleep();			/* x86 text_poke takes text_mutex */
	r = sim_alias_region(va, &off);
	if (r < 0 || !len || len > SIM_REGION_SIZE - off)
		return NULL;
	sim.pokes++;
	return sim.reg[r].mem + off;
}

int pc_arch_poke_copy(void *dst, const void *src, size_t len)
{
	u8 *p = sim_poke_target(dst, len);

	if (!p)
		return -EINVAL;
	memcpy(p, src, len);
	return 0;
}

int pc_arch_poke_set(void *dst, int byte, size_t len)
{
	u8 *p = sim_poke_target(dst, len);

	if (!p)
		return -EINVAL;
	memset(p, byte, len);
	return 0;
}

/* Called once (then cleared) at the next pc_arch_text_filled(), if set. */
void (*sim_text_filled_hook)(void);

/* Reading text through its alias: it must be mapped where it is read. */
bool pc_arch_text_filled(const void *addr, int byte, size_t len)
{
	unsigned long va = (unsigned long)addr, off, i;
	int r = sim_alias_region(va, &off);
	void (*hook)(void) = sim_text_filled_hook;

	if (hook) {
		sim_text_filled_hook = NULL;
		hook();
	}

	if (r < 0 || !len || len > SIM_REGION_SIZE - off) {
		sim_violation(7, "pc_arch_text_filled: %#lx+%zu is not in a mapped alias",
			      va, len);
		return false;
	}
	for (i = 0; i < len; i++)
		if (sim.reg[r].mem[off + i] != (u8)byte)
			return false;
	return true;
}
