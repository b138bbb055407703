// SPDX-License-Identifier: GPL-2.0-only
/*
 * permcache node caches and node choice.
 *
 * Every node with memory has its own struct pc_node: its own lock, its own
 * lists of chunks and its own counters, so that allocations on different
 * nodes never share a lock or a cache line on the fast path.
 *
 * Node choice (invariant 5, locality): an allocation is served by its home
 * node, the node the caller named or, for NUMA_NO_NODE, the nearest node with
 * memory to the CPU it runs on (numa_mem_id()).  Only if the home node
 * cannot supply a chunk, and fallback is "distance", are the other nodes
 * tried, nearest first by node_distance(); such allocations are counted as
 * remote on the home node.  The fallback order of every node is computed
 * once, at init.
 *
 * Locking: struct pc_node.lock is documented with the struct in
 * mm/pc_internal.h.  This file takes no lock: the node table and fallback
 * orders are written once at init, before any allocation, and read-only
 * afterwards.
 */

#include <linux/errno.h>
#include <linux/jiffies.h>
#include <linux/mmzone.h>
#include <linux/nodemask.h>
#include <linux/slab.h>
#include <linux/topology.h>

#include "../mm/pc_internal.h"

static struct pc_node *pc_nodes[MAX_NUMNODES];

static void pc_node_init_one(struct pc_node *pn, int nid)
{
	int i;

	spin_lock_init(&pn->lock);
	pn->nid = nid;
	for (i = 0; i < PERMCACHE_NR_CLASSES; i++)
		INIT_LIST_HEAD(&pn->active[i]);
	for (i = 0; i < PC_NR_KINDS; i++)
		INIT_LIST_HEAD(&pn->idle[i]);
	init_llist_head(&pn->freed);
	mutex_init(&pn->sweep_lock);
	INIT_LIST_HEAD(&pn->retired);
	/* No backoff yet (jiffies starts negative, 0 is not "long ago"). */
	pn->acquire_after = jiffies;
	INIT_LIST_HEAD(&pn->dirty);
	for (i = 0; i < PERMCACHE_NR_STAT_ITEMS; i++)
		atomic_long_set(&pn->stat[i], 0);
}

/* Sort the other nodes with memory by distance from @pn, ties by id. */
static int pc_node_init_order(struct pc_node *pn)
{
	unsigned int i, nr = 0;
	int n;

	pn->order = kcalloc(nr_node_ids, sizeof(*pn->order), GFP_KERNEL);
	if (!pn->order)
		return -ENOMEM;

	for_each_node_state(n, N_MEMORY) {
		if (n == pn->nid)
			continue;
		for (i = nr; i > 0; i--) {
			int prev = pn->order[i - 1];

			if (node_distance(pn->nid, prev) <=
			    node_distance(pn->nid, n))
				break;
			pn->order[i] = prev;
		}
		pn->order[i] = n;
		nr++;
	}
	for (i = nr; i < nr_node_ids; i++)
		pn->order[i] = NUMA_NO_NODE;
	return 0;
}

/**
 * pc_nodes_init() - create the cache of every node with memory
 *
 * Context: Process context, once, before any allocation.
 * Return: 0, or -ENOMEM.
 */
int pc_nodes_init(void)
{
	int nid;

	for_each_node_state(nid, N_MEMORY) {
		struct pc_node *pn = kzalloc_node(sizeof(*pn), GFP_KERNEL, nid);

		if (!pn)
			return -ENOMEM;
		pc_node_init_one(pn, nid);
		if (pc_node_init_order(pn)) {
			kfree(pn);
			return -ENOMEM;
		}
		pc_nodes[nid] = pn;
	}
	return 0;
}

/**
 * pc_node() - the cache of a node
 * @nid: node id.
 *
 * Context: Any context.
 * Return: the node cache, or NULL if @nid is out of range or has no memory.
 */
struct pc_node *pc_node(int nid)
{
	if (nid < 0 || nid >= MAX_NUMNODES)
		return NULL;
	return pc_nodes[nid];
}

/**
 * pc_node_home() - the node an allocation should come from
 * @nid: the node the caller asked for, or NUMA_NO_NODE.
 *
 * Context: Any context.
 * Return: @nid (this CPU's node for NUMA_NO_NODE) if it has a cache; for
 * an online node without one (no memory), the nearest node with memory;
 * -EINVAL for any other value.
 */
int pc_node_home(int nid)
{
	if (nid == NUMA_NO_NODE)
		nid = numa_mem_id();
	if (nid < 0 || nid >= nr_node_ids || !node_online(nid))
		return -EINVAL;
	/*
	 * A node without memory (x86 has no HAVE_MEMORYLESS_NODES, so
	 * numa_mem_id() can be one) is served where its zonelist starts, as
	 * the page allocator serves it (local_memory_node() does the same).
	 */
	if (!pc_node(nid)) {
		struct zoneref *z;

		z = first_zones_zonelist(node_zonelist(nid, GFP_KERNEL),
					 gfp_zone(GFP_KERNEL), NULL);
		nid = z->zone ? zone_to_nid(z->zone) : NUMA_NO_NODE;
	}
	return pc_node(nid) ? nid : -EINVAL;
}

/**
 * pc_node_fallback() - the @i-th node to try when @home cannot supply a chunk
 * @home: the home node, as pc_node_home() returned it.
 * @i: 0 for the nearest other node, 1 for the next, ...
 *
 * Context: Any context.
 * Return: a node id, or NUMA_NO_NODE when there is none (or fallback is off).
 */
int pc_node_fallback(int home, int i)
{
	struct pc_node *pn = pc_node(home);

	if (READ_ONCE(pc_config.fallback) == PC_FALLBACK_NONE || !pn ||
	    i < 0 || i >= (int)nr_node_ids)
		return NUMA_NO_NODE;
	return pn->order[i];
}
