// SPDX-License-Identifier: GPL-2.0-only
/*
 * permcache_bench: permcache against the stock 6.12 paths, in one boot.
 *
 * In the style of lib/test_vmalloc.c: parameters select the tests, the
 * number of threads, the iterations and the node; every test runs on
 * nr_threads kthreads bound to CPUs spread over the nodes, released
 * together, each timing every operation with ktime_get_ns().  The
 * latencies of all threads are sorted for the percentiles.
 *
 *   id  test          one operation
 *    1  secret_pc     permcache_alloc_secret() + permcache_free_secret()
 *    2  secret_stock  what mm/secretmem.c does per page: alloc_pages_node()
 *                     + set_direct_map_invalid_noflush() +
 *                     flush_tlb_kernel_range(), then
 *                     set_direct_map_default_noflush() + zero + __free_page()
 *    4  rox_pc        permcache_alloc_text(ROX) + permcache_copy_text() +
 *                     permcache_free_text(), for each of sizes[]
 *    8  rox_stock     what bpf_prog_pack does per pack: execmem_alloc() +
 *                     set_vm_flush_reset_perms() + set_memory_rox() +
 *                     text_poke_copy() + execmem_free(), for each of sizes[]
 *
 * Four tests take the paths apart, for the report's reasons (not in
 * the default mask):
 *   16  secret_pc_rezero      secret_pc plus one more zeroing of the page
 *                             through the temporary PTE: the difference is
 *                             what zeroing costs permcache per operation
 *   32  secret_stock_noflush  secret_stock without flush_tlb_kernel_range():
 *                             the difference is what the shootdown costs
 *   64  text_poke             one text_poke_copy() of each of sizes[] into a
 *                             permcache ROX area allocated for the test:
 *                             rox_pc does two (write, and the trapping fill
 *                             of the free), stock one
 *  128  clear_page            clear_page() of a page in the direct map: what
 *                             zeroing alone costs, without the temporary PTE
 *                             and its local flush
 *
 * Two tests call the real consumer, bpf_prog_pack, as the
 * x86 JIT does: bpf_prog_pack_alloc() + bpf_arch_text_copy() of the image +
 * bpf_prog_pack_free() (which invalidates it with text_poke_set()), for each
 * of sizes[].  bpf_prog_pack itself reads permcache.enable when it needs a
 * new pack, so the same test gives the stock 6.12 path with enable=0 and
 * the permcache one with enable=1: the name says which ("_stock_" or
 * "_pc_"); the guest script flips enable at run time to get both in one
 * boot.  Node choice is the pack's (the running CPU's node): local only.
 *  256  bpf_held     each thread first allocates BENCH_BPF_HELD_SIZE bytes
 *                    and keeps them until the end of the test, so its pack
 *                    stays: every operation finds room in a pack that is
 *                    already there
 *  512  bpf_churn    nothing held: each operation creates a pack and its
 *                    free destroys it again (if nothing else in the system
 *                    holds a program; text_allocs per op tells)
 *
 * Nothing runs at boot.  /sys/kernel/debug/permcache_bench/run takes
 * "1" (run with the parameters) or "key=value ..." (test_mask= threads=
 * iterations= poke_iterations= node= sizes=, for this run only), runs
 * synchronously and keeps the result; reading it returns one line per
 * test, thread count and node:
 *
 *   RESULT test=<name> threads=<n> node=<local|remote|mixed> ops=<n>
 *     p50_ns= p90_ns= p99_ns= max_ns= total_ns= ops_per_sec=
 *     local_ops= flushes= l2_splits= warm_l2_splits= cal_ipis= tlb_ipis=
 *     [poke_ops= text_poke= text_poke_copy= text_poke_set= text_poke_mm=
 *      text_allocs= | pokes=n/a]
 *
 * (one line in the file).  total_ns is the wall time from the common start
 * to the last thread's end, ops_per_sec counts the operations of all
 * threads in that time; local_ops counts operations whose memory came from
 * the node the thread asked for; flushes is the change of permcache's own
 * flush counter, l2_splits of direct_map_level2_splits, cal_ipis and
 * tlb_ipis of the CAL and TLB lines of /proc/interrupts (all CPUs) over the
 * timed operations only; warm_l2_splits counts the splits of the set-up and
 * warm-up before them (where a path that reuses its pages splits the
 * direct map once).
 *
 * Text pokes are counted apart from the timing (a kprobe hit costs a trap
 * per call): after the timed operations, kprobes are registered on
 * text_poke(), text_poke_copy(), text_poke_set() (the API calls),
 * __text_poke() (text_poke_mm: one temporary-mm switch each; a copy longer
 * than two pages makes several) and execmem_alloc() + permcache_alloc_text()
 * (text_allocs: new text areas, a new pack for bpf_*), and every thread
 * does poke_iterations more operations, untimed; the counts cover only
 * those poke_ops operations.  Without CONFIG_KPROBES, or if a probe cannot
 * be registered, its count reads "n/a"; poke_iterations=0 prints none.
 * With permcache.enable=0 the permcache tests are skipped (a "SKIP" line).
 *
 * Timings under emulation mean nothing on their own: compare tests of one
 * run with each other.
 *
 * Locking: bench_mutex serialises runs and guards the result buffer, the
 * per-run state and the kprobes; the kthreads of a run only write their own
 * struct bench_thread and meet at the end of each phase (ready, timed,
 * counted, exit), where the runner reads the counters before releasing
 * them.
 */

