// SPDX-License-Identifier: GPL-2.0
/*
 * The model's arithmetic on snapshots built by hand, no BPF: what a frame
 * and a recording show is a delta of two cumulative snapshots, and every
 * p50/p99 shown is computed from the delta's histograms.
 *  - ifl_snapshot_delta subtracts counts, drops and histograms bucket by
 *    bucket, matches rows by (domain, caller) whatever their order, keeps a
 *    row new since the first snapshot whole, and clamps a figure that went
 *    backwards at 0.  A delta that kept the cumulative histogram (or
 *    subtracted the counts alone) shows the percentiles of the whole run:
 *    the "p50 of the interval" check fails on it.
 *  - ifl_report_row_stats takes a mean from the counters (bytes / count)
 *    only when the counters count exactly the histogram's samples: with
 *    one sample missing from the histogram, the "exact" mean would divide
 *    all the bytes by one sample fewer.  Without that guard the "counts
 *    disagree" check fails.
 */
#include <stdlib.h>
#include <string.h>

#include "snapshot.h"
#include "hist_report.h"
#include "hist_text.h"
#include "iommu_flush.h"
#include "check.h"

static struct ifl_snapshot *snap(size_t nrows, uint64_t t)
{
	struct ifl_snapshot *s = calloc(1, sizeof(*s));

	if (!s || !(s->rows = calloc(nrows, sizeof(*s->rows)))) {
		printf("not ok out of memory\n");
		exit(1);
	}
	s->nrows = nrows;
	s->time_ns = t;
	s->avail_counts = ~0ULL;
	s->avail_hists = ~0U;
	return s;
}

static void row(struct ifl_row *r, unsigned int domain, const char *caller)
{
	r->domain = domain;
	strcpy(r->driver, "intel-iommu");
	strcpy(r->consumer, "dma-iommu");
	strcpy(r->caller, caller);
}

static const struct ifl_row *find(const struct ifl_snapshot *s, unsigned int domain, const char *caller)
{
	for (size_t i = 0; i < s->nrows; i++)
		if (s->rows[i].domain == domain && !strcmp(s->rows[i].caller, caller))
			return &s->rows[i];
	return NULL;
}

