// SPDX-License-Identifier: GPL-2.0-only
/*
 * permcache debugfs: /sys/kernel/debug/permcache/.
 *
 *   stats   one "name value" per line: the event counters summed over all
 *           nodes, then the chunk and unit gauges of a walk of every node
 *   nodes   a header line, then one line per node with memory
 *   chunks  a header line, then one line per chunk on a node's lists (its
 *           PFN only for readers who may see kernel addresses)
 *   shrink  write N: release up to N idle chunks now, node by node, lowest
 *           node id first, ignoring permcache.reserve;
 *           read: how many the last write released
 *
 * A debugging interface, not ABI, documented in
 * Documentation/admin-guide/permcache.rst: it may change in any release.
 * The project's own tools (the guest checks, the benchmark) read it and
 * change with it; new fields go at the end of a line (nodes, chunks) or
 * as new lines (stats) only so that they need not change every time.
 *
 * chunks shows page frame numbers only to a reader kallsyms_show_value()
 * would show kernel addresses to: kptr_restrict, and with it
 * perf_event_paranoid, which is stricter than kptr_restrict alone.
 *
 * Everything is read through the core's functions (permcache_get_stats(),
 * pc_node_walk_chunks()) and acted on through pc_node_release_idle().
 *
 * Locking: no lock of its own; the core takes each node's lock while it
 * walks that node.  A read is a snapshot per node, not of the whole cache.
 */

#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/kallsyms.h>
#include <linux/kstrtox.h>
#include <linux/nodemask.h>
#include <linux/seq_file.h>

#include "pc_internal.h"

static const char * const pc_class_names[PC_NR_KINDS] = {
	[PERMCACHE_SECRET]	= "secret",
	[PERMCACHE_RO]		= "ro",
	[PERMCACHE_ROX]		= "rox",
	[PC_CLEAN]		= "clean",
};

static unsigned long pc_sum(const unsigned long *v, unsigned int n)
{
	unsigned long sum = 0;

	while (n--)
		sum += v[n];
	return sum;
}

