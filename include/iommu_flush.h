/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What bpf/iommu_flush.bpf.c and the collector library (tools/lib/) share:
 * the layout of the aggregation maps' keys and values, and the numbering of
 * the figures.  Included by BPF code (no libc) and by C11 userspace.
 *
 * Units: "pages" are 4 KiB units everywhere (IFL_PAGE_SHIFT), whatever the
 * IOMMU's page or IOVA granule size; times are nanoseconds.
 */
#ifndef IOMMU_FLUSH_H
#define IOMMU_FLUSH_H

#include <linux/types.h>

#define IFL_PAGE_SHIFT 12

/*
 * log2 histograms: bucket 0 holds the value 0, bucket b >= 1 the values
 * [2^(b-1), 2^b - 1]; the last bucket also holds everything larger
 * (2^31 ns is 2.1 s, 2^31 pages 8 TiB).
 */
#define IFL_HIST_BUCKETS 32

/*
 * floor(log2(v)) for v > 0, with shifts only: Debian 12's clang 14 crashes
 * on __builtin_clzll when compiling for BPF (as bcc's log2l does it).
 * Shared by the BPF programs and tools/lib/hist.c, so both bucket alike.
 */
static inline __attribute__((always_inline)) __u32 ifl_log2(__u64 v)
{
	__u32 r, shift;

	r = (v > 0xffffffffULL) << 5; v >>= r;
	shift = (v > 0xffff) << 4; v >>= shift; r |= shift;
	shift = (v > 0xff) << 3; v >>= shift; r |= shift;
	shift = (v > 0xf) << 2; v >>= shift; r |= shift;
	shift = (v > 0x3) << 1; v >>= shift; r |= shift;
	r |= (__u32)(v >> 1);
	return r;
}

/* The histogram bucket of a value (see IFL_HIST_BUCKETS). */
static inline __attribute__((always_inline)) __u32 ifl_bucket(__u64 v)
{
	__u32 b;

	if (!v)
		return 0;
	b = ifl_log2(v) + 1;
	return b < IFL_HIST_BUCKETS ? b : IFL_HIST_BUCKETS - 1;
}

/* Counters per key.  Keep ifl_count_names[] (tools/lib/snapshot.c) in step. */
enum ifl_count {
	IFL_C_MAP,		/* iommu:map events */
	IFL_C_MAP_BYTES,	/* their size */
	IFL_C_UNMAP,		/* iommu:unmap events */
	IFL_C_UNMAP_BYTES,	/* their unmapped_size */
	IFL_C_UNMAP_UNSYNCED,	/* unmaps no iotlb_sync covered: queued, or gather unseen */
	IFL_C_RANGE_ADD,	/* iommu:iotlb_gather_add events */
	IFL_C_FORCED_DISJOINT,	/* ... that synced first: disjoint range */
	IFL_C_FORCED_PGSIZE,	/* ... that synced first: page size change */
	IFL_C_SYNC,		/* iommu:iotlb_sync events */
	IFL_C_SYNC_NS,		/* their duration_ns */
	IFL_C_SYNC_UNTRACKED,	/* syncs of a gather whose unmaps were not seen */
	IFL_C_FLUSHED_BYTES,	/* bytes invalidated: sync ranges + queued IOVAs flushed */
	IFL_C_FLUSH_ALL,	/* iommu:flush_iotlb_all events */
	IFL_C_FLUSH_ALL_NS,	/* their duration_ns */
	IFL_C_SYNC_MAP,		/* iommu:sync_map events */
	IFL_C_SYNC_MAP_BYTES,	/* their size */
	IFL_C_SYNC_MAP_ERR,	/* ... with ret != 0 */
	IFL_C_SYNC_MAP_NS,	/* their duration_ns */
	IFL_C_FQ_QUEUE,		/* iommu:dma_fq_queue events */
	IFL_C_FQ_QUEUE_BYTES,	/* their pages times the IOVA granule */
	IFL_C_FQ_FLUSH,		/* iommu:dma_fq_flush events */
	IFL_C_FQ_FLUSH_TIMER,	/* ... reason timer */
	IFL_C_FQ_FLUSH_FULL,	/* ... reason full */
	IFL_C_FQ_FLUSH_OTHER,	/* ... reason other */
	IFL_C_FQ_FLUSH_ENTRIES,	/* their entries */
	IFL_C_FQ_FLUSH_NS,	/* their duration_ns */
	IFL_C_STALE_UNMEASURED,	/* queued IOVAs whose stale window was lost */
	/*
	 * Series v2, whose iommu_iotlb_sync event says why (its reason): the
	 * syncs a gather forced (a page it could not merge, reason gather; a
	 * disjoint range on a no-gaps page table, nogaps), the syncs of a map
	 * that freed page-table levels (freed).  v1 counts forced syncs on
	 * the range-add instead, by kind (forced_disjoint, forced_pgsize).
	 */
	IFL_C_SYNC_FORCED,
	IFL_C_SYNC_FREED,
	IFL_NR_COUNTS
};

enum ifl_hist {
	IFL_H_PAGES_PER_SYNC,	/* unmapped pages each sync / fq flush covered */
	IFL_H_UNMAPS_PER_SYNC,	/* unmaps each sync / fq flush covered */
	IFL_H_SYNC_NS,		/* iotlb_sync and flush_iotlb_all durations */
	IFL_H_STALE_NS,		/* per queued IOVA: dma_fq_queue -> its dma_fq_flush */
	IFL_H_MAP_SIZE,		/* bytes of each iommu:map */
	IFL_H_UNMAP_SIZE,	/* bytes of each iommu:unmap (unmapped_size) */
	IFL_NR_HISTS
};

