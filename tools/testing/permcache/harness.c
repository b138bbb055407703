// SPDX-License-Identifier: GPL-2.0-only
/*
 * permcache userspace harness: runs the permcache core (mm/pc_*.c,
 * mm/permcache.c, numa/pc_node.c) on a simulated machine (model_*.c) and
 * checks the invariants of DESIGN.md after every step:
 *
 *  1 no stale access	model_tlb.c, from the ledger's view of what is exposed
 *  2 W^X			mappings and TLB entries; free text reads 0xcc
 *  3 no 4K splits		the direct-map model's split counter
 *  4 secret is secret	no mapping of SECRET pages; handed out zeroed
 *  5 locality		h_alloc_*(): home node unless it could not serve
 *  7 nothing lost		ledger vs chunk walk vs counters vs buddy model
 *  8 good neighbour	text keeps an RO direct map (kcore); a hwpoisoned page
 *			is never zeroed, filled, handed out or freed back
 *
 * (6, memcg and RLIMIT_MEMLOCK accounting, exists only in the kernel.)
 *
 * The ledger is the harness's own record of every live allocation and its
 * expected contents, so a unit handed out twice, or text overwritten by
 * someone else's free, shows up as changed contents.
 *
 * Usage: permcache_harness [--seed N] [--sequences K] [--steps S] [-v]
 *        [--random-only] [--no-misuse] [--no-poison]
 *        [--expect-violation INV]  (mutant builds: pass iff INV is caught)
 */
#include <time.h>
#include <unistd.h>

#include "harness.h"

const char *h_test_name;
unsigned long h_failures;
const char *h_argv0;
struct h_alloc h_led[H_MAX_ALLOCS];
unsigned int h_nr_led;
unsigned long h_expected_warnings;
unsigned long h_seq_seed;
int h_seq_step = -1;

static unsigned long h_warn_base;
static long h_kmalloc_base;
static unsigned int h_fail_printed;
unsigned int h_fail_print_max = 20;
unsigned int h_inv_seen;
static char h_inv_msg[9][1024];
unsigned long h_secret_poison_freed;

void h_fail(const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	const char *inv;
	char msg[1024];

	h_failures++;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	inv = strstr(msg, "invariant ");
	if (inv && inv[10] >= '1' && inv[10] <= '8') {
		int n = inv[10] - '0';

		if (!(h_inv_seen & (1u << n)))
			snprintf(h_inv_msg[n], sizeof(h_inv_msg[n]), "%s", msg);
		h_inv_seen |= 1u << n;
	}
	if (h_fail_printed++ >= h_fail_print_max)
		return;
	printf("FAIL: %s", h_test_name);
	if (h_seq_step >= 0)
		printf(" (seed %lu, step %d; reproduce: --seed %lu --sequences 1)",
		       h_seq_seed, h_seq_step, h_seq_seed);
	printf(": %s:%d: %s\n", file, line, msg);
}

unsigned long h_stat(int item)
{
	struct permcache_stats st;

	permcache_get_stats(NUMA_NO_NODE, &st);
	return st.item[item];
}

void h_default_cfg(struct sim_cfg *cfg, int nodes, int cpus, int regions)
{
	int i, j;

	memset(cfg, 0, sizeof(*cfg));
	cfg->nr_nodes = nodes;
	cfg->nr_cpus = cpus;
	for (i = 0; i < nodes; i++) {
		cfg->regions[i] = regions;
		for (j = 0; j < nodes; j++)
			cfg->distance[i][j] = i == j ? 10 : 20 + 2 * abs(i - j);
	}
}

int h_boot(const struct sim_cfg *cfg, unsigned int prefill)
{
	h_kmalloc_base = shim_kmalloc_live;
	sim_reset(cfg);
	h_nr_led = 0;
	pc_config = (struct pc_config){
		.enable = true, .lazy_flush = true,
		.fallback = PC_FALLBACK_DISTANCE, .prefill = prefill,
		.reserve = 1, .max_idle = 16,
	};
	h_warn_base = shim_warnings;
	h_expected_warnings = 0;
	h_secret_poison_freed = 0;
	return shim_initcall_permcache_init();
}

/* debugfs is not modelled: its files only print what the core returns. */
void pc_debugfs_init(void)
{
}

/* Free what is left, give every chunk back, and check nothing is lost. */

void h_teardown(void)
{
	unsigned int retired = 0;
	int nid, r;

	while (h_nr_led)
		h_free(h_nr_led - 1);
	for (nid = 0; nid < sim.cfg.nr_nodes; nid++)
		if (pc_node(nid))
			pc_node_release_idle(pc_node(nid), 0, UINT_MAX);
	h_check(false);
	for (nid = 0; nid < sim.cfg.nr_nodes; nid++) {
		struct pc_node *pn = pc_node(nid);

		if (!pn)
			continue;
#ifdef PC_HAVE_HWPOISON
		/* Retired chunks stay out of the buddy allocator for good. */
		retired += pc_test_forget_retired(pn);
#endif
		if (pn->nr_chunks)
			H_FAIL("invariant 7: node %d still owns %u chunks after releasing all",
			       nid, pn->nr_chunks);
	}
	for (r = 0; r < sim.nr_regions; r++) {
		if (sim.reg[r].in_buddy)
			continue;
		if (sim_region_poisoned(r) && retired) {
			retired--;
			continue;
		}
		H_FAIL("invariant 7: region %d never returned to the buddy allocator", r);
	}
	if (retired)
		H_FAIL("invariant 7: %u retired chunks without a poisoned page", retired);
	if (pc_test_lookup_entries())
		H_FAIL("invariant 7: %lu lookup entries outlive their chunks",
		       pc_test_lookup_entries());
	pc_test_lookup_reset();
	pc_test_nodes_exit();
	if (shim_kmalloc_live != h_kmalloc_base)
		H_FAIL("invariant 7: %ld kmalloc()ed objects leaked",
		       shim_kmalloc_live - h_kmalloc_base);
}

