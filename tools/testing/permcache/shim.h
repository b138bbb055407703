/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Userspace shim for the permcache core: just what mm/pc_*.c, mm/permcache.c
 * and numa/pc_node.c need from the kernel, single-threaded.  Every
 * linux/<name>.h in this folder includes this file, so that a core #include
 * resolves here and never to a real kernel header (except
 * include/linux/permcache.h itself).
 *
 * Not stubs where the code under test relies on the behaviour: bitmaps,
 * lists and the xarray are real implementations (shim.c), spinlocks remember
 * whether they are held so that lockdep_assert_held() asserts, and every
 * WARN is counted so that tests can assert on it (shim_warnings).
 */
#ifndef _PC_SHIM_H
#define _PC_SHIM_H

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/types.h>
#include <linux/gfp_types.h>

/* ---- compiler ---- */
#define likely(x)		__builtin_expect(!!(x), 1)
#define unlikely(x)		__builtin_expect(!!(x), 0)
#define __must_check		__attribute__((warn_unused_result))
#define __always_unused		__attribute__((unused))
#define __maybe_unused		__attribute__((unused))
#define __printf(a, b)		__attribute__((format(printf, a, b)))
#define __cold
#define __rcu
#define __percpu
#define __iomem
#define __user
#define __force
#define __init
#define __exit
#define __initdata
#define __ro_after_init
#define __read_mostly
#define __cacheline_aligned_in_smp
#undef __always_inline
#define __always_inline		inline __attribute__((always_inline))
#define noinline		__attribute__((noinline))
#define READ_ONCE(x)		(*(volatile __typeof__(x) *)&(x))
#define WRITE_ONCE(x, v)	(*(volatile __typeof__(x) *)&(x) = (v))
#define barrier()		__asm__ __volatile__("" ::: "memory")
#define smp_mb()		barrier()
#define smp_rmb()		barrier()
#define smp_wmb()		barrier()
#define smp_store_release(p, v)	WRITE_ONCE(*(p), v)
#define smp_load_acquire(p)	READ_ONCE(*(p))
#define data_race(x)		(x)
#define BUILD_BUG_ON(c)		_Static_assert(!(c), #c)
#define static_assert(c, ...)	_Static_assert(c, #c)
#define fallthrough		__attribute__((__fallthrough__))

/* ---- kernel.h / math.h ---- */
#define ARRAY_SIZE(a)		(sizeof(a) / sizeof((a)[0]))
#define DIV_ROUND_UP(n, d)	(((n) + (d) - 1) / (d))
#define ALIGN(x, a)		(((x) + ((a) - 1)) & ~((__typeof__(x))(a) - 1))
#define ALIGN_DOWN(x, a)	((x) & ~((__typeof__(x))(a) - 1))
#define IS_ALIGNED(x, a)	(((x) & ((__typeof__(x))(a) - 1)) == 0)
#define round_up(x, y)		((((x) - 1) | ((__typeof__(x))((y) - 1))) + 1)
#define round_down(x, y)	((x) & ~((__typeof__(x))((y) - 1)))
#define min(a, b)		({ __typeof__(a) _a = (a); __typeof__(b) _b = (b); _a < _b ? _a : _b; })
#define max(a, b)		({ __typeof__(a) _a = (a); __typeof__(b) _b = (b); _a > _b ? _a : _b; })
#define min_t(t, a, b)		min((t)(a), (t)(b))
#define max_t(t, a, b)		max((t)(a), (t)(b))
#define clamp(v, lo, hi)	min(max(v, lo), hi)
#define swap(a, b)		do { __typeof__(a) _t = (a); (a) = (b); (b) = _t; } while (0)
#define container_of(p, t, m)	((t *)((char *)(p) - offsetof(t, m)))
#define BIT(n)			(1UL << (n))
#define SZ_4K			0x1000UL
#define SZ_64K			0x10000UL
#define SZ_2M			0x200000UL
#define ULONG_MAX_SHIM		ULONG_MAX
#define BITS_PER_LONG		64
#define BITS_PER_BYTE		8
#define BITS_TO_LONGS(n)	DIV_ROUND_UP(n, BITS_PER_LONG)

/* ---- printk ---- */
#define KERN_ERR		""
#define KERN_WARNING		""
#define KERN_INFO		""
#ifndef pr_fmt
#define pr_fmt(fmt)		fmt
#endif
extern bool shim_quiet;		/* printk */
extern bool shim_warn_quiet;		/* WARN messages (still counted) */
#define printk(fmt, ...)	do { if (!shim_quiet) printf(fmt, ##__VA_ARGS__); } while (0)
#define pr_err(fmt, ...)	printk("pr_err: " pr_fmt(fmt), ##__VA_ARGS__)
#define pr_warn(fmt, ...)	printk("pr_warn: " pr_fmt(fmt), ##__VA_ARGS__)
#define pr_notice(fmt, ...)	printk("pr_notice: " pr_fmt(fmt), ##__VA_ARGS__)
#define pr_info(fmt, ...)	printk("pr_info: " pr_fmt(fmt), ##__VA_ARGS__)
#define pr_debug(fmt, ...)	do { if (0) printf(fmt, ##__VA_ARGS__); } while (0)
#define pr_warn_once		pr_warn
#define pr_info_once		pr_info
#define pr_err_once		pr_err
#define pr_warn_ratelimited	pr_warn

