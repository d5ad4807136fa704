// SPDX-License-Identifier: GPL-2.0
/*
 * iommufd-map: an iommufd consumer of the IOMMU API for the in-VM tests.
 *
 * Opens the VFIO device cdev of a PCI device already bound to vfio-pci,
 * binds it to an iommufd, attaches it to a fresh IOAS, maps CHUNKS buffers
 * of CHUNK bytes at IOVAs GAP bytes apart with IOMMU_IOAS_MAP, then unmaps
 * the whole span with one IOMMU_IOAS_UNMAP.  Prints KEY=VALUE lines.
 *
 * Usage: iommufd-map BDF CHUNKS CHUNK_BYTES GAP_BYTES
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/iommufd.h>
#include <linux/vfio.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "map-args.h"

/* The device's VFIO cdev: /sys/bus/pci/devices/BDF/vfio-dev/vfioN. */
static int open_cdev(const struct map_args *a)
{
	char path[PATH_MAX];
	struct dirent *de;
	DIR *dir;
	int fd = -1;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/vfio-dev", a->bdf);
	dir = opendir(path);
	if (!dir)
		die(a, path);
	while ((de = readdir(dir))) {
		if (strncmp(de->d_name, "vfio", 4))
			continue;
		snprintf(path, sizeof(path), "/dev/vfio/devices/%s", de->d_name);
		fd = open(path, O_RDWR);
		if (fd < 0)
			die(a, path);
		break;
	}
	closedir(dir);
	if (fd < 0) {
		fprintf(stderr, "%s: %s has no VFIO cdev\n", a->prog, a->bdf);
		exit(1);
	}
	return fd;
}

int main(int argc, char **argv)
{
	unsigned long long i, mapped = 0;
	struct map_args a;
	int dev, iommufd;

	map_args_parse(&a, "iommufd-map", argc, argv);
	dev = open_cdev(&a);
	iommufd = open("/dev/iommu", O_RDWR);
	if (iommufd < 0)
		die(&a, "/dev/iommu");

	struct vfio_device_bind_iommufd bind = { .argsz = sizeof(bind), .iommufd = iommufd };
	if (ioctl(dev, VFIO_DEVICE_BIND_IOMMUFD, &bind))
		die(&a, "VFIO_DEVICE_BIND_IOMMUFD");
	struct iommu_ioas_alloc alloc = { .size = sizeof(alloc) };
	if (ioctl(iommufd, IOMMU_IOAS_ALLOC, &alloc))
		die(&a, "IOMMU_IOAS_ALLOC");
	struct vfio_device_attach_iommufd_pt attach = { .argsz = sizeof(attach), .pt_id = alloc.out_ioas_id };
	if (ioctl(dev, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &attach))
		die(&a, "VFIO_DEVICE_ATTACH_IOMMUFD_PT");

	for (i = 0; i < a.chunks; i++) {
		struct iommu_ioas_map map = {
			.size = sizeof(map),
			.flags = IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_READABLE |
				 IOMMU_IOAS_MAP_WRITEABLE,
			.ioas_id = alloc.out_ioas_id,
			.user_va = (uintptr_t)a.buf + i * a.chunk,
			.length = a.chunk,
			.iova = map_args_iova(&a, i),
		};

		if (ioctl(iommufd, IOMMU_IOAS_MAP, &map))
			die(&a, "IOMMU_IOAS_MAP");
		mapped += a.chunk;
	}
	struct iommu_ioas_unmap unmap = {
		.size = sizeof(unmap),
		.ioas_id = alloc.out_ioas_id,
		.iova = IOVA_BASE,
		.length = a.chunks * (a.chunk + a.gap),
	};
	if (ioctl(iommufd, IOMMU_IOAS_UNMAP, &unmap))
		die(&a, "IOMMU_IOAS_UNMAP");

	printf("ioas=%u\n", alloc.out_ioas_id);
	map_args_report(&a, mapped, unmap.length);
	return 0;
}
