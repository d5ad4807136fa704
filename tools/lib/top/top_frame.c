// SPDX-License-Identifier: GPL-2.0
/*
 * iommu-flushtop's frames (top_frame.h): from two cumulative snapshots to
 * the sorted rows of per-second figures that every output mode prints.
 */
#define _GNU_SOURCE	/* qsort_r */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "top_frame.h"

static const struct ifl_fig_desc figs[IFL_NR_FIGS] = {
	[IFL_F_MAPS] = { "maps_per_s", "MAPS/s", IFL_U_RATE },
	[IFL_F_UNMAPS] = { "unmaps_per_s", "UNMAPS/s", IFL_U_RATE },
	[IFL_F_SYNCS] = { "syncs_per_s", "SYNCS/s", IFL_U_RATE },
	[IFL_F_FLUSH_ALL] = { "flush_all_per_s", "FLALL/s", IFL_U_RATE },
	[IFL_F_UNMAPS_PER_SYNC] = { "unmaps_per_sync", "UNMAP/SYNC", IFL_U_RATIO },
	[IFL_F_PAGES_PER_SYNC] = { "pages_per_sync", "PAGES/SYNC", IFL_U_RATIO },
	[IFL_F_FORCED_PCT] = { "forced_sync_pct", "FORCED%", IFL_U_PCT },
	[IFL_F_SYNC_P50] = { "sync_ns_p50", "SYNC-p50", IFL_U_NS },
	[IFL_F_SYNC_P99] = { "sync_ns_p99", "SYNC-p99", IFL_U_NS },
	[IFL_F_STALE_P99] = { "stale_ns_p99", "STALE-p99", IFL_U_NS },
};

const struct ifl_fig_desc *ifl_fig_desc(enum ifl_fig f)
{
	return f < IFL_NR_FIGS ? &figs[f] : NULL;
}

static const char *const group_names[IFL_NR_TG] = {
	[IFL_TG_CONSUMER] = "driver,consumer",
	[IFL_TG_DEVICE] = "driver,device",
	[IFL_TG_DRIVER] = "driver",
};

static const unsigned int group_by[IFL_NR_TG] = {
	[IFL_TG_CONSUMER] = IFL_BY_DRIVER | IFL_BY_CONSUMER,
	[IFL_TG_DEVICE] = IFL_BY_DRIVER | IFL_BY_DEVICE,
	[IFL_TG_DRIVER] = IFL_BY_DRIVER,
};

const char *ifl_top_group_name(enum ifl_top_group g)
{
	return g < IFL_NR_TG ? group_names[g] : "?";
}

int ifl_top_group_parse(const char *name)
{
	/* the short names of the option (-g consumer|device|driver) too */
	static const char *const short_names[IFL_NR_TG] = { "consumer", "device", "driver" };

	for (int g = 0; g < IFL_NR_TG; g++)
		if (!strcmp(name, group_names[g]) || !strcmp(name, short_names[g]))
			return g;
	return -1;
}

/* ---- figures -------------------------------------------------------------- */

static double ratio(double num, double den)
{
	return den > 0 ? num / den : NAN;
}

/* A percentile of a histogram, NAN when it is empty. */
static double pct(const uint64_t *h, double p)
{
	double v = ifl_hist_percentile(h, p);

	return v < 0 ? NAN : v;
}

