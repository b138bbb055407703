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
 *   pcwork bpf PROGS [HOLD]
 *                         load and unload PROGS socket-filter programs, one
 *                         at a time (each JIT image comes from bpf_prog_pack);
 *                         with HOLD > 0, keep all of them loaded for HOLD
 *                         seconds, then unload them
 *   pcwork secret-node PAGES NODE [PFN]
 *                         as "secret", with the task bound to NODE
 *                         (set_mempolicy(MPOL_BIND)); reads the PFN of every
 *                         page from /proc/self/pagemap and prints how many
 *                         pages were mapped and whether PFN was among them
 *                         (pfn_handed_out 0|1); a SIGBUS is reported
 *                         ("sigbus PAGE") and exits 3
 *   pcwork secret-loop SECONDS PAGES [NODE]
 *                         memfd_secret churn: create, fault PAGES pages,
 *                         check, close, again, for SECONDS or until SIGTERM
 *                         or SIGINT (bound to NODE if given); prints the
 *                         number of rounds
 *   pcwork secret-poison PAGES
 *                         one memfd_secret file of PAGES (>= 3) pages, all
 *                         written but page 1, which is only read (clean);
 *                         its PFN (from /proc/self/pagemap) is written to
 *                         /sys/kernel/debug/hwpoison/corrupt-pfn, as a
 *                         memory error there would call memory_failure().
 *                         A clean page-cache folio is truncated on the way
 *                         (__remove_mapping() calls ->free_folio() with the
 *                         count frozen at zero).  Prints "poison_pfn N",
 *                         the write's errno ("poison_inject N"), what
 *                         reading page 1 again does ("poison_touch
 *                         sigbus|read") and whether every other page kept
 *                         its contents ("poison_others_intact 0|1")
 *   pcwork kcore-bpf PROGS
 *                         load PROGS distinct socket filters and keep them;
 *                         read every JIT image through /proc/kcore (the
 *                         PT_LOAD that covers its address) with pread() and
 *                         with sendfile() into a tmpfs file (splice() into a
 *                         pipe where sendfile() says EOVERFLOW), and compare it
 *                         with the bytes BPF_OBJ_GET_INFO_BY_FD returns; if
 *                         permcache lists text chunks, also read each image
 *                         through the direct map of the chunk that holds it
 *                         (same offset in the chunk as in its 2 MiB alias)
 *   pcwork kcore-secret PAGES
 *                         write a pattern to PAGES memfd_secret pages and to
 *                         PAGES mlocked anonymous pages (the control), find
 *                         their PFNs in /proc/self/pagemap and read their
 *                         direct-map addresses (the KCORE_RAM PT_LOAD whose
 *                         p_paddr covers them) with pread() and sendfile():
 *                         the control must read back, the secret pages must
 *                         read as zeros
 *   pcwork anon-node MIB NODE [HOLD]
 *                         bound to NODE (set_mempolicy(MPOL_BIND)), map MIB
 *                         MiB of private anonymous memory and write every
 *                         page, print "anon_mib MIB" and where the pages are
 *                         ("anon_pages_node<N> <count>"), then keep it HOLD
 *                         seconds (0 or none: until SIGTERM or SIGINT); the
 *                         memory pressure of check-reclaim.sh
 *
 * Every /proc/kcore read runs in a child with alarm() and a parent-side
 * timeout (PCWORK_KCORE_TIMEOUT seconds, default 20): a read that never
 * returns (a livelock in the kernel) is reported as "..._timeout 1", not a
 * hang; a child killed by an oops is reported as "..._killed SIG".
 *
 * Output: "key value" lines; exit status 0 only if every step worked.
 * Built statically by scripts/initramfs.sh.
 */
#define _GNU_SOURCE
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
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

/* A memfd_secret file of @pages pages, mapped read-write at *@p: its fd. */
static int memfd_secret_map(long pages, char **p)
{
	long psz = sysconf(_SC_PAGESIZE);
	int fd = syscall(__NR_memfd_secret, 0);

	if (fd < 0) {
		perror("memfd_secret");
		return -1;
	}
	if (ftruncate(fd, pages * psz)) {
		perror("ftruncate");
		close(fd);
		return -1;
	}
	*p = mmap(NULL, pages * psz, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (*p == MAP_FAILED) {
		perror("mmap");
		close(fd);
		return -1;
	}
	return fd;
}

static int secret(long pages, long hold)
{
	long psz = sysconf(_SC_PAGESIZE), i;
	char *p;
	int fd = memfd_secret_map(pages, &p);

	if (fd < 0)
		return 1;
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

static int bpf(long progs, long hold)
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
		if (hold <= 0)
			close(fd);
	}
	printf("bpf_loads %ld\n", progs);
	if (hold > 0) {
		printf("bpf_held %ld\n", progs);
		sleep(hold);
	}
	return 0;
}

#ifndef MPOL_BIND
#define MPOL_BIND 2
#endif

/* Bind the task's memory to @node (raw set_mempolicy(2), no libnuma). */
static int bind_node(long node)
{
	unsigned long mask[2] = { 0, 0 };

	if (node < 0 || node >= 128)
		return -1;
	mask[node / 64] = 1UL << (node % 64);
	if (syscall(__NR_set_mempolicy, MPOL_BIND, mask, 129UL)) {
		perror("set_mempolicy");
		return -1;
	}
	return 0;
}

/* PFN of the page at @addr from /proc/self/pagemap, 0 if not present. */
static uint64_t pagemap_pfn(int pm, const void *addr)
{
	uint64_t e = 0;
	off_t off = (off_t)((uintptr_t)addr / (uintptr_t)sysconf(_SC_PAGESIZE)) * 8;

	if (pread(pm, &e, sizeof(e), off) != sizeof(e))
		return 0;
	if (!(e >> 63 & 1))
		return 0;
	return e & ((1ULL << 55) - 1);
}

static void on_sigbus(int sig, siginfo_t *si, void *uc)
{
	char msg[64];
	int n;

	(void)sig;
	(void)uc;
	n = snprintf(msg, sizeof(msg), "sigbus %p\n", si->si_addr);
	if (write(1, msg, n) < 0)
		_exit(4);
	_exit(3);
}

static sigjmp_buf poison_jmp;

static void on_poison_sigbus(int sig)
{
	(void)sig;
	siglongjmp(poison_jmp, 1);
}

static int secret_poison(long pages)
{
	long psz = sysconf(_SC_PAGESIZE), i;
	struct sigaction sa = { .sa_handler = on_poison_sigbus };
	volatile long intact = 1;
	int fd, pm, h, err = 0;
	volatile char *p;
	const char *touch;
	char buf[32], *map;
	uint64_t pfn;

	if (pages < 3) {
		fprintf(stderr, "secret-poison needs 3 pages or more\n");
		return 1;
	}
	fd = memfd_secret_map(pages, &map);
	if (fd < 0)
		return 1;
	p = map;
	for (i = 0; i < pages; i++)
		if (i != 1)
			p[i * psz] = (char)(i + 1);
	if (p[psz]) {
		fprintf(stderr, "page 1 does not read zero\n");
		return 1;
	}
	pm = open("/proc/self/pagemap", O_RDONLY);
	pfn = pm < 0 ? 0 : pagemap_pfn(pm, (const void *)(p + psz));
	printf("poison_pfn %#llx\n", (unsigned long long)pfn);
	if (!pfn) {
		fprintf(stderr, "no PFN for page 1 in /proc/self/pagemap\n");
		return 1;
	}
	h = open("/sys/kernel/debug/hwpoison/corrupt-pfn", O_WRONLY);
	snprintf(buf, sizeof(buf), "%#llx\n", (unsigned long long)pfn);
	if (h < 0 || write(h, buf, strlen(buf)) < 0)
		err = errno;
	if (h >= 0)
		close(h);
	printf("poison_inject %d\n", err);
	sigaction(SIGBUS, &sa, NULL);
	if (sigsetjmp(poison_jmp, 1))
		touch = "sigbus";
	else
		touch = p[psz] == 0 ? "read" : "read_changed";
	signal(SIGBUS, SIG_DFL);
	printf("poison_touch %s\n", touch);
	for (i = 0; i < pages; i++)
		if (i != 1 && p[i * psz] != (char)(i + 1))
			intact = 0;
	printf("poison_others_intact %ld\n", intact);
	munmap((void *)p, pages * psz);
	close(fd);
	return 0;
}

static int secret_node(long pages, long node, uint64_t want_pfn)
{
	long psz = sysconf(_SC_PAGESIZE), i, mapped = 0, hit = 0;
	struct sigaction sa;
	char *p;
	int fd, pm;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_sigbus;
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGBUS, &sa, NULL);
	if (bind_node(node))
		return 1;
	fd = memfd_secret_map(pages, &p);
	if (fd < 0)
		return 1;
	for (i = 0; i < pages; i++)
		p[i * psz] = (char)(i + 1);
	for (i = 0; i < pages; i++)
		if (p[i * psz] != (char)(i + 1)) {
			fprintf(stderr, "page %ld lost its contents\n", i);
			return 1;
		}
	pm = open("/proc/self/pagemap", O_RDONLY);
	if (pm < 0) {
		perror("/proc/self/pagemap");
		return 1;
	}
	for (i = 0; i < pages; i++) {
		uint64_t pfn = pagemap_pfn(pm, p + i * psz);

		if (pfn)
			mapped++;
		if (want_pfn && pfn == want_pfn) {
			hit = 1;
			printf("pfn_handed_out_at_page %ld\n", i);
		}
	}
	close(pm);
	if (print_nodes(p))
		fprintf(stderr, "no numa_maps line for the mapping\n");
	munmap(p, pages * psz);
	close(fd);
	printf("secret_faults %ld\n", pages);
	printf("pfns_mapped %ld\n", mapped);
	if (want_pfn)
		printf("pfn_handed_out %ld\n", hit);
	return mapped == pages && !hit ? 0 : 1;
}

