/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the tools' headers say about the machine: the kernel, the IOMMU
 * drivers present and the domain types of the IOMMU groups (strict or lazy).
 * Read from /proc and /sys only: no BPF, no privilege.
 */
#ifndef IFL_SYSINFO_H
#define IFL_SYSINFO_H

#include <stddef.h>

#define IFL_SYSINFO_MAX 8

struct ifl_sysinfo {
	char kernel[128];		/* uname -r */
	char machine[65];		/* uname -m */
	unsigned int niommus;		/* entries in /sys/class/iommu */
	unsigned int ndrivers;
	char drivers[IFL_SYSINFO_MAX][32];	/* "intel-iommu", ... (distinct) */
	unsigned int ntypes;
	struct {
		char type[64];		/* "DMA", "DMA-FQ", "identity", ... */
		unsigned int groups;	/* IOMMU groups of that type */
	} types[IFL_SYSINFO_MAX];
};

/*
 * root: "" for the real machine, or a directory holding a copy of the files
 * read (tests).  Missing files leave their fields empty: never fails.
 */
void ifl_sysinfo_read(struct ifl_sysinfo *si, const char *root);

/* "strict" for DMA, "lazy" for DMA-FQ, "passthrough" for identity, else the type. */
const char *ifl_type_mode(const char *type);

/* One line: "intel-iommu; DMA-FQ (lazy) x3, DMA (strict) x1" into buf. */
void ifl_sysinfo_iommu_line(const struct ifl_sysinfo *si, char *buf, size_t len);

#endif
