// SPDX-License-Identifier: GPL-2.0
/*
 * ab_report.c on real recordings (tests/fixtures/dumps, from the VM): each
 * figure of one recording against the counts and histograms the dump holds,
 * the median and range over runs, the same runs on both sides shown as no
 * difference, a single run a side said to have no spread, recordings of
 * different event sources refused, and every line within 72 plain ASCII
 * columns.
 *
 * Then the verdict on synthetic runs (seeded, the same every time): the
 * exact rank test's p against hand-counted splits; (a) both sides from one
 * distribution on every figure, at the default run count, many trials: a
 * difference shown on any figure in at most 5% of them; (b) one figure
 * clearly shifted: shown in (nearly) every trial; (c) cases that tell the
 * documented rule (rank test, Holm over the figures) from others.  Which
 * assertion catches which wrong rule is said at each.
 */
#define _GNU_SOURCE	/* open_memstream */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ab_report.h"
#include "check.h"
#include "hist_text.h"

#define DUMPS "tests/fixtures/dumps/"

#include "capture.h"

static void load(const char *name, struct ifl_dump *d)
{
	char err[512];

	if (ifl_dump_read(name, d, err, sizeof(err))) {
		fprintf(stderr, "test-ab-report: %s\n", err);
		exit(2);
	}
}

/* The sum of count c over the dump's rows. */
static uint64_t total(const struct ifl_dump *d, enum ifl_count c)
{
	uint64_t t = 0;

	for (size_t i = 0; i < d->snap->nrows; i++)
		t += d->snap->rows[i].count[c];
	return t;
}

/* ---- synthetic runs --------------------------------------------------- */

/* The default run count of scripts/ab-patch (--runs). */
#define RUNS 7
#define NF IFL_AB_NR_FIGURES
#define TRIALS_SAME 20000
#define TRIALS_SHIFT 2000

static uint64_t rng = 0x7e57ab5eedULL;