static volatile sig_atomic_t loop_stop;

static void on_sigterm(int sig)
{
	(void)sig;
	loop_stop = 1;
}

static int secret_loop(long secs, long pages, long node)
{
	long psz = sysconf(_SC_PAGESIZE), rounds = 0, i;
	time_t end = time(NULL) + secs;
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_sigterm;
	sa.sa_flags = SA_RESTART;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	if (node >= 0 && bind_node(node))
		return 1;
	while (time(NULL) < end && !loop_stop) {
		char *p;
		int fd = memfd_secret_map(pages, &p);

		if (fd < 0)
			return 1;
		for (i = 0; i < pages; i++)
			p[i * psz] = (char)(rounds + i);
		for (i = 0; i < pages; i++)
			if (p[i * psz] != (char)(rounds + i)) {
				fprintf(stderr, "round %ld page %ld lost its contents\n",
					rounds, i);
				return 1;
			}
		munmap(p, pages * psz);
		close(fd);
		rounds++;
	}
	printf("secret_rounds %ld\n", rounds);
	return rounds > 0 ? 0 : 1;
}

/* --- anonymous memory held on one node ------------------------------------ */

static int anon_node(long mib, long node, long hold)
{
	long psz = sysconf(_SC_PAGESIZE), len = mib << 20, i;
	time_t end = time(NULL) + hold;
	char want[32], line[4096];
	struct sigaction sa;
	char *p;
	FILE *f;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_sigterm;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	if (bind_node(node))
		return 1;
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
		 -1, 0);
	if (p == MAP_FAILED) {
		perror("mmap");
		return 1;
	}
	for (i = 0; i < len; i += psz)
		p[i] = (char)(i / psz + 1);
	printf("anon_mib %ld\n", mib);
	/* Where the pages are: the N<node>= fields of numa_maps. */
	f = fopen("/proc/self/numa_maps", "r");
	snprintf(want, sizeof(want), "%lx ", (unsigned long)p);
	while (f && fgets(line, sizeof(line), f)) {
		char *tok;

		if (strncmp(line, want, strlen(want)))
			continue;
		for (tok = strtok(line, " \n"); tok; tok = strtok(NULL, " \n")) {
			int nd;
			long n;

			if (sscanf(tok, "N%d=%ld", &nd, &n) == 2)
				printf("anon_pages_node%d %ld\n", nd, n);
		}
	}
	if (f)
		fclose(f);
	while (!loop_stop && (hold <= 0 || time(NULL) < end))
		sleep(1);
	munmap(p, len);
	return 0;
}

