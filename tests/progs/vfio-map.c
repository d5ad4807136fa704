// SPDX-License-Identifier: GPL-2.0
/*
 * vfio-map: a VFIO type1 consumer of the IOMMU API for the in-VM tests.
 *
 * Attaches the IOMMU group of a PCI device (already bound to vfio-pci) to a
 * type1v2 container, maps CHUNKS buffers of CHUNK bytes at IOVAs GAP bytes
 * apart, then unmaps the whole span in one VFIO_IOMMU_UNMAP_DMA.  With a gap,
 * the ranges vfio gathers are disjoint, so the gather helpers must force
 * syncs; without one they coalesce.  Prints KEY=VALUE lines for the test.
 *
 * Usage: vfio-map BDF CHUNKS CHUNK_BYTES GAP_BYTES
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <limits.h>
#include <linux/vfio.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "map-args.h"

int main(int argc, char **argv)
{
	struct vfio_group_status status = { .argsz = sizeof(status) };
	char path[PATH_MAX + 32], link[PATH_MAX];
	unsigned long long i, mapped = 0;
	struct map_args a;
	int container, group;
	const char *grp;
	ssize_t n;

	map_args_parse(&a, "vfio-map", argc, argv);
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/iommu_group", a.bdf);
	n = readlink(path, link, sizeof(link) - 1);
	if (n < 0)
		die(&a, path);
	link[n] = '\0';
	grp = strrchr(link, '/') ? strrchr(link, '/') + 1 : link;

	container = open("/dev/vfio/vfio", O_RDWR);
	if (container < 0)
		die(&a, "/dev/vfio/vfio");
	if (ioctl(container, VFIO_GET_API_VERSION) != VFIO_API_VERSION)
		die(&a, "VFIO_GET_API_VERSION");
	if (!ioctl(container, VFIO_CHECK_EXTENSION, VFIO_TYPE1v2_IOMMU))
		die(&a, "no VFIO_TYPE1v2_IOMMU");

	snprintf(path, sizeof(path), "/dev/vfio/%s", grp);
	group = open(path, O_RDWR);
	if (group < 0)
		die(&a, path);
	if (ioctl(group, VFIO_GROUP_GET_STATUS, &status))
		die(&a, "VFIO_GROUP_GET_STATUS");
	if (!(status.flags & VFIO_GROUP_FLAGS_VIABLE)) {
		fprintf(stderr, "vfio-map: group %s is not viable (bind every device to vfio-pci)\n", grp);
		return 1;
	}
	if (ioctl(group, VFIO_GROUP_SET_CONTAINER, &container))
		die(&a, "VFIO_GROUP_SET_CONTAINER");
	if (ioctl(container, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU))
		die(&a, "VFIO_SET_IOMMU");

	for (i = 0; i < a.chunks; i++) {
		struct vfio_iommu_type1_dma_map map = {
			.argsz = sizeof(map),
			.flags = VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE,
			.vaddr = (uintptr_t)a.buf + i * a.chunk,
			.iova = map_args_iova(&a, i),
			.size = a.chunk,
		};

		if (ioctl(container, VFIO_IOMMU_MAP_DMA, &map))
			die(&a, "VFIO_IOMMU_MAP_DMA");
		mapped += a.chunk;
	}

	struct vfio_iommu_type1_dma_unmap unmap = {
		.argsz = sizeof(unmap),
		.iova = IOVA_BASE,
		.size = a.chunks * (a.chunk + a.gap),
	};
	if (ioctl(container, VFIO_IOMMU_UNMAP_DMA, &unmap))
		die(&a, "VFIO_IOMMU_UNMAP_DMA");

	printf("group=%s\n", grp);
	map_args_report(&a, mapped, unmap.size);
	return 0;
}
