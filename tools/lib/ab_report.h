/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The comparison of several recordings per side (scripts/ab-patch: the runs
 * of kernel A against those of kernel B).  Per figure, each side's median
 * and min..max over its runs, the B/A ratio of the medians, and whether the
 * difference is shown: it is when the two sides' ranges do not overlap.
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

/*
 * a[0..na) against b[0..nb) (each at least 1).  Refuses dumps that measure
 * different histograms (-1, one line in err).  *shown gets the number of
 * figures whose difference is shown.
 */
int ifl_ab_compare(FILE *f, const struct ifl_dump *a, size_t na, const struct ifl_dump *b,
		   size_t nb, unsigned int *shown, char *err, size_t errlen);

#endif
