/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The data model every layer shares: named rows of counts and log2
 * histograms, snapshots of them, their difference and their grouping, and
 * the names of the figures.  Plain C: no libbpf, no BPF object; the
 * collector fills snapshots (collector.h), dumps save and read them
 * (report/), the live view presents them (top/).
 *
 * Functions that can fail return 0 or -IFL_ERR_*.
 */
#ifndef IFL_SNAPSHOT_H
#define IFL_SNAPSHOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "iommu_flush.h"
#include "hist.h"

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

/* What measured a snapshot: the collector's event source (ifl_info()). */
struct ifl_info {
	const char *source;	/* "tracepoints" */
	const char *source_desc; /* one line, for headers */
	const char *prog_type;	/* "tp_btf" or "raw_tp" */
	/* The source tells consumers apart (every source: from the stack
	 * of each domain's first event), and the caller of each event
	 * (only the series' events carry it). */
	bool consumers;
	bool callers;
	/* how freed domains are seen ("fexit", "kprobe": on iommu_domain_free),
	 * NULL: not at all, the maps keep them and an address reused inherits */
	const char *domain_free;
	unsigned int max_keys;
	int ncpus;		/* possible CPUs, the per-CPU map width */
};

#define IFL_NAME_LEN 64

/* The domain of the rows of freed domains, folded per name (all but the domain). */
#define IFL_DOMAIN_FREED (~0U)

struct ifl_row {
	unsigned int domain;		/* numbered per run from 1; 0: none; IFL_DOMAIN_FREED */
	char driver[32];		/* "intel-iommu", "virtio-iommu", ... */
	char domain_type[16];		/* "DMA", "DMA-FQ", "unmanaged", ... */
	char consumer[IFL_NAME_LEN];	/* "dma-iommu", "vfio", "iommufd", module or function */
	char device[IFL_NAME_LEN];	/* "0000:00:04.0", "-" when unknown */
	/* what the device is: its driver and block or network devices, "nvme
	 * nvme0n1" (ifl_device_desc()); "" when unknown or not one device */
	char device_desc[IFL_NAME_LEN];
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

/* For whoever builds snapshots: an empty one with room for nrows rows
 * (NULL: out of memory); sort rows on the fields in "by" and merge equal
 * neighbours in place, returning how many are left. */
#define IFL_BY_ALL (IFL_BY_DRIVER | IFL_BY_TYPE | IFL_BY_CONSUMER | IFL_BY_DEVICE | \
		    IFL_BY_DOMAIN | IFL_BY_CALLER)
struct ifl_snapshot *ifl_snapshot_new(size_t nrows);
size_t ifl_rows_merge(struct ifl_row *rows, size_t n, unsigned int by);

const char *ifl_count_name(enum ifl_count c);	/* "map", "unmap_bytes", ... */
const char *ifl_hist_name(enum ifl_hist h);	/* "unmaps_per_sync", ... */
const char *ifl_drop_name(enum ifl_drop d);
/* A figure the source cannot measure is unavailable: show "-", never 0. */
bool ifl_count_available(const struct ifl_snapshot *s, enum ifl_count c);
bool ifl_hist_available(const struct ifl_snapshot *s, enum ifl_hist h);

/* CLOCK_MONOTONIC in ns: the clock of time_ns and of the tools' frames. */
uint64_t ifl_now_ns(void);

#endif
