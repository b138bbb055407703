// SPDX-License-Identifier: GPL-2.0-only
/*
 * permcache arch boundary, x86-64: everything that touches the direct map,
 * the TLB or text.  The rest of permcache (mm/permcache/) calls only these
 * functions, declared in its mm/pc_internal.h; the userspace harness links
 * models of the direct map and of each CPU's TLB in their place.
 *
 *  - chunks (from mm/permcache/mm/pc_mm.c: one node's buddy allocator,
 *    zeroed) leave and re-enter the direct map as one 2 MiB unit (no split,
 *    no flush: the core batches flushes);
 *  - text is written only through text_poke_copy()/text_poke_set();
 *  - secret pages are zeroed, and chunks filled, through a temporary mm of
 *    their CPU (as text_poke() writes text): no other CPU ever loads that
 *    mm, so none can cache its translations, even speculatively, and a
 *    local flush ends them; a direct-map alias is never recreated and no
 *    shootdown is needed.  Freed pages are zeroed in batches;
 *  - a text chunk keeps its direct-map PMD present, read-only and NX, so
 *    that /proc/kcore, vread_iter() and the hibernation snapshot read it as
 *    any other memory; its alias is the only executable mapping.
 *
 * Locking: a temporary mm is used with interrupts disabled, on the CPU it
 * belongs to; nothing else here keeps state.  text_poke_*() take text_mutex
 * and sleep.
 */

#include <linux/gfp.h>
#include <linux/kasan.h>
#include <linux/mm.h>
#include <linux/mmu_context.h>
#include <linux/percpu.h>
#include <linux/pgtable.h>
#include <linux/sched/mm.h>
#include <linux/set_memory.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>
#include <asm/text-patching.h>
#include <asm/tlbflush.h>

/* The boundary this file implements, in mm/permcache/ of the tree. */
#include "../../../mm/permcache/mm/pc_internal.h"

/*
 * Each CPU's temporary mm: PC_ZERO_BATCH consecutive pages of user address
 * space, with page tables allocated once, that only this CPU ever loads.
 */
struct pc_tmp_map {
	struct mm_struct *mm;
	unsigned long addr;
	pte_t *ptep[PC_ZERO_BATCH];
};

static DEFINE_PER_CPU(struct pc_tmp_map, pc_tmp_map);

/*
 * Pages zeroed per temporary-mm window, with interrupts off: fewer on
 * PREEMPT_RT, where that is latency every task sees.
 */
#define PC_TMP_IRQ_BATCH	(IS_ENABLED(CONFIG_PREEMPT_RT) ? 8 : PC_ZERO_BATCH)

/* Where the slots are in each temporary mm: any user address will do. */
#define PC_TMP_ADDR	SZ_1G

static int pc_tmp_map_pte(pte_t *pte, unsigned long addr, void *data)
{
	struct pc_tmp_map *tm = data;

	tm->ptep[(addr - tm->addr) >> PAGE_SHIFT] = pte;
	return 0;
}

/**
 * pc_arch_init() - create a temporary mm per possible CPU
 *
 * Each holds page tables for PC_ZERO_BATCH pages, so that using it later
 * allocates nothing.  An mm that could not be set up is kept (and freed
 * with nothing else) only on failure paths, which fail permcache's init.
 *
 * Context: Process context, once.
 * Return: 0, or -ENOMEM.
 */
int pc_arch_init(void)
{
	int cpu;

	for_each_possible_cpu(cpu) {
		struct pc_tmp_map *tm = per_cpu_ptr(&pc_tmp_map, cpu);
		struct mm_struct *mm = mm_alloc();

		if (!mm)
			return -ENOMEM;
		/* Xen PV guests need the PGD pinned, as for text_poke's mm. */
		paravirt_enter_mmap(mm);
		tm->addr = PC_TMP_ADDR;
		if (apply_to_page_range(mm, tm->addr, PC_ZERO_BATCH * PAGE_SIZE,
					pc_tmp_map_pte, tm)) {
			mmput(mm);
			return -ENOMEM;
		}
		tm->mm = mm;
	}
	return 0;
}

