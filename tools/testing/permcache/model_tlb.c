// SPDX-License-Identifier: GPL-2.0-only
/*
 * TLB model: per simulated CPU, the translations it may still hold.
 *
 * At least as permissive as hardware: any CPU may cache any translation
 * that is present in the shared kernel page tables (init_mm: the direct map,
 * the RO/ROX aliases, and the temporary slots of the old scheme), from the
 * moment it exists, so such a mapping is inserted in every CPU's TLB when it
 * is created.  A translation of a per-CPU temporary mm (text_poke's scheme)
 * can only be cached by the CPU that loaded that mm: it is inserted in that
 * CPU's TLB alone.  An entry leaves a TLB only through a full flush
 * (pc_arch_flush_kernel_tlb(), every CPU) or a local flush of the temporary
 * mappings (the current CPU).  A full flush leaves exactly the init_mm
 * mappings that are still present (they may be cached again at once).
 *
 * sim_check_tlb() is invariants 1, 2, 4 and 8 seen from the page tables and
 * the TLBs; sim_tlb_insert() checks W^X across aliases as each translation
 * appears.
 */
#include "model.h"
#include "../../../mm/pc_internal.h"

void sim_tlb_reset(void)
{
	int cpu;

	for (cpu = 0; cpu < SIM_MAX_CPUS; cpu++) {
		free(sim.tlb[cpu].e);
		memset(&sim.tlb[cpu], 0, sizeof(sim.tlb[cpu]));
	}
}

static const char *sim_kind_name(enum sim_va_kind k)
{
	return k == SIM_VA_DIRECT ? "direct-map" : k == SIM_VA_ALIAS ? "alias" : "temporary";
}

static const char *sim_perm_str(u8 perm)
{
	static const char *const s[] = { "-", "R", "W", "RW", "X", "RX", "WX", "RWX" };

	return s[perm & 7];
}

bool sim_tlb_region_has(int r, u8 perm)
{
	int cpu;
	unsigned int i;

	for (cpu = 0; cpu < sim.cfg.nr_cpus; cpu++)
		for (i = 0; i < sim.tlb[cpu].nr; i++)
			if (sim.tlb[cpu].e[i].region == r && sim.tlb[cpu].e[i].perm & perm)
				return true;
	return false;
}

/* Is the direct map of region @r (or of any page of it) writable? */
static bool sim_dm_writable(const struct sim_region *reg)
{
	unsigned int p;

	if (reg->dm == SIM_DM_MAPPED)
		return true;
	if (reg->dm == SIM_DM_SPLIT)
		for (p = 0; p < SIM_REGION_PAGES; p++)
			if (reg->dm4k[p] & SIM_W)
				return true;
	return false;
}

/*
 * W^X across aliases (invariant 2): memory that some mapping or some CPU's
 * TLB can execute must not be writable through any other mapping or cached
 * translation on any CPU, and the other way round.
 */
static void sim_check_wx(int cpu, const struct sim_tlb_entry *e)
{
	const struct sim_region *reg = &sim.reg[e->region];

	if (e->perm & SIM_W && e->perm & SIM_X)
		sim_violation(2, "a W+X mapping at %#lx (region %d)", e->va, e->region);
	if (e->perm & SIM_W && (reg->alias_perm & SIM_X || sim_tlb_region_has(e->region, SIM_X)))
		sim_violation(2, "W^X across aliases: CPU %d may cache a writable %s translation %#lx of region %d, which is executable through alias %#lx (or a cached translation)",
			      cpu, sim_kind_name(e->kind), e->va, e->region, reg->alias);
	if (e->perm & SIM_X && (sim_dm_writable(reg) || sim_tlb_region_has(e->region, SIM_W)))
		sim_violation(2, "W^X across aliases: executable %s %#lx of region %d while its direct map is writable (state %d) or a CPU caches a writable translation",
			      sim_kind_name(e->kind), e->va, e->region, reg->dm);
}

static void sim_tlb_add(int cpu, struct sim_tlb_entry e)
{
	struct sim_tlb *t = &sim.tlb[cpu];
	unsigned int i;

	for (i = 0; i < t->nr; i++)
		if (!memcmp(&t->e[i], &e, sizeof(e)))
			return;
	if (t->nr == t->cap) {
		t->cap = t->cap ? 2 * t->cap : 64;
		t->e = realloc(t->e, t->cap * sizeof(*t->e));
		if (!t->e)
			abort();
	}
	t->e[t->nr++] = e;
}

/* A translation only @cpu can cache (a temporary mm that CPU loaded). */
void sim_tlb_insert(int cpu, struct sim_tlb_entry e)
{
	sim_check_wx(cpu, &e);
	sim_tlb_add(cpu, e);
}