/* ---- bug.h: warnings are counted, never fatal ---- */
extern unsigned long shim_warnings;
void shim_warn(const char *file, int line, const char *cond, const char *fmt, ...);
#define WARN(c, fmt, ...) ({						\
	bool __w = !!(c);						\
	if (unlikely(__w))						\
		shim_warn(__FILE__, __LINE__, #c, fmt, ##__VA_ARGS__);	\
	unlikely(__w);							\
})
#define WARN_ON(c)		WARN(c, NULL)
/* Counted every time: a test asserts on each occurrence. */
#define WARN_ON_ONCE(c)		WARN_ON(c)
#define WARN_ONCE(c, fmt, ...)	WARN(c, fmt, ##__VA_ARGS__)

/* ---- err.h ---- */
#define MAX_ERRNO		4095
#define IS_ERR_VALUE(x)		unlikely((unsigned long)(void *)(x) >= (unsigned long)-MAX_ERRNO)
static inline void *ERR_PTR(long error) { return (void *)error; }
static inline long PTR_ERR(const void *ptr) { return (long)ptr; }
static inline bool IS_ERR(const void *ptr) { return IS_ERR_VALUE((unsigned long)ptr); }
static inline bool IS_ERR_OR_NULL(const void *ptr) { return !ptr || IS_ERR(ptr); }
#define ENOTSUPP		524

/* ---- list.h ---- */
#define LIST_HEAD_INIT(name)	{ &(name), &(name) }
#define LIST_HEAD(name)		struct list_head name = LIST_HEAD_INIT(name)
static inline void INIT_LIST_HEAD(struct list_head *l) { l->next = l; l->prev = l; }
static inline void __list_add(struct list_head *n, struct list_head *prev,
			      struct list_head *next)
{
	next->prev = n;
	n->next = next;
	n->prev = prev;
	prev->next = n;
}
static inline void list_add(struct list_head *n, struct list_head *h) { __list_add(n, h, h->next); }
static inline void list_add_tail(struct list_head *n, struct list_head *h) { __list_add(n, h->prev, h); }
static inline void __list_del(struct list_head *prev, struct list_head *next)
{
	next->prev = prev;
	prev->next = next;
}
/* Poisoned as in the kernel: a use after list_del() faults. */
#define LIST_POISON1		((struct list_head *)0xdead000000000100UL)
#define LIST_POISON2		((struct list_head *)0xdead000000000122UL)
static inline void list_del(struct list_head *e)
{
	__list_del(e->prev, e->next);
	e->next = LIST_POISON1;
	e->prev = LIST_POISON2;
}
static inline void list_del_init(struct list_head *e) { __list_del(e->prev, e->next); INIT_LIST_HEAD(e); }
static inline void list_move(struct list_head *e, struct list_head *h) { __list_del(e->prev, e->next); list_add(e, h); }
static inline void list_move_tail(struct list_head *e, struct list_head *h) { __list_del(e->prev, e->next); list_add_tail(e, h); }
static inline bool list_empty(const struct list_head *h) { return h->next == h; }
static inline bool list_is_singular(const struct list_head *h) { return !list_empty(h) && h->next == h->prev; }
static inline void list_splice_init(struct list_head *l, struct list_head *h)
{
	if (!list_empty(l)) {
		struct list_head *first = l->next, *last = l->prev, *at = h->next;

		first->prev = h;
		h->next = first;
		last->next = at;
		at->prev = last;
		INIT_LIST_HEAD(l);
	}
}
static inline void list_splice_tail_init(struct list_head *l, struct list_head *h)
{
	if (!list_empty(l)) {
		struct list_head *first = l->next, *last = l->prev, *at = h->prev;

		first->prev = at;
		at->next = first;
		last->next = h;
		h->prev = last;
		INIT_LIST_HEAD(l);
	}
}
/* ---- llist.h: lock-free lists, single-threaded here ---- */
struct llist_node {
	struct llist_node *next;
};
struct llist_head {
	struct llist_node *first;
};
#define init_llist_head(h)		((h)->first = NULL)
#define llist_empty(h)			((h)->first == NULL)
static inline bool llist_add(struct llist_node *n, struct llist_head *h)
{
	n->next = h->first;
	h->first = n;
	return n->next == NULL;
}
static inline struct llist_node *llist_del_all(struct llist_head *h)
{
	struct llist_node *n = h->first;

	h->first = NULL;
	return n;
}
static inline struct llist_node *llist_reverse_order(struct llist_node *n)
{
	struct llist_node *r = NULL, *next;

	for (; n; n = next) {
		next = n->next;
		n->next = r;
		r = n;
	}
	return r;
}
#define llist_for_each_safe(pos, n, node) \
	for ((pos) = (node); (pos) && ((n) = (pos)->next, true); (pos) = (n))

#define list_entry(p, t, m)		container_of(p, t, m)
#define list_first_entry(h, t, m)	list_entry((h)->next, t, m)
#define list_last_entry(h, t, m)	list_entry((h)->prev, t, m)
#define list_first_entry_or_null(h, t, m) \
	(list_empty(h) ? NULL : list_first_entry(h, t, m))
