// SPDX-License-Identifier: GPL-2.0-only
/*
 * permcache's boundary with the rest of mm: where a chunk's pages come from
 * and go back to (the page allocator), the records (page_owner, page table
 * check) every allocated page carries, and the module-range alias of a text
 * chunk (vmalloc's internals: one PMD, no flush).  Like the arch boundary,
 * these are the only functions of their kind, and the userspace harness
 * links models in their place.
 *
 * Locking: none of its own; the callers hold what their kernel-doc says.
 */

#include <linux/cacheflush.h>
#include <linux/gfp.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

#include "../../internal.h"	/* mm/internal.h, from mm/permcache/mm/ */
#include "pc_internal.h"

/**
 * pc_mm_alloc_chunk() - allocate a zeroed 2 MiB chunk on exactly @nid
 * @nid: node.
 *
 * The order-9 allocation is split into order-0 pages so that SECRET pages
 * can be handed out and reference-counted one by one.
 *
 * Context: Process context; may sleep.
 * Return: the first page, or NULL (not warned; counted by the caller).
 */
struct page *pc_mm_alloc_chunk(int nid)
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
 * pc_mm_free_chunk() - give a chunk's pages back to the buddy allocator
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
void pc_mm_free_chunk(struct page *page)
{
	unsigned long i, frozen;

	/*
	 * Each page has its own record (the chunk's, or permcache's since a
	 * SECRET page came back): end them, and record the chunk again as one
	 * allocation, which the free below ends, one page or 512 at a time.
	 */
	for (i = 0; i < PC_CHUNK_PAGES; i++)
		pc_mm_untrack(page + i, 0);
	pc_mm_track(page, PC_CHUNK_ORDER, GFP_NOWAIT | __GFP_NOWARN);

	/*
	 * An order-9 free would hand a poisoned page to the buddy allocator;
	 * order-0 frees leave it out (free_pages_prepare()).
	 */
	for (i = 0; i < PC_CHUNK_PAGES; i++)
		if (unlikely(PageHWPoison(page + i)))
			goto one_by_one;
	for (frozen = 1; frozen < PC_CHUNK_PAGES; frozen++)
		if (!page_ref_freeze(page + frozen, 1))
			break;
	if (frozen == PC_CHUNK_PAGES) {
		__free_pages(page, PC_CHUNK_ORDER);
		return;
	}
	for (i = 1; i < frozen; i++)
		page_ref_unfreeze(page + i, 1);
one_by_one:
	for (i = 0; i < PC_CHUNK_PAGES; i++)
		__free_page(page + i);
}

/**
 * pc_mm_track() - record pages as allocated, as the page allocator does
 * @page: first page.
 * @order: order of the range.
 * @gfp: the flags of the allocation.
 *
 * page_owner, the page table check and allocation profiling record the
 * current task as the allocator (post_alloc_track()).  Every page of a
 * chunk has exactly one such record while permcache owns the chunk: the
 * chunk's allocation's, permcache's again when a freed SECRET page comes
 * back, the caller's while a SECRET page is handed out.
 *
 * Context: Any context in which @gfp may allocate (page_owner saves the
 * stack).
 */
void pc_mm_track(struct page *page, unsigned int order, gfp_t gfp)
{
	post_alloc_track(page, order, gfp);
}

/**
 * pc_mm_untrack() - end the records pc_mm_track() or the page allocator
 *	made
 * @page: first page.
 * @order: order of the range.
 *
 * Context: Any context.
 */
void pc_mm_untrack(struct page *page, unsigned int order)
{
	free_pages_untrack(page, order);
}

/**
 * pc_mm_map_alias() - map a chunk in the module range at its class's
 * permission, with one PMD
 * @c: busy chunk of class RO or ROX; c->alias and c->arch are set.
 *
 * A new mapping needs no flush: vmalloc flushed the range when it was last
 * freed, before handing it out again.
 *
 * Context: Process context; sleeps.
 * Return: 0, or -ENOMEM.
 */
int pc_mm_map_alias(struct pc_chunk *c)
{
	pgprot_t prot = c->cls == PERMCACHE_ROX ? PAGE_KERNEL_ROX : PAGE_KERNEL_RO;
	struct vm_struct *area;
	struct page **pages;
	unsigned long addr;
	unsigned int i;
	int err;

	/* The PMD needs pages[0] only; KMSAN's hook reads one per 4 KiB. */
	pages = kmalloc_array(PC_CHUNK_PAGES, sizeof(*pages), GFP_KERNEL);
	if (!pages)
		return -ENOMEM;
	for (i = 0; i < PC_CHUNK_PAGES; i++)
		pages[i] = c->page + i;
	area = __get_vm_area_node(PC_CHUNK_SIZE, PC_CHUNK_SIZE, PMD_SHIFT,
				  VM_MAP | VM_NO_GUARD, MODULES_VADDR,
				  MODULES_END, c->nid, GFP_KERNEL,
				  __builtin_return_address(0));
	if (!area) {
		kfree(pages);
		return -ENOMEM;
	}
	addr = (unsigned long)area->addr;
	err = vmap_pages_range_noflush(addr, addr + PC_CHUNK_SIZE, prot, pages,
				       PMD_SHIFT);
	kfree(pages);
	if (err) {
		free_vm_area(area);
		return -ENOMEM;
	}
	flush_cache_vmap(addr, addr + PC_CHUNK_SIZE);
	c->alias = addr;
	c->arch = area;
	return 0;
}

/**
 * pc_mm_unmap_alias() - remove a chunk's alias, without a flush
 * @c: busy chunk with an alias; c->alias and c->arch are cleared.
 *
 * The caller records the flush generation the memory now waits for.
 *
 * Context: Process context; sleeps.
 */
void pc_mm_unmap_alias(struct pc_chunk *c)
{
	vunmap_range_noflush(c->alias, c->alias + PC_CHUNK_SIZE);
	/* vmalloc flushes the address range itself before reusing it. */
	free_vm_area(c->arch);
	c->alias = 0;
	c->arch = NULL;
}