static int pc_stats_show(struct seq_file *m, void *v)
{
	struct permcache_stats st;
	unsigned int i;

	permcache_get_stats(NUMA_NO_NODE, &st);
	for (i = 0; i < PERMCACHE_NR_STAT_ITEMS; i++)
		seq_printf(m, "%s %lu\n", permcache_stat_names[i], st.item[i]);
	seq_printf(m, "chunks %lu\n", pc_sum(st.chunks, PC_NR_KINDS));
	seq_printf(m, "chunks_idle %lu\n", pc_sum(st.idle, PC_NR_KINDS));
	for (i = 0; i < PC_NR_KINDS; i++)
		seq_printf(m, "chunks_%s %lu\n", pc_class_names[i], st.chunks[i]);
	for (i = 0; i < PERMCACHE_NR_CLASSES; i++) {
		seq_printf(m, "units_used_%s %lu\n", pc_class_names[i],
			   st.units_used[i]);
		seq_printf(m, "units_total_%s %lu\n", pc_class_names[i],
			   st.units_total[i]);
	}
	seq_printf(m, "zero_pending %lu\n", st.zero_pending);
	seq_printf(m, "chunks_retired %lu\n", st.retired);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(pc_stats);

static int pc_nodes_show(struct seq_file *m, void *v)
{
	struct permcache_stats st;
	int nid;

	seq_puts(m, "node chunks idle secret ro rox clean used_secret used_ro used_rox alloc free remote failed acquired released flushes avoided zero_pending\n");
	for_each_node_state(nid, N_MEMORY) {
		if (permcache_get_stats(nid, &st))
			continue;
		seq_printf(m, "%d %lu %lu %lu %lu %lu %lu %lu %lu %lu",
			   nid, pc_sum(st.chunks, PC_NR_KINDS),
			   pc_sum(st.idle, PC_NR_KINDS),
			   st.chunks[PERMCACHE_SECRET], st.chunks[PERMCACHE_RO],
			   st.chunks[PERMCACHE_ROX], st.chunks[PC_CLEAN],
			   st.units_used[PERMCACHE_SECRET],
			   st.units_used[PERMCACHE_RO],
			   st.units_used[PERMCACHE_ROX]);
		seq_printf(m, " %lu %lu %lu %lu %lu %lu %lu %lu %lu\n",
			   st.item[PERMCACHE_STAT_ALLOC_SECRET] +
			   st.item[PERMCACHE_STAT_ALLOC_TEXT],
			   st.item[PERMCACHE_STAT_FREE_SECRET] +
			   st.item[PERMCACHE_STAT_FREE_TEXT],
			   st.item[PERMCACHE_STAT_ALLOC_REMOTE],
			   st.item[PERMCACHE_STAT_ALLOC_FAILED],
			   st.item[PERMCACHE_STAT_CHUNKS_ACQUIRED],
			   st.item[PERMCACHE_STAT_CHUNKS_RELEASED],
			   st.item[PERMCACHE_STAT_FLUSHES],
			   st.item[PERMCACHE_STAT_FLUSHES_AVOIDED],
			   st.zero_pending);
	}
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(pc_nodes);

struct pc_chunks_seq {
	struct seq_file *m;
	bool show_pfn;
};

static void pc_chunk_show(const struct pc_chunk *c, bool idle, void *data)
{
	struct pc_chunks_seq *s = data;
	struct seq_file *m = s->m;

	seq_printf(m, "%d 0x%lx %s %s %u %u %lu %s\n", c->nid,
		   s->show_pfn ? pc_chunk_pfn(c) : 0UL,
		   pc_class_names[c->cls], idle ? "idle" : "active",
		   c->units.used, c->units.nr, c->flush_gen,
		   c->alias ? "alias" : "-");
}

static int pc_chunks_show(struct seq_file *m, void *v)
{
	/*
	 * A PFN tells where kernel memory is, as an address does: shown to
	 * the readers /proc/kallsyms shows addresses to (kptr_restrict,
	 * CAP_SYSLOG of the opener), 0 to others.
	 */
	struct pc_chunks_seq s = {
		.m = m,
		.show_pfn = kallsyms_show_value(m->file->f_cred),
	};
	int nid;

	seq_puts(m, "node pfn class state used total flush_gen alias\n");
	for_each_node_state(nid, N_MEMORY) {
		struct pc_node *pn = pc_node(nid);

		if (pn)
			pc_node_walk_chunks(pn, pc_chunk_show, &s);
	}
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(pc_chunks);

static unsigned int pc_last_shrink;

static ssize_t pc_shrink_write(struct file *file, const char __user *ubuf,
			       size_t len, loff_t *ppos)
{
	unsigned int want, done = 0;
	int nid, err;

	err = kstrtouint_from_user(ubuf, len, 0, &want);
	if (err)
		return err;
	for_each_node_state(nid, N_MEMORY) {
		struct pc_node *pn = pc_node(nid);

		if (pn && done < want)
			done += pc_node_release_idle(pn, 0, want - done);
	}
	WRITE_ONCE(pc_last_shrink, done);
	return len;
}

static int pc_shrink_show(struct seq_file *m, void *v)
{
	seq_printf(m, "%u\n", READ_ONCE(pc_last_shrink));
	return 0;
}

static int pc_shrink_open(struct inode *inode, struct file *file)
{
	return single_open(file, pc_shrink_show, NULL);
}

static const struct file_operations pc_shrink_fops = {
	.owner		= THIS_MODULE,
	.open		= pc_shrink_open,
	.read		= seq_read,
	.llseek		= seq_lseek,
	.release	= single_release,
	.write		= pc_shrink_write,
};

/**
 * pc_debugfs_init() - create /sys/kernel/debug/permcache/
 *
 * Context: Process context, once.
 */
void pc_debugfs_init(void)
{
	struct dentry *dir = debugfs_create_dir("permcache", NULL);

	debugfs_create_file("stats", 0444, dir, NULL, &pc_stats_fops);
	debugfs_create_file("nodes", 0444, dir, NULL, &pc_nodes_fops);
	debugfs_create_file("chunks", 0444, dir, NULL, &pc_chunks_fops);
	debugfs_create_file("shrink", 0644, dir, NULL, &pc_shrink_fops);
}
