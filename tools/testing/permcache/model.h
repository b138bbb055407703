/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The simulated machine the permcache core runs on in userspace: nodes,
 * CPUs, 2 MiB regions of real bytes, a buddy model, the direct map, RO/ROX
 * aliases and one TLB per CPU (model_arch.c, model_tlb.c).
 *
 * The TLB model is at least as permissive as hardware: every CPU may cache
 * every translation present in the shared kernel page tables (init_mm: the
 * direct map, the RO/ROX aliases and, in the old scheme, the per-CPU
 * temporary slots), from the moment it exists, until a flush that reaches
 * that CPU.  A translation of a per-CPU temporary mm (x86 text_poke's
 * scheme, now used by pc_arch_fill_page(), pc_arch_zero_pages() and
 * pc_arch_page_filled()) can only be cached by the CPU that loaded it, and
 * the local flush at the end of the call removes it.  An entry leaves a TLB
 * only through pc_arch_flush_kernel_tlb() (every CPU) or a local flush (the
 * current CPU).
 *
 * sim_temp_in_init_mm selects the old scheme (temporary PTEs in init_mm,
 * which any CPU's page walker may cache); the "initmm" mutant sets it and
 * the harness must fail.
 */
#ifndef _PC_MODEL_H
#define _PC_MODEL_H

#include "shim.h"

#define SIM_MAX_NODES		4
#define SIM_MAX_CPUS		4
#define SIM_MAX_REGIONS		(SIM_MAX_NODES * 6)
#define SIM_REGION_PAGES	512
#define SIM_REGION_SIZE		(SIM_REGION_PAGES * PAGE_SIZE)
#define SIM_PFN_BASE		0x100000UL
#define SIM_ALIAS_BASE		0xffffffffa0000000UL	/* module range: faults if used */
#define SIM_ALIAS_SLOTS		700
#define SIM_TEMP_VA		0xffffe00000000000UL

/* Permission bits of a mapping or a TLB entry. */
#define SIM_R			1
#define SIM_W			2
#define SIM_X			4

/*
 * Direct-map state of a region: present RW (as the buddy allocator has it),
 * not present, split to 4 KiB (a violation), or present read-only and NX
 * as one 2 MiB unit (text chunks: /proc/kcore and hibernation read them).
 */
enum sim_dm { SIM_DM_MAPPED, SIM_DM_UNMAPPED, SIM_DM_SPLIT, SIM_DM_RO };
enum sim_va_kind { SIM_VA_DIRECT, SIM_VA_ALIAS, SIM_VA_TEMP };

struct sim_region {
	int nid;
	bool in_buddy;
	enum sim_dm dm;
	u8 dm4k[SIM_REGION_PAGES];	/* per-page perms once split */
	unsigned long alias;		/* present alias VA, or 0 */
	u8 alias_perm;
	u8 *mem;			/* the 2 MiB of simulated memory */
};

struct sim_tlb_entry {
	enum sim_va_kind kind;
	unsigned long va;
	int region;
	unsigned int page;		/* first page within the region */
	unsigned int nr_pages;
	u8 perm;
};

struct sim_tlb {
	struct sim_tlb_entry *e;
	unsigned int nr, cap;
};

struct sim_cfg {
	int nr_nodes;
	int nr_cpus;
	int regions[SIM_MAX_NODES];
	int distance[SIM_MAX_NODES][SIM_MAX_NODES];
};

struct sim {
	struct sim_cfg cfg;
	int nr_regions;
	struct sim_region reg[SIM_MAX_REGIONS];
	struct sim_tlb tlb[SIM_MAX_CPUS];
	unsigned long next_slot;
	unsigned long flushes;		/* pc_arch_flush_kernel_tlb() calls */
	unsigned long local_flushes;
	unsigned long tracked;	/* pages whose allocation is recorded */
	unsigned long freed_back;	/* taken back by the free path */
	unsigned long direct_map_level2_splits;
	unsigned long fills, pokes;
	unsigned long ro_directs;	/* pc_arch_ro_direct() calls */
	unsigned int fail_map_alias;	/* fail the next N pc_mm_map_alias() */
	/* Invariant violations the models saw; the harness checks them. */
	unsigned long violations;
	char first_violation[512];
};

extern struct sim sim;

/* Model switch: temporary mappings in init_mm (the old scheme), not a temp mm. */
extern bool sim_temp_in_init_mm;

void sim_reset(const struct sim_cfg *cfg);
void sim_set_cpu(int cpu);
void sim_violation(int inv, const char *fmt, ...) __printf(2, 3);

int sim_pfn_region(unsigned long pfn);
u8 *sim_page_mem(struct page *page);			/* back door */
int sim_alias_region(unsigned long va, unsigned long *off);
u8 *sim_alias_mem(unsigned long va);			/* back door */
int sim_buddy_free_regions(int nid);
unsigned long sim_hibernation_snapshot(void);

/* Arch boundary functions the model has whatever pc_internal.h declares. */
int pc_arch_ro_direct(struct page *page);

/* TLB model: model_tlb.c */
void sim_tlb_reset(void);
void sim_tlb_insert_all(struct sim_tlb_entry e);
void sim_tlb_insert(int cpu, struct sim_tlb_entry e);
void sim_tlb_flush_all(void);
void sim_tlb_flush_local_temp(int cpu);
void sim_tlb_drop_local_temp(int cpu);
/* @exposed[r]: class region r is exposed under (-1: none), -2: in buddy. */
void sim_check_tlb(const int *exposed);
/* A page handed out (SECRET) now: no CPU may hold any translation of it. */
void sim_check_page_unreachable(struct page *page, const char *why);
/* Does any CPU cache a translation of region @r with any of @perm? */
bool sim_tlb_region_has(int r, u8 perm);
/* Hardware poison of simulated pages (PG_hwpoison in the shim). */
void sim_check_not_poisoned(struct page *page, unsigned int nr, const char *what);
unsigned int sim_region_poisoned(int r);

/*
 * One-shot: run by the next pc_arch_text_filled(), which a text free calls
 * after it checked the run and before it gives the units back, so that a
 * test can free the same text again while the first free is in flight.
 */
extern void (*sim_text_filled_hook)(void);

#endif