int h_region_of(struct h_alloc *a)
{
	if (a->cls == PERMCACHE_SECRET)
		return sim_pfn_region(page_to_pfn(a->page));
	return sim_alias_region(a->addr, NULL);
}

/* First fit by words; find_next_*_bit are checked by bitmap_helpers_*. */
static bool h_units_have_run(const struct pc_units *u, unsigned int nr)
{
	unsigned long i = find_next_zero_bit(u->map, u->nr, 0), end;

	while (i < u->nr) {
		end = find_next_bit(u->map, u->nr, i);
		if (end - i >= nr)
			return true;
		i = find_next_zero_bit(u->map, u->nr, end);
	}
	return false;
}

static bool h_chunk_has_poison(const struct pc_chunk *c)
{
	return sim_region_poisoned(sim_pfn_region(pc_chunk_pfn(c)));
}

/*
 * Why node @nid could serve: 0 not, 1 buddy, 2 idle chunk, 3 active chunk,
 * 4 freed SECRET pages to zero; 5 maybe: only through a chunk with a
 * poisoned page, which serves if the units it hands out avoid that page and
 * otherwise retires.
 */
static int h_serve_reason(int nid, int cls, unsigned int nr)
{
	struct pc_node *pn = pc_node(nid);
	struct pc_chunk *c;
	struct page *page;
	unsigned int k;
	int maybe = 0;

	if (!pn)
		return 0;
	if (sim_buddy_free_regions(nid))
		return 1;
	for (k = 0; k < PC_NR_KINDS; k++)
		list_for_each_entry(c, &pn->idle[k], list) {
			if (!h_chunk_has_poison(c))
				return 2;
			maybe = 5;
		}
	list_for_each_entry(c, &pn->active[cls], list) {
		if (!h_units_have_run(&c->units, nr))
			continue;
		if (!h_chunk_has_poison(c))
			return 3;
		maybe = 5;
	}
	/* Freed pages to zero first: room for SECRET, maybe an idle chunk. */
	if (cls == PERMCACHE_SECRET) {
		list_for_each_entry(page, &pn->dirty, lru) {
			if (!sim_region_poisoned(sim_pfn_region(page_to_pfn(page))))
				return 4;
			maybe = 5;
		}
	}
	list_for_each_entry(c, &pn->active[PERMCACHE_SECRET], list) {
		unsigned int n = 0;

		list_for_each_entry(page, &pn->dirty, lru)
			n += page->private == (unsigned long)c;
		if (n && n == c->units.used) {
			if (!h_chunk_has_poison(c))
				return 4;
			maybe = 5;
		}
	}
	return maybe;
}

bool h_can_serve(int nid, int cls, unsigned int nr)
{
	return h_serve_reason(nid, cls, nr);
}

static const char *const h_why[] = { "", "free memory in the buddy allocator",
	"an idle chunk", "room in an active chunk of the class",
	"freed SECRET pages waiting to be zeroed",
	"maybe: only a chunk with a poisoned page" };

/* Chunks the core retired for hwpoison during the allocation being checked. */
static unsigned long h_retired_during;

static const char *h_retired_note(void)
{
	return h_retired_during ? "; the core retired a chunk with a poisoned page during this allocation and gave up on the node" : "";
}

static unsigned long h_hwpoisoned(void)
{
#ifdef PC_HAVE_HWPOISON
	return h_stat(PERMCACHE_STAT_HWPOISONED);
#else
	return 0;
#endif
}

/*
 * Invariant 5: where did it land, and was it allowed to?  A node that can
 * serve only through a chunk with a poisoned page (reason 5) may or may not.
 */
static void h_check_locality(int home, int got, const int *serv,
			     unsigned long remote_delta)
{
	int n, sure = INT_MAX, able = INT_MAX;

	for (n = 0; n < sim.cfg.nr_nodes; n++) {
		if (n == home || !serv[n])
			continue;
		able = min(able, node_distance(home, n));
		if (serv[n] != 5)
			sure = min(sure, node_distance(home, n));
	}
	if (got < 0) {
		if (serv[home] && serv[home] != 5)
			H_FAIL("invariant 5: allocation failed although home node %d could serve it (%s%s)",
			       home, h_why[serv[home]], h_retired_note());
		else if (pc_config.fallback == PC_FALLBACK_DISTANCE && sure != INT_MAX)
			H_FAIL("invariant 5: allocation failed although fallback=distance and a node at distance %d could serve it%s",
			       sure, h_retired_note());
		return;
	}
	if (got != home) {
		if (serv[home] && serv[home] != 5)
			H_FAIL("invariant 5: allocation went to node %d although home node %d could serve it (%s%s)",
			       got, home, h_why[serv[home]], h_retired_note());
		if (pc_config.fallback != PC_FALLBACK_DISTANCE)
			H_FAIL("invariant 5: allocation went to node %d from home %d with fallback=none",
			       got, home);
		if (!serv[got] || node_distance(home, got) > sure ||
		    node_distance(home, got) < able)
			H_FAIL("invariant 5: fallback from node %d went to node %d at distance %d, nearest able is %d%s",
			       home, got, node_distance(home, got), sure,
			       h_retired_note());
	}
	if (remote_delta != (got >= 0 && got != home))
		H_FAIL("invariant 5: alloc_remote moved by %lu for an allocation from node %d on home %d",
		       remote_delta, got, home);
}