#include <linux/completion.h>
#include <linux/cpumask.h>
#include <linux/debugfs.h>
#include <linux/delay.h>
#include <linux/execmem.h>
#include <linux/filter.h>
#include <linux/gfp.h>
#include <linux/highmem.h>
#include <linux/init.h>
#include <linux/kstrtox.h>
#include <linux/kprobes.h>
#include <linux/kthread.h>
#include <linux/math64.h>
#include <linux/ktime.h>
#include <linux/mm.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/nodemask.h>
#include <linux/permcache.h>
#include <linux/set_memory.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>
#include <linux/vmstat.h>

#include <asm/hardirq.h>
#include <asm/text-patching.h>
#include <asm/tlbflush.h>

#include "../mm/pc_internal.h"

#undef MODULE_PARAM_PREFIX
#define MODULE_PARAM_PREFIX "permcache_bench."

#define BENCH_MAX_THREADS	64
#define BENCH_MAX_ITERATIONS	1000000
#define BENCH_MAX_SIZES		8
#define BENCH_MAX_TEXT		(2UL << 20)
#define BENCH_RESULT_SIZE	(32 * 1024)
/* What each thread of bpf_held keeps allocated: one small program. */
#define BENCH_BPF_HELD_SIZE	64

/* nid parameter values below zero: where each thread allocates. */
#define BENCH_NODE_LOCAL	-1
#define BENCH_NODE_REMOTE	-2
#define BENCH_NODE_BOTH		-3

static unsigned int test_mask = 15;
module_param(test_mask, uint, 0644);
MODULE_PARM_DESC(test_mask,
		 "Tests to run: 1 secret_pc, 2 secret_stock, 4 rox_pc, 8 rox_stock, 16 secret_pc_rezero, 32 secret_stock_noflush, 64 text_poke, 128 clear_page, 256 bpf_held, 512 bpf_churn");

static unsigned int nr_threads = 1;
module_param(nr_threads, uint, 0644);
MODULE_PARM_DESC(nr_threads, "Threads per test (1..64)");

static unsigned int iterations = 1000;
module_param(iterations, uint, 0644);
MODULE_PARM_DESC(iterations, "Operations per thread (1..1000000)");

static unsigned int sizes[BENCH_MAX_SIZES] = { 64, 256, 4096, 65536 };
static unsigned int nr_sizes = 4;
module_param_array(sizes, uint, &nr_sizes, 0644);
MODULE_PARM_DESC(sizes, "Text sizes in bytes for the rox tests (up to 8, each <= 2 MiB)");

static unsigned int poke_iterations = 100;
module_param(poke_iterations, uint, 0644);
MODULE_PARM_DESC(poke_iterations,
		 "Untimed operations per thread with text pokes counted by kprobes (0: none)");

static int nid = BENCH_NODE_BOTH;
module_param(nid, int, 0644);
MODULE_PARM_DESC(nid,
		 "Node: -1 each thread's own, -2 the next node after it, -3 both, N node N");

enum bench_test {
	BENCH_SECRET_PC,
	BENCH_SECRET_STOCK,
	BENCH_ROX_PC,
	BENCH_ROX_STOCK,
	BENCH_SECRET_PC_REZERO,
	BENCH_SECRET_STOCK_NOFLUSH,
	BENCH_TEXT_POKE,
	BENCH_CLEAR_PAGE,
	BENCH_BPF_HELD,
	BENCH_BPF_CHURN,
	BENCH_NR_TESTS,
};

static const char * const bench_test_names[BENCH_NR_TESTS] = {
	[BENCH_SECRET_PC]	= "secret_pc",
	[BENCH_SECRET_STOCK]	= "secret_stock",
	[BENCH_ROX_PC]		= "rox_pc",
	[BENCH_ROX_STOCK]	= "rox_stock",
	[BENCH_SECRET_PC_REZERO]	= "secret_pc_rezero",
	[BENCH_SECRET_STOCK_NOFLUSH]	= "secret_stock_noflush",
	[BENCH_TEXT_POKE]		= "text_poke",
	[BENCH_CLEAR_PAGE]		= "clear_page",
	[BENCH_BPF_HELD]		= "bpf_held",
	[BENCH_BPF_CHURN]		= "bpf_churn",
};

/*
 * The phases of a run: the threads meet at the end of each, and the
 * runner reads the counters while they wait.
 */
enum bench_phase {
	BENCH_PHASE_READY,	/* set up and warmed up */
	BENCH_PHASE_TIMED,	/* timed operations done */
	BENCH_PHASE_COUNTED,	/* operations with text pokes counted done */
	BENCH_PHASE_EXIT,	/* torn down: the thread touches nothing more */
	BENCH_NR_PHASES,
};

/* The settings of one run: the parameters, or a debugfs write. */
struct bench_conf {
	unsigned int test_mask;
	unsigned int threads;
	unsigned int iterations;
	unsigned int poke_iterations;
	int node;
	unsigned int sizes[BENCH_MAX_SIZES];
	unsigned int nr_sizes;
};

struct bench_run;