#define list_next_entry(p, m)		list_entry((p)->m.next, __typeof__(*(p)), m)
#define list_for_each(p, h)		for (p = (h)->next; p != (h); p = p->next)
#define list_for_each_entry(p, h, m)					\
	for (p = list_first_entry(h, __typeof__(*p), m); &p->m != (h);	\
	     p = list_next_entry(p, m))
#define list_for_each_entry_safe(p, n, h, m)				\
	for (p = list_first_entry(h, __typeof__(*p), m),		\
	     n = list_next_entry(p, m); &p->m != (h);			\
	     p = n, n = list_next_entry(n, m))
#define list_for_each_entry_reverse(p, h, m)				\
	for (p = list_last_entry(h, __typeof__(*p), m); &p->m != (h);	\
	     p = list_entry(p->m.prev, __typeof__(*p), m))

/* ---- spinlock.h / mutex.h / lockdep: single-threaded, state tracked ---- */
typedef struct {
	int held;
} spinlock_t;
struct mutex {
	int held;
};
extern int shim_locks_held;
void shim_lock_error(const char *file, int line, const char *what);
#define __SPIN_LOCK_UNLOCKED(n)	{ 0 }
#define DEFINE_SPINLOCK(n)	spinlock_t n = __SPIN_LOCK_UNLOCKED(n)
#define DEFINE_MUTEX(n)		struct mutex n = { 0 }
#define spin_lock_init(l)	((l)->held = 0)
#define mutex_init(l)		((l)->held = 0)
#define __shim_lock(l) do {						\
	if ((l)->held)							\
		shim_lock_error(__FILE__, __LINE__, "recursive lock (deadlock)"); \
	(l)->held = 1;							\
	shim_locks_held++;						\
} while (0)
#define __shim_unlock(l) do {						\
	if (!(l)->held)							\
		shim_lock_error(__FILE__, __LINE__, "unlock of a free lock"); \
	(l)->held = 0;							\
	shim_locks_held--;						\
} while (0)
#define spin_lock(l)			__shim_lock(l)
#define spin_unlock(l)			__shim_unlock(l)
#define spin_lock_irq(l)		__shim_lock(l)
#define spin_unlock_irq(l)		__shim_unlock(l)
#define spin_lock_bh(l)			__shim_lock(l)
#define spin_unlock_bh(l)		__shim_unlock(l)
#define spin_lock_irqsave(l, f)		do { (f) = 0; __shim_lock(l); } while (0)
#define spin_unlock_irqrestore(l, f)	do { (void)(f); __shim_unlock(l); } while (0)
#define spin_trylock(l)			({ bool __ok = !(l)->held; if (__ok) __shim_lock(l); __ok; })
#define mutex_lock(l)			do { might_sleep(); __shim_lock(l); } while (0)
#define mutex_unlock(l)			__shim_unlock(l)
#define mutex_trylock(l)		spin_trylock(l)
#define lockdep_assert_held(l) do {					\
	if (!(l)->held)							\
		shim_lock_error(__FILE__, __LINE__, "lockdep_assert_held(" #l ") failed"); \
} while (0)
#define lockdep_assert_not_held(l) do {					\
	if ((l)->held)							\
		shim_lock_error(__FILE__, __LINE__, "lockdep_assert_not_held(" #l ") failed"); \
} while (0)
#define spin_is_locked(l)		((l)->held)
#define might_sleep() do {						\
	if (shim_locks_held)						\
		shim_lock_error(__FILE__, __LINE__, "might_sleep() with a spinlock held"); \
} while (0)
#define cond_resched()			might_sleep()
#define local_irq_save(f)		((f) = 0)
#define local_irq_restore(f)		((void)(f))
#define preempt_disable()		do { } while (0)
#define preempt_enable()		do { } while (0)
#define migrate_disable()		do { } while (0)
#define migrate_enable()		do { } while (0)

/* ---- atomic.h: plain integers ---- */
#define ATOMIC_INIT(i)			{ (i) }
#define ATOMIC_LONG_INIT(i)		{ (i) }
#define atomic_read(v)			READ_ONCE((v)->counter)
#define atomic_set(v, i)		WRITE_ONCE((v)->counter, (i))
#define atomic_add(i, v)		((v)->counter += (i))
#define atomic_sub(i, v)		((v)->counter -= (i))
#define atomic_inc(v)			((v)->counter++)
#define atomic_dec(v)			((v)->counter--)
#define atomic_inc_return(v)		(++(v)->counter)
#define atomic_dec_return(v)		(--(v)->counter)
#define atomic_add_return(i, v)		((v)->counter += (i))
#define atomic_dec_and_test(v)		(--(v)->counter == 0)
#define atomic_long_read		atomic_read
#define atomic_long_set			atomic_set
#define atomic_long_add			atomic_add
#define atomic_long_sub			atomic_sub
#define atomic_long_inc			atomic_inc
#define atomic_long_dec			atomic_dec
#define atomic_long_inc_return		atomic_inc_return
#define atomic_long_add_return		atomic_add_return
#define atomic_long_cmpxchg(v, o, n)	({ long __o = (v)->counter; if (__o == (o)) (v)->counter = (n); __o; })
#define atomic_long_try_cmpxchg(v, po, n) ({ bool __ok = (v)->counter == *(po); \
	if (__ok) (v)->counter = (n); else *(po) = (v)->counter; __ok; })