/* --- /proc/kcore --------------------------------------------------------- */

struct kcore {
	int fd;
	int nph;
	Elf64_Phdr *ph;
};

static int kcore_open(struct kcore *k)
{
	Elf64_Ehdr eh;
	size_t len;

	k->fd = open("/proc/kcore", O_RDONLY);
	if (k->fd < 0) {
		perror("/proc/kcore");
		return -1;
	}
	if (pread(k->fd, &eh, sizeof(eh), 0) != sizeof(eh) ||
	    memcmp(eh.e_ident, ELFMAG, SELFMAG) || eh.e_phentsize != sizeof(Elf64_Phdr)) {
		fprintf(stderr, "/proc/kcore: bad ELF header\n");
		return -1;
	}
	k->nph = eh.e_phnum;
	len = (size_t)k->nph * sizeof(Elf64_Phdr);
	k->ph = malloc(len);
	if (!k->ph || pread(k->fd, k->ph, len, eh.e_phoff) != (ssize_t)len) {
		fprintf(stderr, "/proc/kcore: cannot read %d program headers\n", k->nph);
		return -1;
	}
	return 0;
}

/* File offset of kernel virtual address @va, or -1: no PT_LOAD covers it. */
static off_t kcore_off_vaddr(const struct kcore *k, uint64_t va, size_t len)
{
	int i;

	for (i = 0; i < k->nph; i++) {
		const Elf64_Phdr *ph = &k->ph[i];

		if (ph->p_type == PT_LOAD && va >= ph->p_vaddr &&
		    va + len <= ph->p_vaddr + ph->p_memsz)
			return (off_t)(ph->p_offset + (va - ph->p_vaddr));
	}
	return -1;
}

