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

/*
 * What a device is, for a person: the driver bound to it and the block or
 * network devices on it, from sysfs under root ("" for the real machine):
 * "nvme nvme0n1", "e1000e eth0", "vfio-pci" (bound, nothing on it); ""
 * when sysfs does not know the device.  device is a row's device field: a
 * name ("0000:00:03.0") or a group's list of names ("a,b,+2"), whose
 * descriptions are joined by ",".  Reads only: never fails.
 */
void ifl_device_desc(const char *root, const char *device, char *buf, size_t len);

#endif
