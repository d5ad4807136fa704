/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the fallback event source's BPF programs (bpf/iommu_fallback.bpf.c)
 * and its library part (tools/lib/source_fallback.c, fallback_btf.c)
 * share: the kinds of driver callback it hooks, how many functions of each
 * kind it can hook at once, and the operations its test program replays.
 */
#ifndef IOMMU_FALLBACK_H
#define IOMMU_FALLBACK_H

/* The struct iommu_domain_ops callbacks (or generic_pt ops) hooked. */
enum ifl_fb_kind {
	IFL_FB_SYNC,		/* iotlb_sync(domain, gather) */
	IFL_FB_FLUSH_ALL,	/* flush_iotlb_all(domain) */
	IFL_FB_SYNC_MAP,	/* iotlb_sync_map(domain, iova, size) -> int */
	IFL_FB_UNMAP,		/* unmap_pages(domain, ..., gather) / unmap_range(pt, ..., gather) -> size */
	IFL_FB_MAP,		/* map_pages(domain, ...) / map_range(pt, ...) -> int */
	IFL_FB_NR_KINDS
};

/*
 * Functions hooked per kind: one per driver (or generic_pt format) that
 * the kernel has.  7.2 with intel-iommu, amd-iommu and virtio-iommu built
 * in has 4 unmap functions (x86_64_, vtdss_, amdv1_unmap_range,
 * viommu_unmap_pages).
 */
#define IFL_FB_SLOTS 4

/*
 * The operations of the fb_test program (BPF_PROG_TEST_RUN on the host,
 * where fentry and kprobes cannot run): ctx[0] is the operation, the rest
 * its arguments as the fentry/fexit programs hand them to the handlers.
 */
enum ifl_fb_op {
	IFL_FB_OP_SYNC_ENTER,		/* -                                    */
	IFL_FB_OP_SYNC_EXIT,		/* domain, gather, start, end           */
	IFL_FB_OP_FLUSH_ENTER,		/* domain                               */
	IFL_FB_OP_FLUSH_EXIT,		/* domain                               */
	IFL_FB_OP_SYNC_MAP_ENTER,	/* -                                    */
	IFL_FB_OP_SYNC_MAP_EXIT,	/* domain, size, ret                    */
	IFL_FB_OP_UNMAP_EXIT,		/* domain, gather, queued               */
	IFL_FB_OP_MAP_EXIT,		/* domain                               */
	IFL_FB_OP_TP_UNMAP,		/* iommu:unmap: iova, size, unmapped    */
	IFL_FB_OP_TP_MAP,		/* iommu:map: iova, paddr, size         */
	IFL_FB_NR_OPS
};

#endif