/*
 * File offset of the direct-map address of physical address @pa: the
 * KCORE_RAM PT_LOAD (p_paddr set, p_vaddr below the kernel-text map) whose
 * p_paddr covers it.  *@va receives that direct-map address.
 */
static off_t kcore_off_phys(const struct kcore *k, uint64_t pa, size_t len,
			    uint64_t *va)
{
	int i;

	for (i = 0; i < k->nph; i++) {
		const Elf64_Phdr *ph = &k->ph[i];

		if (ph->p_type != PT_LOAD || ph->p_paddr == (Elf64_Addr)-1 ||
		    ph->p_vaddr >= 0xffffffff80000000ULL)
			continue;
		if (pa >= ph->p_paddr && pa + len <= ph->p_paddr + ph->p_memsz) {
			*va = ph->p_vaddr + (pa - ph->p_paddr);
			return (off_t)(ph->p_offset + (pa - ph->p_paddr));
		}
	}
	return -1;
}

/* sendfile() calls that failed with EOVERFLOW and were redone with splice(). */
static long g_splice_fallback;

/* Read @len bytes at @off of @kfd through a pipe with splice(). */
static int kcore_splice(int kfd, off_t off, void *buf, size_t len)
{
	size_t done = 0;
	int p[2], rc = 0;

	if (pipe(p))
		return -1;
	while (done < len) {
		loff_t o = off + (off_t)done;
		size_t want = len - done > 16384 ? 16384 : len - done;
		ssize_t n = splice(kfd, &o, p[1], NULL, want, 0), r = 0;

		if (n <= 0) {
			rc = -1;
			break;
		}
		while (r < n) {
			ssize_t m = read(p[0], (char *)buf + done + r, n - r);

			if (m <= 0) {
				close(p[0]);
				close(p[1]);
				return -1;
			}
			r += m;
		}
		done += n;
	}
	close(p[0]);
	close(p[1]);
	return rc;
}

/*
 * Read @len bytes at @off of /proc/kcore with pread(), or with sendfile()
 * into a tmpfs file.  On x86-64 every kcore offset is above 2 GiB and
 * /proc's s_maxbytes is MAX_NON_LFS, so sendfile() fails with EOVERFLOW
 * there (stock 6.12 too): then splice() into a pipe, which reaches the same
 * ->splice_read() (copy_splice_read() -> read_kcore_iter() with an
 * ITER_BVEC), is used and counted in g_splice_fallback.
 */
static int kcore_read(int kfd, off_t off, void *buf, size_t len, int use_sendfile)
{
	char tmpl[] = "/tmp/pcwork-kcore.XXXXXX";
	size_t done = 0;
	int tfd;

	if (!use_sendfile) {
		while (done < len) {
			ssize_t n = pread(kfd, (char *)buf + done, len - done,
					  off + (off_t)done);

			if (n <= 0)
				return -1;
			done += n;
		}
		return 0;
	}
	tfd = mkstemp(tmpl);
	if (tfd < 0)
		return -1;
	unlink(tmpl);
	while (done < len) {
		off_t o = off + (off_t)done;
		ssize_t n = sendfile(tfd, kfd, &o, len - done);

		if (n < 0 && errno == EOVERFLOW && !done) {
			close(tfd);
			g_splice_fallback++;
			return kcore_splice(kfd, off, buf, len);
		}
		if (n <= 0) {
			close(tfd);
			return -1;
		}
		done += n;
	}
	done = pread(tfd, buf, len, 0) == (ssize_t)len ? 0 : 1;
	close(tfd);
	return done ? -1 : 0;
}

