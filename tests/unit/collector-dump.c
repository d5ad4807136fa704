// SPDX-License-Identifier: GPL-2.0
/*
 * collector-dump: the collector around one command, for tests.  Opens and
 * attaches the collector, takes a snapshot, runs CMD, takes another and
 * prints the difference as KEY=VALUE lines (prefix col_), totals and per
 * consumer, so a test can set them beside ftrace's count of the same
 * window.  Not a tool: iommu-flushtop and iommu-flushhist are.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "collector.h"

/*
 * --floor: an empty raw_tp program on each event of the series, attached
 * beside the collector's, so that kernel.bpf_stats gives the cost of a
 * program that does nothing on the same hook in the same window: the floor
 * the handlers' cost is set against (docs/performance.md).
 */
static const char *const floor_events[] = {
	"map", "unmap", "iotlb_gather_add", "iotlb_sync", "flush_iotlb_all",
	"sync_map", "dma_fq_queue", "dma_fq_flush",
};
#define NR_FLOOR (sizeof(floor_events) / sizeof(floor_events[0]))

static int floor_attach(int *prog_fd)
{
	const struct bpf_insn empty[] = {
		{ .code = 0xb7, .dst_reg = 0, .imm = 0 },	/* r0 = 0 */
		{ .code = 0x95 },				/* exit */
	};

	for (size_t i = 0; i < NR_FLOOR; i++) {
		int fd = bpf_prog_load(BPF_PROG_TYPE_RAW_TRACEPOINT, "floor", "GPL", empty, 2, NULL);

		if (fd < 0 || bpf_raw_tracepoint_open(floor_events[i], fd) < 0) {
			fprintf(stderr, "collector-dump: empty program on %s: %s\n",
				floor_events[i], strerror(errno));
			return -1;
		}
		prog_fd[i] = fd;
	}
	return 0;
}

static void floor_print(const int *prog_fd)
{
	for (size_t i = 0; i < NR_FLOOR; i++) {
		struct bpf_prog_info info = { 0 };
		__u32 len = sizeof(info);

		if (prog_fd[i] < 0 || bpf_obj_get_info_by_fd(prog_fd[i], &info, &len))
			continue;
		printf("floor_prog_%s=%llu %llu\n", floor_events[i],
		       (unsigned long long)info.run_cnt, (unsigned long long)info.run_time_ns);
	}
}

static void usage(FILE *f)
{
	fprintf(f, "usage: collector-dump [--raw-tp|--tp-btf] [--max-keys N] [--stats [--floor]] [--rows]\n"
		   "                      [--source NAME] [--verbose] -- CMD [ARG...]\n"
		   "       collector-dump --check      open the collector and say whether it works\n");
}

/* "bucket:count,..." of the non-empty buckets, or "-" */
static void print_hist(const char *key, const uint64_t *h)
{
	int first = 1;

	printf("%s=", key);
	for (int b = 0; b < IFL_HIST_BUCKETS; b++) {
		if (!h[b])
			continue;
		printf("%s%d:%llu", first ? "" : ",", b, (unsigned long long)h[b]);
		first = 0;
	}
	printf("%s\n", first ? "-" : "");
}

