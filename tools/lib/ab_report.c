// SPDX-License-Identifier: GPL-2.0
/* Runs of A against runs of B, with their spread (see ab_report.h). */
#include <stdlib.h>
#include <string.h>

#include "ab_report.h"
#include "hist_report.h"
#include "hist_text.h"

static const struct {
	const char *name;
	enum ifl_count count;	/* a rate: this count per second */
	int hist;		/* or a statistic of this histogram (-1: a rate) */
	char stat;		/* 'm' mean, '5' p50, '9' p99 */
} figures[IFL_AB_NR_FIGURES] = {
	[IFL_AB_UNMAPS_PS] = { "unmaps per second", IFL_C_UNMAP, -1, 0 },
	[IFL_AB_SYNCS_PS] = { "iotlb syncs per second", IFL_C_SYNC, -1, 0 },
	[IFL_AB_FLUSH_ALL_PS] = { "flush-alls per second", IFL_C_FLUSH_ALL, -1, 0 },
	[IFL_AB_FQ_FLUSH_PS] = { "flush-queue flushes per second", IFL_C_FQ_FLUSH, -1, 0 },
	[IFL_AB_UNMAPS_PER_SYNC_MEAN] = { "unmaps per sync, mean", 0, IFL_H_UNMAPS_PER_SYNC, 'm' },
	[IFL_AB_UNMAPS_PER_SYNC_P99] = { "unmaps per sync, p99", 0, IFL_H_UNMAPS_PER_SYNC, '9' },
	[IFL_AB_PAGES_PER_SYNC_MEAN] = { "pages per sync, mean", 0, IFL_H_PAGES_PER_SYNC, 'm' },
	[IFL_AB_SYNC_NS_P50] = { "sync duration (ns), p50", 0, IFL_H_SYNC_NS, '5' },
	[IFL_AB_SYNC_NS_P99] = { "sync duration (ns), p99", 0, IFL_H_SYNC_NS, '9' },
	[IFL_AB_STALE_NS_P50] = { "stale window (ns), p50", 0, IFL_H_STALE_NS, '5' },
	[IFL_AB_STALE_NS_P99] = { "stale window (ns), p99", 0, IFL_H_STALE_NS, '9' },
};

const char *ifl_ab_figure_name(enum ifl_ab_figure fig)
{
	return (unsigned int)fig < IFL_AB_NR_FIGURES ? figures[fig].name : "?";
}

double ifl_ab_figure_of(const struct ifl_dump *d, enum ifl_ab_figure fig)
{
	struct ifl_snapshot *all = NULL;
	struct ifl_text_stats st;
	double v = -1;

	if ((unsigned int)fig >= IFL_AB_NR_FIGURES || ifl_snapshot_group(d->snap, 0, &all))
		return -1;
	if (all->nrows != 1)
		goto out;
	if (figures[fig].hist < 0) {
		if (ifl_count_available(all, figures[fig].count) && d->meta.duration_ns)
			v = (double)all->rows[0].count[figures[fig].count] * 1e9 /
			    (double)d->meta.duration_ns;
		goto out;
	}
	if (!ifl_hist_available(all, figures[fig].hist))
		goto out;
	ifl_report_row_stats(all, &all->rows[0], figures[fig].hist, &st);
	if (!st.count)
		goto out;
	v = figures[fig].stat == 'm' ? st.mean : figures[fig].stat == '5' ? st.p50 : st.p99;
out:
	ifl_snapshot_free(all);
	return v;
}

static int cmp_double(const void *x, const void *y)
{
	double a = *(const double *)x, b = *(const double *)y;

	return (a > b) - (a < b);
}

struct side {
	size_t n;		/* runs with a value */
	double med, min, max;
};