static void test_delta(void)
{
	struct ifl_snapshot *a = snap(2, 1000000000), *b = snap(3, 3000000000), *d = NULL;
	const unsigned int one = ifl_bucket(1), sixteen = ifl_bucket(16);
	const struct ifl_row *r, *n, *g;
	struct ifl_text_stats st;
	int ret;

	/* before: 100 strict syncs of one unmap each, on domain 1 */
	row(&a->rows[0], 2, "iommu_dma_unmap_page");
	row(&a->rows[1], 1, "iommu_dma_unmap_page");
	a->rows[1].count[IFL_C_SYNC] = 100;
	a->rows[1].count[IFL_C_UNMAP] = 100;
	a->rows[1].hist[IFL_H_UNMAPS_PER_SYNC][one] = 100;
	a->rows[0].count[IFL_C_MAP] = 7;
	a->rows[0].hist[IFL_H_MAP_SIZE][ifl_bucket(4096)] = 7;
	a->drops[0] = 3;
	/* now: 50 syncs more, each of 16..31 unmaps; the rows in another order */
	row(&b->rows[0], 1, "iommu_dma_unmap_page");
	b->rows[0].count[IFL_C_SYNC] = 150;
	b->rows[0].count[IFL_C_UNMAP] = 100 + 50 * 20;
	b->rows[0].hist[IFL_H_UNMAPS_PER_SYNC][one] = 100;
	b->rows[0].hist[IFL_H_UNMAPS_PER_SYNC][sixteen] = 50;
	row(&b->rows[1], 3, "vfio_unmap_unpin");
	b->rows[1].count[IFL_C_UNMAP] = 4;
	b->rows[1].hist[IFL_H_UNMAP_SIZE][ifl_bucket(65536)] = 4;
	row(&b->rows[2], 2, "iommu_dma_unmap_page");
	b->rows[2].count[IFL_C_MAP] = 5;	/* went backwards: clamped */
	b->rows[2].hist[IFL_H_MAP_SIZE][ifl_bucket(4096)] = 5;
	b->drops[0] = 10;

	ret = ifl_snapshot_delta(b, a, &d);
	if (ret || !d) {
		printf("not ok ifl_snapshot_delta failed (%d)\n", ret);
		exit(1);
	}
	CHECK(d->nrows == 3 && d->interval_ns == 2000000000 && d->time_ns == 3000000000,
	      "delta: a row per row of the later snapshot, over the 2 s between them");
	r = find(d, 1, "iommu_dma_unmap_page");
	CHECK(r && r->count[IFL_C_SYNC] == 50 && r->count[IFL_C_UNMAP] == 1000,
	      "delta: counts subtracted on the row of the same domain and caller (50 syncs, 1000 unmaps)");
	CHECK(r && r->hist[IFL_H_UNMAPS_PER_SYNC][one] == 0 && r->hist[IFL_H_UNMAPS_PER_SYNC][sixteen] == 50 &&
	      ifl_hist_total(r->hist[IFL_H_UNMAPS_PER_SYNC]) == 50,
	      "delta: histograms subtracted bucket by bucket (0 of 1 unmap, 50 of 16..31 in the interval)");
	if (r) {
		ifl_text_stats_of(r->hist[IFL_H_UNMAPS_PER_SYNC], &st);
		CHECK(st.count == 50 && st.p50 >= 16 && st.p50 <= 31 && st.p99 >= 16 && st.p99 <= 31,
		      "p50 of the interval: %.2f, p99 %.2f, both in 16..31 (the whole run's p50 is 1)",
		      st.p50, st.p99);
	}
	n = find(d, 3, "vfio_unmap_unpin");
	CHECK(n && n->count[IFL_C_UNMAP] == 4 && n->hist[IFL_H_UNMAP_SIZE][ifl_bucket(65536)] == 4,
	      "delta: a row new since the first snapshot is kept whole");
	g = find(d, 2, "iommu_dma_unmap_page");
	CHECK(g && g->count[IFL_C_MAP] == 0 && g->hist[IFL_H_MAP_SIZE][ifl_bucket(4096)] == 0,
	      "delta: a figure that went backwards reads 0, not a wrapped 2^64 - 2");
	CHECK(d->drops[0] == 7, "delta: drops subtracted (%llu)", (unsigned long long)d->drops[0]);
	ifl_snapshot_free(d);
	ifl_snapshot_free(a);
	ifl_snapshot_free(b);
}

static void test_exact_mean(void)
{
	struct ifl_snapshot *s = snap(2, 0);
	struct ifl_text_stats st, est;
	struct ifl_row *r = &s->rows[0], *q = &s->rows[1];
	const unsigned int b4k = ifl_bucket(4096), b8k = ifl_bucket(8192);

	/* 10 maps: 6 of 4 KiB and 4 of 8 KiB, all in the histogram */
	row(r, 1, "iommu_dma_map_page");
	r->count[IFL_C_MAP] = 10;
	r->count[IFL_C_MAP_BYTES] = 6 * 4096 + 4 * 8192;
	r->hist[IFL_H_MAP_SIZE][b4k] = 6;
	r->hist[IFL_H_MAP_SIZE][b8k] = 4;
	ifl_report_row_stats(s, r, IFL_H_MAP_SIZE, &st);
	CHECK(st.count == 10 && st.mean == (6 * 4096 + 4 * 8192) / 10.0 && st.p50 == 4096 && st.p99 == 8192,
	      "counts agree: the mean from the counters (%.1f), percentiles at the buckets' low ends (%.0f, %.0f)",
	      st.mean, st.p50, st.p99);

	/* the same counters, one 8 KiB sample missing from the histogram */
	*q = *r;
	q->domain = 2;
	q->hist[IFL_H_MAP_SIZE][b8k] = 3;
	ifl_report_row_stats(s, q, IFL_H_MAP_SIZE, &st);
	ifl_text_stats_of(q->hist[IFL_H_MAP_SIZE], &est);
	CHECK(st.count == 9 && st.mean == est.mean && st.p50 == est.p50 && st.p99 == est.p99 &&
	      st.mean != (6 * 4096 + 4 * 8192) / 9.0,
	      "counts disagree (10 maps, 9 samples): the histogram's own estimates (mean %.1f), not bytes / samples (%.1f)",
	      st.mean, (6 * 4096 + 4 * 8192) / 9.0);
	ifl_snapshot_free(s);
}

int main(void)
{
	test_delta();
	test_exact_mean();
	CHECK_EXIT();
}
