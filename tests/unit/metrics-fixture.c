// SPDX-License-Identifier: GPL-2.0
/*
 * The exporter's HTTP side and textfile on made-up figures, for
 * tests/host/exporter.t, where no IOMMU nor event source exists: serves
 * LISTEN through tools/lib/export/serve.c and writes DIR/iommu_flush.prom
 * as iommu-flush-exporter does, adding one fixed delta every INTERVAL_MS
 * for STEPS steps, then keeps serving the totals until SIGTERM.  Prints
 * "port N" once listening and "frozen" after the last step.
 *
 *   metrics-fixture LISTEN DIR STEPS INTERVAL_MS
 *
 * Each step, one series (intel-iommu, dma-iommu, 0000:00:04.0):
 *   10 maps of 4096 bytes, 10 unmaps of 4096 bytes, 2 IOTLB syncs of
 *   1500 ns each; and a second series (virtio-iommu, vfio, 0000:00:05.0)
 *   with 1 map of 2 MiB.
 */
#define _POSIX_C_SOURCE 200809L
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "metrics.h"
#include "outfile.h"
#include "serve.h"

static volatile sig_atomic_t stop;

static void on_term(int sig)
{
	(void)sig;
	stop = 1;
}

static void row(struct ifl_row *r, const char *drv, const char *cons, const char *dev)
{
	memset(r, 0, sizeof(*r));
	snprintf(r->driver, sizeof(r->driver), "%s", drv);
	snprintf(r->domain_type, sizeof(r->domain_type), "DMA");
	snprintf(r->consumer, sizeof(r->consumer), "%s", cons);
	snprintf(r->device, sizeof(r->device), "%s", dev);
	snprintf(r->caller, sizeof(r->caller), "-");
}

static int publish(struct ifl_metrics *m, struct ifl_serve *s, const struct ifl_out *tf)
{
	char *text[2] = { NULL, NULL }, err[4352];
	size_t len[2];

	for (int f = 0; f < 2; f++)
		if (ifl_metrics_render(m, (enum ifl_metrics_format)f, &text[f], &len[f]))
			return -1;
	if (ifl_out_write(tf, text[0], len[0], err, sizeof(err))) {
		fprintf(stderr, "metrics-fixture: %s\n", err);
		free(text[0]);
		free(text[1]);
		return -1;
	}
	ifl_serve_publish(s, text, len);
	return 0;
}

int main(int argc, char **argv)
{
	struct ifl_metrics_opts mo = { .source = "fixture", .prog_type = "none", .version = "0.1" };
	struct ifl_serve_opts so = { .name = "metrics-fixture", .verbose = true };
	struct sigaction sa = { .sa_handler = on_term };
	struct ifl_snapshot *d;
	struct ifl_metrics *m;
	struct ifl_serve *s;
	struct ifl_out tf;
	char err[4352], path[4096];
	int steps, ms, ret = 0;

	if (argc != 5 || (steps = atoi(argv[3])) < 1 || (ms = atoi(argv[4])) < 1) {
		fprintf(stderr, "usage: metrics-fixture LISTEN DIR STEPS INTERVAL_MS\n");
		return 2;
	}
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	snprintf(path, sizeof(path), "%s/iommu_flush.prom", argv[2]);
	if (ifl_out_check(path, &tf, err, sizeof(err))) {
		fprintf(stderr, "metrics-fixture: %s\n", err);
		return 1;
	}
	so.listen = argv[1];
	m = ifl_metrics_new(&mo);
	if (!m || ifl_serve_start(&so, &s, err, sizeof(err))) {
		fprintf(stderr, "metrics-fixture: %s\n", m ? err : "out of memory");
		return 1;
	}
	d = ifl_snapshot_new(2);
	d->nrows = 2;
	d->avail_counts = ~0ULL;
	d->avail_hists = ~0U;
	row(&d->rows[0], "intel-iommu", "dma-iommu", "0000:00:04.0");
	d->rows[0].count[IFL_C_MAP] = 10;
	d->rows[0].count[IFL_C_MAP_BYTES] = 10 * 4096;
	d->rows[0].hist[IFL_H_MAP_SIZE][13] = 10;
	d->rows[0].count[IFL_C_UNMAP] = 10;
	d->rows[0].count[IFL_C_UNMAP_BYTES] = 10 * 4096;
	d->rows[0].hist[IFL_H_UNMAP_SIZE][13] = 10;
	d->rows[0].count[IFL_C_SYNC] = 2;
	d->rows[0].count[IFL_C_SYNC_NS] = 3000;
	d->rows[0].hist[IFL_H_SYNC_NS][11] = 2;		/* 1500 ns: 11 bits */
	d->rows[0].hist[IFL_H_PAGES_PER_SYNC][3] = 2;	/* 5 pages each */
	d->rows[0].hist[IFL_H_UNMAPS_PER_SYNC][3] = 2;
	row(&d->rows[1], "virtio-iommu", "vfio", "0000:00:05.0");
	d->rows[1].count[IFL_C_MAP] = 1;
	d->rows[1].count[IFL_C_MAP_BYTES] = 2 << 20;
	d->rows[1].hist[IFL_H_MAP_SIZE][22] = 1;
	printf("port %u\n", ifl_serve_port(s));
	fflush(stdout);
	for (int k = 0; k < steps && !stop && !ret; k++) {
		struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

		if (ifl_metrics_add(m, d) || publish(m, s, &tf))
			ret = 1;
		nanosleep(&ts, NULL);
	}
	if (!ret) {
		printf("frozen\n");
		fflush(stdout);
	}
	while (!stop && !ret)
		nanosleep(&(struct timespec){ 0, 50000000L }, NULL);
	ifl_serve_stop(s);
	ifl_snapshot_free(d);
	ifl_metrics_free(m);
	return ret;
}
