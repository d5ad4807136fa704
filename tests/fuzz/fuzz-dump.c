// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer: the dump loader on any bytes (what `iommu-flushhist -i` reads).
 * A refusal is one line.  What loads prints, in every grouping a report
 * offers, and survives a round trip: saved (ifl_dump_write, into a memfd
 * through /dev/fd) and loaded again, it loads, and saves the same bytes.
 */
#include "fuzz.h"

#include "dump.h"
#include "hist_report.h"

static char *saved(const struct ifl_dump *d, size_t *len)
{
	char path[64], err[512];
	int fd = fuzz_memfd("fuzz-dump", path, sizeof(path));

	/* the loader refuses what the writer would (kernel addresses, too many rows) */
	if (ifl_dump_write(d, path, err, sizeof(err))) {
		fprintf(stderr, "fuzz: a loaded dump is not saved: %s\n", err);
		abort();
	}
	return fuzz_memfd_text(fd, len);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const unsigned int groups[] = { IFL_REPORT_DEFAULT_GROUPS, 0, IFL_REPORT_GROUPS,
					       IFL_BY_DEVICE | IFL_BY_CALLER };
	struct ifl_dump d, again;
	char err[512], *a, *b;
	size_t na, nb;

	if (ifl_dump_parse("fuzz.json", (const char *)data, size, &d, err, sizeof(err))) {
		fuzz_one_line(err);
		return 0;
	}
	for (size_t i = 0; i < sizeof(groups) / sizeof(groups[0]); i++) {
		struct ifl_report_opts o = { .group_by = groups[i], .metrics = IFL_REPORT_ALL_METRICS };

		FUZZ_ASSERT(!ifl_report_print(fuzz_sink(), &d, &o, err, sizeof(err)));
	}
	a = saved(&d, &na);
	if (ifl_dump_parse("saved.json", a, na, &again, err, sizeof(err))) {
		fprintf(stderr, "fuzz: a saved dump does not load: %s\n", err);
		abort();
	}
	b = saved(&again, &nb);
	FUZZ_ASSERT(na == nb && !memcmp(a, b, na));
	free(a);
	free(b);
	ifl_dump_free(&again);
	ifl_dump_free(&d);
	return 0;
}