void ifl_figures(const struct ifl_snapshot *s, const struct ifl_row *r, double secs,
		 double fig[IFL_NR_FIGS])
{
	const uint64_t *c = r->count;
	/*
	 * A flush covers unmaps either as an iotlb_sync (strict: the unmaps
	 * of its gather, i.e. those not left unsynced) or as a flush-queue
	 * flush (lazy: its entries).  The mean per flush is their quotient;
	 * exact, unlike a mean from the log2 histogram.
	 */
	double covered = (double)(c[IFL_C_UNMAP] - (c[IFL_C_UNMAP_UNSYNCED] < c[IFL_C_UNMAP] ?
						    c[IFL_C_UNMAP_UNSYNCED] : c[IFL_C_UNMAP])) +
			 (double)c[IFL_C_FQ_FLUSH_ENTRIES];
	double flushes = (double)(c[IFL_C_SYNC] + c[IFL_C_FQ_FLUSH]);
	/*
	 * Series v1 counts forced syncs on the range-add, by kind; v2 on the
	 * sync, both kinds in one.  No source measures both: their sum.
	 */
	bool v1_forced = ifl_count_available(s, IFL_C_FORCED_DISJOINT) &&
			 ifl_count_available(s, IFL_C_FORCED_PGSIZE);
	bool v2_forced = ifl_count_available(s, IFL_C_SYNC_FORCED);
	double forced = (v1_forced ? (double)(c[IFL_C_FORCED_DISJOINT] + c[IFL_C_FORCED_PGSIZE]) : 0) +
			(v2_forced ? (double)c[IFL_C_SYNC_FORCED] : 0);
	/*
	 * Pages per flush: the unmaps it covered times their mean size.  The
	 * pages-per-sync histogram has the exact samples but log2 buckets: a
	 * run of 64 KiB unmaps (16 pages) would read as 23.5, its bucket's
	 * middle.  The product is exact when the unmaps are of one size.
	 */
	double unmap_size = c[IFL_C_UNMAP] ? (double)c[IFL_C_UNMAP_BYTES] / (double)c[IFL_C_UNMAP] :
			    c[IFL_C_FQ_QUEUE] ? (double)c[IFL_C_FQ_QUEUE_BYTES] / (double)c[IFL_C_FQ_QUEUE] :
			    NAN;

	fig[IFL_F_MAPS] = ratio((double)c[IFL_C_MAP], secs);
	fig[IFL_F_UNMAPS] = ratio((double)c[IFL_C_UNMAP], secs);
	fig[IFL_F_SYNCS] = ratio((double)c[IFL_C_SYNC], secs);
	fig[IFL_F_FLUSH_ALL] = ratio((double)c[IFL_C_FLUSH_ALL], secs);
	fig[IFL_F_UNMAPS_PER_SYNC] = ratio(covered, flushes);
	fig[IFL_F_PAGES_PER_SYNC] = ratio(covered * unmap_size / (1 << IFL_PAGE_SHIFT), flushes);
	fig[IFL_F_FORCED_PCT] = ratio(100.0 * forced, (double)c[IFL_C_SYNC]);
	fig[IFL_F_SYNC_P50] = pct(r->hist[IFL_H_SYNC_NS], 0.50);
	fig[IFL_F_SYNC_P99] = pct(r->hist[IFL_H_SYNC_NS], 0.99);
	fig[IFL_F_STALE_P99] = pct(r->hist[IFL_H_STALE_NS], 0.99);

	/* what the source does not measure is unknown, not zero */
#define NEED_C(f, k) do { if (!ifl_count_available(s, k)) fig[f] = NAN; } while (0)
#define NEED_H(f, h) do { if (!ifl_hist_available(s, h)) fig[f] = NAN; } while (0)
	NEED_C(IFL_F_MAPS, IFL_C_MAP);
	NEED_C(IFL_F_UNMAPS, IFL_C_UNMAP);
	NEED_C(IFL_F_SYNCS, IFL_C_SYNC);
	NEED_C(IFL_F_FLUSH_ALL, IFL_C_FLUSH_ALL);
	NEED_C(IFL_F_UNMAPS_PER_SYNC, IFL_C_UNMAP_UNSYNCED);
	NEED_C(IFL_F_UNMAPS_PER_SYNC, IFL_C_SYNC);
	NEED_C(IFL_F_UNMAPS_PER_SYNC, IFL_C_FQ_FLUSH_ENTRIES);
	NEED_C(IFL_F_PAGES_PER_SYNC, IFL_C_UNMAP_BYTES);
	NEED_C(IFL_F_PAGES_PER_SYNC, IFL_C_FQ_QUEUE_BYTES);
	NEED_C(IFL_F_PAGES_PER_SYNC, IFL_C_UNMAP_UNSYNCED);
	NEED_C(IFL_F_PAGES_PER_SYNC, IFL_C_SYNC);
	if (!v1_forced && !v2_forced)
		fig[IFL_F_FORCED_PCT] = NAN;
	NEED_C(IFL_F_FORCED_PCT, IFL_C_SYNC);
	NEED_H(IFL_F_SYNC_P50, IFL_H_SYNC_NS);
	NEED_H(IFL_F_SYNC_P99, IFL_H_SYNC_NS);
	NEED_H(IFL_F_STALE_P99, IFL_H_STALE_NS);
#undef NEED_C
#undef NEED_H
	/*
	 * A source without the flush-queue counts (the fallback: dma-iommu's
	 * queue functions are inlined) still counts the unmaps each sync or
	 * flush-all covered, in the histograms: their mean, from the buckets
	 * (exact for the 1-unmap syncs of strict mode).
	 */
	if (isnan(fig[IFL_F_UNMAPS_PER_SYNC]) && ifl_hist_available(s, IFL_H_UNMAPS_PER_SYNC) &&
	    ifl_hist_total(r->hist[IFL_H_UNMAPS_PER_SYNC]))
		fig[IFL_F_UNMAPS_PER_SYNC] = ifl_hist_mean(r->hist[IFL_H_UNMAPS_PER_SYNC]);
	if (isnan(fig[IFL_F_PAGES_PER_SYNC]) && ifl_hist_available(s, IFL_H_PAGES_PER_SYNC) &&
	    ifl_hist_total(r->hist[IFL_H_PAGES_PER_SYNC]))
		fig[IFL_F_PAGES_PER_SYNC] = ifl_hist_mean(r->hist[IFL_H_PAGES_PER_SYNC]);
}

