// SPDX-License-Identifier: GPL-2.0
/*
 * sysinfo.c against a fake /sys: the IOMMU drivers are named from the
 * entries of /sys/class/iommu, the groups' domain types counted and
 * turned into strict/lazy, and a missing tree reads as "no IOMMU"; what a
 * device is (its driver, block and network devices) from its sysfs links.
 */
#define _DEFAULT_SOURCE	/* mkdtemp, symlink */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "sysinfo.h"

static char root[] = "/tmp/ifl-sysinfo-XXXXXX";

static void put(const char *rel, const char *text)
{
	char path[512], cmd[600];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	snprintf(cmd, sizeof(cmd), "mkdir -p \"$(dirname '%s')\"", path);
	if (system(cmd) != 0)
		exit(2);
	f = fopen(path, "w");
	if (!f)
		exit(2);
	fputs(text, f);
	fclose(f);
}

static void mkdirs(const char *rel)
{
	char cmd[600];

	snprintf(cmd, sizeof(cmd), "mkdir -p '%s/%s'", root, rel);
	if (system(cmd) != 0)
		exit(2);
}

int main(void)
{
	struct ifl_sysinfo si;
	char line[256], path[512], cmd[600];

	if (!mkdtemp(root))
		return 2;

	ifl_sysinfo_read(&si, root);
	ifl_sysinfo_iommu_line(&si, line, sizeof(line));
	CHECK(si.niommus == 0 && si.ndrivers == 0 && !strcmp(line, "no IOMMU"),
	      "an empty tree reads as no IOMMU (\"%s\")", line);

	put("proc/sys/kernel/osrelease", "7.2.13-iommu\n");
	mkdirs("sys/class/iommu/dmar0");
	mkdirs("sys/class/iommu/dmar1");
	/* virtio-iommu: the class entry's device is bound to virtio_iommu */
	mkdirs("sys/bus/virtio/drivers/virtio_iommu");
	mkdirs("sys/class/iommu/0000:00:01.0/device");
	snprintf(path, sizeof(path), "%s/sys/class/iommu/0000:00:01.0/device/driver", root);
	if (symlink("../../../../bus/virtio/drivers/virtio_iommu", path))
		return 2;
	put("sys/kernel/iommu_groups/0/type", "DMA-FQ\n");
	put("sys/kernel/iommu_groups/1/type", "DMA-FQ\n");
	put("sys/kernel/iommu_groups/2/type", "DMA\n");
	put("sys/kernel/iommu_groups/3/type", "identity\n");

	ifl_sysinfo_read(&si, root);
	CHECK(!strcmp(si.kernel, "7.2.13-iommu"), "kernel release read (\"%s\")", si.kernel);
	CHECK(si.niommus == 3 && si.ndrivers == 2, "3 IOMMUs of 2 drivers (%u, %u)",
	      si.niommus, si.ndrivers);
	int intel = 0, virtio = 0;

	for (unsigned int i = 0; i < si.ndrivers; i++) {
		intel += !strcmp(si.drivers[i], "intel-iommu");
		virtio += !strcmp(si.drivers[i], "virtio-iommu");
	}
	CHECK(intel == 1 && virtio == 1, "named intel-iommu once and virtio-iommu once");
	unsigned int fq = 0, dma = 0, id = 0;

	for (unsigned int i = 0; i < si.ntypes; i++) {
		if (!strcmp(si.types[i].type, "DMA-FQ"))
			fq = si.types[i].groups;
		if (!strcmp(si.types[i].type, "DMA"))
			dma = si.types[i].groups;
		if (!strcmp(si.types[i].type, "identity"))
			id = si.types[i].groups;
	}
	CHECK(fq == 2 && dma == 1 && id == 1, "group types counted: DMA-FQ 2, DMA 1, identity 1");
	ifl_sysinfo_iommu_line(&si, line, sizeof(line));
	CHECK(strstr(line, "DMA-FQ (lazy) x2") && strstr(line, "DMA (strict) x1") &&
	      strstr(line, "identity (passthrough) x1"), "the header line says strict and lazy (\"%s\")", line);

	char small[12];

	ifl_sysinfo_iommu_line(&si, small, sizeof(small));
	CHECK(strlen(small) < sizeof(small), "a short buffer truncates, never overflows (\"%s\")", small);

	/* What a device is: sysfs as the kernel lays it out, relative links */
	static const char *const links[][2] = {
		{ "sys/bus/pci/devices/0000:00:03.0", "../../../devices/pci0000:00/0000:00:03.0" },
		{ "sys/bus/pci/devices/0000:00:02.0", "../../../devices/pci0000:00/0000:00:02.0" },
		{ "sys/bus/pci/devices/0000:00:03.1", "../../../devices/pci0000:00/0000:00:03.1" },
		{ "sys/bus/platform/devices/9050000.pcie", "../../../devices/platform/9050000.pcie" },
		{ "sys/devices/pci0000:00/0000:00:03.0/driver", "../../../bus/pci/drivers/nvme" },
		{ "sys/devices/pci0000:00/0000:00:02.0/driver", "../../../bus/pci/drivers/virtio-pci" },
		{ "sys/class/block/nvme0n1", "../../devices/pci0000:00/0000:00:03.0/nvme/nvme0/nvme0n1" },
		{ "sys/class/block/nvme0n2", "../../devices/pci0000:00/0000:00:03.0/nvme/nvme0/nvme0n2" },
		{ "sys/class/block/nvme0n1p1", "../../devices/pci0000:00/0000:00:03.0/nvme/nvme0/nvme0n1/nvme0n1p1" },
		{ "sys/class/net/eth0", "../../devices/pci0000:00/0000:00:02.0/virtio0/net/eth0" },
		{ "sys/class/net/lo", "../../devices/virtual/net/lo" },
		/* 0000:00:03.10 is not below 0000:00:03.1 */
		{ "sys/class/net/eth9", "../../devices/pci0000:00/0000:00:03.10/net/eth9" },
	};
	mkdirs("sys/bus/pci/drivers/nvme");
	mkdirs("sys/bus/pci/drivers/virtio-pci");
	mkdirs("sys/devices/pci0000:00/0000:00:03.0/nvme/nvme0/nvme0n1/nvme0n1p1");
	mkdirs("sys/devices/pci0000:00/0000:00:03.0/nvme/nvme0/nvme0n2");
	put("sys/devices/pci0000:00/0000:00:03.0/nvme/nvme0/nvme0n1/nvme0n1p1/partition", "1\n");
	mkdirs("sys/devices/pci0000:00/0000:00:02.0/virtio0/net/eth0");
	mkdirs("sys/devices/pci0000:00/0000:00:03.1");
	mkdirs("sys/devices/pci0000:00/0000:00:03.10/net/eth9");
	mkdirs("sys/devices/virtual/net/lo");
	mkdirs("sys/devices/platform/9050000.pcie");
	mkdirs("sys/class/block");
	mkdirs("sys/bus/pci/devices");
	mkdirs("sys/bus/platform/devices");
	mkdirs("sys/class/net");
	for (size_t i = 0; i < sizeof(links) / sizeof(links[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", root, links[i][0]);
		if (symlink(links[i][1], path))
			return 2;
	}
	static const char *const cases[][3] = {
		{ "0000:00:03.0", "nvme nvme0n1 nvme0n2", "an NVMe: its driver and namespaces, not partitions" },
		{ "0000:00:02.0", "virtio-pci eth0", "a virtio NIC: the function's driver and the interface" },
		{ "0000:00:03.1", "-", "no driver bound, nothing on it: \"-\", not a neighbour's eth9" },
		{ "9050000.pcie", "-", "a platform device found on its bus" },
		{ "0000:00:03.0,0000:00:02.0,+2", "nvme nvme0n1 nvme0n2,virtio-pci eth0", "a group's list: each described" },
		{ "-", "", "an unknown device: no description" },
		{ "../../../etc", "", "a name with a slash is not looked up" },
		{ "0000:00:09.0", "", "a device sysfs does not have" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char desc[64];

		ifl_device_desc(root, cases[i][0], desc, sizeof(desc));
		CHECK(!strcmp(desc, cases[i][1]), "%s: %s (\"%s\")", cases[i][0], cases[i][2], desc);
	}
	ifl_device_desc(root, "0000:00:03.0", small, sizeof(small));
	CHECK(strlen(small) < sizeof(small) && !strncmp(small, "nvme nvme0n1 nvme0n2", strlen(small)),
	      "a short buffer truncates, never overflows (\"%s\")", small);

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	if (system(cmd) != 0)
		return 2;
	CHECK_EXIT();
}
