// SPDX-License-Identifier: GPL-2.0-only
/*
 * permcache arch boundary, x86-64: everything that touches page tables, the
 * TLB or text.  The rest of permcache calls only these functions; the
 * userspace harness links models of the direct map and of each CPU's TLB in
 * their place.
 *
 *  - chunks come from the buddy allocator of exactly one node, zeroed, and
 *    leave and re-enter the direct map as one 2 MiB unit (no split, no flush:
 *    the core batches flushes);
 *  - an RO/ROX alias is a PMD-aligned 2 MiB area in the module range, within
 *    rel32 reach of kernel text, mapped by one PMD at its final permission;
 *  - text is written only through text_poke_copy()/text_poke_set();
 *  - secret pages are filled through per-CPU temporary PTEs that only their
 *    CPU ever uses, flushed locally, as kmap_local does on highmem: a
 *    direct-map alias is never recreated and no shootdown is needed; freed
 *    pages are zeroed in batches with one local flush per batch.
 *
 * Locking: the temporary PTEs are used with preemption disabled; nothing else
 * here keeps state.  text_poke_*() take text_mutex and sleep.
 */

#include <linux/gfp.h>
#include <linux/mm.h>
#include <linux/percpu.h>
#include <linux/set_memory.h>
#include <linux/vmalloc.h>
#include <asm/pgtable.h>
#include <asm/text-patching.h>
#include <asm/tlbflush.h>

#include "../internal.h"
#include "pc_internal.h"

/*
 * Each CPU's temporary mappings: PC_ZERO_BATCH consecutive pages of kernel
 * virtual space, whose PTEs only that CPU ever sets, with preemption off.
 */
struct pc_tmp_map {
	unsigned long addr;
	pte_t *ptep[PC_ZERO_BATCH];
};

static DEFINE_PER_CPU(struct pc_tmp_map, pc_tmp_map);

/* x86's default tlb_single_page_flush_ceiling, which is not exported. */
#define PC_TMP_FLUSH_CEILING	33

static int pc_tmp_map_pte(pte_t *pte, unsigned long addr, void *data)
{
	struct pc_tmp_map *tm = data;

	tm->ptep[(addr - tm->addr) >> PAGE_SHIFT] = pte;
	return 0;
}

/**
 * pc_arch_init() - reserve PC_ZERO_BATCH temporary PTEs per possible CPU
 *
 * Context: Process context, once.
 * Return: 0, or -ENOMEM.
 */
int pc_arch_init(void)
{
	int cpu;

	for_each_possible_cpu(cpu) {
		struct pc_tmp_map *tm = per_cpu_ptr(&pc_tmp_map, cpu);
		struct vm_struct *area;

		area = get_vm_area(PC_ZERO_BATCH * PAGE_SIZE, VM_MAP);
		if (!area)
			return -ENOMEM;
		tm->addr = (unsigned long)area->addr;
		if (apply_to_page_range(&init_mm, tm->addr,
					PC_ZERO_BATCH * PAGE_SIZE,
					pc_tmp_map_pte, tm))
			return -ENOMEM;
	}
	return 0;
}

/**
 * pc_arch_alloc_chunk() - allocate a zeroed 2 MiB chunk on exactly @nid
 * @nid: node.
 *
 * The order-9 allocation is split into order-0 pages so that SECRET pages
 * can be handed out and reference-counted one by one.
 *
 * Context: Process context; may sleep.
 * Return: the first page, or NULL (not warned; counted by the caller).
 */
struct page *pc_arch_alloc_chunk(int nid)
{
	struct page *page;

	page = alloc_pages_node(nid, GFP_KERNEL | __GFP_THISNODE | __GFP_ZERO |
				__GFP_NORETRY | __GFP_NOWARN, PC_CHUNK_ORDER);
	if (!page)
		return NULL;
	/* __GFP_THISNODE promises this; the locality invariant depends on it. */
	if (WARN_ON_ONCE(page_to_nid(page) != nid)) {
		__free_pages(page, PC_CHUNK_ORDER);
		return NULL;
	}
	split_page(page, PC_CHUNK_ORDER);
	return page;
}

/**
 * pc_arch_free_chunk() - give a chunk's pages back to the buddy allocator
 * @page: first page; the chunk must be back in the direct map and every
 *	page must hold only permcache's reference.
 *
 * The chunk goes back as one order-9 block, straight to the buddy free
 * lists (order-0 frees would sit on per-CPU lists, out of MemFree, and
 * leave the buddy allocator to merge them).  If a page is still briefly
 * referenced (a speculative page-cache lookup of a page secretmem once
 * had), the pages are freed one by one and that one goes when its last
 * reference does.
 *
 * Context: Process context; does not sleep.
 */