static int kcore_timeout(void)
{
	const char *t = getenv("PCWORK_KCORE_TIMEOUT");

	return t && atoi(t) > 0 ? atoi(t) : 20;
}

/*
 * Run @fn(@arg, @res) in a child whose stdio goes to /dev/null, and copy
 * the @len bytes of *@res it produced back.  Return 0, or -1 after printing
 * "<what>_timeout 1" (the child is left behind if the kernel holds it) or
 * "<what>_killed SIG".
 */
static int guarded(int (*fn)(void *, void *), void *arg, void *res, size_t len,
		   const char *what)
{
	int pfd[2], secs = kcore_timeout(), st, nul;
	size_t got = 0;
	pid_t pid;

	if (pipe(pfd))
		return -1;
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0)
		return -1;
	if (!pid) {
		close(pfd[0]);
		nul = open("/dev/null", O_RDWR);
		dup2(nul, 0);
		dup2(nul, 1);
		dup2(nul, 2);
		alarm(secs);
		st = fn(arg, res);
		if (write(pfd[1], res, len) != (ssize_t)len)
			_exit(2);
		_exit(st ? 1 : 0);
	}
	close(pfd[1]);
	while (got < len) {
		struct pollfd pf = { .fd = pfd[0], .events = POLLIN };
		ssize_t n;

		if (poll(&pf, 1, secs * 1000 + 2000) <= 0) {
			printf("%s_timeout 1\n", what);
			fprintf(stderr, "%s: no answer from pid %d in %d s (left behind)\n",
				what, pid, secs);
			kill(pid, SIGKILL);
			close(pfd[0]);
			return -1;
		}
		n = read(pfd[0], (char *)res + got, len - got);
		if (n <= 0)
			break;
		got += n;
	}
	close(pfd[0]);
	if (waitpid(pid, &st, 0) != pid)
		return -1;
	if (WIFSIGNALED(st)) {
		printf("%s_killed %d\n", what, WTERMSIG(st));
		return -1;
	}
	return got == len ? 0 : -1;
}

#define KB_MAX_PROGS	64
#define KB_MAX_LEN	4096

struct kb_img {
	uint64_t addr;
	uint32_t len;
	unsigned char want[KB_MAX_LEN];
};

#define KB_MAX_CHUNKS	64

struct kb_job {
	long n;
	struct kb_img *img;
	int use_sendfile;
	/* PFNs of permcache's text chunks (debugfs chunks, class ro/rox) */
	long nchunks;
	uint64_t chunk_pfn[KB_MAX_CHUNKS];
};

struct kb_res {
	long match, mismatch, unread, uncovered;
	long first_bad_prog, first_bad_byte;
	long splice_fallback;
	long dm_match, dm_nomatch;
};

static int kb_check(void *arg, void *res)
{
	struct kb_job *j = arg;
	struct kb_res *r = res;
	unsigned char got[KB_MAX_LEN];
	struct kcore k;
	long i;

	memset(r, 0, sizeof(*r));
	r->first_bad_prog = r->first_bad_byte = -1;
	if (kcore_open(&k)) {
		r->unread = j->n;
		return 1;
	}
	for (i = 0; i < j->n; i++) {
		struct kb_img *im = &j->img[i];
		off_t off = kcore_off_vaddr(&k, im->addr, im->len);
		uint32_t b;

		if (j->nchunks) {
			long c;

			/*
			 * A text chunk's alias is one 2 MiB PMD: the image is at
			 * the same offset in the chunk's direct map.
			 */
			for (c = 0; c < j->nchunks; c++) {
				uint64_t va, pa = j->chunk_pfn[c] * 4096 +
						  (im->addr & 0x1fffff);
				off_t o = kcore_off_phys(&k, pa, im->len, &va);

				memset(got, 0xa5, sizeof(got));
				if (o >= 0 && !kcore_read(k.fd, o, got, im->len,
							  j->use_sendfile) &&
				    !memcmp(got, im->want, im->len))
					break;
			}
			if (c < j->nchunks)
				r->dm_match++;
			else
				r->dm_nomatch++;
		}
		if (off < 0) {
			r->uncovered++;
			continue;
		}
		memset(got, 0xa5, sizeof(got));
		if (kcore_read(k.fd, off, got, im->len, j->use_sendfile)) {
			r->unread++;
			continue;
		}
		if (!memcmp(got, im->want, im->len)) {
			r->match++;
			continue;
		}
		r->mismatch++;
		for (b = 0; b < im->len && got[b] == im->want[b]; b++)
			;
		if (r->first_bad_prog < 0) {
			r->first_bad_prog = i;
			r->first_bad_byte = b;
		}
	}
	r->splice_fallback = g_splice_fallback;
	return r->match == j->n ? 0 : 1;
}

