// SPDX-License-Identifier: GPL-2.0
/*
 * sysinfo.c against a fake /sys: the IOMMU drivers are named from the
 * entries of /sys/class/iommu, the groups' domain types counted and
 * turned into strict/lazy, and a missing tree reads as "no IOMMU".
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

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	if (system(cmd) != 0)
		return 2;
	CHECK_EXIT();
}