static unsigned long h_rand_state = 88172645463325252UL;

static u8 h_rand_byte(void)
{
	h_rand_state ^= h_rand_state << 13;
	h_rand_state ^= h_rand_state >> 7;
	h_rand_state ^= h_rand_state << 17;
	return h_rand_state;
}

static struct h_alloc *h_led_add(void)
{
	if (h_nr_led == H_MAX_ALLOCS) {
		H_FAIL("ledger full");
		return NULL;
	}
	memset(&h_led[h_nr_led], 0, sizeof(h_led[0]));
	return &h_led[h_nr_led++];
}

static int h_home(int nid)
{
	return nid == NUMA_NO_NODE ? numa_mem_id() : nid;
}

static bool h_bytes_are(const u8 *p, size_t len, u8 byte, size_t *bad)
{
	static u8 pat[4096];
	size_t i, n;

	if (pat[0] != byte)
		memset(pat, byte, sizeof(pat));
	for (i = 0; i < len; i += n) {
		n = min(len - i, sizeof(pat));
		if (memcmp(p + i, pat, n))
			break;
	}
	if (i >= len)
		return true;
	for (; i < len; i++) {
		if (p[i] != byte) {
			*bad = i;
			return false;
		}
	}
	return true;
}

int h_alloc_secret(int nid, int cpu)
{
	int serv[SIM_MAX_NODES];
	unsigned long remote;
	struct h_alloc *a;
	struct page *page;
	int n, home, r;
	size_t bad, i;

	sim_set_cpu(cpu);
	home = h_home(nid);
	for (n = 0; n < sim.cfg.nr_nodes; n++)
		serv[n] = h_serve_reason(n, PERMCACHE_SECRET, 1);
	remote = h_stat(PERMCACHE_STAT_ALLOC_REMOTE);
	h_retired_during = h_hwpoisoned();
	page = permcache_alloc_secret(nid, GFP_KERNEL);
	h_retired_during = h_hwpoisoned() - h_retired_during;
	remote = h_stat(PERMCACHE_STAT_ALLOC_REMOTE) - remote;
	if (IS_ERR(page)) {
		if (PTR_ERR(page) != -ENOMEM)
			H_FAIL("permcache_alloc_secret(%d) = %ld", nid, PTR_ERR(page));
		h_check_locality(home, -1, serv, remote);
		return -1;
	}
	r = sim_pfn_region(page_to_pfn(page));
	if (r < 0 || sim.reg[r].in_buddy) {
		H_FAIL("invariant 7: permcache_alloc_secret() returned pfn %#lx it does not own",
		       page_to_pfn(page));
		return -1;
	}
	h_check_locality(home, page_to_nid(page), serv, remote);
	/* Invariants 1, 4: no CPU holds a kernel translation of it any more. */
	sim_check_page_unreachable(page, "SECRET page handed out");
	sim_check_not_poisoned(page, 1, "permcache_alloc_secret() hands out");
	/* A page handed out is an ordinary page, not logically offline. */
	if (PageOffline(page))
		H_FAIL("invariant 8: SECRET page pfn %#lx handed out PageOffline",
		       page_to_pfn(page));
	/* Invariant 4: handed out zeroed. */
	if (!h_bytes_are(sim_page_mem(page), PAGE_SIZE, 0, &bad))
		H_FAIL("invariant 4: SECRET page pfn %#lx handed out with byte %zu = %#x, not zeroed",
		       page_to_pfn(page), bad, sim_page_mem(page)[bad]);
	a = h_led_add();
	if (!a)
		return -1;
	a->cls = PERMCACHE_SECRET;
	a->page = page;
	a->size = PAGE_SIZE;
	a->home = home;
	a->region = r;
	a->units = 1;
	a->want = malloc(PAGE_SIZE);
	/* The user's secret, written through its own (user) mapping. */
	for (i = 0; i < PAGE_SIZE; i++)
		a->want[i] = h_rand_byte() | 1;
	memcpy(sim_page_mem(page), a->want, PAGE_SIZE);
	a->touched = true;
	return a - h_led;
}