/**
 * pc_arch_unmap_direct() - remove a chunk from the direct map as one unit
 * @page: first page of a naturally aligned 2 MiB chunk.
 *
 * No flush: the caller flushes once per batch before the memory is used.
 *
 * Context: Process context.
 * Return: 0, or a negative errno from change_page_attr.
 */
int pc_arch_unmap_direct(struct page *page)
{
	return set_direct_map_valid_noflush(page, PC_CHUNK_PAGES, false);
}

/**
 * pc_arch_restore_direct() - put a chunk back into the direct map
 * @page: first page of the chunk.
 *
 * Context: Process context.
 * Return: 0, or a negative errno from change_page_attr.
 */
int pc_arch_restore_direct(struct page *page)
{
	return set_direct_map_valid_noflush(page, PC_CHUNK_PAGES, true);
}

/**
 * pc_arch_ro_direct() - make a chunk's direct map present, read-only and NX
 * @page: first page of the chunk.
 *
 * The 2 MiB PMD stays one PMD.  From not present this needs no flush.
 *
 * Context: Process context.
 * Return: 0, or a negative errno from change_page_attr.
 */
int pc_arch_ro_direct(struct page *page)
{
	return set_direct_map_ro_noflush(page, PC_CHUNK_PAGES);
}

/**
 * pc_arch_flush_kernel_tlb() - flush kernel translations on every CPU
 *
 * One IPI round (function-call IPIs, the CAL line of /proc/interrupts).
 *
 * Context: Process context, interrupts enabled.
 */
void pc_arch_flush_kernel_tlb(void)
{
	flush_tlb_all();
}

/*
 * Load this CPU's temporary mm, with interrupts off until pc_tmp_end().
 * KASAN does not know the temporary user addresses, as for text_poke().
 */
static struct pc_tmp_map *pc_tmp_begin(struct temp_mm_state *prev,
				       unsigned long *flags)
{
	struct pc_tmp_map *tm;

	local_irq_save(*flags);
	tm = this_cpu_ptr(&pc_tmp_map);
	*prev = use_temporary_mm(tm->mm);
	kasan_disable_current();
	return tm;
}

/* Map @page at temporary slot @i of this CPU's temporary mm. */
static void *pc_tmp_map_slot(struct pc_tmp_map *tm, unsigned int i,
			     struct page *page)
{
	/* Not global: the entries must go with the mm's own flush. */
	pgprot_t prot = __pgprot(pgprot_val(PAGE_KERNEL) & ~_PAGE_GLOBAL);
	unsigned long addr = tm->addr + i * PAGE_SIZE;

	set_pte_at(tm->mm, addr, tm->ptep[i], mk_pte(page, prot));
	return (void *)addr;
}

/*
 * Unmap slots [0, @nr) of this CPU's temporary mm, leave it and flush its
 * range, as text_poke() does.  No other CPU ever loaded the mm, so no IPI.
 * The flush is deferred: with the mm no longer loaded, flush_tlb_mm_range()
 * only advances the mm's TLB generation.  The entries this CPU may still
 * hold are tagged with the mm's PCID, which no CR3 uses until this CPU
 * loads the mm again, and loading it then flushes them first.  They are
 * not global (see pc_tmp_map_slot()), so nothing else can reach them.
 */
static void pc_tmp_end(struct pc_tmp_map *tm, unsigned int nr,
		       struct temp_mm_state prev, unsigned long flags)
{
	unsigned int i;

	kasan_enable_current();
	barrier();
	for (i = 0; i < nr; i++)
		pte_clear(tm->mm, tm->addr + i * PAGE_SIZE, tm->ptep[i]);
	unuse_temporary_mm(prev);
	if (nr)
		flush_tlb_mm_range(tm->mm, tm->addr, tm->addr + nr * PAGE_SIZE,
				   PAGE_SHIFT, false);
	local_irq_restore(flags);
}