static double uniform(void)	/* [0, 1), splitmix64 */
{
	uint64_t z = (rng += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return (double)((z ^ (z >> 31)) >> 11) / 9007199254740992.0;
}

/* about N(0, 1): Irwin-Hall of 12 */
static double normal(void)
{
	double s = -6;

	for (int i = 0; i < 12; i++)
		s += uniform();
	return s;
}

/*
 * One run's value of figure fig, B's shifted by shift standard deviations:
 * like the real figures, some continuous (rates, means), some on few values
 * (a log2 histogram's p99 takes a bucket's edge: ties), one skewed.
 */
static double draw(int fig, double shift)
{
	switch (fig % 4) {
	case 0:
		return 1000 + 50 * (normal() + shift);
	case 1: {	/* a bucket edge: 63, 127 or 255 (mostly 127) */
		double u = uniform() + shift * 0.25;

		return u < 0.2 ? 63 : u < 0.85 ? 127 : 255;
	}
	case 2: {	/* skewed: a timer's late firings */
		double x = uniform();

		return 20 + 10 * (x * x * x * 4 + shift);
	}
	default:
		return 50 + 5 * (normal() + shift);
	}
}

/* na and nb runs of every figure, B's figure `shifted` (or none: -1) moved by shift */
static void trial(double *a, size_t na, double *b, size_t nb, int shifted, double shift)
{
	for (size_t r = 0; r < na; r++)
		for (int fig = 0; fig < NF; fig++)
			a[r * NF + fig] = draw(fig, 0);
	for (size_t r = 0; r < nb; r++)
		for (int fig = 0; fig < NF; fig++)
			b[r * NF + fig] = draw(fig, fig == shifted ? shift : 0);
}

/* every figure of every run set to v, figure fig's from vals (nr of them) */
static void fill(double *m, size_t nr, double v, int fig, const double *vals)
{
	for (size_t r = 0; r < nr; r++)
		for (int i = 0; i < NF; i++)
			m[r * NF + i] = i == fig ? vals[r] : v;
}

/*
 * The mutations tried once each (in ifl_ab_compare_figures' Holm loop,
 * then reverted), and the assertions that failed:
 * - "medians differ": (a) at most 5% (100% measured), (b) "another figure
 *   shown", (c2), the shared level, and "strict against lazy, 2 runs";
 * - "ranges do not overlap", uncorrected: (a) "not far stricter" (0.47%),
 *   (c1), (c2), (c3), the shared level, "strict against lazy, 2 runs";
 * - p <= 5% a figure, uncorrected: (a) at most 5% (29% measured), (b)
 *   "another figure shown", the shared level;
 * - Bonferroni instead of Holm: (c3).
 */
static void verdict_tests(void)
{
	double a[99 * NF], b[99 * NF], x[64], y[64], p, q;
	struct ifl_ab_result res;
	unsigned int any = 0, hit = 0, other = 0;
	char err[256];
	FILE *f;
	int ret;

	/* the exact p by hand: 5 and 5 apart, 1 of C(10,5) = 252 splits a tail */
	for (int i = 0; i < 5; i++)
		x[i] = i, y[i] = 10 + i;
	p = ifl_ab_rank_p(x, 5, y, 5);
	CHECK(fabs(p - 2.0 / 252) < 1e-12, "5 runs against 5 apart: p = 2/252 (%.6f)", p);
	CHECK(fabs(ifl_ab_rank_p_min(5, 5) - 2.0 / 252) < 1e-12 &&
	      fabs(ifl_ab_rank_p_min(7, 7) - 2.0 / 3432) < 1e-12,
	      "smallest p: 2/252 at 5 a side, 2/3432 at 7");
	/* 7 and 7, one pair swapped (U = 1): 2 splits a tail as far out */
	for (int i = 0; i < 7; i++)
		x[i] = i, y[i] = 7 + i;
	x[6] = 7, y[0] = 6;
	p = ifl_ab_rank_p(x, 7, y, 7);
	CHECK(fabs(p - 4.0 / 3432) < 1e-12, "7 against 7, one pair crossed: p = 4/3432 (%.6f)", p);
	/* ties at their mid-rank: all equal is no evidence at all */
	for (int i = 0; i < 7; i++)
		x[i] = y[i] = 127;
	p = ifl_ab_rank_p(x, 7, y, 7);
	CHECK(p == 1, "7 against 7, all equal: p = 1 (%.6f)", p);
	/* 3 of 127 and one 255 against 3 of 255 and one 127: |rank sum - mean| = 6
	 * half-ranks; of the C(8,4) = 70 splits those with 1 or 0 of the 255s
	 * (or 4 or 3) on A are as far: 2 * (1 + 16) = 34 */
	x[0] = x[1] = x[2] = 127, x[3] = 255;
	y[0] = y[1] = y[2] = 255, y[3] = 127;
	p = ifl_ab_rank_p(x, 4, y, 4);
	CHECK(fabs(p - 34.0 / 70) < 1e-12, "ties: 4 against 4 on two values, p = 34/70 (%.6f)", p);
	/* beyond IFL_AB_EXACT_MAX runs in all: seeded random splits, the same each time */
	for (int i = 0; i < 32; i++)
		x[i] = i, y[i] = 32 + i;
	p = ifl_ab_rank_p(x, 32, y, 32);
	q = ifl_ab_rank_p(x, 32, y, 32);
	CHECK(p == q && fabs(p - 1.0 / (1 + IFL_AB_SAMPLES)) < 1e-12,
	      "32 against 32 apart, sampled: p = 1/(1 + %d) both times (%.3g)", IFL_AB_SAMPLES, p);
	for (int i = 0; i < 32; i++)
		x[i] = 2 * i, y[i] = 2 * i + 1;	/* interleaved: near the middle */
	p = ifl_ab_rank_p(x, 32, y, 32);
	CHECK(p > 0.5, "32 against 32 interleaved, sampled: p %.3f (want above 0.5)", p);

	/*
	 * (a) Both sides from one distribution, every figure, RUNS a side.
	 * Catches the "medians differ" rule (nearly every trial shows) and a
	 * per-figure test without the correction over the figures (about 1 in
	 * 2 trials at 0.05 a figure).  Its rate, for 11 independent continuous
	 * figures, is 1 - (1 - 14/3432)^11 = 4.4% at most: TRIALS_SAME trials
	 * keep the measured rate 4 standard errors below 5%.
	 */
	for (int t = 0; t < TRIALS_SAME; t++) {
		trial(a, RUNS, b, RUNS, -1, 0);
		ret = ifl_ab_compare_figures(NULL, a, RUNS, b, RUNS, IFL_AB_ALPHA, &res, err, sizeof(err));
		if (ret || res.compared != NF) {
			CHECK(0, "same distribution: trial %d compared %u figures (ret %d: %s)", t,
			      res.compared, ret, ret ? err : "");
			break;
		}
		any += res.shown > 0;
	}
	printf("# family-wise false rate at %d runs a side, %d figures: %u of %d trials = %.2f%%\n",
	       RUNS, NF, any, TRIALS_SAME, 100.0 * any / TRIALS_SAME);
	CHECK(any <= TRIALS_SAME * 0.05,
	      "(a) same distribution on every figure: a difference shown in %u of %d trials "
	      "(%.2f%%, want at most 5%%)", any, TRIALS_SAME, 100.0 * any / TRIALS_SAME);
	CHECK(any >= TRIALS_SAME * 0.01,
	      "(a) the same trials: the rule is not far stricter than it says (%.2f%%, want 1%% or more)",
	      100.0 * any / TRIALS_SAME);

	/*
	 * (b) One figure of B shifted by 5 standard deviations (the others
	 * from A's distribution): shown in nearly every trial, the others in
	 * at most 5% of them.  Catches a rule that never shows anything, or
	 * one corrected far beyond the number of figures.  The figures tried:
	 * one of each continuous kind of draw() (normal, skewed).
	 */
	for (int fig = 0; fig < NF; fig++) {
		if (fig % 4 == 1 || fig > 3)
			continue;
		hit = other = 0;
		for (int t = 0; t < TRIALS_SHIFT; t++) {
			trial(a, RUNS, b, RUNS, fig, 5);
			ifl_ab_compare_figures(NULL, a, RUNS, b, RUNS, IFL_AB_ALPHA, &res, err, sizeof(err));
			hit += !!(res.mask & (1u << fig));
			other += !!(res.mask & ~(1u << fig));
		}
		printf("# detection at %d runs a side, %s shifted by 5 sd: %u of %d trials = %.2f%%\n",
		       RUNS, ifl_ab_figure_name(fig), hit, TRIALS_SHIFT, 100.0 * hit / TRIALS_SHIFT);
		CHECK(hit >= TRIALS_SHIFT * 0.99 && other <= TRIALS_SHIFT * 0.05,
		      "(b) %s shifted by 5 sd: shown in %u of %d trials (want 99%% or more), "
		      "another figure shown in %u", ifl_ab_figure_name(fig), hit, TRIALS_SHIFT, other);
	}
	/* smaller shifts of a normal figure, for the docs: no assertion */
	for (int sd = 1; sd <= 4; sd++) {
		hit = 0;
		for (int t = 0; t < TRIALS_SHIFT / 2; t++) {
			trial(a, RUNS, b, RUNS, 0, sd);
			ifl_ab_compare_figures(NULL, a, RUNS, b, RUNS, IFL_AB_ALPHA, &res, err, sizeof(err));
			hit += !!(res.mask & 1u);
		}
		printf("# detection at %d runs a side, a normal figure shifted by %d sd: %.1f%%\n", RUNS,
		       sd, 100.0 * hit / (TRIALS_SHIFT / 2));
	}

	/*
	 * (c1) 7 against 7, one pair crossed on one figure (p = 4/3432 =
	 * 0.0012 <= 0.05/11), the other figures equal: shown.  Catches "the
	 * ranges do not overlap" (A's max 7 is above B's min 6: not shown).
	 */
	for (int i = 0; i < 7; i++)
		x[i] = 10 + i, y[i] = 17 + i;
	x[6] = 17, y[0] = 16;
	fill(a, 7, 5, IFL_AB_STALE_NS_P50, x);
	fill(b, 7, 5, IFL_AB_STALE_NS_P50, y);
	f = capture();
	ret = ifl_ab_compare_figures(f, a, 7, b, 7, IFL_AB_ALPHA, &res, err, sizeof(err));
	fclose(f);
	CHECK(ret == 0 && res.compared == NF && res.mask == 1u << IFL_AB_STALE_NS_P50 &&
	      strstr(text, "1 of 11 figures shown to differ"),
	      "(c1) ranges overlapping by one pair, p 0.0012: shown (%u shown, mask %#x)", res.shown,
	      res.mask);
	CHECK(strstr(text, "exact rank test (Mann-Whitney, all 3432 splits of the") &&
	      strstr(text, "p <= 5%/k, Holm over the 11 figures") && strstr(text, "at most 5% of"),
	      "(c1) the header states the rule: rank test, Holm, 11 figures, at most 5%%");
	CHECK(widest() > 0 && widest() <= 72, "(c1) within 72 columns (widest %d)", widest());
	if (check_failures)
		fputs(text, stdout);

	/*
	 * (c2) 3 against 3 wholly apart on every figure: p = 2/20 = 0.1 is
	 * above 0.05/11, so nothing can be shown, and the header says so.
	 * Catches "the ranges do not overlap" and "medians differ" (both show
	 * all 11), and a test without the correction (p 0.1 is not below 0.05
	 * either: (a) catches that one).
	 */
	for (int i = 0; i < 3; i++)
		x[i] = 1 + i, y[i] = 10 + i;
	for (size_t r = 0; r < 3; r++)
		for (int i = 0; i < NF; i++)
			a[r * NF + i] = x[r], b[r * NF + i] = y[r];
	f = capture();
	ret = ifl_ab_compare_figures(f, a, 3, b, 3, IFL_AB_ALPHA, &res, err, sizeof(err));
	fclose(f);
	CHECK(ret == 0 && res.shown == 0 && strstr(text, "no difference can be shown") &&
	      strstr(text, "6 runs a side can") && !strstr(text, "  shown"),
	      "(c2) 3 runs a side, every figure apart: nothing shown, the header says 6 runs a side can (%u shown)",
	      res.shown);
	CHECK(widest() > 0 && widest() <= 72, "(c2) within 72 columns (widest %d)", widest());

	/*
	 * (c3) Holm, not plain Bonferroni: 4 figures wholly apart (p 0.00058)
	 * and 7 with 4 pairs crossed (p = 24/3432 = 0.0070): 0.0070 is above
	 * 0.05/11 but not above 0.05/7, the threshold of Holm's fifth step,
	 * so all 11 are shown (Bonferroni would show 4).
	 */
	for (size_t r = 0; r < 7; r++)
		for (int i = 0; i < NF; i++) {
			a[r * NF + i] = (double)r;
			b[r * NF + i] = 7.0 + (double)r;
		}
	/* U = 4: A's top value above four of B's: A {0..5, 9.5}, B {7..10, 6, 12, 13} */
	for (int i = 4; i < NF; i++) {
		a[6 * NF + i] = 9.5;
		b[4 * NF + i] = 6;
	}
	p = ifl_ab_rank_p((double[]){ 0, 1, 2, 3, 4, 5, 9.5 }, 7, (double[]){ 7, 8, 9, 10, 6, 12, 13 }, 7);
	ret = ifl_ab_compare_figures(NULL, a, 7, b, 7, IFL_AB_ALPHA, &res, err, sizeof(err));
	CHECK(ret == 0 && fabs(p - 24.0 / 3432) < 1e-12 && res.shown == NF,
	      "(c3) 4 figures at p 0.00058, 7 at p %.4f: Holm shows all %u (%u)", p, NF, res.shown);

	/* the level is shared: at 5%/2 the one crossed pair of (c1) is still shown, at 5%/4 not */
	fill(a, 7, 5, 0, (double[]){ 10, 11, 12, 13, 14, 15, 17 });
	fill(b, 7, 5, 0, (double[]){ 16, 18, 19, 20, 21, 22, 23 });
	ifl_ab_compare_figures(NULL, a, 7, b, 7, IFL_AB_ALPHA / 2, &res, err, sizeof(err));
	q = res.shown;
	ifl_ab_compare_figures(NULL, a, 7, b, 7, IFL_AB_ALPHA / 4, &res, err, sizeof(err));
	CHECK(q == 1 && res.shown == 0, "p 0.0012 of 11 figures: shown at 2.5%% (%g), not at 1.25%% (%u)",
	      q, res.shown);

	ret = ifl_ab_compare_figures(NULL, a, 7, b, 7, 0, &res, err, sizeof(err));
	CHECK(ret == -1 && strstr(err, "level"), "a level of 0 is refused: \"%s\"", err);
}

int main(void)
{
	struct ifl_dump strict[2], lazy[2], same[3], s7[7], l7[7], same7[7];
	struct ifl_ab_result res;
	char err[256];
	double v, want;
	FILE *f;
	int ret;

	load(DUMPS "intel-strict.json", &strict[0]);
	load(DUMPS "virtio-strict.json", &strict[1]);
	load(DUMPS "intel-lazy.json", &lazy[0]);
	load(DUMPS "virtio-lazy.json", &lazy[1]);

	/* one recording's figures, from what the dump holds */
	v = ifl_ab_figure_of(&strict[0], IFL_AB_SYNCS_PS);
	want = (double)total(&strict[0], IFL_C_SYNC) * 1e9 / (double)strict[0].meta.duration_ns;
	CHECK(v > 0 && fabs(v - want) < 1e-9 * want, "syncs per second: the dump's syncs over its duration (%.3f, want %.3f)", v, want);
	v = ifl_ab_figure_of(&strict[0], IFL_AB_UNMAPS_PER_SYNC_MEAN);
	CHECK(v == 1.0, "strict: 1 unmap per sync on average (%.3f)", v);
	v = ifl_ab_figure_of(&lazy[0], IFL_AB_SYNCS_PS);
	CHECK(v == 0, "lazy: no iotlb syncs (%.3f per second)", v);
	v = ifl_ab_figure_of(&strict[0], IFL_AB_STALE_NS_P99);
	CHECK(v < 0, "strict: no stale window, so no value (%.3f)", v);
	v = ifl_ab_figure_of(&lazy[0], IFL_AB_UNMAPS_PER_SYNC_MEAN);
	want = (double)total(&lazy[0], IFL_C_FQ_FLUSH_ENTRIES) / (double)total(&lazy[0], IFL_C_FQ_FLUSH);
	CHECK(fabs(v - want) < 1e-9 * want && v > 4,
	      "lazy: unmaps per flush is the flushes' entries over their number (%.2f, want %.2f)", v, want);

	/* strict runs against lazy runs, 2 a side: p is at least 2/C(4,2) */
	f = capture();
	ret = ifl_ab_compare(f, strict, 2, lazy, 2, IFL_AB_ALPHA, &res, err, sizeof(err));
	fclose(f);
	CHECK(ret == 0 && res.shown == 0 && strstr(text, "unmaps per sync, mean ") &&
	      strstr(text, "no difference can be shown"),
	      "strict against lazy, 2 runs a side: p is at least 1/3, nothing can be shown (%u)", res.shown);
	CHECK(widest() > 0 && widest() <= 72, "every line plain ASCII within 72 columns (widest %d)", widest());

	/* the same recordings 7 times a side (intel, virtio, intel, ...): apart */
	for (int i = 0; i < 7; i++)
		s7[i] = strict[i % 2], l7[i] = lazy[i % 2];
	f = capture();
	ret = ifl_ab_compare(f, s7, 7, l7, 7, IFL_AB_ALPHA, &res, err, sizeof(err));
	fclose(f);
	CHECK(ret == 0 && res.shown >= 3 && (res.mask & 1u << IFL_AB_UNMAPS_PER_SYNC_MEAN) &&
	      strstr(text, "figures shown to differ"),
	      "strict against lazy, 7 runs a side: %u of %u figures shown to differ", res.shown, res.compared);
	CHECK(widest() > 0 && widest() <= 72, "7 a side: every line plain ASCII within 72 columns (widest %d)", widest());
	{
		/* the unmaps-per-sync lines: p on the first; A's range is 1..1, B's well above */
		const char *l = strstr(text, "unmaps per sync, mean ");
		char a[32] = "", b[32] = "", verdict[16] = "";
		double pv = -1;

		if (l) {
			sscanf(l, "unmaps per sync, mean p %lf", &pv);
			sscanf(strchr(l, '\n') + 1, " A %31s %*s B %31s %*s %*s %15s", a, b, verdict);
		}
		CHECK(!strcmp(a, "1.00") && atof(b) > 4 && !strcmp(verdict, "shown") &&
		      fabs(pv - 0.00058) < 1e-5,
		      "unmaps per sync: A median %s, B median %s, p %g, %s", a, b, pv, verdict);
	}
	if (check_failures)
		fputs(text, stdout);

	/* the same recordings on both sides, 3 a side (nothing can be shown) and 7 */
	load(DUMPS "intel-lazy.json", &same[0]);
	load(DUMPS "intel-lazy.json", &same[1]);
	load(DUMPS "virtio-lazy.json", &same[2]);
	f = capture();
	ret = ifl_ab_compare(f, same, 3, same, 3, IFL_AB_ALPHA, &res, err, sizeof(err));
	fclose(f);
	CHECK(ret == 0 && res.shown == 0 && strstr(text, "no difference can be shown") && !strstr(text, "  shown"),
	      "the same runs on both sides, 3 a side: no difference can be shown (%u)", res.shown);
	for (int i = 0; i < 7; i++)
		same7[i] = same[i % 3];
	f = capture();
	ret = ifl_ab_compare(f, same7, 7, same7, 7, IFL_AB_ALPHA, &res, err, sizeof(err));
	fclose(f);
	CHECK(ret == 0 && res.shown == 0 && res.compared >= 5 && strstr(text, "no difference shown on any of") &&
	      !strstr(text, "  shown"), "the same runs on both sides, 7 a side: no difference shown (%u of %u)",
	      res.shown, res.compared);

	/* one run a side: no spread to judge by */
	f = capture();
	ret = ifl_ab_compare(f, strict, 1, lazy, 1, IFL_AB_ALPHA, &res, err, sizeof(err));
	fclose(f);
	CHECK(ret == 0 && res.shown == 0 && strstr(text, "no spread"), "one run a side: no spread, nothing shown");

	/* a recording of another event source measures other figures: refused */
	same[2].snap->avail_hists &= ~(1u << IFL_H_STALE_NS);
	f = capture();
	ret = ifl_ab_compare(f, same, 2, same + 2, 1, IFL_AB_ALPHA, &res, err, sizeof(err));
	fclose(f);
	CHECK(ret == -1 && strstr(err, "different figures") && !strchr(err, '\n'),
	      "recordings measuring different figures are refused: \"%s\"", err);

	for (int i = 0; i < 2; i++) {
		ifl_dump_free(&strict[i]);
		ifl_dump_free(&lazy[i]);
	}
	for (int i = 0; i < 3; i++)
		ifl_dump_free(&same[i]);
	verdict_tests();
	free(text);
	CHECK_EXIT();
}
