/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The comparison of several recordings per side (scripts/ab-patch: the runs
 * of kernel A against those of kernel B).  Per figure, each side's median
 * and min..max over its runs, the B/A ratio of the medians, and whether the
 * difference is shown.  It is where a two-sided exact rank test of the runs
 * (Mann-Whitney: all splits of the pooled runs into the two sides' sizes,
 * ties at their mid-rank) gives p <= alpha/k in Holm's step-down order over
 * the F figures compared: with two kernels that behave the same, a
 * difference is shown on any figure in at most alpha of comparisons.
 * Plain ASCII, at most IFL_TEXT_COLS columns.  No privilege, no BPF.
 */
#ifndef IFL_AB_REPORT_H
#define IFL_AB_REPORT_H

#include <stddef.h>
#include <stdio.h>

#include "dump.h"

/* Figures printed (rates per second of the recording, histogram statistics). */
enum ifl_ab_figure {
	IFL_AB_UNMAPS_PS,
	IFL_AB_SYNCS_PS,
	IFL_AB_FLUSH_ALL_PS,
	IFL_AB_FQ_FLUSH_PS,
	IFL_AB_UNMAPS_PER_SYNC_MEAN,
	IFL_AB_UNMAPS_PER_SYNC_P99,
	IFL_AB_PAGES_PER_SYNC_MEAN,
	IFL_AB_SYNC_NS_P50,
	IFL_AB_SYNC_NS_P99,
	IFL_AB_STALE_NS_P50,
	IFL_AB_STALE_NS_P99,
	IFL_AB_NR_FIGURES
};

/* One figure of one recording; negative when it has no value there. */
double ifl_ab_figure_of(const struct ifl_dump *d, enum ifl_ab_figure fig);
const char *ifl_ab_figure_name(enum ifl_ab_figure fig);

/* The family-wise level of one comparison alone (scripts/ab-patch shares it). */
#define IFL_AB_ALPHA 0.05
/* Up to this many runs in all, p is exact; beyond, from seeded random splits. */
#define IFL_AB_EXACT_MAX 60
#define IFL_AB_SAMPLES 20000

struct ifl_ab_result {
	unsigned int compared;	/* F: figures tested (at least 2 runs a side) */
	unsigned int shown;	/* figures whose difference is shown */
	unsigned int mask;	/* 1 << figure for each shown */
	double p[IFL_AB_NR_FIGURES];	/* each figure's p; -1: not tested */
	double p_min;		/* the smallest p the run counts allow */
};

/*
 * Two-sided p of the rank-sum (Mann-Whitney) test of a[0..na) against
 * b[0..nb) (each at least 1): the share of the C(na+nb, na) splits of the
 * pooled values whose A-side rank sum is at least as far from its mean as
 * the observed one.  Exact up to IFL_AB_EXACT_MAX values in all, else
 * (1 + hits) / (1 + IFL_AB_SAMPLES) over seeded random splits.  -1 when
 * out of memory.
 */
double ifl_ab_rank_p(const double *a, size_t na, const double *b, size_t nb);
/* The smallest p ifl_ab_rank_p can return for these counts (no ties). */
double ifl_ab_rank_p_min(size_t na, size_t nb);

/*
 * The comparison on figures already taken from the runs:
 * a[r * IFL_AB_NR_FIGURES + fig] is figure fig of run r of A (negative: no
 * value), likewise b.  alpha: the family-wise level of this comparison
 * (IFL_AB_ALPHA; a report of K comparisons gives each IFL_AB_ALPHA / K).
 * f may be NULL (nothing printed).  -1 with one line in err on bad input.
 */
int ifl_ab_compare_figures(FILE *f, const double *a, size_t na, const double *b, size_t nb,
			   double alpha, struct ifl_ab_result *res, char *err, size_t errlen);

/*
 * a[0..na) against b[0..nb) (each at least 1).  Refuses dumps that measure
 * different histograms (-1, one line in err).
 */
int ifl_ab_compare(FILE *f, const struct ifl_dump *a, size_t na, const struct ifl_dump *b,
		   size_t nb, double alpha, struct ifl_ab_result *res, char *err, size_t errlen);

#endif