#define cmpxchg(p, o, n)		({ __typeof__(*(p)) __o = *(p); if (__o == (o)) *(p) = (n); __o; })
#define xchg(p, n)			({ __typeof__(*(p)) __o = *(p); *(p) = (n); __o; })

/* ---- bitops.h / find.h / bitmap.h: real implementations in shim.c ---- */
#define BIT_WORD(nr)			((nr) / BITS_PER_LONG)
#define BIT_MASK(nr)			(1UL << ((nr) % BITS_PER_LONG))
static inline bool test_bit(unsigned long nr, const unsigned long *addr)
{
	return (addr[BIT_WORD(nr)] >> (nr % BITS_PER_LONG)) & 1;
}
static inline void __set_bit(unsigned long nr, unsigned long *addr) { addr[BIT_WORD(nr)] |= BIT_MASK(nr); }
static inline void __clear_bit(unsigned long nr, unsigned long *addr) { addr[BIT_WORD(nr)] &= ~BIT_MASK(nr); }
#define set_bit				__set_bit
#define clear_bit			__clear_bit
static inline bool __test_and_set_bit(unsigned long nr, unsigned long *addr)
{
	bool old = test_bit(nr, addr);

	__set_bit(nr, addr);
	return old;
}
static inline bool __test_and_clear_bit(unsigned long nr, unsigned long *addr)
{
	bool old = test_bit(nr, addr);

	__clear_bit(nr, addr);
	return old;
}
#define test_and_set_bit		__test_and_set_bit
#define test_and_clear_bit		__test_and_clear_bit
unsigned long find_next_bit(const unsigned long *addr, unsigned long size, unsigned long offset);
unsigned long find_next_zero_bit(const unsigned long *addr, unsigned long size, unsigned long offset);
#define find_first_bit(a, s)		find_next_bit(a, s, 0)
#define find_first_zero_bit(a, s)	find_next_zero_bit(a, s, 0)
#define for_each_set_bit(b, a, s)	\
	for ((b) = find_next_bit(a, s, 0); (b) < (s); (b) = find_next_bit(a, s, (b) + 1))
#define for_each_clear_bit(b, a, s)	\
	for ((b) = find_next_zero_bit(a, s, 0); (b) < (s); (b) = find_next_zero_bit(a, s, (b) + 1))
unsigned long *bitmap_zalloc(unsigned int nbits, gfp_t gfp);
unsigned long *bitmap_alloc(unsigned int nbits, gfp_t gfp);
void bitmap_free(const unsigned long *bitmap);
void bitmap_zero(unsigned long *dst, unsigned int nbits);
void bitmap_fill(unsigned long *dst, unsigned int nbits);
void bitmap_set(unsigned long *map, unsigned int start, unsigned int len);
void bitmap_clear(unsigned long *map, unsigned int start, unsigned int len);
bool bitmap_empty(const unsigned long *src, unsigned int nbits);
bool bitmap_full(const unsigned long *src, unsigned int nbits);
unsigned int bitmap_weight(const unsigned long *src, unsigned int nbits);
unsigned long bitmap_find_next_zero_area_off(unsigned long *map, unsigned long size,
					     unsigned long start, unsigned int nr,
					     unsigned long align_mask,
					     unsigned long align_offset);
static inline unsigned long bitmap_find_next_zero_area(unsigned long *map, unsigned long size,
						       unsigned long start, unsigned int nr,
						       unsigned long align_mask)
{
	return bitmap_find_next_zero_area_off(map, size, start, nr, align_mask, 0);
}
static inline int fls64(u64 x) { return x ? 64 - __builtin_clzll(x) : 0; }
static inline int ilog2_shim(unsigned long x) { return fls64(x) - 1; }
#define ilog2(x)			ilog2_shim(x)
#define is_power_of_2(n)		((n) != 0 && (((n) & ((n) - 1)) == 0))

/* ---- slab.h: malloc; kfree_rcu frees at once (single-threaded) ---- */
void *shim_kmalloc(size_t size, gfp_t gfp);
void shim_kfree(const void *p);
extern long shim_kmalloc_live;		/* allocations not yet freed */
extern unsigned int shim_kmalloc_fail;	/* fail the next N allocations */
#define kmalloc(s, g)			shim_kmalloc(s, g)
#define kzalloc(s, g)			shim_kmalloc(s, (g) | __GFP_ZERO)
#define kmalloc_node(s, g, n)		kmalloc(s, g)
#define kzalloc_node(s, g, n)		kzalloc(s, g)
#define kcalloc(n, s, g)		kzalloc((n) * (s), g)
#define kmalloc_array(n, s, g)		kmalloc((n) * (s), g)
#define kcalloc_node(n, s, g, nid)	kcalloc(n, s, g)
#define kfree(p)			shim_kfree(p)
#define kvfree(p)			shim_kfree(p)
#define kfree_rcu(p, f)			shim_kfree(p)
#define kfree_rcu_mightsleep(p)		shim_kfree(p)

