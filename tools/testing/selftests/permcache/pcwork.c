// SPDX-License-Identifier: GPL-2.0-only
/*
 * pcwork - fixed workloads for the permcache A/B figures, run in the guest.
 *
 *   pcwork secret PAGES [HOLD]
 *                         one memfd_secret file of PAGES pages: map it,
 *                         write every page once (PAGES page faults), print
 *                         the node of each page from /proc/self/numa_maps,
 *                         keep it HOLD seconds (default 0), then unmap and
 *                         close it
 *   pcwork bpf PROGS      load and unload PROGS socket-filter programs, one
 *                         at a time (each JIT image comes from bpf_prog_pack)
 *
 * Output: "key value" lines; exit status 0 only if every step worked.
 * Built statically by scripts/initramfs.sh.
 */
#include <errno.h>
#include <linux/bpf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef __NR_memfd_secret
#define __NR_memfd_secret 447
#endif

/* Print "secret_pages_node<N> <count>" for the mapping at @addr. */
static int print_nodes(void *addr)
{
	char want[32], line[4096];
	FILE *f = fopen("/proc/self/numa_maps", "r");
	int found = 0;

	if (!f)
		return -1;
	snprintf(want, sizeof(want), "%lx ", (unsigned long)addr);
	while (fgets(line, sizeof(line), f)) {
		char *tok;

		if (strncmp(line, want, strlen(want)))
			continue;
		found = 1;
		for (tok = strtok(line, " \n"); tok; tok = strtok(NULL, " \n")) {
			int node;
			long n;

			if (sscanf(tok, "N%d=%ld", &node, &n) == 2)
				printf("secret_pages_node%d %ld\n", node, n);
		}
	}
	fclose(f);
	return found ? 0 : -1;
}

static int secret(long pages, long hold)
{
	long psz = sysconf(_SC_PAGESIZE), i;
	int fd = syscall(__NR_memfd_secret, 0);
	char *p;

	if (fd < 0) {
		perror("memfd_secret");
		return 1;
	}
	if (ftruncate(fd, pages * psz)) {
		perror("ftruncate");
		return 1;
	}
	p = mmap(NULL, pages * psz, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED) {
		perror("mmap");
		return 1;
	}
	for (i = 0; i < pages; i++)
		p[i * psz] = (char)i;
	for (i = 0; i < pages; i++)
		if (p[i * psz] != (char)i) {
			fprintf(stderr, "page %ld lost its contents\n", i);
			return 1;
		}
	if (print_nodes(p))
		fprintf(stderr, "no numa_maps line for the mapping\n");
	if (hold > 0)
		sleep(hold);
	munmap(p, pages * psz);
	close(fd);
	printf("secret_faults %ld\n", pages);
	return 0;
}

static int bpf(long progs)
{
	struct bpf_insn insns[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	union bpf_attr attr;
	long i;

	for (i = 0; i < progs; i++) {
		int fd;

		memset(&attr, 0, sizeof(attr));
		attr.prog_type = BPF_PROG_TYPE_SOCKET_FILTER;
		attr.insns = (unsigned long)insns;
		attr.insn_cnt = 2;
		attr.license = (unsigned long)"GPL";
		fd = syscall(__NR_bpf, BPF_PROG_LOAD, &attr, sizeof(attr));
		if (fd < 0) {
			fprintf(stderr, "BPF_PROG_LOAD %ld: %s\n", i, strerror(errno));
			return 1;
		}
		close(fd);
	}
	printf("bpf_loads %ld\n", progs);
	return 0;
}

int main(int argc, char **argv)
{
	long n = argc > 2 ? strtol(argv[2], NULL, 0) : 0;
	long hold = argc > 3 ? strtol(argv[3], NULL, 0) : 0;

	if (argc < 3 || argc > 4 || n <= 0) {
		fprintf(stderr, "usage: pcwork secret PAGES [HOLD] | pcwork bpf PROGS\n");
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!strcmp(argv[1], "secret"))
		return secret(n, hold);
	if (!strcmp(argv[1], "bpf"))
		return bpf(n);
	fprintf(stderr, "unknown workload '%s'\n", argv[1]);
	return 2;
}
