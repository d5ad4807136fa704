/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Plain-text rendering of log2 histograms for mail: a block per histogram
 * (statistics line and bars) and the rows of an A/B comparison.  Every
 * line is plain ASCII and at most IFL_TEXT_COLS columns, whatever the
 * numbers (up to 2^64) and names: review threads wrap longer lines.
 */
#ifndef IFL_HIST_TEXT_H
#define IFL_HIST_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "snapshot.h"

#define IFL_TEXT_COLS 72

/* "unmaps per sync", "sync duration (ns)", ... */
const char *ifl_text_metric_title(enum ifl_hist h);
/* The short names -m takes: "pages", "unmaps", "sync", "stale", "map", "unmap". */
const char *ifl_text_metric_short(enum ifl_hist h);

/* A statistic: "-" below 0 (empty), "1.00", "64.0", "1523", "2.15M"; <= 7 chars. */
void ifl_text_num(char *buf, size_t len, double v);
/* A count: exact below 10^9, else "9.22E"; <= 9 chars. */
void ifl_text_count(char *buf, size_t len, uint64_t v);
/* Bytes: "512 B", "16.0 MiB"; <= 10 chars. */
void ifl_text_bytes(char *buf, size_t len, uint64_t v);

/* What a histogram's statistics line says. */
struct ifl_text_stats {
	uint64_t count;
	double mean, p50, p90, p99;	/* negative: no samples */
};

/* From the buckets alone: the library's interpolated percentiles, midpoint mean. */
void ifl_text_stats_of(const uint64_t *hist, struct ifl_text_stats *st);

/*
 * One histogram: its title, then "unavailable" (the source cannot measure
 * it), "no samples", or the statistics line and a bar per bucket from the
 * first non-empty to the last.  st: statistics the caller knows better
 * (exact means from counters), or NULL for ifl_text_stats_of().
 */
void ifl_text_hist(FILE *f, enum ifl_hist h, const uint64_t *hist, bool available,
		   const struct ifl_text_stats *st);

/* The column heads of a comparison block for one metric. */
void ifl_text_compare_head(FILE *f, enum ifl_hist h);
/* One side ("A", "B"): count, p50, p90, p99, mean; NULL: not in that recording. */
void ifl_text_compare_side(FILE *f, const char *label, const struct ifl_text_stats *st);
/* The B/A ratio of each column; "-" where A is 0 or either side has no samples. */
void ifl_text_compare_ratio(FILE *f, const struct ifl_text_stats *a,
			    const struct ifl_text_stats *b);

/*
 * text on lines of at most IFL_TEXT_COLS: the first starts with prefix,
 * the others with indent spaces; breaks at spaces, and inside words that
 * are too long for a line.
 */
void ifl_text_wrap(FILE *f, const char *prefix, const char *text, unsigned int indent);
/* "--- label ----...": a section rule of exactly IFL_TEXT_COLS columns. */
void ifl_text_rule(FILE *f, const char *label);

#endif
