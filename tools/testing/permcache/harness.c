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
 *
 * (6, memcg and RLIMIT_MEMLOCK accounting, exists only in the kernel.)
 *
 * The ledger is the harness's own record of every live allocation and its
 * expected contents, so a unit handed out twice, or text overwritten by
 * someone else's free, shows up as changed contents.
 *
 * Usage: permcache_harness [--seed N] [--sequences K] [--steps S] [-v]
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
static char h_inv_msg[8][1024];

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
	if (inv && inv[10] >= '1' && inv[10] <= '7') {
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
	return shim_initcall_permcache_init();
}

/* debugfs is not modelled: its files only print what the core returns. */
void pc_debugfs_init(void)
{
}

/* Free what is left, give every chunk back, and check nothing is lost. */

void h_teardown(void)
{
	int nid, r;

	while (h_nr_led)
		h_free(h_nr_led - 1);
	for (nid = 0; nid < sim.cfg.nr_nodes; nid++) {
		struct pc_node *pn = pc_node(nid);

		if (!pn)
			continue;
		pc_node_release_idle(pn, 0, UINT_MAX);
		if (pn->nr_chunks)
			H_FAIL("invariant 7: node %d still owns %u chunks after releasing all",
			       nid, pn->nr_chunks);
	}
	h_check(false);
	for (r = 0; r < sim.nr_regions; r++)
		if (!sim.reg[r].in_buddy)
			H_FAIL("invariant 7: region %d never returned to the buddy allocator", r);
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

/* Why node @nid could serve: 0 not, 1 buddy, 2 idle chunk, 3 active chunk. */
static int h_serve_reason(int nid, int cls, unsigned int nr)
{
	struct pc_node *pn = pc_node(nid);
	struct pc_chunk *c;

	if (!pn)
		return 0;
	if (sim_buddy_free_regions(nid))
		return 1;
	if (pn->nr_idle)
		return 2;
	list_for_each_entry(c, &pn->active[cls], list)
		if (h_units_have_run(&c->units, nr))
			return 3;
	/* Freed pages to zero first: room for SECRET, maybe an idle chunk. */
	if (pn->nr_dirty && cls == PERMCACHE_SECRET)
		return 4;
	list_for_each_entry(c, &pn->active[PERMCACHE_SECRET], list) {
		struct page *page;
		unsigned int n = 0;

		list_for_each_entry(page, &pn->dirty, lru)
			n += page->private == (unsigned long)c;
		if (n && n == c->units.used)
			return 4;
	}
	return 0;
}

bool h_can_serve(int nid, int cls, unsigned int nr)
{
	return h_serve_reason(nid, cls, nr);
}

static const char *const h_why[] = { "", "free memory in the buddy allocator",
	"an idle chunk", "room in an active chunk of the class",
	"freed SECRET pages waiting to be zeroed" };

/* Invariant 5: where did it land, and was it allowed to? */
static void h_check_locality(int home, int got, const int *serv,
			     unsigned long remote_delta)
{
	int n, best = INT_MAX;

	for (n = 0; n < sim.cfg.nr_nodes; n++)
		if (n != home && serv[n])
			best = min(best, node_distance(home, n));
	if (got < 0) {
		if (serv[home])
			H_FAIL("invariant 5: allocation failed although home node %d could serve it (%s)",
			       home, h_why[serv[home]]);
		else if (pc_config.fallback == PC_FALLBACK_DISTANCE && best != INT_MAX)
			H_FAIL("invariant 5: allocation failed although fallback=distance and a node at distance %d could serve it",
			       best);
		return;
	}
	if (got != home) {
		if (serv[home])
			H_FAIL("invariant 5: allocation went to node %d although home node %d could serve it (%s)",
			       got, home, h_why[serv[home]]);
		if (pc_config.fallback != PC_FALLBACK_DISTANCE)
			H_FAIL("invariant 5: allocation went to node %d from home %d with fallback=none",
			       got, home);
		if (node_distance(home, got) != best)
			H_FAIL("invariant 5: fallback from node %d went to node %d at distance %d, nearest able is %d",
			       home, got, node_distance(home, got), best);
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
	page = permcache_alloc_secret(nid, GFP_KERNEL);
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
	p = permcache_alloc_text(cls, size, nid);
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

void h_free(int i)
{
	struct h_alloc *a = &h_led[i];
	unsigned long off = 0;
	int err, r = -1;
	size_t bad;

	h_check_contents(a);
	if (a->cls == PERMCACHE_SECRET) {
		err = permcache_free_secret(a->page);
	} else {
		r = sim_alias_region(a->addr, &off);
		err = permcache_free_text((void *)a->addr, a->size);
	}
	if (err)
		H_FAIL("free of a live allocation (class %d, size %zu) = %d", a->cls, a->size, err);
	if (!err && r >= 0 && !h_bytes_are(sim.reg[r].mem + off, a->units * 64UL,
					   PC_FILL_TRAP, &bad))
		H_FAIL("invariant 2: freed text %#lx byte %zu = %#x, not 0xcc",
		       a->addr, bad, sim.reg[r].mem[off + bad]);
	free(a->want);
	*a = h_led[--h_nr_led];
}

/* Free units of a text chunk must trap (invariant 2). */
static void h_check_free_text(struct pc_chunk *c, int r)
{
	const struct pc_units *u = &c->units;
	unsigned long i = find_next_zero_bit(u->map, u->nr, 0), end;
	size_t bad;

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
		}
		if (n != pn->nr_dirty)
			H_FAIL("invariant 7: node %d counts %u dirty pages, its list %u",
			       nid, pn->nr_dirty, n);
	}
	sim_check_tlb(exposed);

	/* Walk the node caches. */
	for (nid = 0; nid < sim.cfg.nr_nodes; nid++) {
		struct pc_node *pn = pc_node(nid);
		unsigned int n_idle = 0, n_all = 0;
		struct pc_chunk *c;

		if (!pn) {
			H_FAIL("node %d has no cache", nid);
			continue;
		}
		if (pn->lock.held)
			H_FAIL("node %d lock held between operations", nid);
		for (k = 0; k < 2 * PC_NR_KINDS - 1; k++) {
			bool idle = k < PC_NR_KINDS;
			unsigned int cls = idle ? k : k - PC_NR_KINDS;
			struct list_head *head = idle ? &pn->idle[cls] : &pn->active[cls];

			list_for_each_entry(c, head, list) {
				r = sim_pfn_region(page_to_pfn(c->page));
				n_all++;
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
				if (c->cls != cls)
					H_FAIL("chunk of region %d class %s on the %s %s list",
					       r, kind[c->cls], idle ? "idle" : "active", kind[cls]);
				if (idle ? c->units.used != 0 : c->units.used == 0)
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
		chunks += n_all;
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
	if (ST(FREE_SECRET) != ST(SECRET_ZEROED) + dirty || st.zero_pending != dirty)
		H_FAIL("invariant 7: free_secret %lu != secret_zeroed %lu + %lu dirty (zero_pending %lu)",
		       ST(FREE_SECRET), ST(SECRET_ZEROED), dirty, st.zero_pending);
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

static const struct h_test h_mutant_tests[] = {
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
		} else if (!strcmp(argv[i], "--random-only")) {
			only_random = true;
		} else if (!strcmp(argv[i], "-v")) {
			h_opts.verbose = true;
		} else {
			fprintf(stderr, "usage: %s [--seed N] [--sequences K] [--steps S] [--random-only] [--no-misuse] [--expect-violation INV] [-v]\n",
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
