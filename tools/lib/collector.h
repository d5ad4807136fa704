/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The collector library: the only interface tools use to measure IOMMU
 * flushing.  It loads and attaches the BPF programs of an event source,
 * reads and merges their per-CPU maps and hands out snapshots whose rows
 * carry names, never kernel addresses: domains are numbered per run,
 * callers resolved to functions, drivers and consumers named.
 *
 * Every function that can fail returns 0 or -IFL_ERR_*, and leaves a
 * one-line message (no trailing newline) in the buffer given to ifl_open()
 * or in ifl_errmsg().
 */
#ifndef IFL_COLLECTOR_H
#define IFL_COLLECTOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "iommu_flush.h"

enum ifl_status {
	IFL_OK = 0,
	IFL_ERR_PERM,		/* not root, or CAP_BPF + CAP_PERFMON missing */
	IFL_ERR_NO_BTF,		/* the kernel has no BTF */
	IFL_ERR_NO_EVENTS,	/* no event source can attach (unpatched kernel) */
	IFL_ERR_NO_IOMMU,	/* no IOMMU is active */
	IFL_ERR_BPF,		/* loading or attaching the programs failed */
	IFL_ERR_SYS,		/* out of memory, unreadable file, ... */
	IFL_ERR_INVAL,		/* bad argument */
};

/* Which program of each tp_btf/raw_tp pair to load. */
enum ifl_prog_mode {
	IFL_PROG_AUTO,		/* tp_btf where BTF has the event, else raw_tp */
	IFL_PROG_TP_BTF,
	IFL_PROG_RAW_TP,
};

struct ifl_opts {
	enum ifl_prog_mode mode;
	const char *source;	/* NULL or "auto": the best one that works here */
	unsigned int max_keys;	/* (domain, caller) rows kept; 0: from a memory budget */
	bool no_attach;		/* load only: tests and benchmarks */
	bool skip_env_checks;	/* tests: no privilege, event or IOMMU checks */
	bool verbose;		/* libbpf's messages on stderr */
	/* Files read, for tests (NULL: the real ones) */
	const char *kallsyms;	/* /proc/kallsyms */
	const char *btf_path;	/* /sys/kernel/btf/vmlinux */
	const char *iommu_class; /* /sys/class/iommu */
};

struct ifl_collector;

struct ifl_info {
	const char *source;	/* "tracepoints" */
	const char *source_desc; /* one line, for headers */
	const char *prog_type;	/* "tp_btf" or "raw_tp" */
	/* The source sees who called (consumer and caller of each event):
	 * only the series' events carry the caller. */
	bool consumers;
	unsigned int max_keys;
	int ncpus;		/* possible CPUs, the per-CPU map width */
};

int ifl_open(const struct ifl_opts *opts, struct ifl_collector **out,
	     char *err, size_t errlen);
void ifl_close(struct ifl_collector *c);
const char *ifl_errmsg(const struct ifl_collector *c);
const struct ifl_info *ifl_info(const struct ifl_collector *c);

/* ---- snapshots ---------------------------------------------------------- */

#define IFL_NAME_LEN 64

struct ifl_row {
	unsigned int domain;		/* numbered per run from 1; 0: none */
	char driver[32];		/* "intel-iommu", "virtio-iommu", ... */
	char domain_type[16];		/* "DMA", "DMA-FQ", "unmanaged", ... */
	char consumer[IFL_NAME_LEN];	/* "dma-iommu", "vfio", "iommufd", module or function */
	char device[IFL_NAME_LEN];	/* "0000:00:04.0", "-" when unknown */
	char caller[IFL_NAME_LEN];	/* function of the caller address, "-" if none */
	uint64_t count[IFL_NR_COUNTS];
	uint64_t hist[IFL_NR_HISTS][IFL_HIST_BUCKETS];
};

struct ifl_snapshot {
	uint64_t time_ns;		/* CLOCK_MONOTONIC when taken */
	uint64_t interval_ns;		/* deltas: time between the two snapshots */
	uint64_t drops[IFL_NR_DROPS];	/* enum ifl_drop */
	uint64_t avail_counts;		/* bit c: count c is measured by the source */
	uint32_t avail_hists;		/* bit h: histogram h is measured */
	size_t nrows;
	struct ifl_row *rows;
};

/* Cumulative figures since ifl_open(). */
int ifl_snapshot_take(struct ifl_collector *c, struct ifl_snapshot **out);
/* now - before, row by row (rows are matched by domain and caller). */
int ifl_snapshot_delta(const struct ifl_snapshot *now, const struct ifl_snapshot *before,
		       struct ifl_snapshot **out);

enum ifl_group_by {
	IFL_BY_DRIVER = 1 << 0,
	IFL_BY_TYPE = 1 << 1,
	IFL_BY_CONSUMER = 1 << 2,
	IFL_BY_DEVICE = 1 << 3,
	IFL_BY_DOMAIN = 1 << 4,
	IFL_BY_CALLER = 1 << 5,
};
/* Rows merged on the fields in "by"; the others read "*" (domain 0). */
int ifl_snapshot_group(const struct ifl_snapshot *s, unsigned int by,
		       struct ifl_snapshot **out);
void ifl_snapshot_free(struct ifl_snapshot *s);

const char *ifl_count_name(enum ifl_count c);	/* "map", "unmap_bytes", ... */
const char *ifl_hist_name(enum ifl_hist h);	/* "unmaps_per_sync", ... */
const char *ifl_drop_name(enum ifl_drop d);
/* A figure the source cannot measure is unavailable: show "-", never 0. */
bool ifl_count_available(const struct ifl_snapshot *s, enum ifl_count c);
bool ifl_hist_available(const struct ifl_snapshot *s, enum ifl_hist h);

/* ---- log2 histograms (hist.c) ------------------------------------------ */

uint64_t ifl_hist_lo(unsigned int bucket);	/* smallest value of a bucket */
uint64_t ifl_hist_hi(unsigned int bucket);	/* largest value (last: UINT64_MAX) */
uint64_t ifl_hist_total(const uint64_t *h);
void ifl_hist_merge(uint64_t *dst, const uint64_t *src);
/* p in [0, 1]; interpolated inside the bucket; -1 when empty */
double ifl_hist_percentile(const uint64_t *h, double p);
/* from bucket midpoints; -1 when empty */
double ifl_hist_mean(const uint64_t *h);

/* ---- program statistics (kernel.bpf_stats) ----------------------------- */

struct ifl_prog_stat {
	char name[32];		/* "tp_sync", "raw_map", ... */
	uint64_t run_cnt;
	uint64_t run_time_ns;
};
/* Turn on run-time accounting of BPF programs while the collector is open. */
int ifl_enable_prog_stats(struct ifl_collector *c);
/* The loaded programs' statistics; returns how many were written. */
int ifl_prog_stats(struct ifl_collector *c, struct ifl_prog_stat *out, size_t max);

#endif
