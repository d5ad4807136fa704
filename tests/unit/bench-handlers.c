// SPDX-License-Identifier: GPL-2.0
/*
 * bench-handlers: the cost of each event handler per event, on any kernel.
 *
 * BPF_PROG_TEST_RUN cannot repeat a raw_tp program in the kernel (the
 * kernel refuses "repeat" for raw_tp), so each run is one syscall; the
 * program's own time is taken from the kernel's BPF run-time statistics
 * (BPF_ENABLE_STATS: run_time_ns / run_cnt), which time the program alone.
 * An empty raw_tp program is measured the same way in the same rounds: the
 * floor, i.e. the statistics' own clock reads and the dispatch.
 *
 * The events are driven as they come on a real kernel, with the maps in
 * their steady state (keys and domain cached): map, sync_map and
 * flush_iotlb_all alone; iotlb_gather_add + unmap + iotlb_sync as one strict
 * unmap; dma_fq_queue + dma_fq_flush as one queued unmap and the flush
 * that covers it.
 *
 * usage: bench-handlers [ROUNDS [RUNS]]   (default 7 rounds of 20000 runs)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "collector.h"
#include "testing.h"

#define D 0xdead1000ULL
#define G 0x5a000000ULL
#define CALLER 0xffffffff81100014ULL

enum { P_EMPTY, P_MAP, P_UNMAP, P_ADD, P_SYNC, P_FLUSH_ALL, P_SYNC_MAP, P_FQ_QUEUE, P_FQ_FLUSH, NP };
static const char *const names[NP] = {
	"empty (floor)", "map", "unmap", "iotlb_gather_add", "iotlb_sync", "flush_iotlb_all",
	"sync_map", "dma_fq_queue", "dma_fq_flush",
};
static const enum ifl_event evs[NP] = {
	0, IFL_EV_MAP, IFL_EV_UNMAP, IFL_EV_GATHER_ADD, IFL_EV_SYNC, IFL_EV_FLUSH_ALL,
	IFL_EV_SYNC_MAP, IFL_EV_FQ_QUEUE, IFL_EV_FQ_FLUSH,
};
static int fd[NP];

static struct ifl_collector *c;

static void run(int p, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
	uint64_t args[6] = { a0, a1, a2, a3, a4, a5 };
	LIBBPF_OPTS(bpf_test_run_opts, o, .ctx_in = args, .ctx_size_in = sizeof(args),
		    .flags = BPF_F_TEST_RUN_ON_CPU, .cpu = 0);

	if (p == P_EMPTY ? bpf_prog_test_run_opts(fd[p], &o) : ifl_test_run(c, evs[p], args, 6, 0)) {
		fprintf(stderr, "bench-handlers: test run of %s failed\n", names[p]);
		exit(1);
	}
}

static void stats(int p, uint64_t *cnt, uint64_t *ns)
{
	struct bpf_prog_info info;
	__u32 len = sizeof(info);

	memset(&info, 0, sizeof(info));
	if (bpf_obj_get_info_by_fd(fd[p], &info, &len)) {
		fprintf(stderr, "bench-handlers: prog info: %s\n", strerror(errno));
		exit(1);
	}
	*cnt = info.run_cnt;
	*ns = info.run_time_ns;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	int rounds = argc > 1 ? atoi(argv[1]) : 7, runs = argc > 2 ? atoi(argv[2]) : 20000;
	struct ifl_opts o = { .mode = IFL_PROG_RAW_TP, .no_attach = true, .skip_env_checks = true,
			      .kallsyms = "/dev/null" };
	struct ifl_domain_info di = { .type = 11, .granule = 4096 };
	struct bpf_insn empty[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	double *per;
	char err[256];
	uint64_t seq = 1;

	if (rounds < 1 || runs < 1) {
		fprintf(stderr, "usage: bench-handlers [ROUNDS [RUNS]]\n");
		return 2;
	}
	if (ifl_open(&o, &c, err, sizeof(err))) {
		fprintf(stderr, "bench-handlers: %s\n", err);
		return 1;
	}
	if (ifl_enable_prog_stats(c) || ifl_test_set_domain(c, D, &di)) {
		fprintf(stderr, "bench-handlers: %s\n", ifl_errmsg(c));
		return 1;
	}
	fd[P_EMPTY] = bpf_prog_load(BPF_PROG_TYPE_RAW_TRACEPOINT, "empty", "GPL", empty, 2, NULL);
	for (int p = 1; p < NP; p++)
		fd[p] = ifl_test_prog_fd(c, evs[p]);
	for (int p = 0; p < NP; p++)
		if (fd[p] < 0) {
			fprintf(stderr, "bench-handlers: no program for %s\n", names[p]);
			return 1;
		}
	per = calloc((size_t)rounds * NP, sizeof(*per));
	if (!per)
		return 1;

	for (int r = -1; r < rounds; r++) {	/* round -1 warms the maps up */
		uint64_t c0[NP], n0[NP], c1, n1;

		for (int p = 0; p < NP; p++)
			stats(p, &c0[p], &n0[p]);
		for (int i = 0; i < runs; i++) {
			run(P_EMPTY, 0, 0, 0, 0, 0, 0);
			run(P_MAP, 0x100000, 0x200000, 4096, D, CALLER, 0);
			run(P_SYNC_MAP, D, 0x100000, 4096, 0, CALLER, 300);
			run(P_FLUSH_ALL, D, CALLER, 50000, 0, 0, 0);
			run(P_ADD, D, G, 0x100000, 4096, 0, 0);
			run(P_UNMAP, 0x100000, 4096, 4096, D, CALLER, 0);
			run(P_SYNC, D, G, CALLER, 1000, 0, 0);
			run(P_FQ_QUEUE, D, 0, 0x100000, 1, seq, 0);
			run(P_FQ_FLUSH, D, 0, seq, 1, 50000, 0);
			seq++;
		}
		if (r < 0)
			continue;
		for (int p = 0; p < NP; p++) {
			stats(p, &c1, &n1);
			per[p * rounds + r] = c1 > c0[p] ? (double)(n1 - n0[p]) / (double)(c1 - c0[p]) : 0;
		}
	}

	printf("# ns per event from BPF run-time statistics, %d rounds of %d runs, CPU 0\n", rounds, runs);
	printf("# %-18s %8s %8s %8s %8s %8s\n", "program", "median", "min", "max", "-floor", "x floor");
	{
		double floor_med;

		qsort(per, (size_t)rounds, sizeof(*per), cmp_double);
		floor_med = per[rounds / 2];
		for (int p = 0; p < NP; p++) {
			double *v = per + p * rounds, med;

			qsort(v, (size_t)rounds, sizeof(*v), cmp_double);
			med = v[rounds / 2];
			printf("  %-18s %8.1f %8.1f %8.1f %8.1f %8.2f\n", names[p], med, v[0], v[rounds - 1],
			       med - floor_med, floor_med > 0 ? med / floor_med : 0);
		}
	}
	free(per);
	ifl_close(c);
	return 0;
}