/* ---- filter ----------------------------------------------------------------- */

/* device is "a", "a,b" or "a,b,+N" (a group of several devices) */
static bool device_match(const char *want, const char *device)
{
	size_t n = strlen(want);

	for (const char *p = device; *p; ) {
		const char *end = strchrnul(p, ',');

		if ((size_t)(end - p) == n && !strncmp(p, want, n))
			return true;
		p = *end ? end + 1 : end;
	}
	return false;
}

bool ifl_top_filter_match(const struct ifl_top_filter *f, const struct ifl_row *r)
{
	if (!f)
		return true;
	if (f->driver && strcmp(f->driver, r->driver))
		return false;
	if (f->consumer && strcmp(f->consumer, r->consumer))
		return false;
	if (f->device && !device_match(f->device, r->device))
		return false;
	return true;
}

/* ---- frames ---------------------------------------------------------------- */

static bool row_active(const struct ifl_row *r)
{
	for (int k = 0; k < IFL_NR_COUNTS; k++)
		if (r->count[k])
			return true;
	return false;
}

/* Largest first; unknown figures last; ties by the rows' names, for a stable view. */
static int cmp_top_rows(const void *a, const void *b, void *arg)
{
	const struct ifl_top_row *x = a, *y = b;
	enum ifl_fig f = *(const enum ifl_fig *)arg;
	double u = x->fig[f], v = y->fig[f];
	int d;

	if (isnan(u) != isnan(v))
		return isnan(u) ? 1 : -1;
	if (!isnan(u) && u != v)
		return u > v ? -1 : 1;
	if ((d = strcmp(x->row->driver, y->row->driver)))
		return d;
	if ((d = strcmp(x->row->consumer, y->row->consumer)))
		return d;
	return strcmp(x->row->device, y->row->device);
}

int ifl_top_frame_build(const struct ifl_snapshot *now, const struct ifl_snapshot *before,
			const struct ifl_top_filter *filter, enum ifl_top_group group,
			enum ifl_fig sort, struct ifl_top_frame *out)
{
	struct ifl_snapshot *d = NULL;
	size_t kept = 0;
	int ret;

	memset(out, 0, sizeof(*out));
	out->start_ns = before->time_ns;
	out->end_ns = now->time_ns;
	out->secs = (double)(now->time_ns - before->time_ns) / 1e9;
	out->group = group < IFL_NR_TG ? group : IFL_TG_CONSUMER;
	out->sort = sort < IFL_NR_FIGS ? sort : IFL_F_UNMAPS;

	ret = ifl_snapshot_delta(now, before, &d);
	if (ret)
		return ret;
	/* the filter sees the ungrouped rows, so --device works in every grouping */
	for (size_t i = 0; i < d->nrows; i++)
		if (ifl_top_filter_match(filter, &d->rows[i]))
			d->rows[kept++] = d->rows[i];
	d->nrows = kept;
	for (size_t i = 0; i < d->nrows; i++) {
		for (int k = 0; k < IFL_NR_COUNTS; k++)
			out->total.count[k] += d->rows[i].count[k];
		for (int h = 0; h < IFL_NR_HISTS; h++)
			ifl_hist_merge(out->total.hist[h], d->rows[i].hist[h]);
	}
	snprintf(out->total.driver, sizeof(out->total.driver), "*");
	snprintf(out->total.consumer, sizeof(out->total.consumer), "*");
	snprintf(out->total.device, sizeof(out->total.device), "*");
	ifl_figures(d, &out->total, out->secs, out->total_fig);

	ret = ifl_snapshot_group(d, group_by[out->group], &out->grouped);
	ifl_snapshot_free(d);
	if (ret)
		return ret;
	out->rows = calloc(out->grouped->nrows ? out->grouped->nrows : 1, sizeof(*out->rows));
	if (!out->rows) {
		ifl_top_frame_free(out);
		return -IFL_ERR_SYS;
	}
	for (size_t i = 0; i < out->grouped->nrows; i++) {
		const struct ifl_row *r = &out->grouped->rows[i];

		if (!row_active(r))
			continue;
		out->rows[out->nrows].row = r;
		ifl_figures(out->grouped, r, out->secs, out->rows[out->nrows].fig);
		out->nrows++;
	}
	qsort_r(out->rows, out->nrows, sizeof(*out->rows), cmp_top_rows, &out->sort);
	return 0;
}

void ifl_top_frame_free(struct ifl_top_frame *f)
{
	ifl_snapshot_free(f->grouped);
	free(f->rows);
	f->grouped = NULL;
	f->rows = NULL;
	f->nrows = 0;
}
