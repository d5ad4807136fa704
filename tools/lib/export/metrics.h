/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The exporter's metrics (metrics.c): model snapshots accumulated into
 * Prometheus counters and histograms, and their text in the two formats
 * Prometheus scrapes.  Sees model/ only: no libbpf, no HTTP.
 *
 * Counters are monotonic for the accumulator's life by construction: each
 * update adds the difference of two of the collector's cumulative
 * snapshots (ifl_snapshot_delta(), never negative), so a domain that
 * disappears, or a row the collector stops reporting, cannot make a total
 * go backwards.  Series are keyed by (driver, consumer, device); past
 * max_series label sets, new ones are folded into one series per driver
 * with consumer and device "other", and counted.
 *
 * A figure the event source cannot measure (ifl_count_available()) is
 * absent from the output, never 0.  Docs: docs/exporter.md.
 */
#ifndef IFL_METRICS_H
#define IFL_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "snapshot.h"

struct ifl_metrics_opts {
	unsigned int max_series;	/* label sets kept before folding; 0: 1000 */
	const char *source;		/* the event source, for the info metric */
	const char *prog_type;		/* "tp_btf", "raw_tp", "fentry", ... */
	const char *version;		/* the exporter's version */
};

struct ifl_metrics;

/* NULL: out of memory */
struct ifl_metrics *ifl_metrics_new(const struct ifl_metrics_opts *o);
void ifl_metrics_free(struct ifl_metrics *m);

/* Add one delta (rows of any grouping: they are merged on driver,
 * consumer and device).  The delta's availability bits become the
 * accumulator's; its time is the last update's.  0 or -IFL_ERR_SYS. */
int ifl_metrics_add(struct ifl_metrics *m, const struct ifl_snapshot *delta);
/* An update that failed (snapshot or delta): counted, and shown. */
void ifl_metrics_update_failed(struct ifl_metrics *m);

size_t ifl_metrics_nseries(const struct ifl_metrics *m);
uint64_t ifl_metrics_folded(const struct ifl_metrics *m);

enum ifl_metrics_format {
	IFL_FMT_PROMETHEUS,	/* text/plain; version=0.0.4 */
	IFL_FMT_OPENMETRICS,	/* application/openmetrics-text; version=1.0.0 */
};

/* The format an HTTP Accept header asks for first among those served
 * (q-values honoured; no header, or nothing served: Prometheus text). */
enum ifl_metrics_format ifl_metrics_negotiate(const char *accept);
const char *ifl_metrics_content_type(enum ifl_metrics_format f);

/* The whole exposition as one malloc()ed string (*len without the NUL);
 * 0 or -IFL_ERR_SYS. */
int ifl_metrics_render(const struct ifl_metrics *m, enum ifl_metrics_format f,
		       char **text, size_t *len);

#endif