/**
 * struct bench_thread - one worker of one test
 * @run: the test it belongs to.
 * @task: the kthread.
 * @cpu: the CPU it is bound to.
 * @home: its CPU's node.
 * @target: the node it allocates on, or NUMA_NO_NODE (its own).
 * @lat: latency of each operation, in ns.
 * @page: the thread's own page, on @home, for clear_page.
 * @held: what bpf_held keeps allocated in the thread's pack.
 * @ops: timed operations done.
 * @poke_ops: untimed operations done with the text pokes counted.
 * @local: operations served from @home (or @target if set).
 * @start: when it started timing.
 * @end: when it stopped.
 * @err: first error, or 0.
 */
struct bench_thread {
	struct bench_run *run;
	struct task_struct *task;
	unsigned int cpu;
	int home;
	int target;
	u64 *lat;
	void *page;
	void *held;
	unsigned int ops;
	unsigned int poke_ops;
	unsigned int local;
	u64 start, end;
	int err;
};

/**
 * struct bench_run - one test at one thread count, size and node choice
 * @test: enum bench_test.
 * @size: text size (rox tests).
 * @iterations: timed operations per thread.
 * @poke_iterations: untimed operations per thread, text pokes counted.
 * @src: the text written (rox and bpf tests).
 * @area: what text_poke writes to, set up for the test (text_mutex
 *	serialises the pokes of several threads).
 * @nr_left: threads that have not yet reached the end of this phase.
 * @arrived: completed when @nr_left reaches zero.
 * @go: per phase, released together once the runner has seen every thread
 *	arrive (and reset @nr_left for the next phase).
 */
struct bench_run {
	enum bench_test test;
	size_t size;
	unsigned int iterations;
	unsigned int poke_iterations;
	const void *src;
	void *area;
	atomic_t nr_left;
	struct completion arrived;
	struct completion go[BENCH_NR_PHASES];
};

/* Kernel cross-CPU calls (CAL) and user-mm TLB IPIs (TLB) on all CPUs. */
struct bench_irqs {
	unsigned long cal;
	unsigned long tlb;
};

static DEFINE_MUTEX(bench_mutex);
static char *bench_result;
static size_t bench_result_len;

/* CPUs in an order that spreads consecutive threads over the nodes. */
static unsigned int bench_pick_cpu(unsigned int i)
{
	unsigned int n = 0, round, cpu, k;
	int node;

	i %= num_online_cpus();
	for (round = 0; round < nr_cpu_ids; round++) {
		for_each_node_state(node, N_CPU) {
			k = 0;
			for_each_cpu_and(cpu, cpumask_of_node(node), cpu_online_mask) {
				if (k++ != round)
					continue;
				if (n++ == i)
					return cpu;
				break;
			}
		}
	}
	return cpumask_first(cpu_online_mask);
}

/* The next node with memory after @node, wrapping; @node if it is alone. */
static int bench_next_node(int node)
{
	int next = next_node(node, node_states[N_MEMORY]);

	if (next >= MAX_NUMNODES)
		next = first_node(node_states[N_MEMORY]);
	return next;
}

static unsigned long bench_l2_splits(void)
{
	unsigned long *ev, n = 0;

	ev = kcalloc(NR_VM_EVENT_ITEMS, sizeof(*ev), GFP_KERNEL);
	if (ev) {
		all_vm_events(ev);
		n = ev[DIRECT_MAP_LEVEL2_SPLIT];
		kfree(ev);
	}
	return n;
}

static unsigned long bench_pc_flushes(void)
{
	struct permcache_stats *st;
	unsigned long n = 0;

	st = kmalloc(sizeof(*st), GFP_KERNEL);
	if (st && !permcache_get_stats(NUMA_NO_NODE, st))
		n = st->item[PERMCACHE_STAT_FLUSHES];
	kfree(st);
	return n;
}

static void bench_irqs(struct bench_irqs *n)
{
	unsigned int cpu;

	n->cal = 0;
	n->tlb = 0;
#ifdef CONFIG_SMP
	for_each_online_cpu(cpu) {
		n->cal += per_cpu(irq_stat, cpu).irq_call_count;
		n->tlb += per_cpu(irq_stat, cpu).irq_tlb_count;
	}
#endif
}

/*
 * Text pokes, counted by kprobes registered only while the counted
 * operations run.  A post handler keeps each probe an int3 one: an
 * optimised probe is (un)patched later by the kprobe optimiser, with
 * text_poke() calls of its own.
 */
enum bench_probe {
	BENCH_PROBE_TEXT_POKE,
	BENCH_PROBE_TEXT_POKE_COPY,
	BENCH_PROBE_TEXT_POKE_SET,
	BENCH_PROBE_TEXT_POKE_MM,
	BENCH_PROBE_EXECMEM_ALLOC,
	BENCH_PROBE_PC_ALLOC_TEXT,
	BENCH_NR_PROBES,
};

/* Counts of one run; a negative count: that probe was not registered. */
struct bench_pokes {
	long hits[BENCH_NR_PROBES];
};

