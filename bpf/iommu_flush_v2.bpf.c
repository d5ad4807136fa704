// SPDX-License-Identifier: GPL-2.0
/*
 * The tracepoint source's programs for series v2 (kernel-patches/BASE/v2/:
 * "iommu: Trace IOTLB syncs, flushes and the DMA flush queue"), linked
 * with iommu_flush.bpf.c and iommu_fallback.bpf.c into one object: the
 * same maps, the same handlers where the events say the same.  The
 * library loads one set: v1's, v2's or the fallback's (source_tp.c).
 *
 * What v2's events carry, against v1's, and what the handlers make of it:
 *  - map, unmap: the domain (no caller).  Rows are per domain; consumers
 *    come from the domain's type and its first event's stack.
 *  - no range-add event: an unmap's gather is not seen.  Every unmap goes
 *    the per-CPU "loose" way: counted for the domain on this CPU up to its
 *    next iommu_iotlb_sync there (the unmaps that sync covered), or to its
 *    next iommu_dma_fq_queue (queued: unsynced).  dma-iommu unmaps and
 *    syncs on one CPU without sleeping; VFIO and iommufd may be migrated
 *    between an unmap and its sync, which counts that unmap unsynced and
 *    the sync untracked.
 *  - iommu_iotlb_sync(domain, gather, reason): the gathered range and why;
 *    a forced sync (reason gather or nogaps) is counted as sync_forced, a
 *    sync of a map that freed page-table levels (freed) as sync_freed and
 *    not as untracked (no unmap is due to it).
 *  - iommu_dma_fq_queue(domain, iova, pages, seq): no device (the group
 *    walk names it), the same ring of queue times.
 *  - iommu_dma_fq_flush(domain, reason, seq): no entries count: the
 *    entries a flush released are those it consumes from the ring.
 *  - no duration anywhere: sync_ns, flush_all_ns, sync_map_ns, fq_flush_ns
 *    and the sync_ns histogram are not measured (source_tp.c says so).
 */
#include "iommu_flush.bpf.h"

static __always_inline void on_sync_v2(__u64 domain, __u64 reason, __u64 gstart, __u64 gend)
{
	struct ifl_stats *s = stats_for(domain, 0);
	struct cpu_state *cs = cpu_state();
	bool forced, freed;
	__u64 bytes = 0;

	if (!s)
		return;
	forced = reason == IFL_ENUM(iommu_iotlb_sync_reason, IOMMU_IOTLB_SYNC_GATHER) ||
		 reason == IFL_ENUM(iommu_iotlb_sync_reason, IOMMU_IOTLB_SYNC_NOGAPS);
	freed = reason == IFL_ENUM(iommu_iotlb_sync_reason, IOMMU_IOTLB_SYNC_FREED);
	s->count[IFL_C_SYNC]++;
	if (forced)
		s->count[IFL_C_SYNC_FORCED]++;
	else if (freed)
		s->count[IFL_C_SYNC_FREED]++;
	if (cs && cs->loose_unmaps && cs->loose_domain == domain) {
		bytes = loose_synced(cs, s);
	} else if (forced) {
		/*
		 * Forced within the first unmap into the gather: its pages so
		 * far, whose unmap event comes after this sync, go to the next.
		 */
		hist_add(s, IFL_H_UNMAPS_PER_SYNC, 0);
		hist_add(s, IFL_H_PAGES_PER_SYNC, 0);
	} else if (!freed) {
		s->count[IFL_C_SYNC_UNTRACKED]++;
	}
	/* What is invalidated is the gathered range, gaps included. */
	if (gend > gstart)
		bytes = gend - gstart + 1;
	s->count[IFL_C_FLUSHED_BYTES] += bytes;
}

static __always_inline void on_fq_queue_v2(__u64 domain, __u64 pages, __u64 seq)
{
	struct ifl_stats *s = stats_for(domain, 0);
	struct cpu_state *cs = cpu_state();

	if (!s)
		return;
	s->count[IFL_C_FQ_QUEUE]++;
	/* the unmap just done on this CPU was queued: no sync will come */
	if (cs && cs->loose_unmaps && cs->loose_domain == domain)
		loose_unsynced(cs, s);
	fq_queued(s, domain, 0, pages, seq);
}

static __always_inline void on_fq_flush_v2(__u64 domain, __u64 reason, __u64 seq)
{
	struct ifl_stats *s = stats_for(domain, 0);
	struct fq_ring *r;

	if (!s)
		return;
	fq_flushed(s, reason);
	r = bpf_map_lookup_elem(&fq_rings, &domain);
	if (r)
		fq_consume(r, s, seq, bpf_ktime_get_ns(), FQ_ACCT_ENTRIES);
	else
		fq_account(s, FQ_ACCT_ENTRIES, 0, 0);	/* nothing queued was seen */
}