static void print_rows(const struct ifl_snapshot *s, const char *prefix, bool by_consumer)
{
	for (size_t i = 0; i < s->nrows; i++) {
		const struct ifl_row *r = &s->rows[i];
		char key[160];

		for (int k = 0; k < IFL_NR_COUNTS; k++) {
			if (!ifl_count_available(s, k) || (by_consumer && !r->count[k]))
				continue;
			if (by_consumer)
				printf("%s%s_%s=%llu\n", prefix, r->consumer, ifl_count_name(k),
				       (unsigned long long)r->count[k]);
			else
				printf("%s%s=%llu\n", prefix, ifl_count_name(k),
				       (unsigned long long)r->count[k]);
		}
		for (int h = 0; h < IFL_NR_HISTS; h++) {
			if (!ifl_hist_available(s, h) || (by_consumer && !ifl_hist_total(r->hist[h])))
				continue;
			if (by_consumer)
				snprintf(key, sizeof(key), "%s%s_hist_%s", prefix, r->consumer, ifl_hist_name(h));
			else
				snprintf(key, sizeof(key), "%shist_%s", prefix, ifl_hist_name(h));
			print_hist(key, r->hist[h]);
		}
	}
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "raw-tp", no_argument, NULL, 'r' },
		{ "tp-btf", no_argument, NULL, 'b' },
		{ "max-keys", required_argument, NULL, 'k' },
		{ "stats", no_argument, NULL, 's' },
		{ "floor", no_argument, NULL, 'F' },
		{ "rows", no_argument, NULL, 'R' },
		{ "source", required_argument, NULL, 'S' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "check", no_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct ifl_opts o = { 0 };
	struct ifl_collector *c;
	struct ifl_snapshot *a = NULL, *b = NULL, *d = NULL, *tot = NULL, *cons = NULL;
	bool stats = false, rows = false, check = false, with_floor = false;
	int floor_fd[NR_FLOOR];
	char err[256];
	int opt, ret, status = 0;
	pid_t pid;

	while ((opt = getopt_long(argc, argv, "+h", lo, NULL)) != -1) {
		switch (opt) {
		case 'r': o.mode = IFL_PROG_RAW_TP; break;
		case 'b': o.mode = IFL_PROG_TP_BTF; break;
		case 'k': o.max_keys = (unsigned int)strtoul(optarg, NULL, 0); break;
		case 's': stats = true; break;
		case 'F': with_floor = true; break;
		case 'R': rows = true; break;
		case 'S': o.source = optarg; break;
		case 'v': o.verbose = true; break;
		case 'c': check = true; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (!check && optind >= argc) {
		usage(stderr);
		return 2;
	}
	ret = ifl_open(&o, &c, err, sizeof(err));
	if (ret) {
		fprintf(stderr, "collector-dump: %s\n", err);
		return ret == -IFL_ERR_BPF || ret == -IFL_ERR_SYS ? 3 : 1;
	}
	printf("col_source=%s\ncol_source_desc=%s\ncol_prog_type=%s\ncol_domain_free=%s\n", ifl_info(c)->source,
	       ifl_info(c)->source_desc, ifl_info(c)->prog_type,
	       ifl_info(c)->domain_free ? ifl_info(c)->domain_free : "none");
	if (check) {
		ifl_close(c);
		return 0;
	}
	if (stats && ifl_enable_prog_stats(c))
		fprintf(stderr, "collector-dump: %s\n", ifl_errmsg(c));
	for (size_t i = 0; i < NR_FLOOR; i++)
		floor_fd[i] = -1;
	if (with_floor && floor_attach(floor_fd)) {
		ifl_close(c);
		return 3;
	}
	if (ifl_snapshot_take(c, &a)) {
		fprintf(stderr, "collector-dump: %s\n", ifl_errmsg(c));
		ifl_close(c);
		return 3;
	}
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		execvp(argv[optind], argv + optind);
		fprintf(stderr, "collector-dump: %s: %s\n", argv[optind], strerror(errno));
		_exit(127);
	}
	if (pid < 0 || waitpid(pid, &status, 0) < 0) {
		fprintf(stderr, "collector-dump: cannot run %s: %s\n", argv[optind], strerror(errno));
		ifl_close(c);
		return 3;
	}
	ret = ifl_snapshot_take(c, &b);
	if (!ret)
		ret = ifl_snapshot_delta(b, a, &d);
	if (!ret)
		ret = ifl_snapshot_group(d, 0, &tot);
	if (!ret)
		ret = ifl_snapshot_group(d, IFL_BY_CONSUMER, &cons);
	if (ret) {
		fprintf(stderr, "collector-dump: %s\n", ifl_errmsg(c));
		goto out;
	}
	printf("col_cmd_status=%d\n", WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
	printf("col_interval_ms=%llu\n", (unsigned long long)(d->interval_ns / 1000000));
	for (int k = 0; k < IFL_NR_DROPS; k++)
		printf("col_drop_%s=%llu\n", ifl_drop_name(k), (unsigned long long)d->drops[k]);
	if (tot->nrows == 1)
		print_rows(tot, "col_n_", false);
	print_rows(cons, "col_cons_", true);
	if (rows) {
		for (size_t i = 0; i < d->nrows; i++) {
			const struct ifl_row *r = &d->rows[i];

			printf("col_row=%u|%s|%s|%s|%s|%s|map=%llu unmap=%llu range_add=%llu sync=%llu "
			       "flush_all=%llu sync_map=%llu fq_queue=%llu fq_flush=%llu\n",
			       r->domain, r->driver, r->domain_type, r->consumer, r->device, r->caller,
			       (unsigned long long)r->count[IFL_C_MAP], (unsigned long long)r->count[IFL_C_UNMAP],
			       (unsigned long long)r->count[IFL_C_RANGE_ADD], (unsigned long long)r->count[IFL_C_SYNC],
			       (unsigned long long)r->count[IFL_C_FLUSH_ALL], (unsigned long long)r->count[IFL_C_SYNC_MAP],
			       (unsigned long long)r->count[IFL_C_FQ_QUEUE], (unsigned long long)r->count[IFL_C_FQ_FLUSH]);
		}
	}
	if (stats) {
		struct ifl_prog_stat ps[32];
		int n = ifl_prog_stats(c, ps, 32);

		for (int i = 0; i < n; i++)
			printf("col_prog_%s=%llu %llu\n", ps[i].name, (unsigned long long)ps[i].run_cnt,
			       (unsigned long long)ps[i].run_time_ns);
		if (with_floor)
			floor_print(floor_fd);
	}
out:
	ifl_snapshot_free(cons);
	ifl_snapshot_free(tot);
	ifl_snapshot_free(d);
	ifl_snapshot_free(b);
	ifl_snapshot_free(a);
	ifl_close(c);
	return ret ? 3 : 0;
}