/*
 * ---- rcupdate.h: no readers run concurrently ----
 * The depth is kept so that the models can refuse long work (zeroing a
 * batch with interrupts off) inside a read-side section.
 */
extern int shim_rcu_depth;
#define rcu_read_lock()			do { shim_rcu_depth++; } while (0)
#define rcu_read_unlock()		do { shim_rcu_depth--; } while (0)
#define rcu_dereference(p)		(p)
#define rcu_dereference_protected(p, c)	(p)
#define rcu_access_pointer(p)		(p)
#define rcu_assign_pointer(p, v)	((p) = (v))
#define RCU_INIT_POINTER(p, v)		((p) = (v))
#define synchronize_rcu()		do { } while (0)
#define rcu_barrier()			do { } while (0)
#define call_rcu(h, f)			(f)(h)

/* ---- xarray.h: a sorted array, correct rather than fast (shim.c) ---- */
struct xarray {
	unsigned long *index;
	void **entry;
	unsigned long nr, cap;
	unsigned int flags;
};
#define XA_FLAGS_LOCK_IRQ		0x1
#define XA_FLAGS_ALLOC			0x2
#define XA_PRESENT			((unsigned int)-1)
#define XARRAY_INIT(name, f)		{ NULL, NULL, 0, 0, (f) }
#define DEFINE_XARRAY(name)		struct xarray name = XARRAY_INIT(name, 0)
#define DEFINE_XARRAY_FLAGS(name, f)	struct xarray name = XARRAY_INIT(name, f)
static inline void *xa_mk_err_shim(long err) { return (void *)((err << 2) | 2); }
static inline bool xa_is_err(const void *e) { return ((unsigned long)e & 3) == 2 && (long)e < 0; }
static inline int xa_err(const void *e) { return xa_is_err(e) ? (int)((long)e >> 2) : 0; }
void xa_init_flags(struct xarray *xa, unsigned int flags);
#define xa_init(xa)			xa_init_flags(xa, 0)
void *xa_load(struct xarray *xa, unsigned long index);
void *xa_store(struct xarray *xa, unsigned long index, void *entry, gfp_t gfp);
int xa_insert(struct xarray *xa, unsigned long index, void *entry, gfp_t gfp);
void *xa_erase(struct xarray *xa, unsigned long index);
void xa_destroy(struct xarray *xa);
bool xa_empty(const struct xarray *xa);
void *xa_find(struct xarray *xa, unsigned long *index, unsigned long max, unsigned int filter);
void *xa_find_after(struct xarray *xa, unsigned long *index, unsigned long max, unsigned int filter);
#define xa_for_each(xa, i, e)						\
	for ((i) = 0, (e) = xa_find(xa, &(i), ULONG_MAX, XA_PRESENT); (e); \
	     (e) = xa_find_after(xa, &(i), ULONG_MAX, XA_PRESENT))
#define xa_lock(xa)			do { } while (0)
#define xa_unlock(xa)			do { } while (0)
#define xa_lock_irqsave(xa, f)		((f) = 0)
#define xa_unlock_irqrestore(xa, f)	((void)(f))
#define __xa_store			xa_store
#define __xa_erase			xa_erase

/* ---- mm: a simulated mem_map (model_arch.c) ---- */
#define PAGE_SHIFT		12
#define PAGE_SIZE		(1UL << PAGE_SHIFT)
#define PAGE_MASK		(~(PAGE_SIZE - 1))
#define PMD_SHIFT		21
#define PMD_SIZE		(1UL << PMD_SHIFT)
#define PMD_MASK		(~(PMD_SIZE - 1))
#define PAGE_OFFSET		0xffff888000000000UL	/* fake direct map: faults if used */
#define PFN_PHYS(pfn)		((phys_addr_t)(pfn) << PAGE_SHIFT)
#define PHYS_PFN(x)		((unsigned long)((x) >> PAGE_SHIFT))
#define PFN_DOWN(x)		((x) >> PAGE_SHIFT)
#define PAGE_ALIGNED(x)		IS_ALIGNED((unsigned long)(x), PAGE_SIZE)
#define offset_in_page(p)	((unsigned long)(p) & ~PAGE_MASK)

struct page {
	unsigned long flags;
	struct list_head lru;
	void *mapping;
	unsigned long index;
	unsigned long private;
	atomic_t _refcount;
};

extern struct page *shim_mem_map;	/* simulated pages, model_arch.c */
extern unsigned long shim_pfn_base, shim_nr_pages;
int shim_pfn_to_nid(unsigned long pfn);
static inline unsigned long page_to_pfn(const struct page *page)
{
	return shim_pfn_base + (unsigned long)(page - shim_mem_map);
}
static inline struct page *pfn_to_page(unsigned long pfn)
{
	return shim_mem_map + (pfn - shim_pfn_base);
}
static inline bool pfn_valid(unsigned long pfn)
{
	return pfn >= shim_pfn_base && pfn < shim_pfn_base + shim_nr_pages;
}
static inline int page_to_nid(const struct page *page)
{
	return shim_pfn_to_nid(page_to_pfn(page));
}
#define page_address(page)	((void *)(PAGE_OFFSET + (page_to_pfn(page) << PAGE_SHIFT)))
#define __pa(x)			((phys_addr_t)((unsigned long)(x) - PAGE_OFFSET))
#define __va(x)			((void *)((unsigned long)(x) + PAGE_OFFSET))
#define virt_to_pfn(x)		(__pa(x) >> PAGE_SHIFT)
#define virt_to_page(x)		pfn_to_page(virt_to_pfn(x))
#define page_to_virt(p)		page_address(p)
#define page_ref_count(p)	atomic_read(&(p)->_refcount)
#define get_page(p)		atomic_inc(&(p)->_refcount)
#define set_page_count(p, v)	atomic_set(&(p)->_refcount, (v))
/*
 * The last put frees the page through the model of the page allocator's
 * free path (model_arch.c): a simulated page that gets there must be one
 * permcache handed out, and permcache must take it back.
 */