/* ------------------------------------------------------------------ */
/* The programs: tp_btf, then its raw_tp twin, per event.               */

/* map(iova, paddr, size, domain) */
SEC("tp_btf/map")
int BPF_PROG(tp2_map, unsigned long iova, __u64 paddr, unsigned long size,
	     struct iommu_domain *domain)
{
	on_map(size, (__u64)domain, 0);
	sample_stack(ctx);
	return 0;
}

SEC("raw_tp/map")
int BPF_PROG(raw2_map, unsigned long iova, __u64 paddr, unsigned long size, __u64 domain)
{
	on_map(size, domain, 0);
	sample_stack(ctx);
	return 0;
}

/* unmap(iova, size, unmapped_size, domain) */
SEC("tp_btf/unmap")
int BPF_PROG(tp2_unmap, unsigned long iova, unsigned long size, unsigned long unmapped,
	     struct iommu_domain *domain)
{
	on_unmap(unmapped, (__u64)domain, 0);
	sample_stack(ctx);
	return 0;
}

SEC("raw_tp/unmap")
int BPF_PROG(raw2_unmap, unsigned long iova, unsigned long size, unsigned long unmapped,
	     __u64 domain)
{
	on_unmap(unmapped, domain, 0);
	sample_stack(ctx);
	return 0;
}

/* iommu_iotlb_sync(domain, gather, reason) */
SEC("tp_btf/iommu_iotlb_sync")
int BPF_PROG(tp2_sync, struct iommu_domain *domain, struct iommu_iotlb_gather *gather,
	     unsigned int reason)
{
	/* typed pointer: plain loads, checked by the verifier */
	on_sync_v2((__u64)domain, reason, gather->start, gather->end);
	sample_stack(ctx);
	return 0;
}

SEC("raw_tp/iommu_iotlb_sync")
int BPF_PROG(raw2_sync, __u64 domain, __u64 gather, unsigned int reason)
{
	struct iommu_iotlb_gather *g = (void *)gather;
	unsigned long start = 0, end = 0;

	/* fails for the fake pointers of the host tests: 0..0, range unknown */
	if (bpf_core_read(&start, sizeof(start), &g->start) ||
	    bpf_core_read(&end, sizeof(end), &g->end))
		start = end = 0;
	on_sync_v2(domain, reason, start, end);
	sample_stack(ctx);
	return 0;
}

/* iommu_flush_iotlb_all(domain) */
SEC("tp_btf/iommu_flush_iotlb_all")
int BPF_PROG(tp2_flush_all, struct iommu_domain *domain)
{
	on_flush_all((__u64)domain, 0, 0);
	sample_stack(ctx);
	return 0;
}

SEC("raw_tp/iommu_flush_iotlb_all")
int BPF_PROG(raw2_flush_all, __u64 domain)
{
	on_flush_all(domain, 0, 0);
	sample_stack(ctx);
	return 0;
}

/* iommu_sync_map(domain, iova, size) */
SEC("tp_btf/iommu_sync_map")
int BPF_PROG(tp2_sync_map, struct iommu_domain *domain, unsigned long iova, unsigned long size)
{
	on_sync_map((__u64)domain, size, 0, 0, 0);
	sample_stack(ctx);
	return 0;
}

SEC("raw_tp/iommu_sync_map")
int BPF_PROG(raw2_sync_map, __u64 domain, unsigned long iova, unsigned long size)
{
	on_sync_map(domain, size, 0, 0, 0);
	sample_stack(ctx);
	return 0;
}

/* iommu_dma_fq_queue(domain, iova, pages, seq) */
SEC("tp_btf/iommu_dma_fq_queue")
int BPF_PROG(tp2_fq_queue, struct iommu_domain *domain, __u64 iova, unsigned long pages,
	     __u64 seq)
{
	on_fq_queue_v2((__u64)domain, pages, seq);
	sample_stack(ctx);
	return 0;
}

SEC("raw_tp/iommu_dma_fq_queue")
int BPF_PROG(raw2_fq_queue, __u64 domain, __u64 iova, unsigned long pages, __u64 seq)
{
	on_fq_queue_v2(domain, pages, seq);
	sample_stack(ctx);
	return 0;
}

/* iommu_dma_fq_flush(domain, reason, seq) */
SEC("tp_btf/iommu_dma_fq_flush")
int BPF_PROG(tp2_fq_flush, struct iommu_domain *domain, unsigned int reason, __u64 seq)
{
	on_fq_flush_v2((__u64)domain, reason, seq);
	sample_stack(ctx);
	return 0;
}

SEC("raw_tp/iommu_dma_fq_flush")
int BPF_PROG(raw2_fq_flush, __u64 domain, unsigned int reason, __u64 seq)
{
	on_fq_flush_v2(domain, reason, seq);
	sample_stack(ctx);
	return 0;
}
