// SPDX-License-Identifier: GPL-2.0-only
/*
 * permcache flush generations: how a chunk that dropped a mapping learns
 * whether the kernel TLB flush it needs has already happened.
 *
 * Every kernel TLB flush permcache issues flushes every CPU entirely (on x86
 * any flush of 2 MiB or more is a full flush anyway).  Two counters order
 * them:
 *
 *	started: bumped just before a flush is issued;
 *	done:    the highest started value whose flush has completed.
 *
 * A thread that cleared a mapping reads started and records need = started + 1
 * in the chunk: the first flush to start after the mapping was gone.  Once
 * done >= need, no CPU can still hold a translation through that mapping
 * (invariant 1 of Documentation/mm/permcache.rst) and the memory may be
 * exposed under another class or returned, with no flush of its own.  This
 * is what makes flushes lazy: a chunk that waits long enough rides on a flush
 * somebody else issued, and several chunks released together share one.
 *
 * Flushes may complete out of order; done only moves forward, and a flush
 * numbered g started after every mapping whose need is <= g was cleared, so a
 * later flush completing first covers the earlier ones too.
 *
 * Locking: none.  The counters are atomic; callers must not hold a spinlock
 * with interrupts disabled across pc_flush_now() (it waits for IPIs).
 */

#include <linux/atomic.h>

#include "pc_internal.h"

static atomic_long_t pc_gen_started = ATOMIC_LONG_INIT(0);
static atomic_long_t pc_gen_done = ATOMIC_LONG_INIT(0);

/**
 * pc_flush_gen_need() - the generation a just-cleared mapping waits for
 *
 * Call after the page-table entry is cleared.
 *
 * Context: Any context.
 * Return: the generation that must complete before the memory behind the
 * cleared mapping may be reused.
 */
unsigned long pc_flush_gen_need(void)
{
	/* Order the cleared entry before the read of started. */
	smp_mb();
	return atomic_long_read(&pc_gen_started) + 1;
}

/**
 * pc_flush_gen_done() - has generation @need completed?
 * @need: a value from pc_flush_gen_need(), or 0 for nothing pending.
 *
 * Context: Any context.
 * Return: true if no CPU can hold a translation cleared before @need was
 * taken.
 */
bool pc_flush_gen_done(unsigned long need)
{
	return !need || atomic_long_read(&pc_gen_done) - need < LONG_MAX;
}

/**
 * pc_flush_now() - flush the kernel TLB of every CPU and advance done
 * @pn: node to charge the flush to.
 *
 * Context: Process context, interrupts enabled.
 */
void pc_flush_now(struct pc_node *pn)
{
	long gen = atomic_long_inc_return(&pc_gen_started);
	long done = atomic_long_read(&pc_gen_done);

	pc_arch_flush_kernel_tlb();
	pc_stat_inc(pn, PERMCACHE_STAT_FLUSHES);

	/* done = max(done, gen) */
	while (done - gen < 0) {
		long old = atomic_long_cmpxchg(&pc_gen_done, done, gen);

		if (old == done)
			break;
		done = old;
	}
}

/**
 * pc_flush_sync() - make sure generation @need has completed
 * @pn: node to charge the flush, or the flush avoided, to.
 * @need: a value from pc_flush_gen_need(), or 0.
 *
 * Issues a flush only if none has completed since the mapping was cleared.
 *
 * Context: Process context, interrupts enabled.
 */
void pc_flush_sync(struct pc_node *pn, unsigned long need)
{
	if (!need)
		return;
	if (pc_flush_gen_done(need)) {
		pc_stat_inc(pn, PERMCACHE_STAT_FLUSHES_AVOIDED);
		return;
	}
	pc_flush_now(pn);
}