#if IS_ENABLED(CONFIG_KPROBES)
static const char * const bench_probe_syms[BENCH_NR_PROBES] = {
	[BENCH_PROBE_TEXT_POKE]		= "text_poke",
	[BENCH_PROBE_TEXT_POKE_COPY]	= "text_poke_copy",
	[BENCH_PROBE_TEXT_POKE_SET]	= "text_poke_set",
	[BENCH_PROBE_TEXT_POKE_MM]	= "__text_poke",
	[BENCH_PROBE_EXECMEM_ALLOC]	= "execmem_alloc",
	[BENCH_PROBE_PC_ALLOC_TEXT]	= "permcache_alloc_text",
};

static struct kprobe bench_kprobes[BENCH_NR_PROBES];
static bool bench_kprobe_on[BENCH_NR_PROBES];
static atomic_long_t bench_kprobe_hits[BENCH_NR_PROBES];

static int bench_kprobe_pre(struct kprobe *p, struct pt_regs *regs)
{
	atomic_long_inc(&bench_kprobe_hits[p - bench_kprobes]);
	return 0;
}

static void bench_kprobe_post(struct kprobe *p, struct pt_regs *regs,
			      unsigned long flags)
{
}

/* Register every probe that can be; the others count "n/a". */
static void bench_probes_arm(void)
{
	unsigned int i;

	for (i = 0; i < BENCH_NR_PROBES; i++) {
		struct kprobe *kp = &bench_kprobes[i];

		/* register_kprobe() fills in ->addr: start afresh each time. */
		memset(kp, 0, sizeof(*kp));
		kp->symbol_name = bench_probe_syms[i];
		kp->pre_handler = bench_kprobe_pre;
		kp->post_handler = bench_kprobe_post;
		bench_kprobe_on[i] = !register_kprobe(kp);
	}
}

static void bench_probes_read(struct bench_pokes *c)
{
	unsigned int i;

	for (i = 0; i < BENCH_NR_PROBES; i++)
		c->hits[i] = bench_kprobe_on[i] ?
			     atomic_long_read(&bench_kprobe_hits[i]) : -1;
}

static void bench_probes_disarm(void)
{
	unsigned int i;

	for (i = 0; i < BENCH_NR_PROBES; i++) {
		if (bench_kprobe_on[i])
			unregister_kprobe(&bench_kprobes[i]);
		bench_kprobe_on[i] = false;
	}
}
#else
static void bench_probes_arm(void)
{
}

static void bench_probes_read(struct bench_pokes *c)
{
	unsigned int i;

	for (i = 0; i < BENCH_NR_PROBES; i++)
		c->hits[i] = -1;
}

static void bench_probes_disarm(void)
{
}
#endif

/* Node of the page behind a kernel virtual text address. */
static int bench_text_nid(const void *addr)
{
	struct page *page = vmalloc_to_page(addr);

	return page ? page_to_nid(page) : NUMA_NO_NODE;
}

/* What text_poke writes to; nothing for the other tests. */
static int bench_area_get(struct bench_run *run)
{
	void *p;

	if (run->test != BENCH_TEXT_POKE)
		return 0;
	p = permcache_alloc_text(PERMCACHE_ROX, run->size, NUMA_NO_NODE);
	if (IS_ERR(p))
		return PTR_ERR(p);
	run->area = p;
	return 0;
}

static void bench_area_put(struct bench_run *run)
{
	if (run->area)
		WARN_ON_ONCE(permcache_free_text(run->area, run->size));
	run->area = NULL;
}

/*
 * clear_page gives each thread a page of its own node: threads sharing one
 * would measure the host's cache-line transfers.
 */
static int bench_page_get(struct bench_thread *t)
{
	struct page *page;

	if (t->run->test != BENCH_CLEAR_PAGE)
		return 0;
	page = alloc_pages_node(t->home, GFP_KERNEL, 0);
	if (!page)
		return -ENOMEM;
	t->page = page_address(page);
	return 0;
}

/*
 * What the x86 JIT fills a new stock pack with (jit_fill_hole()): INT3.
 * PERMCACHE_BENCH depends on BPF_JIT: bpf_prog_pack is always there.
 */
static void bench_bpf_fill_hole(void *area, unsigned int size)
{
	memset(area, 0xcc, size);
}

/*
 * bpf_held: one small program of this thread's, kept for the whole test.
 * Allocated from the thread itself: a permcache pack serves the CPUs of
 * the node that allocated it.
 */
static int bench_held_get(struct bench_thread *t)
{
	if (t->run->test != BENCH_BPF_HELD)
		return 0;
	t->held = bpf_prog_pack_alloc(BENCH_BPF_HELD_SIZE, bench_bpf_fill_hole,
				      false);
	return t->held ? 0 : -ENOMEM;
}

static void bench_held_put(struct bench_thread *t)
{
	if (t->held)
		bpf_prog_pack_free(t->held, BENCH_BPF_HELD_SIZE);
	t->held = NULL;
}

/* What the JIT does per image: allocate, write the image, free. */
static int bench_bpf_op(struct bench_run *run, int want, bool *local)
{
	void *p;
	int err;

	p = bpf_prog_pack_alloc(run->size, bench_bpf_fill_hole, false);
	if (!p)
		return -ENOMEM;
	*local = bench_text_nid(p) == want;
	/* bpf_arch_text_copy() does not write through its source. */
	err = PTR_ERR_OR_ZERO(bpf_arch_text_copy(p, (void *)run->src,
						 run->size));
	bpf_prog_pack_free(p, run->size);
	return err;
}

