/* SPDX-License-Identifier: GPL-2.0 */
/*
 * iommu-flushtop's frames as lines of text: the header, the column titles
 * and the rows.  The full-screen view draws these same lines (cut to the
 * terminal's width) and the batch mode prints them, so what a test reads
 * from one holds for the other.
 */
#ifndef IFL_TOP_TEXT_H
#define IFL_TOP_TEXT_H

#include <stdbool.h>
#include <stddef.h>

#include "snapshot.h"
#include "sysinfo.h"
#include "top_frame.h"

/* What the header says besides the frame itself. */
struct ifl_top_state {
	const struct ifl_sysinfo *si;
	const struct ifl_info *info;	/* the collector's source */
	double interval;		/* seconds asked for (-i) */
	unsigned long frame;		/* frames shown so far, from 1 */
	const struct ifl_top_frame *since;	/* since start or the last reset (`r`) */
	bool paused;
	const char *filter;		/* "--driver x", "" when none */
};

#define IFL_TOP_HEADER_LINES 5

/* Line i (0 <= i < IFL_TOP_HEADER_LINES) of the header into buf. */
void ifl_top_header_line(const struct ifl_top_frame *f, const struct ifl_top_state *st,
			 int i, char *buf, size_t len);
/* The column titles; *sort_at and *sort_len locate the sort column's title. */
void ifl_top_column_titles(enum ifl_top_group g, enum ifl_fig sort, char *buf, size_t len,
			   size_t *sort_at, size_t *sort_len);
void ifl_top_row_line(enum ifl_top_group g, const struct ifl_top_row *r, char *buf, size_t len);

/* A figure as the columns show it: "-" for NAN, durations with a unit. */
void ifl_top_format_fig(enum ifl_fig f, double v, char *buf, size_t len);

#endif
