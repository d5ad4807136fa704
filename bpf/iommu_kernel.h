/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The kernel structures and fields the BPF programs read, and nothing else.
 *
 * Why not a generated vmlinux.h: the build must not depend on any kernel's
 * BTF (a build machine need not run the kernel it builds for, and one
 * object must load on 7.2, on the 6.12 backport and on later kernels).
 * Each struct below is marked preserve_access_index, so clang records every
 * field access as a CO-RE relocation by name; libbpf resolves it at load
 * time against the running kernel's BTF (/sys/kernel/btf/vmlinux).  Field
 * order, offsets and the other members of these structs do not matter, and
 * a struct private to a .c file (iommu_group, group_device) is as reachable
 * as a public one, since vmlinux BTF holds both.
 */
#ifndef IOMMU_KERNEL_H
#define IOMMU_KERNEL_H

#include <linux/types.h>

#define __ifl_core __attribute__((preserve_access_index))

struct list_head {
	struct list_head *next, *prev;
} __ifl_core;

struct kobject {
	const char *name;
	struct list_head entry;
} __ifl_core;

struct kset {
	struct list_head list;
} __ifl_core;

struct device {
	struct kobject kobj;
} __ifl_core;

/* include/linux/iommu.h: only the callbacks that name a driver are read. */
struct iommu_domain_ops {
	void *iotlb_sync;
	void *flush_iotlb_all;
	void *map_pages;
} __ifl_core;

struct iommu_ops;

struct iommu_domain {
	unsigned int type;
	const struct iommu_domain_ops *ops;
	const struct iommu_ops *owner;
	unsigned long pgsize_bitmap;
} __ifl_core;

struct iommu_iotlb_gather {
	unsigned long start;
	unsigned long end;
} __ifl_core;

/* drivers/iommu/iommu.c (private to it, present in vmlinux BTF) */
struct iommu_group {
	struct kobject kobj;
	struct list_head devices;
	int id;
	struct iommu_domain *domain;
} __ifl_core;

struct group_device {
	struct list_head list;
	struct device *dev;
} __ifl_core;

/*
 * The series' enums (kernel-patches/: include/linux/iommu.h,
 * include/trace/events/iommu.h), read with bpf_core_enum_value(), so an
 * enumerator renumbered by a later version of the series is still read
 * right.  The values written here are the series' own: they serve where
 * the running kernel's BTF has no such enum.
 */
enum iommu_iotlb_gather_forced {
	IOMMU_IOTLB_GATHER_FORCED_NONE = 0,
	IOMMU_IOTLB_GATHER_FORCED_DISJOINT = 1,
	IOMMU_IOTLB_GATHER_FORCED_PGSIZE = 2,
};

/* series v2 */
enum iommu_iotlb_sync_reason {
	IOMMU_IOTLB_SYNC_EXPLICIT = 0,
	IOMMU_IOTLB_SYNC_GATHER = 1,
	IOMMU_IOTLB_SYNC_NOGAPS = 2,
	IOMMU_IOTLB_SYNC_FREED = 3,
};

/* v1 and v2 (v2 has no OTHER) */
enum iommu_dma_fq_flush_reason {
	IOMMU_DMA_FQ_FLUSH_TIMER = 0,
	IOMMU_DMA_FQ_FLUSH_FULL = 1,
	IOMMU_DMA_FQ_FLUSH_OTHER = 2,
};

#endif