/* One operation of @t's test; 0 or a negative errno. */
static int bench_op(struct bench_thread *t, bool *local)
{
	struct bench_run *run = t->run;
	int want = t->target == NUMA_NO_NODE ? t->home : t->target;
	unsigned long addr;
	struct page *page;
	void *p;
	int err;

	switch (run->test) {
	case BENCH_SECRET_PC:
	case BENCH_SECRET_PC_REZERO:
		page = permcache_alloc_secret(t->target, GFP_KERNEL);
		if (IS_ERR(page))
			return PTR_ERR(page);
		*local = page_to_nid(page) == want;
		if (run->test == BENCH_SECRET_PC_REZERO)
			pc_arch_fill_page(page, 0);
		return permcache_free_secret(page);

	case BENCH_SECRET_STOCK:
	case BENCH_SECRET_STOCK_NOFLUSH:
		page = alloc_pages_node(t->target, GFP_KERNEL | __GFP_ZERO, 0);
		if (!page)
			return -ENOMEM;
		*local = page_to_nid(page) == want;
		err = set_direct_map_invalid_noflush(page);
		if (!err) {
			addr = (unsigned long)page_address(page);
			/* Safe to skip here: nobody touched the page meanwhile. */
			if (run->test == BENCH_SECRET_STOCK)
				flush_tlb_kernel_range(addr, addr + PAGE_SIZE);
			err = set_direct_map_default_noflush(page);
		}
		/* secretmem_free_folio(): back in the direct map, then zeroed. */
		if (!err)
			clear_highpage(page);
		__free_page(page);
		return err;

	case BENCH_ROX_PC:
		p = permcache_alloc_text(PERMCACHE_ROX, run->size, t->target);
		if (IS_ERR(p))
			return PTR_ERR(p);
		*local = bench_text_nid(p) == want;
		err = permcache_copy_text(p, run->src, run->size);
		return permcache_free_text(p, run->size) ?: err;

	case BENCH_ROX_STOCK:
		/* execmem takes no node: its pages follow the task's policy. */
		p = execmem_alloc(EXECMEM_BPF, run->size);
		if (!p)
			return -ENOMEM;
		*local = bench_text_nid(p) == want;
		set_vm_flush_reset_perms(p);
		err = set_memory_rox((unsigned long)p,
				     PAGE_ALIGN(run->size) >> PAGE_SHIFT);
		if (!err && !text_poke_copy(p, run->src, run->size))
			err = -EINVAL;
		execmem_free(p);
		return err;

	case BENCH_TEXT_POKE:
		*local = true;
		return text_poke_copy(run->area, run->src, run->size) ? 0 : -EINVAL;

	case BENCH_CLEAR_PAGE:
		*local = true;
		clear_page(t->page);
		return 0;

	case BENCH_BPF_HELD:
	case BENCH_BPF_CHURN:
		return bench_bpf_op(run, want, local);

	default:
		return -EINVAL;
	}
}

/*
 * A test may run for minutes under emulation: wake up every second so that
 * the hung-task detector does not take the waiter for a stuck task.
 */
static void bench_wait(struct completion *c)
{
	while (!wait_for_completion_timeout(c, HZ))
		;
}

/* A thread at the end of @phase: wait for the runner to release it. */
static void bench_arrive(struct bench_run *run, enum bench_phase phase)
{
	if (atomic_dec_and_test(&run->nr_left))
		complete(&run->arrived);
	if (phase != BENCH_PHASE_EXIT)
		bench_wait(&run->go[phase]);
}

/*
 * The runner: wait until all @n threads are at the end of a phase and
 * count them again for the next one.  They wait for go[phase] meanwhile.
 */
static void bench_gather(struct bench_run *run, unsigned int n)
{
	bench_wait(&run->arrived);
	reinit_completion(&run->arrived);
	atomic_set(&run->nr_left, n);
}

static int bench_thread_fn(void *data)
{
	struct bench_thread *t = data;
	struct bench_run *run = t->run;
	unsigned int i, warm = min(run->iterations, 16U);
	bool local = false;
	u64 t0, t1;
	int err;

	err = bench_held_get(t);
	/* Warm-up: the first chunk of a node and the page tables are not timed. */
	for (i = 0; i < warm && !err; i++)
		err = bench_op(t, &local);
	bench_arrive(run, BENCH_PHASE_READY);

	t->start = ktime_get_ns();
	for (i = 0; i < run->iterations && !err; i++) {
		t0 = ktime_get_ns();
		err = bench_op(t, &local);
		t1 = ktime_get_ns();
		if (err)
			break;
		t->lat[t->ops++] = t1 - t0;
		t->local += local;
		cond_resched();
	}
	t->end = ktime_get_ns();
	bench_arrive(run, BENCH_PHASE_TIMED);

	/* The same operations again, untimed, while the kprobes count. */
	for (i = 0; i < run->poke_iterations && !err; i++) {
		err = bench_op(t, &local);
		if (!err)
			t->poke_ops++;
		cond_resched();
	}
	bench_arrive(run, BENCH_PHASE_COUNTED);

	bench_held_put(t);
	t->err = err;
	bench_arrive(run, BENCH_PHASE_EXIT);
	return 0;
}

