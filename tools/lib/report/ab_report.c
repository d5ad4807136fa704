// SPDX-License-Identifier: GPL-2.0
/* Runs of A against runs of B, with their spread (see ab_report.h). */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ab_report.h"
#include "hist_report.h"
#include "hist_text.h"
#include "strbuf.h"

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

/*
 * One figure over the runs that have it (v[r * IFL_AB_NR_FIGURES + fig] for
 * run r): its values into vals (in run order), their median and range.
 */
static void side_of(const double *v, size_t nr, int fig, double *vals, double *buf,
		    struct side *s)
{
	s->n = 0;
	for (size_t r = 0; r < nr; r++) {
		double x = v[r * IFL_AB_NR_FIGURES + fig];

		if (x >= 0)
			vals[s->n++] = x;
	}
	if (!s->n)
		return;
	memcpy(buf, vals, s->n * sizeof(*buf));
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

/* ---- the test ---------------------------------------------------------- */

struct ranked {
	double v;
	size_t i;
};

static int cmp_ranked(const void *x, const void *y)
{
	const struct ranked *a = x, *b = y;

	return (a->v > b->v) - (a->v < b->v);
}

/* C(n, k) as a double (exact while it fits 53 bits). */
static double choose(size_t n, size_t k)
{
	double c = 1;

	if (k > n - k)
		k = n - k;
	for (size_t i = 1; i <= k; i++)
		c = c * (double)(n - k + i) / (double)i;
	return c;
}

/* splitmix64: the seeded sample of splits, the same on every run */
static uint64_t next_rand(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

double ifl_ab_rank_p_min(size_t na, size_t nb)
{
	if (!na || !nb)
		return 1;
	if (na + nb > IFL_AB_EXACT_MAX)
		return 1.0 / (1.0 + IFL_AB_SAMPLES);
	return 2.0 / choose(na + nb, na);
}

double ifl_ab_rank_p(const double *a, size_t na, const double *b, size_t nb)
{
	size_t n = na + nb, S = n * (n + 1);
	struct ranked *x;
	long *r2, sa = 0, center, obs;
	double p = -1;

	if (!na || !nb)
		return 1;
	x = calloc(n, sizeof(*x));
	r2 = calloc(n, sizeof(*r2));
	if (!x || !r2)
		goto out;
	for (size_t i = 0; i < n; i++)
		x[i] = (struct ranked){ i < na ? a[i] : b[i - na], i };
	qsort(x, n, sizeof(*x), cmp_ranked);
	/* twice the mid-rank of each value: integers, ties share theirs */
	for (size_t i = 0, j; i < n; i = j) {
		for (j = i + 1; j < n && x[j].v == x[i].v; j++)
			;
		for (size_t k = i; k < j; k++)
			r2[x[k].i] = (long)(i + j + 1);
	}
	for (size_t i = 0; i < na; i++)
		sa += r2[i];
	center = (long)(na * (n + 1));	/* twice the mean rank sum of A */
	obs = labs(sa - center);

	if (n <= IFL_AB_EXACT_MAX) {
		/* cnt[k][s]: subsets of k of the values seen so far, rank sum s */
		double *cnt = calloc((na + 1) * (S + 1), sizeof(*cnt)), hits = 0, all = 0;
		size_t tot = 0;

		if (!cnt)
			goto out;
		cnt[0] = 1;
		for (size_t i = 0; i < n; i++) {
			size_t w = (size_t)r2[i];

			tot += w;
			for (size_t k = i + 1 < na ? i + 1 : na; k >= 1; k--)
				for (size_t s = tot; s >= w; s--)
					cnt[k * (S + 1) + s] += cnt[(k - 1) * (S + 1) + s - w];
		}
		for (size_t s = 0; s <= S; s++) {
			double c = cnt[na * (S + 1) + s];

			all += c;
			if (labs((long)s - center) >= obs)
				hits += c;
		}
		free(cnt);
		p = hits / all;
	} else {
		uint64_t state = 0x1f1a5b0b1e5eedULL;
		size_t *perm = calloc(n, sizeof(*perm));
		unsigned long hits = 0;

		if (!perm)
			goto out;
		for (size_t i = 0; i < n; i++)
			perm[i] = i;
		for (unsigned int t = 0; t < IFL_AB_SAMPLES; t++) {
			long s = 0;

			/* partial Fisher-Yates: na of the n, uniformly */
			for (size_t k = 0; k < na; k++) {
				size_t j = k + (size_t)(next_rand(&state) % (n - k)), tmp = perm[k];

				perm[k] = perm[j];
				perm[j] = tmp;
				s += r2[perm[k]];
			}
			if (labs(s - center) >= obs)
				hits++;
		}
		free(perm);
		p = (1.0 + (double)hits) / (1.0 + IFL_AB_SAMPLES);
	}
out:
	free(x);
	free(r2);
	return p;
}

/* "5%", "2.5%", "1.67%" */
static void percent(char *buf, size_t len, double alpha)
{
	snprintf(buf, len, "%.3g%%", alpha * 100);
}

int ifl_ab_compare_figures(FILE *f, const double *a, size_t na, const double *b, size_t nb,
			   double alpha, struct ifl_ab_result *res, char *err, size_t errlen)
{
	size_t nmax = na > nb ? na : nb;
	double *va, *vb, *buf;
	struct side sa[IFL_AB_NR_FIGURES], sb[IFL_AB_NR_FIGURES];
	bool printed[IFL_AB_NR_FIGURES] = { 0 };
	int order[IFL_AB_NR_FIGURES];
	unsigned int nprinted = 0, need = 0;
	char pct[16], pmin[16], line[512];
	bool attainable;

	memset(res, 0, sizeof(*res));
	for (int fig = 0; fig < IFL_AB_NR_FIGURES; fig++)
		res->p[fig] = -1;
	if (!na || !nb)
		return ifl_dump_fail(err, errlen, "each side needs at least one recording");
	if (!(alpha > 0 && alpha < 1))
		return ifl_dump_fail(err, errlen, "the family-wise level must be above 0 and below 1");
	va = calloc(nmax, sizeof(*va));
	vb = calloc(nmax, sizeof(*vb));
	buf = calloc(nmax, sizeof(*buf));
	if (!va || !vb || !buf) {
		free(va);
		free(vb);
		free(buf);
		return ifl_dump_fail(err, errlen, "out of memory");
	}

	res->p_min = ifl_ab_rank_p_min(na, nb);
	for (int fig = 0; fig < IFL_AB_NR_FIGURES; fig++) {
		side_of(a, na, fig, va, buf, &sa[fig]);
		side_of(b, nb, fig, vb, buf, &sb[fig]);
		if (!sa[fig].n && !sb[fig].n)
			continue;
		/* a rate that is 0 on both sides says nothing */
		if (sa[fig].n && sb[fig].n && sa[fig].max == 0 && sb[fig].max == 0)
			continue;
		printed[fig] = true;
		nprinted++;
		if (sa[fig].n < 2 || sb[fig].n < 2)
			continue;
		res->p[fig] = ifl_ab_rank_p(va, sa[fig].n, vb, sb[fig].n);
		if (res->p[fig] < 0) {
			free(va);
			free(vb);
			free(buf);
			return ifl_dump_fail(err, errlen, "out of memory");
		}
		order[res->compared++] = fig;
	}
	free(va);
	free(vb);
	free(buf);

	/* Holm: the k-th smallest p (from 0) against alpha / (F - k), until one is not */
	for (unsigned int i = 1; i < res->compared; i++)
		for (unsigned int j = i; j > 0 && res->p[order[j]] < res->p[order[j - 1]]; j--) {
			int t = order[j];

			order[j] = order[j - 1];
			order[j - 1] = t;
		}
	for (unsigned int k = 0; k < res->compared; k++) {
		int fig = order[k];

		if (res->p[fig] > alpha / (double)(res->compared - k) * (1 + 1e-9))
			break;
		res->shown++;
		res->mask |= 1u << fig;
	}
	attainable = res->compared && res->p_min <= alpha / (double)res->compared * (1 + 1e-9);
	if (!f)
		return 0;

	fprintf(f, "A: %zu run%s, B: %zu run%s; each side: median (min..max) over its runs.\n",
		na, na == 1 ? "" : "s", nb, nb == 1 ? "" : "s");
	percent(pct, sizeof(pct), alpha);
	if (res->compared) {
		char splits[96];
		double c = choose(na + nb, na);

		if (na + nb <= IFL_AB_EXACT_MAX)
			snprintf(splits, sizeof(splits), c < 1e9 ? "exact rank test (Mann-Whitney, all %.0f"
				 : "exact rank test (Mann-Whitney, all %.3g", c);
		else
			snprintf(splits, sizeof(splits), "rank test (Mann-Whitney, %d seeded random",
				 IFL_AB_SAMPLES);
		struct ifl_strbuf sb = ifl_sb(line, sizeof(line));

		ifl_sb_put(&sb, "Shown: a two-sided %s splits of the runs) gives p <= %s/k, Holm over "
			   "the %u figures compared: two kernels that behave the same show a "
			   "difference on any figure in at most %s of comparisons.",
			   splits, pct, res->compared, pct);
		if (!attainable) {
			size_t m = 2;

			while (ifl_ab_rank_p_min(m, m) > alpha / (double)res->compared)
				m++;
			need = (unsigned int)m;
			snprintf(pmin, sizeof(pmin), "%.2g", res->p_min);
			ifl_sb_put(&sb, "  With %zu and %zu runs p is at least %s, above %s/%u: no "
				   "difference can be shown (%u runs a side can).",
				   na, nb, pmin, pct, res->compared, need);
		}
		ifl_text_wrap(f, "", line, 0);
	}
	for (int fig = 0; fig < IFL_AB_NR_FIGURES; fig++) {
		char ta[64], tb[64], ratio[16] = "-";
		const char *verdict = "-";

		if (!printed[fig])
			continue;
		side_text(ta, sizeof(ta), &sa[fig]);
		side_text(tb, sizeof(tb), &sb[fig]);
		if (sa[fig].n && sb[fig].n && sa[fig].med > 0) {
			ifl_text_num(ratio, sizeof(ratio) - 1, sb[fig].med / sa[fig].med);
			strcat(ratio, "x");
		}
		if (res->p[fig] >= 0) {
			char p[16];

			snprintf(p, sizeof(p), "%.2g", res->p[fig]);
			fprintf(f, "%-58s p %s\n", figures[fig].name, p);
			verdict = res->mask & (1u << fig) ? "shown" : "not shown";
		} else {
			fprintf(f, "%s\n", figures[fig].name);
			if (sa[fig].n && sb[fig].n)
				verdict = "no spread";
		}
		fprintf(f, "  A %-23s B %-23s %-6s %s\n", ta, tb, ratio, verdict);
	}
	if (!nprinted)
		fprintf(f, "no IOMMU activity in the recordings\n");
	else if (na < 2 || nb < 2)
		fprintf(f, "one run on a side: no spread, so no difference can be shown\n");
	else if (!attainable)
		fprintf(f, "too few runs for %u figures: no difference can be shown\n", res->compared);
	else if (!res->shown)
		fprintf(f, "no difference shown on any of the %u figures\n", res->compared);
	else
		fprintf(f, "%u of %u figures shown to differ (at most %s by chance)\n", res->shown,
			res->compared, pct);
	return 0;
}

int ifl_ab_compare(FILE *f, const struct ifl_dump *a, size_t na, const struct ifl_dump *b,
		   size_t nb, double alpha, struct ifl_ab_result *res, char *err, size_t errlen)
{
	double *va, *vb;
	int ret;

	memset(res, 0, sizeof(*res));
	if (!na || !nb)
		return ifl_dump_fail(err, errlen, "each side needs at least one recording");
	for (size_t i = 0; i < na + nb; i++) {
		const struct ifl_dump *d = i < na ? &a[i] : &b[i - na];

		if (d->snap->avail_hists != a[0].snap->avail_hists ||
		    d->snap->avail_counts != a[0].snap->avail_counts)
			return ifl_dump_fail(err, errlen,
					     "the recordings measure different figures (another event source?)");
	}
	va = calloc(na * IFL_AB_NR_FIGURES, sizeof(*va));
	vb = calloc(nb * IFL_AB_NR_FIGURES, sizeof(*vb));
	if (!va || !vb) {
		free(va);
		free(vb);
		return ifl_dump_fail(err, errlen, "out of memory");
	}
	for (size_t r = 0; r < na; r++)
		for (int fig = 0; fig < IFL_AB_NR_FIGURES; fig++)
			va[r * IFL_AB_NR_FIGURES + fig] = ifl_ab_figure_of(&a[r], fig);
	for (size_t r = 0; r < nb; r++)
		for (int fig = 0; fig < IFL_AB_NR_FIGURES; fig++)
			vb[r * IFL_AB_NR_FIGURES + fig] = ifl_ab_figure_of(&b[r], fig);
	ret = ifl_ab_compare_figures(f, va, na, vb, nb, alpha, res, err, errlen);
	free(va);
	free(vb);
	return ret;
}
