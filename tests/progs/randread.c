// SPDX-License-Identifier: GPL-2.0
/*
 * randread DEV BLOCK COUNT [SEED]: COUNT O_DIRECT reads of BLOCK bytes at
 * block-aligned offsets of DEV drawn from a fixed pseudo-random sequence, so
 * that two runs (the A and B kernels of scripts/ab-patch) read the same
 * blocks in the same order.  A named workload of docs/workloads.md; dd does
 * sequential reads only.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static unsigned long long num(const char *s, const char *what)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || end == s || *end || !v) {
		fprintf(stderr, "randread: bad %s '%s'\n", what, s);
		exit(2);
	}
	return v;
}

int main(int argc, char **argv)
{
	unsigned long long block, count, seed = 1, blocks;
	uint64_t x;
	void *buf;
	off_t size;
	int fd;

	if (argc < 4 || argc > 5) {
		fprintf(stderr, "usage: randread DEV BLOCK COUNT [SEED]\n");
		return 2;
	}
	block = num(argv[2], "block size");
	count = num(argv[3], "count");
	if (argc == 5)
		seed = num(argv[4], "seed");
	if (block % 512 || block > (64ULL << 20)) {
		fprintf(stderr, "randread: the block size must be a multiple of 512 up to 64 MiB\n");
		return 2;
	}
	fd = open(argv[1], O_RDONLY | O_DIRECT);
	if (fd < 0 || (size = lseek(fd, 0, SEEK_END)) <= 0) {
		fprintf(stderr, "randread: %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	blocks = (unsigned long long)size / block;
	if (!blocks || posix_memalign(&buf, 4096, block)) {
		fprintf(stderr, "randread: %s is smaller than one block, or no memory\n", argv[1]);
		return 1;
	}
	x = seed * 0x9e3779b97f4a7c15ULL;
	for (unsigned long long i = 0; i < count; i++) {
		/* xorshift64*: the same sequence on every machine */
		x ^= x >> 12;
		x ^= x << 25;
		x ^= x >> 27;
		off_t off = (off_t)(((x * 0x2545f4914f6cdd1dULL) >> 11) % blocks * block);

		if (pread(fd, buf, block, off) != (ssize_t)block) {
			fprintf(stderr, "randread: read at %lld: %s\n", (long long)off, strerror(errno));
			return 1;
		}
	}
	free(buf);
	close(fd);
	printf("randread_bytes=%llu\n", block * count);
	return 0;
}