static int bench_cmp_u64(const void *a, const void *b)
{
	u64 x = *(const u64 *)a, y = *(const u64 *)b;

	return x < y ? -1 : x > y;
}

static __printf(1, 2) void bench_printf(const char *fmt, ...)
{
	va_list args;

	va_start(args, fmt);
	bench_result_len += vscnprintf(bench_result + bench_result_len,
				       BENCH_RESULT_SIZE - bench_result_len,
				       fmt, args);
	va_end(args);
}

static u64 bench_pct(const u64 *lat, unsigned int n, unsigned int pct)
{
	return n ? lat[min(n - 1, (unsigned int)div_u64((u64)n * pct, 100))] : 0;
}

/* The poke counts of a run: "n/a" for a probe that was not registered. */
static void bench_print_pokes(unsigned int poke_ops,
			      const struct bench_pokes *before,
			      const struct bench_pokes *after)
{
	static const char * const keys[BENCH_NR_PROBES] = {
		[BENCH_PROBE_TEXT_POKE]		= "text_poke",
		[BENCH_PROBE_TEXT_POKE_COPY]	= "text_poke_copy",
		[BENCH_PROBE_TEXT_POKE_SET]	= "text_poke_set",
		[BENCH_PROBE_TEXT_POKE_MM]	= "text_poke_mm",
	};
	long allocs = 0;
	bool any = false;
	unsigned int i;

	if (!IS_ENABLED(CONFIG_KPROBES)) {
		bench_printf(" pokes=n/a");
		return;
	}
	bench_printf(" poke_ops=%u", poke_ops);
	for (i = 0; i < BENCH_NR_PROBES; i++) {
		bool on = after->hits[i] >= 0 && before->hits[i] >= 0;
		long d = after->hits[i] - before->hits[i];

		if (keys[i]) {
			if (on)
				bench_printf(" %s=%ld", keys[i], d);
			else
				bench_printf(" %s=n/a", keys[i]);
			continue;
		}
		/* execmem_alloc() and permcache_alloc_text(): text_allocs. */
		if (on) {
			allocs += d;
			any = true;
		}
	}
	if (any)
		bench_printf(" text_allocs=%ld", allocs);
	else
		bench_printf(" text_allocs=n/a");
}

/*
 * Run one test on @nthreads threads with node choice @node (never BOTH)
 * and append its RESULT line.
 */
