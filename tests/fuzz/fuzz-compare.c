// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer: `iommu-flushhist --compare` on two inputs, the bytes before
 * the first NUL and those after it (a dump holds no NUL).  Both must load
 * for a comparison; then the side-by-side report in two groupings, and the
 * A/B of runs (ab_report.h) one a side and two a side, print or refuse in
 * one line (dumps of other metrics are incompatible).
 */
#include "fuzz.h"

#include "ab_report.h"
#include "dump.h"
#include "hist_report.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const unsigned int groups[] = { IFL_BY_CONSUMER, IFL_REPORT_GROUPS };
	const uint8_t *nul = memchr(data, 0, size);
	struct ifl_dump d[2];
	struct ifl_ab_result res;
	char err[512];
	size_t na;

	if (!nul)
		return 0;
	na = (size_t)(nul - data);
	if (ifl_dump_parse("a.json", (const char *)data, na, &d[0], err, sizeof(err)))
		return 0;
	if (ifl_dump_parse("b.json", (const char *)nul + 1, size - na - 1, &d[1], err, sizeof(err))) {
		ifl_dump_free(&d[0]);
		return 0;
	}
	for (size_t i = 0; i < sizeof(groups) / sizeof(groups[0]); i++) {
		struct ifl_report_opts o = { .group_by = groups[i], .metrics = IFL_REPORT_ALL_METRICS };

		if (ifl_report_compare(fuzz_sink(), &d[0], "a.json", &d[1], "b.json", &o, err, sizeof(err)))
			fuzz_one_line(err);
	}
	if (ifl_ab_compare(fuzz_sink(), &d[0], 1, &d[1], 1, IFL_AB_ALPHA, &res, err, sizeof(err)))
		fuzz_one_line(err);
	/* two runs a side: A,B against B,A */
	{
		struct ifl_dump ba[2] = { d[1], d[0] };

		if (ifl_ab_compare(fuzz_sink(), d, 2, ba, 2, IFL_AB_ALPHA, &res, err, sizeof(err)))
			fuzz_one_line(err);
	}
	ifl_dump_free(&d[0]);
	ifl_dump_free(&d[1]);
	return 0;
}