int h_alloc_text(int cls, size_t size, int nid, int cpu)
{
	unsigned int nr = DIV_ROUND_UP(size, 64);
	int serv[SIM_MAX_NODES];
	unsigned long remote, off;
	struct h_alloc *a;
	int n, home, r, err;
	size_t bad, i;
	void *p;

	sim_set_cpu(cpu);
	home = h_home(nid);
	for (n = 0; n < sim.cfg.nr_nodes; n++)
		serv[n] = h_serve_reason(n, cls, nr);
	remote = h_stat(PERMCACHE_STAT_ALLOC_REMOTE);
	h_retired_during = h_hwpoisoned();
	p = permcache_alloc_text(cls, size, nid);
	h_retired_during = h_hwpoisoned() - h_retired_during;
	remote = h_stat(PERMCACHE_STAT_ALLOC_REMOTE) - remote;
	if (IS_ERR(p)) {
		if (PTR_ERR(p) != -ENOMEM)
			H_FAIL("permcache_alloc_text(%d, %zu, %d) = %ld", cls, size, nid, PTR_ERR(p));
		h_check_locality(home, -1, serv, remote);
		return -1;
	}
	r = sim_alias_region((unsigned long)p, &off);
	if (r < 0 || sim.reg[r].in_buddy) {
		H_FAIL("permcache_alloc_text() returned %p, not inside a live alias", p);
		return -1;
	}
	if (off % 64 || off + size > SIM_REGION_SIZE)
		H_FAIL("permcache_alloc_text() returned %p: offset %#lx size %zu", p, off, size);
	h_check_locality(home, sim.reg[r].nid, serv, remote);
	sim_check_not_poisoned(pfn_to_page(SIM_PFN_BASE + r * SIM_REGION_PAGES + off / PAGE_SIZE),
			       (off + size - 1) / PAGE_SIZE - off / PAGE_SIZE + 1,
			       "permcache_alloc_text() hands out");
	/* Invariant 2: free text traps, so fresh text reads INT3. */
	if (!h_bytes_are(sim.reg[r].mem + off, size, PC_FILL_TRAP, &bad))
		H_FAIL("invariant 2: new text %p byte %zu = %#x, not 0xcc", p, bad,
		       sim.reg[r].mem[off + bad]);
	a = h_led_add();
	if (!a)
		return -1;
	a->cls = cls;
	a->addr = (unsigned long)p;
	a->size = size;
	a->home = home;
	a->region = r;
	a->units = nr;
	a->want = malloc(size);
	for (i = 0; i < size; i += 8) {
		u64 v;

		h_rand_byte();
		v = h_rand_state;
		memcpy(a->want + i, &v, min(size - i, (size_t)8));
	}
	err = permcache_copy_text(p, a->want, size);
	if (err)
		H_FAIL("permcache_copy_text(%p, %zu) = %d", p, size, err);
	a->touched = true;
	return a - h_led;
}

static u8 *h_mem(struct h_alloc *a)
{
	return a->cls == PERMCACHE_SECRET ? sim_page_mem(a->page) : sim_alias_mem(a->addr);
}

static void h_check_contents(struct h_alloc *a)
{
	u8 *m = h_mem(a);
	size_t i;

	if (!m) {
		H_FAIL("invariant 7: live %s allocation %#lx has no memory behind it",
		       a->cls == PERMCACHE_SECRET ? "SECRET" : "text", a->addr);
		return;
	}
	if (!memcmp(m, a->want, a->size))
		return;
	for (i = 0; m[i] == a->want[i]; i++)
		;
	H_FAIL("invariant 7: contents of live allocation (class %d, %#lx, size %zu) changed at byte %zu: %#x, expected %#x",
	       a->cls, a->cls == PERMCACHE_SECRET ? page_to_pfn(a->page) : a->addr,
	       a->size, i, m[i], a->want[i]);
}

static bool h_run_poisoned(int r, unsigned long off, unsigned long len)
{
	struct page *first = pfn_to_page(SIM_PFN_BASE + r * SIM_REGION_PAGES);
	unsigned long p;

	for (p = off >> PAGE_SHIFT; p <= (off + len - 1) >> PAGE_SHIFT; p++)
		if (shim_page_hwpoison(first + p))
			return true;
	return false;
}

void h_free(int i)
{
	struct h_alloc *a = &h_led[i];
	unsigned long off = 0;
	int err, r = -1;
	size_t bad;

	h_check_contents(a);
	if (a->cls == PERMCACHE_SECRET) {
		/* Counted as freed, never zeroed: the core keeps its unit. */
		h_secret_poison_freed += shim_page_hwpoison(a->page);
		err = permcache_free_secret(a->page);
	} else {
		r = sim_alias_region(a->addr, &off);
		err = permcache_free_text((void *)a->addr, a->size);
	}
	if (err)
		H_FAIL("free of a live allocation (class %d, size %zu) = %d", a->cls, a->size, err);
	/* A run on a poisoned page is never written: its chunk retires. */
	if (!err && r >= 0 && !h_run_poisoned(r, off, a->units * 64UL) &&
	    !h_bytes_are(sim.reg[r].mem + off, a->units * 64UL,
			 PC_FILL_TRAP, &bad))
		H_FAIL("invariant 2: freed text %#lx byte %zu = %#x, not 0xcc",
		       a->addr, bad, sim.reg[r].mem[off + bad]);
	free(a->want);
	*a = h_led[--h_nr_led];
}

#ifdef PC_HAVE_HWPOISON
#define H_NR_LISTS		(2 * PC_NR_KINDS)
static bool h_chunk_poisoned(const struct pc_chunk *c)
{
	return c->poisoned;
}
#else
#define H_NR_LISTS		(2 * PC_NR_KINDS - 1)
static bool h_chunk_poisoned(const struct pc_chunk *c)
{
	return false;
}
#endif

/* Retired chunks (hwpoison) that are not text: out of the direct map. */
static unsigned int h_retired_unmapped(void)
{
	unsigned int n = 0;
	struct pc_chunk *c;
	int nid;

	for (nid = 0; nid < SIM_MAX_NODES; nid++) {
		struct pc_node *pn = pc_node(nid);

		if (!pn)
			continue;
		list_for_each_entry(c, &pn->retired, list)
			n += c->cls != PERMCACHE_RO && c->cls != PERMCACHE_ROX;
	}
	return n;
}

