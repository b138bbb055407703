// SPDX-License-Identifier: GPL-2.0-only
/*
 * numa/pc_node.c as the harness builds it: included, as tools/testing/vma
 * includes mm/vma.c, so that the harness can take the node caches down
 * between sequences (the kernel never does: permcache is built in).
 */
#include "../../../numa/pc_node.c"

/* Free every node cache; the caller has released all chunks. */
void pc_test_nodes_exit(void)
{
	int nid;

	for (nid = 0; nid < MAX_NUMNODES; nid++) {
		if (!pc_nodes[nid])
			continue;
		kfree(pc_nodes[nid]->order);
		kfree(pc_nodes[nid]);
		pc_nodes[nid] = NULL;
	}
}
