// SPDX-License-Identifier: GPL-2.0-only
/*
 * TLB model: per simulated CPU, the translations it may still hold.
 *
 * Conservative on purpose: a mapping is inserted in every CPU's TLB the
 * moment it exists (any CPU may touch it at any time), and it leaves only
 * through a full flush (pc_arch_flush_kernel_tlb(), every CPU) or the local
 * flush of a temporary mapping on the current CPU.  A full flush leaves
 * exactly the mappings that are still present.
 *
 * sim_check_tlb() is invariants 1, 2 and 4 seen from the TLBs.
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

void sim_tlb_insert(int cpu, struct sim_tlb_entry e)
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

void sim_tlb_insert_all(struct sim_tlb_entry e)
{
	int cpu;

	if (e.perm & SIM_W && e.perm & SIM_X)
		sim_violation(2, "a W+X mapping at %#lx (region %d)", e.va, e.region);
	for (cpu = 0; cpu < sim.cfg.nr_cpus; cpu++)
		sim_tlb_insert(cpu, e);
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

		if (reg->dm == SIM_DM_MAPPED)
			sim_tlb_insert_all((struct sim_tlb_entry){ SIM_VA_DIRECT,
				dva, r, 0, SIM_REGION_PAGES, SIM_R | SIM_W });
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

void sim_tlb_flush_local_temp(int cpu)
{
	struct sim_tlb *t = &sim.tlb[cpu];
	unsigned int i = 0;

	sim.local_flushes++;
	while (i < t->nr) {
		if (t->e[i].kind == SIM_VA_TEMP)
			t->e[i] = t->e[--t->nr];
		else
			i++;
	}
}

static const char *const sim_cls_name[] = { "SECRET", "RO", "ROX" };

static const char *sim_kind_name(enum sim_va_kind k)
{
	return k == SIM_VA_DIRECT ? "direct-map" : k == SIM_VA_ALIAS ? "alias" : "temporary";
}

void sim_check_tlb(const int *exposed)
{
	int cpu, r;
	unsigned int i;

	for (r = 0; r < sim.nr_regions; r++) {
		struct sim_region *reg = &sim.reg[r];

		if (exposed[r] < 0)
			continue;
		if (reg->dm != SIM_DM_UNMAPPED)
			sim_violation(exposed[r] == PERMCACHE_SECRET ? 4 : 2,
				      "region %d serves %s but is in the direct map (state %d)",
				      r, sim_cls_name[exposed[r]], reg->dm);
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
			if (e->kind == SIM_VA_TEMP) {
				sim_violation(4, "CPU %d still caches the temporary mapping of region %d page %u",
					      cpu, e->region, e->page);
				continue;
			}
			if (cls == -2 && e->kind == SIM_VA_ALIAS) {
				sim_violation(1, "CPU %d caches alias %#lx (perm %#x) of region %d, which is back in the buddy allocator",
					      cpu, e->va, e->perm, e->region);
				continue;
			}
			if (cls < 0)
				continue;
			/* SECRET: nothing; RO: R at the alias; ROX: R+X at the alias. */
			allowed = 0;
			if (cls != PERMCACHE_SECRET && e->kind == SIM_VA_ALIAS &&
			    e->va == sim.reg[e->region].alias)
				allowed = cls == PERMCACHE_ROX ? SIM_R | SIM_X : SIM_R;
			if (e->perm & ~allowed || (allowed && e->perm != allowed))
				sim_violation(1, "stale access: CPU %d caches a %s translation %#lx (perm %s%s%s) of region %d, which serves %s (alias %#lx)",
					      cpu, sim_kind_name(e->kind), e->va,
					      e->perm & SIM_R ? "R" : "",
					      e->perm & SIM_W ? "W" : "",
					      e->perm & SIM_X ? "X" : "",
					      e->region, sim_cls_name[cls],
					      sim.reg[e->region].alias);
		}
	}
	if (sim.direct_map_level2_splits)
		sim_violation(3, "direct_map_level2_splits = %lu", sim.direct_map_level2_splits);
}
