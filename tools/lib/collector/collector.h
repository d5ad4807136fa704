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

#include "snapshot.h"

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
	/* Called as ifl_open() starts each of its steps, with what it waits
	 * for ("loading the BPF programs"): the tools show it when attaching
	 * takes long (ifl_cli_waiting()).  NULL: not called. */
	void (*progress)(const char *what, void *arg);
	void *progress_arg;
	/* Files read, for tests (NULL: the real ones) */
	const char *kallsyms;	/* /proc/kallsyms */
	const char *btf_path;	/* /sys/kernel/btf/vmlinux */
	const char *iommu_class; /* /sys/class/iommu */
};

struct ifl_collector;

int ifl_open(const struct ifl_opts *opts, struct ifl_collector **out,
	     char *err, size_t errlen);
void ifl_close(struct ifl_collector *c);
const char *ifl_errmsg(const struct ifl_collector *c);
const struct ifl_info *ifl_info(const struct ifl_collector *c);
/* A name ifl_opts.source takes: "auto", "tracepoints", "fallback". */
bool ifl_source_known(const char *name);
#define IFL_SOURCE_NAMES "tracepoints, fallback or auto"

/* Cumulative figures since ifl_open(). */
int ifl_snapshot_take(struct ifl_collector *c, struct ifl_snapshot **out);
/*
 * Read the rows of domains freed since the last snapshot out of the maps
 * (snapshot.c: folded, then deleted there), as every snapshot does: for a
 * caller that takes snapshots seldom (iommu-flushhist, once at each end),
 * so that domain churn meanwhile cannot fill the maps.  Snapshots taken
 * later are the same as without.
 */
int ifl_collector_reap(struct ifl_collector *c);

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
