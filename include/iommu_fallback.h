/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the fallback event source's BPF programs (bpf/iommu_fallback.bpf.c)
 * and its library part (tools/lib/source_fallback.c, fallback_btf.c)
 * share: the kinds of driver callback it hooks, how many functions of each
 * kind it can hook at once, the table its programs are generated from,
 * and the operations its test program replays.
 */
#ifndef IOMMU_FALLBACK_H
#define IOMMU_FALLBACK_H

/*
 * The struct iommu_domain_ops callbacks (or generic_pt ops) hooked.  Keep
 * IFL_FB_FOR_KINDS below in step (a static assert checks the count).
 */
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
 * The one table of the fallback's programs: X(kind, name, slot) once per
 * kind and slot.  bpf/iommu_fallback.bpf.c expands it into the fentry,
 * fexit, kprobe and kretprobe programs fe_<name><slot>, fx_, kp_, kr_
 * (fe_sync0, ..., kr_map3); tools/lib/source_fallback.c expands it into
 * its table of the skeleton's programs, so a program missing on one side
 * does not compile.  The slots are spelled out (the preprocessor cannot
 * count): IFL_FB_SLOTS is checked against them.
 */
#define IFL_FB_FOR_KINDS(X, slot)		\
	X(IFL_FB_SYNC, sync, slot)		\
	X(IFL_FB_FLUSH_ALL, flush, slot)	\
	X(IFL_FB_SYNC_MAP, syncmap, slot)	\
	X(IFL_FB_UNMAP, unmap, slot)		\
	X(IFL_FB_MAP, map, slot)

#define IFL_FB_FOR_SLOTS(X) X(0) X(1) X(2) X(3)

#define IFL_FB_ONE_KIND(kind, name, slot) + 1
#define IFL_FB_ONE_SLOT(slot) + 1
_Static_assert(0 IFL_FB_FOR_KINDS(IFL_FB_ONE_KIND, 0) == IFL_FB_NR_KINDS,
	       "IFL_FB_FOR_KINDS lists every enum ifl_fb_kind once");
_Static_assert(0 IFL_FB_FOR_SLOTS(IFL_FB_ONE_SLOT) == IFL_FB_SLOTS,
	       "IFL_FB_FOR_SLOTS lists IFL_FB_SLOTS slots");
/* the BPF side bounds a slot with "& (IFL_FB_SLOTS - 1)" */
_Static_assert((IFL_FB_SLOTS & (IFL_FB_SLOTS - 1)) == 0, "IFL_FB_SLOTS is a power of two");

/*
 * Arguments of a hooked function that the programs read: kprobes get them
 * from registers, and libbpf 1.1's PT_REGS_PARM* stop at 5 (x86_64 passes
 * 6 in registers, arm64 8).  fallback_btf.c takes no callback whose gather
 * is beyond them; every one known has it 4th or 5th.
 */
#define IFL_FB_NARGS 5

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
