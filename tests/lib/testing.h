/* SPDX-License-Identifier: GPL-2.0 */
/*
 * For tests and benchmarks only: drive the collector's raw_tp programs with
 * BPF_PROG_TEST_RUN and seed its domain cache, on a kernel that need not
 * have the events (open with no_attach, skip_env_checks, IFL_PROG_RAW_TP).
 */
#ifndef IFL_TESTING_H
#define IFL_TESTING_H

#include "collector.h"
#include "iommu_fallback.h"

/*
 * Run the program of an event once with args[] as the tracepoint's
 * arguments (the u64 array a raw_tp program sees), on CPU cpu (-1: any).
 * With a CPU, the calling thread is pinned to it for the run (and its
 * affinity restored), so that the program runs in the caller's task as a
 * real event does in the task it happens in, not in an IPI over whatever
 * task the CPU was running: cpu must be in the thread's affinity mask.
 * The same holds for ifl_test_fb_op().
 */
int ifl_test_run(struct ifl_collector *c, enum ifl_event ev, const uint64_t *args,
		 unsigned int nargs, int cpu);
/* Seed the per-domain cache (fake domain pointers cannot be read). */
int ifl_test_set_domain(struct ifl_collector *c, uint64_t domain,
			const struct ifl_domain_info *di);
/*
 * One counter of a (domain, caller) key as each CPU holds it, before the
 * library merges them: out[cpu] for up to max CPUs; returns how many.
 */
int ifl_test_percpu_count(struct ifl_collector *c, uint64_t domain, uint64_t caller,
			  enum ifl_count count, uint64_t *out, int max);
/*
 * The fallback source (opened with source "fallback"): replay an entry or
 * exit of a driver callback, or an unpatched iommu:map/unmap, through the
 * handlers its fentry/kprobe programs use (enum ifl_fb_op says the args).
 */
int ifl_test_fb_op(struct ifl_collector *c, enum ifl_fb_op op, const uint64_t *args,
		   unsigned int nargs, int cpu);
/* The fallback's hooks found in a BTF file and a directory of module BTF. */
struct ifl_fb_targets;
int ifl_test_fb_find(const char *vmlinux_btf, const char *module_dir, struct ifl_fb_targets *out);
/*
 * The lock of a domain's stale-window ring (created by its first queued
 * IOVA), held or let go as another CPU's flush would: the flushes run
 * meanwhile must hand their share over, or be counted (drops fq_locked).
 */
int ifl_test_fq_lock(struct ifl_collector *c, uint64_t domain, bool held);
/* Where walk_groups looks for iommu_group_kset (0: no walk, like no kallsyms). */
int ifl_test_set_group_kset(struct ifl_collector *c, uint64_t addr);
/* A domain freed (iommu_domain_free()), through the handler its hook runs. */
int ifl_test_free_domain(struct ifl_collector *c, uint64_t domain, int cpu);
/* Entries in one of the collector's maps ("stats", "domains", ...), -1 if no such map. */
long ifl_test_map_entries(struct ifl_collector *c, const char *map);
/* The fd of an event's program, for BPF_PROG_TEST_RUN loops. */
int ifl_test_prog_fd(struct ifl_collector *c, enum ifl_event ev);

#endif