/*
 * A hibernation attempt (invariant 8): the PM notifier must refuse while a
 * SECRET page is in use, and otherwise leave nothing that the snapshot
 * would split the direct map for.  Returns the notifier's errno.
 */
int h_hibernate(void)
{
	struct notifier_block *nb = shim_pm_notifier;
	unsigned int i, secret = 0, retired;
	int err;

	if (!nb) {
		H_FAIL("no PM notifier registered");
		return -ENODEV;
	}
	for (i = 0; i < h_nr_led; i++)
		secret += h_led[i].cls == PERMCACHE_SECRET;
	err = notifier_to_errno(nb->notifier_call(nb, PM_HIBERNATION_PREPARE, NULL));
	/* A retired chunk out of the direct map refuses too (pc_neighbour.c). */
	retired = h_retired_unmapped();
	if (!err && secret)
		H_FAIL("invariant 8: hibernation allowed while %u SECRET pages are in use: their bytes go into the image",
		       secret);
	if (err && !secret && !retired)
		H_FAIL("invariant 8: hibernation refused (%d) with no SECRET page in use and no retired chunk out of the direct map",
		       err);
	if (!err)
		sim_hibernation_snapshot();
	nb->notifier_call(nb, PM_POST_HIBERNATION, NULL);
	return err;
}

/* Free units of a text chunk must trap (invariant 2). */
static void h_check_free_text(struct pc_chunk *c, int r)
{
	const struct pc_units *u = &c->units;
	unsigned long i = find_next_zero_bit(u->map, u->nr, 0), end;
	size_t bad;

	/*
	 * A retired chunk hands nothing out again, and a run freed on a
	 * poisoned page is not written (a machine check): its units may hold
	 * anything.
	 */
	if (c->poisoned)
		return;
	while (i < u->nr) {
		end = find_next_bit(u->map, u->nr, i);
		if (!h_bytes_are(sim.reg[r].mem + i * 64, (end - i) * 64,
				 PC_FILL_TRAP, &bad)) {
			H_FAIL("invariant 2: free unit %lu of %s chunk (region %d) holds %#x, not 0xcc",
			       i + bad / 64, c->cls == PERMCACHE_RO ? "RO" : "ROX", r,
			       sim.reg[r].mem[i * 64 + bad]);
			return;
		}
		i = find_next_zero_bit(u->map, u->nr, end);
	}
}