/* A translation in init_mm: every CPU may cache it, from now on. */
void sim_tlb_insert_all(struct sim_tlb_entry e)
{
	int cpu;

	sim_check_wx(-1, &e);
	for (cpu = 0; cpu < sim.cfg.nr_cpus; cpu++)
		sim_tlb_add(cpu, e);
}

/* Everything goes; what is still mapped may be cached again at once. */
void sim_tlb_flush_all(void)
{
	int cpu, r;
	unsigned int p;

	for (cpu = 0; cpu < sim.cfg.nr_cpus; cpu++)
		sim.tlb[cpu].nr = 0;
	for (r = 0; r < sim.nr_regions; r++) {
		struct sim_region *reg = &sim.reg[r];
		unsigned long dva = PAGE_OFFSET + r * SIM_REGION_SIZE;

		if (reg->dm == SIM_DM_MAPPED || reg->dm == SIM_DM_RO)
			sim_tlb_insert_all((struct sim_tlb_entry){ SIM_VA_DIRECT,
				dva, r, 0, SIM_REGION_PAGES,
				reg->dm == SIM_DM_RO ? SIM_R : SIM_R | SIM_W });
		else if (reg->dm == SIM_DM_SPLIT)
			for (p = 0; p < SIM_REGION_PAGES; p++)
				if (reg->dm4k[p])
					sim_tlb_insert_all((struct sim_tlb_entry){
						SIM_VA_DIRECT, dva + p * PAGE_SIZE,
						r, p, 1, reg->dm4k[p] });
		if (reg->alias)
			sim_tlb_insert_all((struct sim_tlb_entry){ SIM_VA_ALIAS,
				reg->alias, r, 0, SIM_REGION_PAGES,
				reg->alias_perm });
	}
}

/* The local flush of the temporary mappings; not counted (reads). */
void sim_tlb_drop_local_temp(int cpu)
{
	struct sim_tlb *t = &sim.tlb[cpu];
	unsigned int i = 0;

	while (i < t->nr) {
		if (t->e[i].kind == SIM_VA_TEMP)
			t->e[i] = t->e[--t->nr];
		else
			i++;
	}
}

/* The local flush that ends a fill or a zeroing batch: counted. */
void sim_tlb_flush_local_temp(int cpu)
{
	sim.local_flushes++;
	sim_tlb_drop_local_temp(cpu);
}

static const char *const sim_cls_name[] = { "SECRET", "RO", "ROX" };

/* The direct-map state a text chunk keeps: RO+NX with the new boundary. */
#ifdef PC_HAVE_RO_DIRECT
#define SIM_TEXT_DM		SIM_DM_RO
#else
#define SIM_TEXT_DM		SIM_DM_UNMAPPED
#endif

static const char *sim_dm_name(enum sim_dm dm)
{
	return dm == SIM_DM_MAPPED ? "present RW" : dm == SIM_DM_UNMAPPED ? "not present" :
	       dm == SIM_DM_RO ? "present RO" : "split to 4K";
}

