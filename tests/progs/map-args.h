/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the in-VM IOMMU consumer programs (vfio-map, iommufd-map) share: the
 * command line "BDF CHUNKS CHUNK_BYTES GAP_BYTES", the buffer they map and
 * the error exit.  Header-only: each program is one static binary.
 */
#ifndef MAP_ARGS_H
#define MAP_ARGS_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#define IOVA_BASE 0x10000000ULL

struct map_args {
	const char *prog, *bdf;
	unsigned long long chunks, chunk, gap;
	void *buf;		/* chunks * chunk bytes, populated */
};

static inline void die(const struct map_args *a, const char *what)
{
	fprintf(stderr, "%s: %s: %s\n", a->prog, what, strerror(errno));
	exit(1);
}

static inline unsigned long long parse_num(const struct map_args *a, const char *s, const char *name)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || *end || end == s) {
		fprintf(stderr, "%s: bad %s '%s'\n", a->prog, name, s);
		exit(2);
	}
	return v;
}

/* Parses argv, exits 2 on bad usage, 1 if the buffer cannot be had. */
static inline void map_args_parse(struct map_args *a, const char *prog, int argc, char **argv)
{
	a->prog = prog;
	if (argc != 5) {
		fprintf(stderr, "usage: %s BDF CHUNKS CHUNK_BYTES GAP_BYTES\n", prog);
		exit(2);
	}
	a->bdf = argv[1];
	a->chunks = parse_num(a, argv[2], "CHUNKS");
	a->chunk = parse_num(a, argv[3], "CHUNK_BYTES");
	a->gap = parse_num(a, argv[4], "GAP_BYTES");
	if (!a->chunks || !a->chunk || a->chunk % 4096 || a->gap % 4096) {
		fprintf(stderr, "%s: CHUNKS > 0, CHUNK_BYTES and GAP_BYTES multiples of 4096\n", prog);
		exit(2);
	}
	a->buf = mmap(NULL, a->chunks * a->chunk, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	if (a->buf == MAP_FAILED)
		die(a, "mmap");
}

static inline unsigned long long map_args_iova(const struct map_args *a, unsigned long long i)
{
	return IOVA_BASE + i * (a->chunk + a->gap);
}

static inline void map_args_report(const struct map_args *a, unsigned long long mapped,
				   unsigned long long unmapped)
{
	printf("chunks=%llu\nchunk_bytes=%llu\ngap_bytes=%llu\n", a->chunks, a->chunk, a->gap);
	printf("mapped_bytes=%llu\nunmapped_bytes=%llu\n", mapped, unmapped);
}

#endif