bool h_check(bool full)
{
	static const char *const kind[] = { "SECRET", "RO", "ROX", "CLEAN" };
	unsigned long fails = h_failures, units[PERMCACHE_NR_CLASSES] = { 0 };
	unsigned long live[2] = { 0 }, chunks = 0, nr[PC_NR_KINDS] = { 0 }, dirty = 0;
	unsigned long retired = 0, dirty_poisoned = 0;
	unsigned int led_units[SIM_MAX_REGIONS] = { 0 };
	int exposed[SIM_MAX_REGIONS], owner[SIM_MAX_REGIONS];
	struct permcache_stats st;
	unsigned int i, k;
	int r, nid, buddy = 0;

	if (shim_lock_errors)
		H_FAIL("%lu lock errors (see LOCK ERROR lines)", shim_lock_errors);
	if (shim_locks_held)
		H_FAIL("%d spinlocks still held between operations", shim_locks_held);
	if (shim_warnings - h_warn_base != h_expected_warnings)
		H_FAIL("%lu WARNs, expected %lu", shim_warnings - h_warn_base,
		       h_expected_warnings);
	shim_lock_errors = 0;
	h_warn_base = shim_warnings - h_expected_warnings;

	for (r = 0; r < sim.nr_regions; r++) {
		exposed[r] = sim.reg[r].in_buddy ? -2 : -1;
		owner[r] = 0;
		buddy += sim.reg[r].in_buddy;
	}
	/* What the ledger says is exposed, and under which class. */
	for (i = 0; i < h_nr_led; i++) {
		struct h_alloc *a = &h_led[i];

		r = h_region_of(a);
		if (r != a->region) {
			H_FAIL("invariant 7: live allocation %u moved from region %d to %d",
			       i, a->region, r);
			continue;
		}
		if (exposed[r] == -2)
			H_FAIL("invariant 7: live allocation %u is in region %d, which is in the buddy allocator",
			       i, r);
		else if (exposed[r] >= 0 && exposed[r] != a->cls)
			H_FAIL("invariant 1: region %d serves %s and %s at once", r,
			       kind[exposed[r]], kind[a->cls]);
		exposed[r] = a->cls;
		led_units[r] += a->units;
		units[a->cls] += a->units;
		live[a->cls != PERMCACHE_SECRET]++;
		if (full || a->touched)
			h_check_contents(a);
		a->touched = false;
	}
	/* Freed SECRET pages waiting to be zeroed keep their units in use. */
	for (nid = 0; nid < sim.cfg.nr_nodes; nid++) {
		struct pc_node *pn = pc_node(nid);
		unsigned int n = 0;
		struct page *page;

		if (!pn)
			continue;
		list_for_each_entry(page, &pn->dirty, lru) {
			struct pc_chunk *c = (struct pc_chunk *)page->private;

			n++;
			r = sim_pfn_region(page_to_pfn(page));
			if (r < 0 || !c || c->nid != nid ||
			    page_to_pfn(page) - pc_chunk_pfn(c) >= PC_CHUNK_PAGES) {
				H_FAIL("invariant 7: dirty page pfn %#lx of node %d has no chunk of its own",
				       page_to_pfn(page), nid);
				continue;
			}
			if (exposed[r] == -2)
				H_FAIL("invariant 7: dirty page of region %d, which is in the buddy allocator", r);
			else if (exposed[r] >= 0 && exposed[r] != PERMCACHE_SECRET)
				H_FAIL("invariant 1: region %d serves %s and has a dirty SECRET page",
				       r, kind[exposed[r]]);
			exposed[r] = PERMCACHE_SECRET;
			led_units[r]++;
			units[PERMCACHE_SECRET]++;
			dirty++;
			dirty_poisoned += shim_page_hwpoison(page);
		}
		if (n != pn->nr_dirty)
			H_FAIL("invariant 7: node %d counts %u dirty pages, its list %u",
			       nid, pn->nr_dirty, n);
	}
	sim_check_tlb(exposed);

	/* Walk the node caches. */
	for (nid = 0; nid < sim.cfg.nr_nodes; nid++) {
		struct pc_node *pn = pc_node(nid);
		unsigned int n_idle = 0, n_all = 0, n_retired = 0;
		struct pc_chunk *c;

		if (!pn) {
			H_FAIL("node %d has no cache", nid);
			continue;
		}
		if (pn->lock.held)
			H_FAIL("node %d lock held between operations", nid);
		for (k = 0; k < H_NR_LISTS; k++) {
			bool idle = k < PC_NR_KINDS, ret = k == 2 * PC_NR_KINDS - 1;
			unsigned int cls = idle ? k : k - PC_NR_KINDS;
			struct list_head *head = idle ? &pn->idle[cls] : &pn->active[cls];

#ifdef PC_HAVE_HWPOISON
			if (ret)
				head = &pn->retired;
#endif
			list_for_each_entry(c, head, list) {
				if (ret)
					cls = c->cls;
				r = sim_pfn_region(page_to_pfn(c->page));
				n_all++;
				n_retired += ret;
				n_idle += idle;
				nr[cls]++;
				if (r < 0 || page_to_pfn(c->page) % SIM_REGION_PAGES) {
					H_FAIL("invariant 7: chunk with bad page pfn %#lx",
					       page_to_pfn(c->page));
					continue;
				}
				if (owner[r]++)
					H_FAIL("invariant 7: region %d is on two lists", r);
				if (sim.reg[r].in_buddy)
					H_FAIL("invariant 7: chunk of region %d is in the buddy allocator", r);
				if (c->nid != nid || sim.reg[r].nid != nid)
					H_FAIL("invariant 5: chunk of region %d (node %d, c->nid %d) on node %d's lists",
					       r, sim.reg[r].nid, c->nid, nid);
				if (c->busy || c->dead)
					H_FAIL("chunk of region %d busy %d dead %d on a list",
					       r, c->busy, c->dead);
				if (h_chunk_poisoned(c) != ret)
					H_FAIL("chunk of region %d %s retired but on the %s list",
					       r, ret ? "not" : "", ret ? "retired" : idle ? "idle" : "active");
				if (ret) {
					/* Invariant 8: out of service for a poisoned page. */
					if (!sim_region_poisoned(r))
						H_FAIL("invariant 8: chunk of region %d retired without a poisoned page", r);
					if (c->units.used < led_units[r])
						H_FAIL("invariant 7: retired chunk of region %d has %u units used, the ledger %u",
						       r, c->units.used, led_units[r]);
					if (cls < PERMCACHE_NR_CLASSES)
						units[cls] += c->units.used - led_units[r];
					led_units[r] = c->units.used;
				}
				if (c->cls != cls)
					H_FAIL("chunk of region %d class %s on the %s %s list",
					       r, kind[c->cls], idle ? "idle" : "active", kind[cls]);
				if (!ret && (idle ? c->units.used != 0 : c->units.used == 0))
					H_FAIL("chunk of region %d with %u units used on the %s %s list",
					       r, c->units.used, idle ? "idle" : "active", kind[cls]);
				if (c->units.used != bitmap_weight(c->units.map, PC_MAX_UNITS))
					H_FAIL("chunk of region %d: used %u but %u bits set",
					       r, c->units.used, bitmap_weight(c->units.map, PC_MAX_UNITS));
				if (c->units.used != led_units[r])
					H_FAIL("invariant 7: chunk of region %d has %u units used, the ledger %u",
					       r, c->units.used, led_units[r]);
				if (c->alias != sim.reg[r].alias)
					H_FAIL("chunk of region %d alias %#lx, the model's %#lx",
					       r, c->alias, sim.reg[r].alias);
				if (c->alias && pc_chunk_lookup_alias(c->alias) != c)
					H_FAIL("chunk of region %d: alias lookup fails", r);
				if (pc_chunk_lookup_pfn(page_to_pfn(c->page)) != c)
					H_FAIL("chunk of region %d: pfn lookup fails", r);
				if (c->alias && cls != PERMCACHE_RO && cls != PERMCACHE_ROX)
					H_FAIL("invariant 2: %s chunk of region %d has an alias",
					       kind[cls], r);
				if (full && (cls == PERMCACHE_RO || cls == PERMCACHE_ROX))
					h_check_free_text(c, r);
			}
		}
		if (n_all != pn->nr_chunks || n_idle != pn->nr_idle)
			H_FAIL("invariant 7: node %d counts %u chunks / %u idle, the lists %u / %u",
			       nid, pn->nr_chunks, pn->nr_idle, n_all, n_idle);
#ifdef PC_HAVE_HWPOISON
		if (n_retired != pn->nr_retired)
			H_FAIL("invariant 7: node %d counts %u retired chunks, its list %u",
			       nid, pn->nr_retired, n_retired);
#endif
		chunks += n_all;
		retired += n_retired;
	}
	for (r = 0; r < sim.nr_regions; r++)
		if (!sim.reg[r].in_buddy && !owner[r])
			H_FAIL("invariant 7: region %d left the buddy allocator but is on no list", r);
	if (pc_test_stale_alias_entries())
		H_FAIL("invariant 7: %lu alias lookups lead to chunks without that alias",
		       pc_test_stale_alias_entries());

	/* Counters against the walk, the ledger and the models. */
	permcache_get_stats(NUMA_NO_NODE, &st);
#define ST(x)	st.item[PERMCACHE_STAT_##x]
	if (ST(ALLOC_SECRET) - ST(FREE_SECRET) != live[0])
		H_FAIL("invariant 7: alloc_secret %lu - free_secret %lu != %lu live",
		       ST(ALLOC_SECRET), ST(FREE_SECRET), live[0]);
	/* Poisoned pages freed and no longer dirty were never zeroed. */
	if (ST(FREE_SECRET) != ST(SECRET_ZEROED) + dirty + h_secret_poison_freed - dirty_poisoned ||
	    st.zero_pending != dirty)
		H_FAIL("invariant 7: free_secret %lu != secret_zeroed %lu + %lu dirty (zero_pending %lu) + %lu poisoned, not zeroed",
		       ST(FREE_SECRET), ST(SECRET_ZEROED), dirty, st.zero_pending,
		       h_secret_poison_freed - dirty_poisoned);
#ifdef PC_HAVE_HWPOISON
	if (ST(HWPOISONED) != retired || st.retired != retired)
		H_FAIL("invariant 7: hwpoisoned %lu, stats retired %lu, the walk %lu retired chunks",
		       ST(HWPOISONED), st.retired, retired);
#endif
	if (ST(ALLOC_TEXT) - ST(FREE_TEXT) != live[1])
		H_FAIL("invariant 7: alloc_text %lu - free_text %lu != %lu live",
		       ST(ALLOC_TEXT), ST(FREE_TEXT), live[1]);
	if (ST(CHUNKS_ACQUIRED) - ST(CHUNKS_RELEASED) != chunks)
		H_FAIL("invariant 7: chunks_acquired %lu - chunks_released %lu != %lu owned",
		       ST(CHUNKS_ACQUIRED), ST(CHUNKS_RELEASED), chunks);
	if (buddy + chunks != (unsigned long)sim.nr_regions)
		H_FAIL("invariant 7: %d regions in the buddy + %lu in chunks != %d",
		       buddy, chunks, sim.nr_regions);
	if (ST(FLUSHES) != sim.flushes)
		H_FAIL("invariant 7: flushes counter %lu, the TLB model saw %lu",
		       ST(FLUSHES), sim.flushes);
	for (k = 0; k < PC_NR_KINDS; k++)
		if (st.chunks[k] != nr[k])
			H_FAIL("invariant 7: stats chunks[%s] = %lu, the walk %lu",
			       kind[k], st.chunks[k], nr[k]);
	for (k = 0; k < PERMCACHE_NR_CLASSES; k++)
		if (st.units_used[k] != units[k])
			H_FAIL("invariant 7: stats units_used[%s] = %lu, the ledger %lu",
			       kind[k], st.units_used[k], units[k]);
#undef ST
	if (sim.violations) {
		H_FAIL("%s", sim.first_violation);
		sim.violations = 0;
	}
	return h_failures == fails;
}