void sim_free_path(struct page *page);
void sim_violation(int inv, const char *fmt, ...);
static inline void put_page(struct page *page)
{
	/* The kernel's VM_BUG_ON_PAGE() under DEBUG_VM: a put too many. */
	if (atomic_read(&page->_refcount) <= 0)
		sim_violation(8, "put_page() of a page with count %d",
			      atomic_read(&page->_refcount));
	else if (atomic_dec_and_test(&page->_refcount))
		sim_free_path(page);
}

static inline bool page_ref_freeze(struct page *page, int count)
{
	if (atomic_read(&page->_refcount) != count)
		return false;
	atomic_set(&page->_refcount, 0);
	return true;
}

static inline void page_ref_unfreeze(struct page *page, int count)
{
	atomic_set(&page->_refcount, count);
}

/* Folios are pages here: order-0 only, no memcg, never on an LRU list. */
struct folio;
#define page_folio(p)		((struct folio *)(p))
#define PageLRU(p)		false
/* Hardware poison, as memory_failure() sets it; not cleared by freeing. */
#define PG_hwpoison		23
/* PG_owner_priv_1's permcache meaning: handed out by permcache. */
#define PG_permcache		8
#define folio_test_permcache(f)	test_bit(PG_permcache, &((struct page *)(f))->flags)
#define folio_set_permcache(f)	__set_bit(PG_permcache, &((struct page *)(f))->flags)
static inline bool shim_page_hwpoison(const struct page *page)
{
	return test_bit(PG_hwpoison, &page->flags);
}
#ifdef SHIM_CORE_BLIND_TO_HWPOISON
/* The "poison" mutant: the core never sees the flag (the models do). */
#define PageHWPoison(page)	((void)(page), false)
#else
#define PageHWPoison(page)	shim_page_hwpoison(page)
#endif
static inline void SetPageHWPoison(struct page *page)
{
	__set_bit(PG_hwpoison, &page->flags);
}
static inline void ClearPageHWPoison(struct page *page)
{
	page->flags &= ~BIT(PG_hwpoison);
}
static inline bool TestSetPageHWPoison(struct page *page)
{
	return __test_and_set_bit(PG_hwpoison, &page->flags);
}
#define is_page_hwpoison(p)	PageHWPoison(p)
#define folio_test_hwpoison(f)	PageHWPoison((struct page *)(f))
/* As in the kernel: every flag but PG_hwpoison must be clear at free. */
#define PAGE_FLAGS_CHECK_AT_PREP	(~BIT(PG_hwpoison))
#define set_page_private(p, v)	((p)->private = (unsigned long)(v))
#define page_private(p)		((p)->private)
#define nth_page(p, n)		((p) + (n))

/* ---- NUMA: 2..4 simulated nodes, CPU i on node i % nodes ---- */
#define MAX_NUMNODES		8
#define NODES_SHIFT		3
#define NUMA_NO_NODE		(-1)
#define LOCAL_DISTANCE		10
#define REMOTE_DISTANCE		20
#define NR_CPUS			8
enum node_states { N_POSSIBLE, N_ONLINE, N_NORMAL_MEMORY, N_HIGH_MEMORY, N_MEMORY, N_CPU, NR_NODE_STATES };
extern unsigned int nr_node_ids;
extern unsigned int shim_nr_cpus;
extern int shim_cpu;			/* the simulated current CPU */
extern int shim_distance[MAX_NUMNODES][MAX_NUMNODES];
static inline int cpu_to_node(int cpu) { return cpu % (int)nr_node_ids; }
static inline int smp_processor_id(void) { return shim_cpu; }
static inline int raw_smp_processor_id(void) { return shim_cpu; }
static inline int numa_node_id(void) { return cpu_to_node(shim_cpu); }
static inline int numa_mem_id(void) { return numa_node_id(); }
static inline int node_distance(int a, int b) { return shim_distance[a][b]; }
static inline bool node_state(int nid, enum node_states s)
{
	(void)s;
	return nid >= 0 && nid < (int)nr_node_ids;
}
#define node_online(nid)	node_state(nid, N_ONLINE)
#define node_possible(nid)	node_state(nid, N_POSSIBLE)
#define num_online_nodes()	((int)nr_node_ids)
#define num_possible_nodes()	((int)nr_node_ids)
#define nr_online_nodes		((int)nr_node_ids)
#define for_each_node_state(n, s)	for ((n) = 0; (n) < (int)nr_node_ids; (n)++)
#define for_each_online_node(n)		for_each_node_state(n, N_ONLINE)
#define for_each_node(n)		for_each_node_state(n, N_POSSIBLE)
#define first_online_node		0
#define for_each_online_cpu(c)		for ((c) = 0; (c) < (int)shim_nr_cpus; (c)++)
#define for_each_possible_cpu(c)	for_each_online_cpu(c)
#define num_online_cpus()		((int)shim_nr_cpus)