static int bench_one(const struct bench_conf *conf, enum bench_test test,
		     size_t size, const void *src, unsigned int nthreads,
		     int node)
{
	unsigned long flushes = 0, splits = 0, warm_splits = 0;
	unsigned int i, j, n = 0, ops = 0, poke_ops = 0, local = 0, nlocal = 0;
	struct bench_pokes pokes0, pokes1;
	struct bench_irqs irq0, irq1;
	struct bench_thread *threads;
	u64 *all = NULL, start = U64_MAX, end = 0, total;
	struct bench_run run = {
		.test = test,
		.size = size,
		.src = src,
		.iterations = conf->iterations,
		.poke_iterations = conf->poke_iterations,
	};
	bool bpf = test == BENCH_BPF_HELD || test == BENCH_BPF_CHURN;
	enum bench_phase ph;
	char name[32];
	int err = 0;

	/* bpf_prog_pack decides by permcache.enable: say which path ran. */
	if (bpf)
		snprintf(name, sizeof(name), "%s_%s_%zu", bench_test_names[test],
			 permcache_enabled() ? "pc" : "stock", size);
	else if (size)
		snprintf(name, sizeof(name), "%s_%zu", bench_test_names[test], size);
	else
		strscpy(name, bench_test_names[test], sizeof(name));

	threads = kcalloc(nthreads, sizeof(*threads), GFP_KERNEL);
	if (!threads)
		return -ENOMEM;
	atomic_set(&run.nr_left, nthreads);
	init_completion(&run.arrived);
	for (ph = 0; ph < BENCH_NR_PHASES; ph++)
		init_completion(&run.go[ph]);

	for (i = 0; i < nthreads; i++) {
		struct bench_thread *t = &threads[i];

		t->run = &run;
		t->cpu = bench_pick_cpu(i);
		t->home = cpu_to_node(t->cpu);
		if (node == BENCH_NODE_LOCAL)
			t->target = NUMA_NO_NODE;
		else if (node == BENCH_NODE_REMOTE)
			t->target = bench_next_node(t->home);
		else
			t->target = node;
		if (t->target == NUMA_NO_NODE || t->target == t->home)
			nlocal++;
		t->lat = kvmalloc_array(conf->iterations, sizeof(u64), GFP_KERNEL);
		err = t->lat ? bench_page_get(t) : -ENOMEM;
		if (err)
			break;
	}
	if (!err)
		err = bench_area_get(&run);
	if (err)
		goto free;

	/* Create every thread first: one that is never woken never runs. */
	for (i = 0; i < nthreads; i++) {
		struct bench_thread *t = &threads[i];

		t->task = kthread_create_on_cpu(bench_thread_fn, t, t->cpu,
						"pcbench/%u");
		if (IS_ERR(t->task)) {
			err = PTR_ERR(t->task);
			t->task = NULL;
			while (i--)
				kthread_stop(threads[i].task);
			goto free;
		}
	}
	warm_splits = bench_l2_splits();
	for (i = 0; i < nthreads; i++)
		wake_up_process(threads[i].task);

	/* Set up and warmed up: the timed operations start together. */
	bench_gather(&run, nthreads);
	flushes = bench_pc_flushes();
	splits = bench_l2_splits();
	warm_splits = splits - warm_splits;
	bench_irqs(&irq0);
	complete_all(&run.go[BENCH_PHASE_READY]);

	bench_gather(&run, nthreads);
	flushes = bench_pc_flushes() - flushes;
	splits = bench_l2_splits() - splits;
	bench_irqs(&irq1);
	/* Arming a probe pokes text too: read the counts once all are on. */
	if (run.poke_iterations)
		bench_probes_arm();
	bench_probes_read(&pokes0);
	complete_all(&run.go[BENCH_PHASE_TIMED]);

	bench_gather(&run, nthreads);
	bench_probes_read(&pokes1);
	if (run.poke_iterations)
		bench_probes_disarm();
	complete_all(&run.go[BENCH_PHASE_COUNTED]);

	/* Torn down: the threads touch nothing of ours any more. */
	bench_gather(&run, nthreads);

	for (i = 0; i < nthreads; i++) {
		ops += threads[i].ops;
		poke_ops += threads[i].poke_ops;
		local += threads[i].local;
		start = min(start, threads[i].start);
		end = max(end, threads[i].end);
		if (threads[i].err && !err)
			err = threads[i].err;
	}
	all = kvmalloc_array(max(ops, 1U), sizeof(u64), GFP_KERNEL);
	if (!all) {
		err = -ENOMEM;
		goto free;
	}
	for (i = 0; i < nthreads; i++)
		for (j = 0; j < threads[i].ops; j++)
			all[n++] = threads[i].lat[j];
	sort(all, n, sizeof(*all), bench_cmp_u64, NULL);
	total = end > start ? end - start : 1;

	bench_printf("RESULT test=%s threads=%u node=%s ops=%u p50_ns=%llu p90_ns=%llu p99_ns=%llu",
		     name, nthreads,
		     nlocal == nthreads ? "local" : nlocal ? "mixed" : "remote",
		     ops, bench_pct(all, n, 50), bench_pct(all, n, 90),
		     bench_pct(all, n, 99));
	bench_printf(" max_ns=%llu total_ns=%llu ops_per_sec=%llu",
		     n ? all[n - 1] : 0, total,
		     div64_u64((u64)ops * NSEC_PER_SEC, total));
	bench_printf(" local_ops=%u flushes=%lu l2_splits=%lu", local, flushes,
		     splits);
	bench_printf(" warm_l2_splits=%lu cal_ipis=%lu tlb_ipis=%lu", warm_splits,
		     irq1.cal - irq0.cal, irq1.tlb - irq0.tlb);
	if (run.poke_iterations)
		bench_print_pokes(poke_ops, &pokes0, &pokes1);
	if (err)
		bench_printf(" err=%d", err);
	bench_printf("\n");

free:
	if (err && !all)
		bench_printf("ERROR test=%s threads=%u err=%d\n", name, nthreads, err);
	bench_area_put(&run);
	kvfree(all);
	for (i = 0; i < nthreads; i++) {
		kvfree(threads[i].lat);
		if (threads[i].page)
			free_page((unsigned long)threads[i].page);
	}
	kfree(threads);
	return err;
}

static void bench_all(const struct bench_conf *conf)
{
	int nodes[2], nr_nodes = 0, k;
	enum bench_test test;
	unsigned int s, nr;
	u8 *src;

	if (conf->node == BENCH_NODE_BOTH) {
		nodes[nr_nodes++] = BENCH_NODE_LOCAL;
		if (num_node_state(N_MEMORY) > 1)
			nodes[nr_nodes++] = BENCH_NODE_REMOTE;
	} else {
		nodes[nr_nodes++] = conf->node;
	}

	src = kvmalloc(BENCH_MAX_TEXT, GFP_KERNEL);
	if (!src) {
		bench_printf("ERROR no memory for the text source\n");
		return;
	}
	/* NOPs: harmless if anything ever ran them. */
	memset(src, 0x90, BENCH_MAX_TEXT);

	for (test = 0; test < BENCH_NR_TESTS; test++) {
		bool bpf = test == BENCH_BPF_HELD || test == BENCH_BPF_CHURN;
		bool text = test == BENCH_ROX_PC || test == BENCH_ROX_STOCK ||
			    test == BENCH_TEXT_POKE || bpf;
		bool pc = test == BENCH_SECRET_PC || test == BENCH_ROX_PC ||
			  test == BENCH_SECRET_PC_REZERO ||
			  test == BENCH_TEXT_POKE;
		/*
		 * No node choice: execmem takes none, bpf_prog_pack uses the
		 * running CPU's node, the others allocate nothing.
		 */
		bool local_only = test == BENCH_ROX_STOCK ||
				  test == BENCH_TEXT_POKE ||
				  test == BENCH_CLEAR_PAGE || bpf;

		if (!(conf->test_mask & BIT(test)))
			continue;
		if (pc && !permcache_enabled()) {
			bench_printf("SKIP test=%s reason=permcache.enable=0\n",
				     bench_test_names[test]);
			continue;
		}
		nr = text ? conf->nr_sizes : 1;
		for (s = 0; s < nr; s++) {
			for (k = 0; k < nr_nodes; k++) {
				if (local_only && nodes[k] != BENCH_NODE_LOCAL)
					continue;
				bench_one(conf, test, text ? conf->sizes[s] : 0,
					  src, conf->threads, nodes[k]);
			}
		}
	}
	kvfree(src);
}

