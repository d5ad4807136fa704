/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the libFuzzer harnesses share: a sink for reports, a memfd for
 * saved dumps, and the rule that a broken invariant is a crash (abort):
 * libFuzzer keeps the input that did it.
 */
#ifndef IFL_FUZZ_H
#define IFL_FUZZ_H
#define _GNU_SOURCE	/* memfd_create */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define FUZZ_ASSERT(c) do { if (!(c)) { fprintf(stderr, "fuzz: %s:%d: %s\n", __FILE__, __LINE__, #c); abort(); } } while (0)

/* The reports go here: printed in full, never looked at. */
static inline FILE *fuzz_sink(void)
{
	static FILE *f;

	if (!f)
		f = fopen("/dev/null", "w");
	FUZZ_ASSERT(f);
	return f;
}

/* A file in memory, emptied, and its name through /dev/fd (outfile.h writes into it). */
static inline int fuzz_memfd(const char *name, char *path, size_t len)
{
	static int fd = -1;

	if (fd < 0)
		fd = memfd_create(name, MFD_CLOEXEC);
	FUZZ_ASSERT(fd >= 0);
	FUZZ_ASSERT(!ftruncate(fd, 0) && lseek(fd, 0, SEEK_SET) == 0);
	snprintf(path, len, "/dev/fd/%d", fd);
	return fd;
}

/* What the memfd holds, NUL-terminated; *len its size. */
static inline char *fuzz_memfd_text(int fd, size_t *len)
{
	off_t end = lseek(fd, 0, SEEK_END);
	char *buf;

	FUZZ_ASSERT(end >= 0);
	buf = malloc((size_t)end + 1);
	FUZZ_ASSERT(buf && pread(fd, buf, (size_t)end, 0) == end);
	buf[end] = '\0';
	*len = (size_t)end;
	return buf;
}

/* An error is one line, and says something. */
static inline void fuzz_one_line(const char *err)
{
	FUZZ_ASSERT(err[0] && !strchr(err, '\n'));
}

#endif