void sim_check_tlb(const int *exposed)
{
	int cpu, r;
	unsigned int i;

	for (r = 0; r < sim.nr_regions; r++) {
		struct sim_region *reg = &sim.reg[r];

		/* W^X across aliases, whatever the region serves. */
		if (reg->alias_perm & SIM_X && sim_dm_writable(reg))
			sim_violation(2, "W^X across aliases: region %d is executable at %#lx and writable in the direct map (%s)",
				      r, reg->alias, sim_dm_name(reg->dm));
		if (sim_tlb_region_has(r, SIM_W) &&
		    (reg->alias_perm & SIM_X || sim_tlb_region_has(r, SIM_X)))
			sim_violation(2, "W^X across aliases: region %d has writable and executable translations cached",
				      r);
		/* Text keeps its direct map RO (kcore, hibernation): invariant 8. */
		if (reg->alias && !reg->in_buddy && reg->dm != SIM_TEXT_DM)
			sim_violation(reg->dm == SIM_DM_SPLIT ? 3 :
				      sim_dm_writable(reg) ? 2 : 8,
				      "region %d has a %s alias %#lx but its direct map is %s, not %s",
				      r, reg->alias_perm & SIM_X ? "ROX" : "RO", reg->alias,
				      sim_dm_name(reg->dm), sim_dm_name(SIM_TEXT_DM));

		if (exposed[r] < 0)
			continue;
		if (exposed[r] == PERMCACHE_SECRET && reg->dm != SIM_DM_UNMAPPED)
			sim_violation(4, "region %d serves SECRET but is in the direct map (%s)",
				      r, sim_dm_name(reg->dm));
		if (exposed[r] != PERMCACHE_SECRET && reg->dm != SIM_TEXT_DM)
			sim_violation(reg->dm == SIM_DM_SPLIT ? 3 : sim_dm_writable(reg) ? 2 : 8,
				      "region %d serves %s but its direct map is %s, not %s",
				      r, sim_cls_name[exposed[r]], sim_dm_name(reg->dm),
				      sim_dm_name(SIM_TEXT_DM));
		if (exposed[r] == PERMCACHE_SECRET && reg->alias)
			sim_violation(4, "region %d serves SECRET but has alias %#lx",
				      r, reg->alias);
		if (exposed[r] != PERMCACHE_SECRET &&
		    (!reg->alias || reg->alias_perm !=
		     (exposed[r] == PERMCACHE_ROX ? SIM_R | SIM_X : SIM_R)))
			sim_violation(2, "region %d serves %s but its alias is %#lx perm %#x",
				      r, sim_cls_name[exposed[r]], reg->alias,
				      reg->alias_perm);
	}

	for (cpu = 0; cpu < sim.cfg.nr_cpus; cpu++) {
		for (i = 0; i < sim.tlb[cpu].nr; i++) {
			struct sim_tlb_entry *e = &sim.tlb[cpu].e[i];
			int cls = exposed[e->region];
			u8 allowed;

			if (e->perm & SIM_W && e->perm & SIM_X)
				sim_violation(2, "CPU %d caches a W+X translation %#lx", cpu, e->va);
			if (cls == -2 && e->kind != SIM_VA_DIRECT) {
				sim_violation(1, "CPU %d caches %s %#lx (perm %s) of region %d page %u, which is back in the buddy allocator",
					      cpu, sim_kind_name(e->kind), e->va,
					      sim_perm_str(e->perm), e->region, e->page);
				continue;
			}
			if (cls < 0)
				continue;
			/*
			 * SECRET: nothing.  RO: R at the alias; ROX: R+X at
			 * the alias; either: R in the (RO) direct map.
			 */
			allowed = 0;
			if (cls != PERMCACHE_SECRET && e->kind == SIM_VA_ALIAS &&
			    e->va == sim.reg[e->region].alias)
				allowed = cls == PERMCACHE_ROX ? SIM_R | SIM_X : SIM_R;
			if (cls != PERMCACHE_SECRET && e->kind == SIM_VA_DIRECT)
				allowed = SIM_R;
			if (!(e->perm & ~allowed) &&
			    (e->kind != SIM_VA_ALIAS || !allowed || e->perm == allowed))
				continue;
			if (e->kind == SIM_VA_TEMP)
				sim_violation(cls == PERMCACHE_SECRET ? 4 : e->perm & SIM_W ? 2 : 1,
					      "stale temporary mapping: CPU %d (not only the one that filled it) still caches %#lx (perm %s) of region %d page %u, which serves %s",
					      cpu, e->va, sim_perm_str(e->perm), e->region,
					      e->page, sim_cls_name[cls]);
			else
				sim_violation(1, "stale access: CPU %d caches a %s translation %#lx (perm %s) of region %d, which serves %s (alias %#lx)",
					      cpu, sim_kind_name(e->kind), e->va,
					      sim_perm_str(e->perm), e->region,
					      sim_cls_name[cls], sim.reg[e->region].alias);
		}
	}
	if (sim.direct_map_level2_splits)
		sim_violation(3, "direct_map_level2_splits = %lu", sim.direct_map_level2_splits);
}

/*
 * The moment a SECRET page goes to a new owner: no CPU may hold any kernel
 * translation of it (a stale RO direct-map entry of a chunk that was text,
 * a stale alias, a temporary mapping another CPU cached).
 */
void sim_check_page_unreachable(struct page *page, const char *why)
{
	unsigned long pfn = page_to_pfn(page);
	int r = sim_pfn_region(pfn), cpu;
	unsigned int p, i;

	if (r < 0)
		return;
	p = (pfn - SIM_PFN_BASE) % SIM_REGION_PAGES;
	if (sim.reg[r].dm != SIM_DM_UNMAPPED)
		sim_violation(4, "%s: pfn %#lx of region %d is in the direct map (%s)",
			      why, pfn, r, sim_dm_name(sim.reg[r].dm));
	for (cpu = 0; cpu < sim.cfg.nr_cpus; cpu++) {
		for (i = 0; i < sim.tlb[cpu].nr; i++) {
			struct sim_tlb_entry *e = &sim.tlb[cpu].e[i];

			if (e->region != r || p < e->page || p >= e->page + e->nr_pages)
				continue;
			sim_violation(e->kind == SIM_VA_TEMP ? 4 : 1,
				      "%s: pfn %#lx while CPU %d still caches a %s translation %#lx (perm %s) of it: a stale kernel mapping of secret memory",
				      why, pfn, cpu, sim_kind_name(e->kind),
				      e->va + (e->kind == SIM_VA_TEMP ? 0 : (p - e->page) * PAGE_SIZE),
				      sim_perm_str(e->perm));
			return;
		}
	}
}