/* Median and range of one figure over the runs that have it. */
static void side_of(const struct ifl_dump *d, size_t nd, enum ifl_ab_figure fig, double *buf,
		    struct side *s)
{
	s->n = 0;
	for (size_t i = 0; i < nd; i++) {
		double v = ifl_ab_figure_of(&d[i], fig);

		if (v >= 0)
			buf[s->n++] = v;
	}
	if (!s->n)
		return;
	qsort(buf, s->n, sizeof(*buf), cmp_double);
	s->min = buf[0];
	s->max = buf[s->n - 1];
	s->med = s->n % 2 ? buf[s->n / 2] : (buf[s->n / 2 - 1] + buf[s->n / 2]) / 2;
}

/* "median (min..max)", or "-" */
static void side_text(char *buf, size_t len, const struct side *s)
{
	char m[16], lo[16], hi[16];

	if (!s->n) {
		snprintf(buf, len, "-");
		return;
	}
	ifl_text_num(m, sizeof(m), s->med);
	ifl_text_num(lo, sizeof(lo), s->min);
	ifl_text_num(hi, sizeof(hi), s->max);
	snprintf(buf, len, "%s (%s..%s)", m, lo, hi);
}

int ifl_ab_compare(FILE *f, const struct ifl_dump *a, size_t na, const struct ifl_dump *b,
		   size_t nb, unsigned int *shown, char *err, size_t errlen)
{
	size_t nmax = na > nb ? na : nb;
	double *buf;
	unsigned int printed = 0;

	*shown = 0;
	if (!na || !nb)
		return ifl_dump_fail(err, errlen, "each side needs at least one recording");
	for (size_t i = 0; i < na + nb; i++) {
		const struct ifl_dump *d = i < na ? &a[i] : &b[i - na];

		if (d->snap->avail_hists != a[0].snap->avail_hists ||
		    d->snap->avail_counts != a[0].snap->avail_counts)
			return ifl_dump_fail(err, errlen,
					     "the recordings measure different figures (another event source?)");
	}
	buf = calloc(nmax, sizeof(*buf));
	if (!buf)
		return ifl_dump_fail(err, errlen, "out of memory");

	fprintf(f, "A: %zu run%s, B: %zu run%s; each side: median (min..max) over\n",
		na, na == 1 ? "" : "s", nb, nb == 1 ? "" : "s");
	fprintf(f, "its runs.  A difference is shown when the ranges do not overlap.\n");
	for (int fig = 0; fig < IFL_AB_NR_FIGURES; fig++) {
		struct side sa, sb;
		char ta[64], tb[64], ratio[16] = "-";
		const char *verdict = "-";

		side_of(a, na, fig, buf, &sa);
		side_of(b, nb, fig, buf, &sb);
		if (!sa.n && !sb.n)
			continue;
		/* a rate that is 0 on both sides says nothing */
		if (sa.n && sb.n && sa.max == 0 && sb.max == 0)
			continue;
		side_text(ta, sizeof(ta), &sa);
		side_text(tb, sizeof(tb), &sb);
		if (sa.n && sb.n) {
			if (sa.med > 0) {
				ifl_text_num(ratio, sizeof(ratio) - 1, sb.med / sa.med);
				strcat(ratio, "x");
			}
			if (na < 2 || nb < 2) {
				verdict = "no spread";
			} else if (sa.max < sb.min || sb.max < sa.min) {
				verdict = "shown";
				(*shown)++;
			} else {
				verdict = "not shown";
			}
		}
		fprintf(f, "%s\n  A %-23s B %-23s %-6s %s\n", figures[fig].name, ta, tb, ratio, verdict);
		printed++;
	}
	if (!printed)
		fprintf(f, "no IOMMU activity in the recordings\n");
	else if (na < 2 || nb < 2)
		fprintf(f, "one run on a side: no spread, so no difference can be shown\n");
	else if (!*shown)
		fprintf(f, "no difference shown: every figure of B is inside A's spread\n");
	else
		fprintf(f, "%u of %u figures differ beyond the spread of the runs\n", *shown, printed);
	free(buf);
	return 0;
}
