/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One frame of iommu-flushtop: the collector's rows of one interval,
 * filtered, grouped, turned into per-second figures and sorted.  Shared by
 * the full-screen view, the batch text frames and the JSON frames, so the
 * three always show the same numbers.  Presentation only: every figure is
 * computed from a collector snapshot (collector.h).
 */
#ifndef IFL_TOP_FRAME_H
#define IFL_TOP_FRAME_H

#include <stdbool.h>

#include "snapshot.h"

/* The figures of a row, in column order. */
enum ifl_fig {
	IFL_F_MAPS,		/* iommu:map per second */
	IFL_F_UNMAPS,		/* iommu:unmap per second */
	IFL_F_SYNCS,		/* iotlb_sync per second */
	IFL_F_FLUSH_ALL,	/* flush_iotlb_all per second */
	IFL_F_UNMAPS_PER_SYNC,	/* unmaps each sync or flush-queue flush covered (mean) */
	IFL_F_PAGES_PER_SYNC,	/* 4 KiB pages each covered: the above times the mean unmap size */
	IFL_F_FORCED_PCT,	/* syncs a range-add forced, in % of syncs */
	IFL_F_SYNC_P50,		/* ns: iotlb_sync and flush_iotlb_all durations */
	IFL_F_SYNC_P99,
	IFL_F_STALE_P99,	/* ns: queued IOVA to the flush that covered it */
	IFL_NR_FIGS
};

enum ifl_fig_unit { IFL_U_RATE, IFL_U_RATIO, IFL_U_PCT, IFL_U_NS };

struct ifl_fig_desc {
	const char *key;	/* JSON member, "maps_per_s", ... */
	const char *title;	/* column title, "MAPS/s", ... */
	enum ifl_fig_unit unit;
};
const struct ifl_fig_desc *ifl_fig_desc(enum ifl_fig f);

/*
 * The figures of row r of snapshot s (a delta over secs seconds).  NAN when
 * the source cannot measure a figure, or when it has nothing to divide by
 * (no sync: no unmaps per sync): shown "-", JSON null, never 0.
 */
void ifl_figures(const struct ifl_snapshot *s, const struct ifl_row *r, double secs,
		 double fig[IFL_NR_FIGS]);

/* Row groupings, cycled by the `g` key. */
enum ifl_top_group {
	IFL_TG_CONSUMER,	/* driver, consumer */
	IFL_TG_DEVICE,		/* driver, device */
	IFL_TG_DRIVER,		/* driver */
	IFL_NR_TG
};
const char *ifl_top_group_name(enum ifl_top_group g);	/* "driver,consumer", ... */
int ifl_top_group_parse(const char *name);		/* -1 if unknown */

/* Rows kept: NULL members match everything. */
struct ifl_top_filter {
	const char *driver;
	const char *consumer;
	const char *device;	/* matches one device of a multi-device group too */
};
bool ifl_top_filter_match(const struct ifl_top_filter *f, const struct ifl_row *r);

struct ifl_top_row {
	const struct ifl_row *row;	/* in frame->grouped */
	double fig[IFL_NR_FIGS];
};

struct ifl_top_frame {
	uint64_t start_ns, end_ns;	/* CLOCK_MONOTONIC of the two snapshots */
	double secs;			/* end - start */
	enum ifl_top_group group;
	enum ifl_fig sort;		/* rows by this figure, largest first */
	struct ifl_snapshot *grouped;	/* owned */
	size_t nrows;			/* rows with any event in the interval */
	struct ifl_top_row *rows;
	struct ifl_row total;		/* every row that passed the filter, merged */
	double total_fig[IFL_NR_FIGS];
};

/*
 * now - before, filtered, grouped, sorted.  Rows with no event in the
 * interval are left out.  Returns 0 or -IFL_ERR_SYS (out of memory).
 */
int ifl_top_frame_build(const struct ifl_snapshot *now, const struct ifl_snapshot *before,
			const struct ifl_top_filter *filter, enum ifl_top_group group,
			enum ifl_fig sort, struct ifl_top_frame *out);
void ifl_top_frame_free(struct ifl_top_frame *f);

#endif
