/* SPDX-License-Identifier: GPL-2.0 */
/*
 * iommu-flushhist's two texts, from dumps (live recordings are turned into
 * a dump first, so a saved file prints exactly as the recording did): the
 * report of one recording, and the comparison of two.  No collector, no
 * privilege: only hist_text.h and dump.h.
 */
#ifndef IFL_HIST_REPORT_H
#define IFL_HIST_REPORT_H

#include <stdint.h>
#include <stdio.h>

#include "dump.h"
#include "hist_text.h"

struct ifl_report_opts {
	unsigned int group_by;	/* IFL_BY_DRIVER | ...; 0: one group, "all" */
	uint32_t metrics;	/* bit per enum ifl_hist to print */
};

/* The fields a dump keeps, and so the ones a report can group on. */
#define IFL_REPORT_GROUPS (IFL_BY_DRIVER | IFL_BY_TYPE | IFL_BY_CONSUMER | IFL_BY_DEVICE | \
			   IFL_BY_CALLER)
#define IFL_REPORT_ALL_METRICS ((1u << IFL_NR_HISTS) - 1)
/* A report's groups unless -g says otherwise (a comparison's: consumer). */
#define IFL_REPORT_DEFAULT_GROUPS (IFL_BY_DRIVER | IFL_BY_CONSUMER)

/* "driver,consumer", "none"; 0 or -1 (unknown field). */
int ifl_report_parse_group(const char *s, unsigned int *by);
/* "unmaps,stale", "all"; names from ifl_text_metric_short() or ifl_hist_name(). */
int ifl_report_parse_metrics(const char *s, uint32_t *bits);

/*
 * The statistics of histogram h of row r of s: exact where the counters
 * allow (means from exact sums, percentiles at bucket low ends when every
 * sample sits there), interpolated in the log2 buckets otherwise.
 */
void ifl_report_row_stats(const struct ifl_snapshot *s, const struct ifl_row *r, enum ifl_hist h,
			  struct ifl_text_stats *st);

/* Header (kernel, IOMMU, mode, workload, duration, totals), then per group. */
int ifl_report_print(FILE *f, const struct ifl_dump *d, const struct ifl_report_opts *o,
		     char *err, size_t errlen);

/*
 * f flushed: 0, or -1 with one line in err when any of the report could
 * not be written (stdout closed, /dev/full, a full disk).
 */
int ifl_report_flush(FILE *f, char *err, size_t errlen);

/*
 * iommu-flushhist -i: a saved recording read, its report printed, and with
 * copy (-o) saved again (outfile.h: refused before reading if it cannot
 * be; onto standard output, the report goes to stderr); 0, or nonzero
 * with one line in err.
 */
int ifl_report_file(FILE *f, const char *path, const struct ifl_report_opts *o,
		    const char *copy, char *err, size_t errlen);

/*
 * A and B side by side, per group and metric: count, p50, p90, p99, mean,
 * and B/A.  Refuses (-1, one line in err) dumps that measure different
 * histograms: a "-" against a number would read as a change.
 */
int ifl_report_compare(FILE *f, const struct ifl_dump *a, const char *name_a,
		       const struct ifl_dump *b, const char *name_b,
		       const struct ifl_report_opts *o, char *err, size_t errlen);

#endif