static int bpf_load_distinct(long seed)
{
	struct bpf_insn insns[66];
	union bpf_attr attr;
	int i;

	memset(insns, 0, sizeof(insns));
	insns[0].code = BPF_ALU64 | BPF_MOV | BPF_K;
	insns[0].dst_reg = BPF_REG_0;
	insns[0].imm = (int)(0x5e000000 + seed);
	for (i = 1; i < 64; i++) {
		insns[i].code = BPF_ALU64 | (i & 1 ? BPF_ADD : BPF_XOR) | BPF_K;
		insns[i].dst_reg = BPF_REG_0;
		insns[i].imm = (int)(seed * 1000003 + i * 7919);
	}
	insns[64].code = BPF_ALU64 | BPF_AND | BPF_K;
	insns[64].dst_reg = BPF_REG_0;
	insns[64].imm = 0;
	insns[65].code = BPF_JMP | BPF_EXIT;
	memset(&attr, 0, sizeof(attr));
	attr.prog_type = BPF_PROG_TYPE_SOCKET_FILTER;
	attr.insns = (unsigned long)insns;
	attr.insn_cnt = 66;
	attr.license = (unsigned long)"GPL";
	return syscall(__NR_bpf, BPF_PROG_LOAD, &attr, sizeof(attr));
}

static int kcore_bpf(long progs)
{
	static struct kb_img img[KB_MAX_PROGS];
	struct kb_job job = { .img = img };
	char line[256];
	struct kb_res r;
	FILE *chunks;
	int rc = 0, m;
	long i;

	if (progs > KB_MAX_PROGS)
		progs = KB_MAX_PROGS;
	for (i = 0; i < progs; i++) {
		struct bpf_prog_info info;
		union bpf_attr attr;
		uint64_t ksym = 0;
		int fd = bpf_load_distinct(i + 1);

		if (fd < 0) {
			fprintf(stderr, "BPF_PROG_LOAD %ld: %s\n", i, strerror(errno));
			return 1;
		}
		memset(&info, 0, sizeof(info));
		info.nr_jited_ksyms = 1;
		info.jited_ksyms = (unsigned long)&ksym;
		info.jited_prog_len = KB_MAX_LEN;
		info.jited_prog_insns = (unsigned long)img[i].want;
		memset(&attr, 0, sizeof(attr));
		attr.info.bpf_fd = fd;
		attr.info.info_len = sizeof(info);
		attr.info.info = (unsigned long)&info;
		if (syscall(__NR_bpf, BPF_OBJ_GET_INFO_BY_FD, &attr, sizeof(attr))) {
			fprintf(stderr, "BPF_OBJ_GET_INFO_BY_FD: %s\n", strerror(errno));
			return 1;
		}
		if (!ksym || !info.jited_prog_len || info.jited_prog_len > KB_MAX_LEN) {
			fprintf(stderr, "prog %ld: not JITed or not shown (ksym %#llx, len %u)\n",
				i, (unsigned long long)ksym, info.jited_prog_len);
			return 1;
		}
		img[i].addr = ksym;
		img[i].len = info.jited_prog_len;
		if (i < 2)
			printf("bpf_image%ld %#llx %u\n", i,
			       (unsigned long long)ksym, img[i].len);
		/* the fd stays open: the image stays where it is */
	}
	job.n = progs;
	printf("bpf_images %ld\n", progs);
	chunks = fopen("/sys/kernel/debug/permcache/chunks", "r");
	while (chunks && fgets(line, sizeof(line), chunks)) {
		unsigned long long pfn;
		char cls[16];
		int nid;

		if (sscanf(line, "%d %llx %15s", &nid, &pfn, cls) == 3 &&
		    (!strcmp(cls, "rox") || !strcmp(cls, "ro")) &&
		    job.nchunks < KB_MAX_CHUNKS)
			job.chunk_pfn[job.nchunks++] = pfn;
	}
	if (chunks)
		fclose(chunks);
	printf("text_chunks %ld\n", job.nchunks);
	for (m = 0; m < 2; m++) {
		const char *what = m ? "kcore_sendfile" : "kcore_read";

		job.use_sendfile = m;
		if (guarded(kb_check, &job, &r, sizeof(r), what)) {
			rc = 1;
			continue;
		}
		printf("%s_match %ld\n%s_mismatch %ld\n%s_unread %ld\n%s_uncovered %ld\n",
		       what, r.match, what, r.mismatch, what, r.unread, what,
		       r.uncovered);
		if (m)
			printf("kcore_sendfile_eoverflow_spliced %ld\n", r.splice_fallback);
		if (job.nchunks)
			printf("%s_directmap_match %ld\n%s_directmap_nomatch %ld\n",
			       what, r.dm_match, what, r.dm_nomatch);
		if (r.first_bad_prog >= 0)
			printf("%s_first_bad prog %ld byte %ld at %#llx\n", what,
			       r.first_bad_prog, r.first_bad_byte,
			       (unsigned long long)img[r.first_bad_prog].addr);
		if ((r.match != progs && r.uncovered != progs) ||
		    (job.nchunks && r.dm_match != progs))
			rc = 1;
	}
	return rc;
}