/**
 * pc_arch_fill_page() - fill a page through this CPU's temporary mm
 * @page: page of a chunk.
 * @byte: value.
 *
 * Context: Process context; does not sleep.
 */
void pc_arch_fill_page(struct page *page, int byte)
{
	struct temp_mm_state prev;
	unsigned long flags;
	struct pc_tmp_map *tm = pc_tmp_begin(&prev, &flags);
	void *addr = pc_tmp_map_slot(tm, 0, page);

	if (byte)
		memset(addr, byte, PAGE_SIZE);
	else
		clear_page(addr);
	pc_tmp_end(tm, 1, prev, flags);
}

/**
 * pc_arch_zero_pages() - zero pages through this CPU's temporary mm
 * @pages: pages of chunks, linked through page->lru; the list is not
 *	changed.
 *
 * Up to PC_TMP_IRQ_BATCH pages at a time are mapped, zeroed and unmapped
 * with one flush of the temporary mm, interrupts off for each batch.
 *
 * Context: Process context; does not sleep.
 */
void pc_arch_zero_pages(struct list_head *pages)
{
	struct pc_tmp_map *tm = NULL;
	struct temp_mm_state prev;
	unsigned long flags;
	struct page *page;
	unsigned int i = 0;

	list_for_each_entry(page, pages, lru) {
		if (!tm)
			tm = pc_tmp_begin(&prev, &flags);
		clear_page(pc_tmp_map_slot(tm, i, page));
		if (++i == PC_TMP_IRQ_BATCH) {
			pc_tmp_end(tm, i, prev, flags);
			tm = NULL;
			i = 0;
		}
	}
	if (tm)
		pc_tmp_end(tm, i, prev, flags);
}

/**
 * pc_arch_page_filled() - does a page with no kernel mapping hold only @byte?
 * @page: page of a chunk.
 * @byte: value.
 *
 * Context: Process context; does not sleep.
 * Return: true if every byte of @page is @byte.
 */
bool pc_arch_page_filled(struct page *page, int byte)
{
	struct temp_mm_state prev;
	unsigned long flags;
	struct pc_tmp_map *tm = pc_tmp_begin(&prev, &flags);
	bool ok = !memchr_inv(pc_tmp_map_slot(tm, 0, page), byte, PAGE_SIZE);

	pc_tmp_end(tm, 1, prev, flags);
	return ok;
}

/**
 * pc_arch_poke_copy() - write text through the text-poke path
 * @dst: destination in a permcache alias.
 * @src: source.
 * @len: bytes.
 *
 * Context: Process context; sleeps (text_mutex).
 * Return: 0, or -EINVAL if text_poke refused.
 */
int pc_arch_poke_copy(void *dst, const void *src, size_t len)
{
	return text_poke_copy(dst, src, len) ? 0 : -EINVAL;
}

/**
 * pc_arch_text_filled() - does text in an alias hold only @byte?
 * @addr: start, in a permcache alias (mapped, readable).
 * @byte: value.
 * @len: bytes.
 *
 * Context: Any context.
 * Return: true if every byte of the range is @byte.
 */
bool pc_arch_text_filled(const void *addr, int byte, size_t len)
{
	return !memchr_inv(addr, byte, len);
}

/**
 * pc_arch_poke_set() - fill text with a byte through the text-poke path
 * @dst: destination in a permcache alias.
 * @byte: value.
 * @len: bytes.
 *
 * Context: Process context; sleeps (text_mutex).
 * Return: 0, or -EINVAL if text_poke refused.
 */
int pc_arch_poke_set(void *dst, int byte, size_t len)
{
	return text_poke_set(dst, byte, len) ? 0 : -EINVAL;
}