/* ---- mutants are separate binaries; a test case runs each ---- */

static void h_run_mutant(const char *name, int inv)
{
	char path[4096], cmd[4400], *slash;
	int status;

	snprintf(path, sizeof(path), "%s", h_argv0);
	slash = strrchr(path, '/');
	snprintf(slash ? slash + 1 : path, sizeof(path) - (slash ? slash + 1 - path : 0),
		 "%s", name);
	if (access(path, X_OK)) {
		H_FAIL("mutant binary %s missing (make builds it)", path);
		return;
	}
	snprintf(cmd, sizeof(cmd), "'%s' --sequences 300 --steps 120 --expect-violation %d", path, inv);
	fflush(stdout);
	status = system(cmd);
	if (status != 0)
		H_FAIL("mutant %s was NOT caught (invariant %d expected; status %d)",
		       name, inv, status);
}

static void mutant_lazy_flush_rule_skips_flush_is_caught(void)
{
	h_run_mutant("permcache_mutant_flush", 1);
}

static void mutant_secret_not_zeroed_is_caught(void)
{
	h_run_mutant("permcache_mutant_fill", 4);
}

static void mutant_class_change_without_flush_is_caught(void)
{
	h_run_mutant("permcache_mutant_sync", 1);
}

/* Temporary mappings in init_mm: other CPUs keep them (the old scheme). */
static void mutant_temp_mappings_in_init_mm_are_caught(void)
{
	h_run_mutant("permcache_mutant_initmm", 4);
}