#define KS_MAX_PAGES	64

struct ks_job {
	long n;
	uint64_t pfn_secret[KS_MAX_PAGES], pfn_ctl[KS_MAX_PAGES];
	unsigned char *ctl;	/* the control pages, as written */
	uint64_t tag;
	int use_sendfile;
};

struct ks_res {
	long ctl_match, ctl_bad, secret_zero, secret_nonzero, secret_pattern;
	long unread, uncovered;
	long splice_fallback;
	uint64_t va0;
};

static void ks_fill(unsigned char *p, long psz, uint64_t tag, long page)
{
	uint64_t *w = (uint64_t *)p;
	long i;

	for (i = 0; i < psz / 8; i++)
		w[i] = tag ^ ((uint64_t)page << 32) ^ (uint64_t)i;
}

static int ks_check(void *arg, void *res)
{
	struct ks_job *j = arg;
	struct ks_res *r = res;
	long psz = sysconf(_SC_PAGESIZE), i, w;
	unsigned char got[65536];
	struct kcore k;

	memset(r, 0, sizeof(*r));
	if (psz > (long)sizeof(got) || kcore_open(&k)) {
		r->unread = 2 * j->n;
		return 1;
	}
	for (i = 0; i < j->n; i++) {
		uint64_t va;
		off_t off = kcore_off_phys(&k, j->pfn_ctl[i] * psz, psz, &va);

		if (off < 0) {
			r->uncovered++;
		} else if (kcore_read(k.fd, off, got, psz, j->use_sendfile)) {
			r->unread++;
		} else if (!memcmp(got, j->ctl + i * psz, psz)) {
			r->ctl_match++;
		} else {
			r->ctl_bad++;
		}
		off = kcore_off_phys(&k, j->pfn_secret[i] * psz, psz, &va);
		if (!i)
			r->va0 = va;
		if (off < 0) {
			r->uncovered++;
			continue;
		}
		memset(got, 0xa5, psz);
		if (kcore_read(k.fd, off, got, psz, j->use_sendfile)) {
			r->unread++;
			continue;
		}
		for (w = 0; w < psz / 8; w++)
			if (((uint64_t *)got)[w])
				break;
		if (w == psz / 8)
			r->secret_zero++;
		else
			r->secret_nonzero++;
		/* Any word of what was written, at any place, on any page. */
		for (w = 0; w < psz / 8; w++) {
			uint64_t x = ((uint64_t *)got)[w] ^ j->tag;

			if (x >> 32 < (uint64_t)j->n && (x & 0xffffffffULL) < (uint64_t)psz / 8)
				break;
		}
		if (w < psz / 8)
			r->secret_pattern++;
	}
	r->splice_fallback = g_splice_fallback;
	return 0;
}

