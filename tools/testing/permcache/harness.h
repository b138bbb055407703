/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * permcache userspace harness: test registry, the ledger of live
 * allocations, the invariant checker and the boot/teardown of a simulated
 * machine with the permcache core on it.
 */
#ifndef _PC_HARNESS_H
#define _PC_HARNESS_H

#include "model.h"
#include "../../../mm/pc_internal.h"

extern unsigned long shim_lock_errors;

/* ---- test cases ---- */
struct h_test {
	const char *name;
	void (*fn)(void);
};

extern const char *h_test_name;
extern unsigned long h_failures;	/* of the current case */
extern const char *h_argv0;
extern unsigned int h_inv_seen;		/* bit N: invariant N reported */
extern unsigned int h_fail_print_max;
void h_fail(const char *file, int line, const char *fmt, ...) __printf(3, 4);
#define H_FAIL(fmt, ...)	h_fail(__FILE__, __LINE__, fmt, ##__VA_ARGS__)
#define H_EXPECT(c, fmt, ...) do {					\
	if (!(c))							\
		H_FAIL("expected %s: " fmt, #c, ##__VA_ARGS__);		\
} while (0)
#define H_EQ(a, b) do {							\
	long __a = (long)(a), __b = (long)(b);				\
	if (__a != __b)							\
		H_FAIL("%s == %ld, expected %s == %ld", #a, __a, #b, __b); \
} while (0)

extern const struct h_test h_unit_tests[], h_api_tests[];
extern const unsigned int h_nr_unit_tests, h_nr_api_tests;

/* ---- the ledger: what the harness believes is allocated ---- */
struct h_alloc {
	int cls;
	struct page *page;		/* SECRET */
	unsigned long addr;		/* RO/ROX */
	size_t size;
	int home;
	int region;
	unsigned int units;
	u8 *want;			/* expected contents */
	bool touched;
};

#define H_MAX_ALLOCS	4096
extern struct h_alloc h_led[H_MAX_ALLOCS];
extern unsigned int h_nr_led;

/* ---- machine and core ---- */
void h_default_cfg(struct sim_cfg *cfg, int nodes, int cpus, int regions);
int h_boot(const struct sim_cfg *cfg, unsigned int prefill);
void h_teardown(void);

/* API wrappers that keep the ledger and check effects; return ledger index. */
int h_alloc_secret(int nid, int cpu);
int h_alloc_text(int cls, size_t size, int nid, int cpu);
void h_free(int i);
bool h_can_serve(int nid, int cls, unsigned int nr);
int h_hibernate(void);
int h_region_of(struct h_alloc *a);
unsigned long h_stat(int item);

/* The invariant checker: after every step.  full: also scan all memory. */
extern unsigned long h_expected_warnings;
/* SECRET pages freed while hwpoisoned: counted in free_secret, never zeroed. */
extern unsigned long h_secret_poison_freed;
bool h_check(bool full);
extern unsigned long h_seq_seed;
extern int h_seq_step;

/* The randomized sequences; return failures. */
struct h_rand_opts {
	unsigned long seed;
	unsigned int sequences;
	unsigned int steps;
	int expect_violation;		/* mutants: invariant to be caught */
	bool verbose;
	bool no_misuse;			/* skip the bad-free operation */
	bool no_poison;			/* skip the hwpoison operation */
};
unsigned int h_run_random(const struct h_rand_opts *o, int *caught_inv);

/* Provided by the glue files. */
void pc_test_nodes_exit(void);
unsigned long pc_test_lookup_entries(void);
unsigned long pc_test_stale_alias_entries(void);
void pc_test_lookup_reset(void);
unsigned int pc_test_forget_retired(struct pc_node *pn);
extern int (*shim_initcall_permcache_init)(void);

#endif