extern unsigned long node_states[NR_NODE_STATES];
#define first_node(mask)		((mask) ? __builtin_ctzl(mask) : MAX_NUMNODES)
#define num_node_state(s)		__builtin_popcountl(node_states[s])

/* ---- kconfig.h ---- */
#define __ARG_PLACEHOLDER_1		0,
#define __take_second_arg(__ignored, val, ...) val
#define __is_defined(x)			___is_defined(x)
#define ___is_defined(val)		____is_defined(__ARG_PLACEHOLDER_##val)
#define ____is_defined(arg1_or_junk)	__take_second_arg(arg1_or_junk 1, 0)
#define IS_ENABLED(option)		(__is_defined(option) || __is_defined(option##_MODULE))
#define IS_BUILTIN(option)		__is_defined(option)

/* mmdebug.h: CONFIG_DEBUG_VM is on in the harness. */
#define VM_WARN_ON(c)			WARN_ON(c)
#define VM_WARN_ON_ONCE(c)		WARN_ON_ONCE(c)
#define VM_BUG_ON(c)			WARN_ON(c)

/* ---- init / module / export ---- */
/* An initcall stays callable: the harness boots permcache once per sequence. */
#define subsys_initcall(fn)		int (*shim_initcall_##fn)(void) = fn
#define late_initcall(fn)		int (*shim_initcall_##fn)(void) = fn
#define module_init(fn)			int (*shim_initcall_##fn)(void) = fn
#define module_exit(fn)
#define EXPORT_SYMBOL(s)
#define EXPORT_SYMBOL_GPL(s)
#define MODULE_PARM_DESC(n, d)
#define MODULE_LICENSE(l)
#define MODULE_DESCRIPTION(d)

/* ---- shrinker: shrinker_alloc() remembers the one permcache registers ---- */
#define SHRINK_STOP			(~0UL)
#define SHRINK_EMPTY			(~0UL - 1)
#define SHRINKER_NUMA_AWARE		BIT(2)

struct shrink_control {
	gfp_t gfp_mask;
	int nid;
	unsigned long nr_to_scan;
	unsigned long nr_scanned;
};

struct shrinker {
	unsigned long (*count_objects)(struct shrinker *s,
				       struct shrink_control *sc);
	unsigned long (*scan_objects)(struct shrinker *s,
				      struct shrink_control *sc);
	long batch;
	int seeks;
	unsigned int flags;
	bool registered;
};

#define DEFAULT_SEEKS	2

extern struct shrinker *shim_shrinker;
struct shrinker *shrinker_alloc(unsigned int flags, const char *fmt, ...);
void shrinker_register(struct shrinker *s);

/* ---- workqueue: single-threaded, so a scheduled work runs at once ---- */
struct work_struct {
	void (*func)(struct work_struct *work);
};

#define DECLARE_WORK(n, f)		struct work_struct n = { .func = (f) }

extern unsigned long shim_works_run;

static inline bool schedule_work(struct work_struct *work)
{
	shim_works_run++;
	work->func(work);
	return true;
}

static inline bool flush_work(struct work_struct *work)
{
	return false;
}

/* A delayed work is only counted: tests run what it would run themselves. */
struct delayed_work {
	struct work_struct work;
};

#define DECLARE_DELAYED_WORK(n, f)	struct delayed_work n = { .work = { .func = (f) } }
#define msecs_to_jiffies(m)		(m)
/* Milliseconds; the harness moves it (test_random.c, test_api.c). */
extern unsigned long jiffies;
#define time_before(a, b)		((long)((a) - (b)) < 0)

extern unsigned long shim_delayed_works;

static inline bool schedule_delayed_work(struct delayed_work *dwork,
					 unsigned long delay)
{
	shim_delayed_works++;
	return true;
}

struct workqueue_struct {
	int unused;
};
#define WQ_MEM_RECLAIM	(1 << 3)
extern struct workqueue_struct shim_wq;
#define alloc_workqueue(name, flags, max)	(&shim_wq)

static inline bool queue_delayed_work(struct workqueue_struct *wq,
				      struct delayed_work *dwork,
				      unsigned long delay)
{
	return schedule_delayed_work(dwork, delay);
}

/* Asked for at once (the free path's sweep): counted apart. */
extern unsigned long shim_sweeps_queued;
static inline bool mod_delayed_work(struct workqueue_struct *wq,
				    struct delayed_work *dwork,
				    unsigned long delay)
{
	shim_sweeps_queued++;
	return true;
}


/* ---- reclaim accounting: what the shrinker credits to reclaim ---- */
extern unsigned long shim_reclaimed_pages;
static inline void mm_account_reclaimed_pages(unsigned long pages)
{
	shim_reclaimed_pages += pages;
}

