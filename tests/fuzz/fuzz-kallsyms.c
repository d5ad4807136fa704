// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer: the collector's two kallsyms readers on any bytes as
 * /proc/kallsyms (a memfd, read through /proc/self/fd): name resolution
 * (names.c) for addresses taken from the input and around it, then the
 * names built on it (driver, consumer); the lookup by name; the
 * fallback's scan for callbacks that share a name (fallback_btf.c).
 * Invariants: a resolved address lies at or above its symbol, names are
 * terminated within their arrays, the fallback's slots never overflow.
 */
#include "fuzz.h"	/* first: _GNU_SOURCE */

#include <inttypes.h>

#include "internal.h"

#define MAX_ADDRS 32

/* Addresses to ask about: those of the input's lines, each also +1 and -1. */
static size_t addresses(const uint8_t *data, size_t size, uint64_t *out)
{
	size_t n = 0;

	out[n++] = 0xffffffff81000000ULL;
	out[n++] = UINT64_MAX;
	for (size_t i = 0; i < size && n + 3 <= MAX_ADDRS; i++) {
		char buf[17];
		size_t k = 0;

		if (i && data[i - 1] != '\n')
			continue;
		while (k < 16 && i + k < size && strchr("0123456789abcdefABCDEF", data[i + k]) && data[i + k])
			k++;
		if (!k)
			continue;
		memcpy(buf, data + i, k);
		buf[k] = '\0';
		out[n] = strtoull(buf, NULL, 16);
		out[n + 1] = out[n] + 1;
		out[n + 2] = out[n] - 1;
		n += 3;
	}
	return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint64_t addrs[MAX_ADDRS];
	size_t naddrs = addresses(data, size, addrs);
	char path[64], proc[64], name[64], buf[128];
	struct ifl_fb_targets *fb;
	struct ifl_names n;
	int fd = fuzz_memfd("fuzz-kallsyms", path, sizeof(path));

	FUZZ_ASSERT(write(fd, data, size) == (ssize_t)size);
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	ifl_names_init(&n, proc);
	n.iommu_class = "/nonexistent";
	/* twice: the second pass finds them cached */
	for (int pass = 0; pass < 2; pass++)
		FUZZ_ASSERT(ifl_names_resolve(&n, addrs, naddrs) == 0);
	for (size_t i = 0; i < naddrs; i++) {
		const struct ifl_sym *s = ifl_names_sym(&n, addrs[i]);

		if (!addrs[i])
			continue;
		FUZZ_ASSERT(s && s->addr == addrs[i]);
		FUZZ_ASSERT(memchr(s->name, 0, sizeof(s->name)) && memchr(s->module, 0, sizeof(s->module)) &&
			    memchr(s->driver, 0, sizeof(s->driver)));
		FUZZ_ASSERT(!s->found || (s->off <= s->addr && s->name[0]));
		ifl_driver_name(s, s, s, buf, sizeof(buf));
		FUZZ_ASSERT(memchr(buf, 0, sizeof(buf)));
		ifl_consumer_of(s, name, sizeof(name));
		FUZZ_ASSERT(memchr(name, 0, sizeof(name)));
	}
	ifl_names_free(&n);
	ifl_names_lookup(proc, "iommu_map");
	ifl_names_lookup(proc, "");

	fb = calloc(1, sizeof(*fb));
	FUZZ_ASSERT(fb);
	FUZZ_ASSERT(ifl_fb_kallsyms(fb, proc) == 0);
	for (int k = 0; k < IFL_FB_NR_KINDS; k++)
		FUZZ_ASSERT(fb->n[k] >= 0 && fb->n[k] <= IFL_FB_SLOTS);
	FUZZ_ASSERT(memchr(fb->shared, 0, sizeof(fb->shared)));
	free(fb);
	return 0;
}
