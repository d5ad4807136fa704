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
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/vfio.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#define IOVA_BASE 0x10000000ULL

static void die(const char *what)
{
	fprintf(stderr, "vfio-map: %s: %s\n", what, strerror(errno));
	exit(1);
}

static unsigned long long parse_num(const char *s, const char *name)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || *end || end == s) {
		fprintf(stderr, "vfio-map: bad %s '%s'\n", name, s);
		exit(2);
	}
	return v;
}

int main(int argc, char **argv)
{
	struct vfio_group_status status = { .argsz = sizeof(status) };
	char path[PATH_MAX + 32], link[PATH_MAX];
	unsigned long long chunks, chunk, gap, i, mapped = 0;
	int container, group;
	const char *grp;
	ssize_t n;
	void *buf;

	if (argc != 5) {
		fprintf(stderr, "usage: vfio-map BDF CHUNKS CHUNK_BYTES GAP_BYTES\n");
		return 2;
	}
	chunks = parse_num(argv[2], "CHUNKS");
	chunk = parse_num(argv[3], "CHUNK_BYTES");
	gap = parse_num(argv[4], "GAP_BYTES");
	if (!chunks || !chunk || chunk % 4096 || gap % 4096) {
		fprintf(stderr, "vfio-map: CHUNKS > 0, CHUNK_BYTES and GAP_BYTES multiples of 4096\n");
		return 2;
	}

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/iommu_group", argv[1]);
	n = readlink(path, link, sizeof(link) - 1);
	if (n < 0)
		die(path);
	link[n] = '\0';
	grp = strrchr(link, '/') ? strrchr(link, '/') + 1 : link;

	container = open("/dev/vfio/vfio", O_RDWR);
	if (container < 0)
		die("/dev/vfio/vfio");
	if (ioctl(container, VFIO_GET_API_VERSION) != VFIO_API_VERSION)
		die("VFIO_GET_API_VERSION");
	if (!ioctl(container, VFIO_CHECK_EXTENSION, VFIO_TYPE1v2_IOMMU))
		die("no VFIO_TYPE1v2_IOMMU");

	snprintf(path, sizeof(path), "/dev/vfio/%s", grp);
	group = open(path, O_RDWR);
	if (group < 0)
		die(path);
	if (ioctl(group, VFIO_GROUP_GET_STATUS, &status))
		die("VFIO_GROUP_GET_STATUS");
	if (!(status.flags & VFIO_GROUP_FLAGS_VIABLE)) {
		fprintf(stderr, "vfio-map: group %s is not viable (bind every device to vfio-pci)\n", grp);
		return 1;
	}
	if (ioctl(group, VFIO_GROUP_SET_CONTAINER, &container))
		die("VFIO_GROUP_SET_CONTAINER");
	if (ioctl(container, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU))
		die("VFIO_SET_IOMMU");

	buf = mmap(NULL, chunks * chunk, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	if (buf == MAP_FAILED)
		die("mmap");

	for (i = 0; i < chunks; i++) {
		struct vfio_iommu_type1_dma_map map = {
			.argsz = sizeof(map),
			.flags = VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE,
			.vaddr = (uintptr_t)buf + i * chunk,
			.iova = IOVA_BASE + i * (chunk + gap),
			.size = chunk,
		};

		if (ioctl(container, VFIO_IOMMU_MAP_DMA, &map))
			die("VFIO_IOMMU_MAP_DMA");
		mapped += chunk;
	}

	struct vfio_iommu_type1_dma_unmap unmap = {
		.argsz = sizeof(unmap),
		.iova = IOVA_BASE,
		.size = chunks * (chunk + gap),
	};
	if (ioctl(container, VFIO_IOMMU_UNMAP_DMA, &unmap))
		die("VFIO_IOMMU_UNMAP_DMA");

	printf("group=%s\nchunks=%llu\nchunk_bytes=%llu\ngap_bytes=%llu\n", grp, chunks, chunk, gap);
	printf("mapped_bytes=%llu\nunmapped_bytes=%llu\n", mapped, (unsigned long long)unmap.size);
	return 0;
}