/* Text chunks keep a writable direct map: W^X across aliases. */
static void mutant_text_direct_map_rw_is_caught(void)
{
	h_run_mutant("permcache_mutant_rwtext", 2);
}

/* Text that becomes SECRET keeps its read-only direct map. */
static void mutant_secret_keeps_ro_direct_map_is_caught(void)
{
	h_run_mutant("permcache_mutant_keepro", 4);
}

/* The core does not see PG_hwpoison. */
static void mutant_core_blind_to_hwpoison_is_caught(void)
{
	h_run_mutant("permcache_mutant_poison", 8);
}

static const struct h_test h_mutant_tests[] = {
	{ "mutant_temp_mappings_in_init_mm_are_caught", mutant_temp_mappings_in_init_mm_are_caught },
	{ "mutant_text_direct_map_rw_is_caught", mutant_text_direct_map_rw_is_caught },
	{ "mutant_secret_keeps_ro_direct_map_is_caught", mutant_secret_keeps_ro_direct_map_is_caught },
	{ "mutant_core_blind_to_hwpoison_is_caught", mutant_core_blind_to_hwpoison_is_caught },
	{ "mutant_lazy_flush_rule_skips_flush_is_caught", mutant_lazy_flush_rule_skips_flush_is_caught },
	{ "mutant_secret_not_zeroed_is_caught", mutant_secret_not_zeroed_is_caught },
	{ "mutant_class_change_without_flush_is_caught", mutant_class_change_without_flush_is_caught },
};

static unsigned int h_passed, h_failed;

static void h_run_case(const char *name, void (*fn)(void))
{
	h_test_name = name;
	h_failures = 0;
	h_fail_printed = 0;
	h_seq_step = -1;
	fn();
	if (h_failures) {
		h_failed++;
		printf("not ok %s\n", name);
	} else {
		h_passed++;
		printf("ok %s\n", name);
	}
}

static struct h_rand_opts h_opts = { .sequences = 1000, .steps = 60 };
static bool h_seed_given;

static void random_sequences(void)
{
	int caught;

	shim_quiet = true;		/* one prefill line per sequence */

	if (h_run_random(&h_opts, &caught))
		H_FAIL("randomized sequences failed (see above)");
}

int main(int argc, char **argv)
{
	bool only_random = false;
	unsigned int i;
	int caught = 0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	h_argv0 = argv[0];
	h_opts.seed = (unsigned long)getpid() * 2654435761UL ^ (unsigned long)time(NULL);
	for (i = 1; i < (unsigned int)argc; i++) {
		if (!strcmp(argv[i], "--seed") && i + 1 < (unsigned int)argc) {
			h_opts.seed = strtoul(argv[++i], NULL, 0);
			h_seed_given = true;
		} else if (!strcmp(argv[i], "--sequences") && i + 1 < (unsigned int)argc) {
			h_opts.sequences = strtoul(argv[++i], NULL, 0);
		} else if (!strcmp(argv[i], "--steps") && i + 1 < (unsigned int)argc) {
			h_opts.steps = strtoul(argv[++i], NULL, 0);
		} else if (!strcmp(argv[i], "--expect-violation") && i + 1 < (unsigned int)argc) {
			h_opts.expect_violation = atoi(argv[++i]);
		} else if (!strcmp(argv[i], "--no-misuse")) {
			h_opts.no_misuse = true;
		} else if (!strcmp(argv[i], "--no-poison")) {
			h_opts.no_poison = true;
		} else if (!strcmp(argv[i], "--random-only")) {
			only_random = true;
		} else if (!strcmp(argv[i], "-v")) {
			h_opts.verbose = true;
		} else {
			fprintf(stderr, "usage: %s [--seed N] [--sequences K] [--steps S] [--random-only] [--no-misuse] [--no-poison] [--expect-violation INV] [-v]\n",
				argv[0]);
			return 2;
		}
	}
	if (h_seed_given && h_opts.sequences == 1000)
		only_random = true, h_opts.sequences = 1;

	/* A mutant build: pass iff the expected invariant is reported. */
	if (h_opts.expect_violation) {
		h_test_name = "mutant";
		shim_quiet = true;
		shim_warn_quiet = true;
		h_fail_print_max = 0;
		h_run_random(&h_opts, &caught);
		if (caught == h_opts.expect_violation) {
			printf("mutant caught (invariant %d): %s\n", caught,
			       h_inv_msg[caught]);
			return 0;
		}
		printf("mutant NOT caught: invariant %d never reported\n",
		       h_opts.expect_violation);
		return 1;
	}

	if (!only_random) {
		for (i = 0; i < h_nr_unit_tests; i++)
			h_run_case(h_unit_tests[i].name, h_unit_tests[i].fn);
		for (i = 0; i < h_nr_api_tests; i++)
			h_run_case(h_api_tests[i].name, h_api_tests[i].fn);
	}
	h_run_case("random_sequences", random_sequences);
	if (!only_random)
		for (i = 0; i < ARRAY_SIZE(h_mutant_tests); i++)
			h_run_case(h_mutant_tests[i].name, h_mutant_tests[i].fn);
	printf("harness: %u passed, %u failed\n", h_passed, h_failed);
	return h_failed ? 1 : 0;
}
