// SPDX-License-Identifier: GPL-2.0
/*
 * report-print FILE.json: what `iommu-flushhist -i FILE.json` does (the
 * default grouping and metrics), on report/ and model/ alone.  Built
 * without libbpf (NOBPF_TESTS in the Makefile): tests/host/layers.t checks
 * that it links none and prints what the tool prints.
 */
#include <stdio.h>

#include "dump.h"
#include "hist_report.h"

int main(int argc, char **argv)
{
	struct ifl_report_opts o = {
		.group_by = IFL_BY_DRIVER | IFL_BY_CONSUMER,
		.metrics = IFL_REPORT_ALL_METRICS,
	};
	struct ifl_dump d;
	char err[512];
	int ret;

	if (argc != 2) {
		fprintf(stderr, "usage: report-print FILE.json\n");
		return 2;
	}
	if (ifl_dump_read(argv[1], &d, err, sizeof(err))) {
		fprintf(stderr, "report-print: %s\n", err);
		return 1;
	}
	ret = ifl_report_print(stdout, &d, &o, err, sizeof(err));
	if (ret)
		fprintf(stderr, "report-print: %s\n", err);
	ifl_dump_free(&d);
	return ret ? 1 : 0;
}