void pc_arch_free_chunk(struct page *page)
{
	unsigned long i, frozen;

	for (frozen = 1; frozen < PC_CHUNK_PAGES; frozen++)
		if (!page_ref_freeze(page + frozen, 1))
			break;
	if (frozen == PC_CHUNK_PAGES) {
		__free_pages(page, PC_CHUNK_ORDER);
		return;
	}
	for (i = 1; i < frozen; i++)
		page_ref_unfreeze(page + i, 1);
	for (i = 0; i < PC_CHUNK_PAGES; i++)
		__free_page(page + i);
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
 * pc_arch_map_alias() - map a chunk in the module range at its class's
 * permission, with one PMD
 * @c: busy chunk of class RO or ROX; c->alias and c->arch are set.
 *
 * A new mapping needs no flush: vmalloc flushed the range when it was last
 * freed, before handing it out again.
 *
 * Context: Process context; sleeps.
 * Return: 0, or -ENOMEM.
 */
int pc_arch_map_alias(struct pc_chunk *c)
{
	pgprot_t prot = c->cls == PERMCACHE_ROX ? PAGE_KERNEL_ROX : PAGE_KERNEL_RO;
	struct vm_struct *area;
	unsigned long addr;

	area = __get_vm_area_node(PC_CHUNK_SIZE, PC_CHUNK_SIZE, PMD_SHIFT,
				  VM_MAP | VM_NO_GUARD, MODULES_VADDR,
				  MODULES_END, c->nid, GFP_KERNEL,
				  __builtin_return_address(0));
	if (!area)
		return -ENOMEM;
	addr = (unsigned long)area->addr;
	/* Only pages[0] is read for a PMD-sized page_shift. */
	if (vmap_pages_range_noflush(addr, addr + PC_CHUNK_SIZE, prot,
				     &c->page, PMD_SHIFT)) {
		free_vm_area(area);
		return -ENOMEM;
	}
	flush_cache_vmap(addr, addr + PC_CHUNK_SIZE);
	c->alias = addr;
	c->arch = area;
	return 0;
}

/**
 * pc_arch_unmap_alias() - remove a chunk's alias, without a flush
 * @c: busy chunk with an alias; c->alias and c->arch are cleared.
 *
 * The caller records the flush generation the memory now waits for.
 *
 * Context: Process context; sleeps.
 */
void pc_arch_unmap_alias(struct pc_chunk *c)
{
	vunmap_range_noflush(c->alias, c->alias + PC_CHUNK_SIZE);
	/* vmalloc flushes the address range itself before reusing it. */
	free_vm_area(c->arch);
	c->alias = 0;
	c->arch = NULL;
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

/* Map @page at temporary slot @i of this CPU; preemption must be off. */
static void *pc_tmp_map_slot(struct pc_tmp_map *tm, unsigned int i,
			     struct page *page)
{
	set_pte(tm->ptep[i], mk_pte(page, PAGE_KERNEL));
	return (void *)(tm->addr + i * PAGE_SIZE);
}

/*
 * Unmap slots [0, @nr) of this CPU.  Only this CPU ever used them, so a
 * local flush is enough: one page at a time up to x86's single-page flush
 * ceiling, above it the whole local TLB at once, as flush_tlb_kernel_range()
 * decides for all CPUs.
 */
static void pc_tmp_unmap_slots(struct pc_tmp_map *tm, unsigned int nr)
{
	unsigned int i;

	for (i = 0; i < nr; i++)
		pte_clear(&init_mm, tm->addr + i * PAGE_SIZE, tm->ptep[i]);
	if (nr > PC_TMP_FLUSH_CEILING) {
		__flush_tlb_all();
		return;
	}
	for (i = 0; i < nr; i++)
		flush_tlb_one_kernel(tm->addr + i * PAGE_SIZE);
}

static void *pc_tmp_map_get(struct page *page)
{
	preempt_disable();
	return pc_tmp_map_slot(this_cpu_ptr(&pc_tmp_map), 0, page);
}

static void pc_tmp_map_put(void)
{
	pc_tmp_unmap_slots(this_cpu_ptr(&pc_tmp_map), 1);
	preempt_enable();
}

/**
 * pc_arch_fill_page() - fill a page that has no kernel mapping
 * @page: page of a chunk.
 * @byte: value.
 *
 * Context: Process context; does not sleep.
 */
void pc_arch_fill_page(struct page *page, int byte)
{
	void *addr = pc_tmp_map_get(page);

	if (byte)
		memset(addr, byte, PAGE_SIZE);
	else
		clear_page(addr);
	pc_tmp_map_put();
}

/**
 * pc_arch_zero_pages() - zero pages that have no kernel mapping
 * @pages: pages of chunks, linked through page->lru; the list is not
 *	changed.
 *
 * Up to PC_ZERO_BATCH pages at a time are mapped at this CPU's temporary
 * slots, zeroed and unmapped with one local flush.
 *
 * Context: Process context; does not sleep.
 */
void pc_arch_zero_pages(struct list_head *pages)
{
	struct pc_tmp_map *tm;
	struct page *page;
	unsigned int i = 0;

	preempt_disable();
	tm = this_cpu_ptr(&pc_tmp_map);
	list_for_each_entry(page, pages, lru) {
		clear_page(pc_tmp_map_slot(tm, i, page));
		if (++i == PC_ZERO_BATCH) {
			pc_tmp_unmap_slots(tm, i);
			i = 0;
		}
	}
	pc_tmp_unmap_slots(tm, i);
	preempt_enable();
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
	const u8 *p = pc_tmp_map_get(page);
	bool ok = !memchr_inv(p, byte, PAGE_SIZE);

	pc_tmp_map_put();
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