/* Parse "key=value ..." over @conf; "1" alone keeps the parameters. */
static int bench_parse(char *buf, struct bench_conf *conf)
{
	char *tok, *val;
	int err = 0;

	while ((tok = strsep(&buf, " \t\n")) && !err) {
		if (!*tok || !strcmp(tok, "1"))
			continue;
		val = strchr(tok, '=');
		if (!val)
			return -EINVAL;
		*val++ = '\0';
		if (!strcmp(tok, "test_mask")) {
			err = kstrtouint(val, 0, &conf->test_mask);
		} else if (!strcmp(tok, "threads")) {
			err = kstrtouint(val, 0, &conf->threads);
		} else if (!strcmp(tok, "iterations")) {
			err = kstrtouint(val, 0, &conf->iterations);
		} else if (!strcmp(tok, "poke_iterations")) {
			err = kstrtouint(val, 0, &conf->poke_iterations);
		} else if (!strcmp(tok, "node")) {
			if (!strcmp(val, "local"))
				conf->node = BENCH_NODE_LOCAL;
			else if (!strcmp(val, "remote"))
				conf->node = BENCH_NODE_REMOTE;
			else if (!strcmp(val, "both"))
				conf->node = BENCH_NODE_BOTH;
			else
				err = kstrtoint(val, 0, &conf->node);
		} else if (!strcmp(tok, "sizes")) {
			char *sz;

			conf->nr_sizes = 0;
			while ((sz = strsep(&val, ",")) && !err) {
				if (conf->nr_sizes == BENCH_MAX_SIZES)
					return -E2BIG;
				err = kstrtouint(sz, 0, &conf->sizes[conf->nr_sizes++]);
			}
		} else {
			return -EINVAL;
		}
	}
	return err;
}

static int bench_check(const struct bench_conf *conf)
{
	unsigned int s;

	if (!conf->threads || conf->threads > BENCH_MAX_THREADS ||
	    !conf->iterations || conf->iterations > BENCH_MAX_ITERATIONS ||
	    conf->poke_iterations > BENCH_MAX_ITERATIONS ||
	    !conf->nr_sizes || conf->nr_sizes > BENCH_MAX_SIZES ||
	    conf->node < BENCH_NODE_BOTH ||
	    (conf->node >= 0 && (conf->node >= MAX_NUMNODES ||
				 !node_state(conf->node, N_MEMORY))))
		return -EINVAL;
	for (s = 0; s < conf->nr_sizes; s++)
		if (!conf->sizes[s] || conf->sizes[s] > BENCH_MAX_TEXT)
			return -EINVAL;
	return 0;
}

static ssize_t bench_run_write(struct file *file, const char __user *ubuf,
			       size_t count, loff_t *ppos)
{
	struct bench_conf conf = {
		.test_mask	= READ_ONCE(test_mask),
		.threads	= READ_ONCE(nr_threads),
		.iterations	= READ_ONCE(iterations),
		.poke_iterations = READ_ONCE(poke_iterations),
		.node		= READ_ONCE(nid),
		.nr_sizes	= min_t(unsigned int, READ_ONCE(nr_sizes), BENCH_MAX_SIZES),
	};
	char *buf;
	int err;

	if (count > PAGE_SIZE)
		return -E2BIG;
	memcpy(conf.sizes, sizes, sizeof(conf.sizes));
	buf = memdup_user_nul(ubuf, count);
	if (IS_ERR(buf))
		return PTR_ERR(buf);
	err = bench_parse(buf, &conf);
	kfree(buf);
	if (!err)
		err = bench_check(&conf);
	if (err)
		return err;

	mutex_lock(&bench_mutex);
	bench_result_len = 0;
	bench_result[0] = '\0';
	bench_all(&conf);
	mutex_unlock(&bench_mutex);
	return count;
}

static ssize_t bench_run_read(struct file *file, char __user *ubuf,
			      size_t count, loff_t *ppos)
{
	ssize_t ret;

	mutex_lock(&bench_mutex);
	ret = simple_read_from_buffer(ubuf, count, ppos, bench_result,
				      bench_result_len);
	mutex_unlock(&bench_mutex);
	return ret;
}

static const struct file_operations bench_run_fops = {
	.owner	= THIS_MODULE,
	.read	= bench_run_read,
	.write	= bench_run_write,
	.llseek	= default_llseek,
};

static int __init permcache_bench_init(void)
{
	struct dentry *dir;

	bench_result = kzalloc(BENCH_RESULT_SIZE, GFP_KERNEL);
	if (!bench_result)
		return -ENOMEM;
	dir = debugfs_create_dir("permcache_bench", NULL);
	debugfs_create_file("run", 0600, dir, NULL, &bench_run_fops);
	return 0;
}
late_initcall(permcache_bench_init);