static int kcore_secret(long pages)
{
	long psz = sysconf(_SC_PAGESIZE), i;
	struct ks_job job;
	struct ks_res r;
	char *sec;
	int fd, pm, m, rc = 0;

	if (pages > KS_MAX_PAGES)
		pages = KS_MAX_PAGES;
	memset(&job, 0, sizeof(job));
	job.n = pages;
	job.tag = 0x5ec2e7000000000ULL ^ ((uint64_t)getpid() << 40) ^ (uint64_t)time(NULL);
	job.tag &= ~0xffffffffULL;
	fd = memfd_secret_map(pages, &sec);
	if (fd < 0)
		return 1;
	job.ctl = mmap(NULL, pages * psz, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (job.ctl == MAP_FAILED || mlock(job.ctl, pages * psz)) {
		perror("control pages");
		return 1;
	}
	/* The control pattern is the secret pattern with another tag. */
	for (i = 0; i < pages; i++) {
		ks_fill((unsigned char *)sec + i * psz, psz, job.tag, i);
		ks_fill(job.ctl + i * psz, psz, job.tag ^ (0xc0ULL << 56), i);
	}
	pm = open("/proc/self/pagemap", O_RDONLY);
	if (pm < 0) {
		perror("/proc/self/pagemap");
		return 1;
	}
	for (i = 0; i < pages; i++) {
		job.pfn_secret[i] = pagemap_pfn(pm, sec + i * psz);
		job.pfn_ctl[i] = pagemap_pfn(pm, job.ctl + i * psz);
		if (!job.pfn_secret[i] || !job.pfn_ctl[i]) {
			fprintf(stderr, "page %ld: no PFN in pagemap (secret %#llx, control %#llx)\n",
				i, (unsigned long long)job.pfn_secret[i],
				(unsigned long long)job.pfn_ctl[i]);
			return 1;
		}
	}
	close(pm);
	printf("secret_pfn0 %#llx\n", (unsigned long long)job.pfn_secret[0]);
	for (m = 0; m < 2; m++) {
		const char *what = m ? "kcore_sendfile" : "kcore_read";

		job.use_sendfile = m;
		if (guarded(ks_check, &job, &r, sizeof(r), what)) {
			rc = 1;
			continue;
		}
		if (!m)
			printf("secret_va0 %#llx\n", (unsigned long long)r.va0);
		printf("%s_control_match %ld\n%s_control_bad %ld\n"
		       "%s_secret_zero %ld\n%s_secret_nonzero %ld\n"
		       "%s_secret_pattern %ld\n%s_unread %ld\n%s_uncovered %ld\n",
		       what, r.ctl_match, what, r.ctl_bad, what, r.secret_zero,
		       what, r.secret_nonzero, what, r.secret_pattern, what,
		       r.unread, what, r.uncovered);
		if (m)
			printf("kcore_sendfile_eoverflow_spliced %ld\n", r.splice_fallback);
		if (r.ctl_match != pages || r.secret_zero != pages ||
		    r.secret_pattern)
			rc = 1;
	}
	/* The process still sees what it wrote. */
	for (i = 0; i < pages; i++) {
		unsigned char chk[64];

		ks_fill(chk, 64, job.tag, i);
		if (memcmp(sec + i * psz, chk, 64)) {
			fprintf(stderr, "secret page %ld changed\n", i);
			rc = 1;
		}
	}
	munmap(sec, pages * psz);
	close(fd);
	return rc;
}

static void usage(void)
{
	fprintf(stderr, "usage: pcwork secret PAGES [HOLD] | bpf PROGS [HOLD] |\n"
		"       secret-node PAGES NODE [PFN] | secret-loop SECONDS PAGES [NODE] |\n"
		"       secret-poison PAGES |\n"
		"       kcore-bpf PROGS | kcore-secret PAGES |\n"
		"       anon-node MIB NODE [HOLD]\n");
}

int main(int argc, char **argv)
{
	long n = argc > 2 ? strtol(argv[2], NULL, 0) : 0;
	long hold = argc > 3 ? strtol(argv[3], NULL, 0) : 0;

	if (argc < 3 || argc > 5 || n <= 0) {
		usage();
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!strcmp(argv[1], "secret") && argc <= 4)
		return secret(n, hold);
	if (!strcmp(argv[1], "bpf") && argc <= 4)
		return bpf(n, hold);
	if (!strcmp(argv[1], "secret-node") && argc >= 4)
		return secret_node(n, hold,
				   argc > 4 ? strtoull(argv[4], NULL, 0) : 0);
	if (!strcmp(argv[1], "secret-loop") && argc >= 4 && hold > 0)
		return secret_loop(n, hold, argc > 4 ? strtol(argv[4], NULL, 0) : -1);
	if (!strcmp(argv[1], "secret-poison") && argc == 3)
		return secret_poison(n);
	if (!strcmp(argv[1], "kcore-bpf") && argc == 3)
		return kcore_bpf(n);
	if (!strcmp(argv[1], "kcore-secret") && argc == 3)
		return kcore_secret(n);
	if (!strcmp(argv[1], "anon-node") && argc >= 4)
		return anon_node(n, hold,
				 argc > 4 ? strtol(argv[4], NULL, 0) : 0);
	fprintf(stderr, "unknown workload or arguments '%s'\n", argv[1]);
	usage();
	return 2;
}