/* ---- notifiers: register_pm_notifier() remembers the one permcache registers ---- */
struct notifier_block {
	int (*notifier_call)(struct notifier_block *nb, unsigned long action, void *data);
	struct notifier_block *next;
	int priority;
};
#define NOTIFY_DONE		0x0000
#define NOTIFY_OK		0x0001
#define NOTIFY_STOP_MASK	0x8000
#define NOTIFY_BAD		(NOTIFY_STOP_MASK | 0x0002)
static inline int notifier_from_errno(int err)
{
	return err ? NOTIFY_STOP_MASK | (NOTIFY_OK - err) : NOTIFY_OK;
}
static inline int notifier_to_errno(int ret)
{
	ret &= ~NOTIFY_STOP_MASK;
	return ret > NOTIFY_OK ? NOTIFY_OK - ret : 0;
}
#define PM_HIBERNATION_PREPARE	0x0001
#define PM_POST_HIBERNATION	0x0002
#define PM_SUSPEND_PREPARE	0x0003
#define PM_POST_SUSPEND		0x0004
#define PM_RESTORE_PREPARE	0x0005
#define PM_POST_RESTORE		0x0006
extern struct notifier_block *shim_pm_notifier;
static inline int register_pm_notifier(struct notifier_block *nb)
{
	shim_pm_notifier = nb;
	return 0;
}
static inline int unregister_pm_notifier(struct notifier_block *nb)
{
	if (shim_pm_notifier == nb)
		shim_pm_notifier = NULL;
	return 0;
}

/* ---- memory hotplug: register_memory_notifier() remembers permcache's ---- */
#define MEM_ONLINE		(1 << 0)
#define MEM_GOING_OFFLINE	(1 << 1)
#define MEM_OFFLINE		(1 << 2)
#define MEM_GOING_ONLINE	(1 << 3)
#define MEM_CANCEL_ONLINE	(1 << 4)
#define MEM_CANCEL_OFFLINE	(1 << 5)
struct memory_notify {
	unsigned long start_pfn;
	unsigned long nr_pages;
	int status_change_nid_normal;
	int status_change_nid;
};
extern struct notifier_block *shim_memory_notifier;
static inline int register_memory_notifier(struct notifier_block *nb)
{
	shim_memory_notifier = nb;
	return 0;
}
#define pfn_to_nid(pfn)		shim_pfn_to_nid(pfn)

/* ---- PageOffline(): a page type in the kernel, a flag bit here ---- */
#define PG_shim_offline		24
static inline bool PageOffline(const struct page *page)
{
	return test_bit(PG_shim_offline, &page->flags);
}
static inline void __SetPageOffline(struct page *page)
{
	__set_bit(PG_shim_offline, &page->flags);
}
static inline void __ClearPageOffline(struct page *page)
{
	page->flags &= ~BIT(PG_shim_offline);
}

/* ---- the rest permcache uses from wait_bit.h, mm.h and numa.h ---- */
#define smp_mb__after_atomic()	barrier()
#define wake_up_var(v)		do { (void)(v); } while (0)
/* Single-threaded: nothing can be in flight while the harness waits. */
#define wait_var_event(v, cond)	do { (void)(v); WARN_ON(!(cond)); } while (0)
#define page_mapped(page)	((void)(page), false)
/* Every simulated node has memory and a cache: its zonelist starts there. */
struct zone;
struct zoneref {
	struct zone *zone;
};
#define node_zonelist(nid, gfp)		((void)(gfp), (nid))
#define gfp_zone(gfp)			((void)(gfp), 0)
static inline struct zoneref *first_zones_zonelist(int nid, int highest,
						    void *nodes)
{
	static struct zoneref z;

	z.zone = (struct zone *)(long)(nid + 1);
	return &z;
}
#define zone_to_nid(z)			((int)(long)(z) - 1)

/* ---- scoped allocation constraints (sched/mm.h): counted, for tests ---- */
extern int shim_nofs_depth, shim_noio_depth;
extern unsigned long shim_kmalloc_may_fs, shim_kmalloc_may_io;
void shim_gfp_reclaim(gfp_t gfp);
static inline unsigned int memalloc_nofs_save(void) { return shim_nofs_depth++; }
static inline void memalloc_nofs_restore(unsigned int f) { shim_nofs_depth = f; }
static inline unsigned int memalloc_noio_save(void) { return shim_noio_depth++; }
static inline void memalloc_noio_restore(unsigned int f) { shim_noio_depth = f; }

/* ---- mlock accounting of a freed page (folio flags, vmstat) ---- */
#define PG_mlocked		21
#define NR_MLOCK		0
#define UNEVICTABLE_PGCLEARED	0
extern long shim_nr_mlock;
static inline bool folio_test_mlocked(struct folio *folio)
{
	return test_bit(PG_mlocked, &((struct page *)folio)->flags);
}
static inline void __folio_clear_mlocked(struct folio *folio)
{
	((struct page *)folio)->flags &= ~BIT(PG_mlocked);
}
static inline void zone_stat_mod_folio(struct folio *folio, int item, long nr)
{
	shim_nr_mlock += nr;
}
#define count_vm_events(item, nr)	do { } while (0)
#define __folio_set_offline(f)	__SetPageOffline((struct page *)(f))
#define __folio_clear_offline(f)	__ClearPageOffline((struct page *)(f))

#endif /* _PC_SHIM_H */