/*
 * Aggregation key.  Both members are kernel addresses and never leave the
 * library: domains are numbered per run, callers resolved to symbols.
 * caller is 0 for events that carry none (iotlb_gather_add, dma_fq_*).
 */
struct ifl_key {
	__u64 domain;
	__u64 caller;
};

/* The row that takes the events of keys that did not fit in the map. */
#define IFL_OVERFLOW_CALLER (~0ULL)

struct ifl_stats {
	__u64 count[IFL_NR_COUNTS];
	__u64 hist[IFL_NR_HISTS][IFL_HIST_BUCKETS];
};

/* Per-domain facts, read once through CO-RE and cached by the BPF side. */
#define IFL_DEV_NAME_LEN 32
#define IFL_DOMAIN_STACK 16	/* frames kept of a domain's first event */
#define IFL_DI_UNREADABLE 1	/* the domain's memory could not be read */
#define IFL_DI_RETIRED 2	/* a freed domain's facts, under its retired key */
struct ifl_domain_info {
	__u32 type;		/* domain->type (IOMMU_DOMAIN_*) */
	__u32 flags;		/* IFL_DI_* */
	__u64 owner;		/* domain->owner (struct iommu_ops *) */
	__u64 ops;		/* domain->ops (struct iommu_domain_ops *) */
	__u64 ops_fn;		/* a callback of domain->ops, for drivers without data symbols */
	__u64 granule;		/* smallest page size of the domain (IOVA granule) */
	char dev[IFL_DEV_NAME_LEN];	/* first device seen in dma_fq_queue */
	/*
	 * The kernel stack of the domain's first event (return addresses,
	 * innermost first): the library names the consumer from it, the first
	 * frame outside the IOMMU core, its drivers and the tracing code.
	 */
	__u32 nstack;
	__u32 pad;
	__u64 stack[IFL_DOMAIN_STACK];
	__u64 freed_ptr;	/* IFL_DI_RETIRED: the domain's address while it lived */
};

/*
 * A freed domain's keys (iommu_domain_free(), bpf/iommu_flush.bpf.c:
 * retire_domain()): its rows and facts move from its address to a key of
 * its own, IFL_RETIRED_BASE + a sequence number, so that a domain later
 * allocated at the same address starts afresh.  Kernel addresses have the
 * top bit set, so a retired key is never a live domain's.
 */
#define IFL_RETIRED_BASE (1ULL << 62)
#define IFL_RETIRED_END (1ULL << 63)
static inline int ifl_key_retired(__u64 domain)
{
	return domain >= IFL_RETIRED_BASE && domain < IFL_RETIRED_END;
}

/* Dropped or unmeasured things, counted per CPU in the "drops" map. */
enum ifl_drop {
	IFL_DROP_KEYS,		/* events of keys that did not fit (in the overflow row) */
	IFL_DROP_DOMAINS,	/* domains the info cache had no room for */
	IFL_DROP_FQ_DOMAINS,	/* queued IOVAs of domains the stale-window rings had no room for */
	/*
	 * Flushes (dma_fq_flush, or the fallback's flush-alls) that found
	 * their domain's stale-window ring locked by another CPU's flush and
	 * no free slot to hand their share over to it: their entries are
	 * measured by a later flush instead, at its time, with its pages.
	 */
	IFL_DROP_FQ_LOCKED,
	/*
	 * The fallback's callback exits whose entry record was missing or
	 * another call's (entry not seen, a missed exit shifting the stack):
	 * their duration is unmeasured (0), and a flush-all's record that
	 * another exit popped gives its queued unmaps back to the domain.
	 */
	IFL_DROP_FB_UNPAIRED,
	/* Set by the library: walks of the IOMMU groups that failed (device names may be missing). */
	IFL_DROP_GROUP_WALKS,
	IFL_NR_DROPS
};

/* The IOMMU groups, as walked by the walk_groups program. */
#define IFL_MAX_GROUPS 256
#define IFL_GROUP_DEVS 4
struct ifl_group_rec {
	__u64 domain;		/* group->domain */
	__s32 id;
	__u32 ndev;		/* devices in the group (names: the first IFL_GROUP_DEVS) */
	char dev[IFL_GROUP_DEVS][IFL_DEV_NAME_LEN];
};

/* The events, in the order of the raw_tp/tp_btf program pairs. */
enum ifl_event {
	IFL_EV_MAP,
	IFL_EV_UNMAP,
	IFL_EV_GATHER_ADD,
	IFL_EV_SYNC,
	IFL_EV_FLUSH_ALL,
	IFL_EV_SYNC_MAP,
	IFL_EV_FQ_QUEUE,
	IFL_EV_FQ_FLUSH,
	IFL_NR_EVENTS
};

/* Domain type bits (include/linux/iommu.h) */
#define IFL_DOMAIN_PAGING   (1U << 0)
#define IFL_DOMAIN_DMA_API  (1U << 1)
#define IFL_DOMAIN_PT       (1U << 2)
#define IFL_DOMAIN_DMA_FQ   (1U << 3)
#define IFL_DOMAIN_SVA      (1U << 4)
#define IFL_DOMAIN_PLATFORM (1U << 5)
#define IFL_DOMAIN_NESTED   (1U << 6)

#endif
