// SPDX-License-Identifier: GPL-2.0
/*
 * report-print FILE.json [COPY.json]: `iommu-flushhist -i FILE.json [-o
 * COPY.json]`, through the function the tool calls (ifl_report_file()),
 * with its default grouping and metrics, on report/ and model/ alone.
 * Built without libbpf (NOBPF_TESTS in the Makefile): tests/host/layers.t
 * checks that it links none and prints what the tool prints.
 */
#include <stdio.h>

#include "dump.h"
#include "hist_report.h"

int main(int argc, char **argv)
{
	struct ifl_report_opts o = {
		.group_by = IFL_REPORT_DEFAULT_GROUPS,
		.metrics = IFL_REPORT_ALL_METRICS,
	};
	char err[512];

	if (argc != 2 && argc != 3) {
		fprintf(stderr, "usage: report-print FILE.json [COPY.json]\n");
		return 2;
	}
	if (!ifl_report_file(stdout, argv[1], &o, argc == 3 ? argv[2] : NULL, err, sizeof(err)))
		return 0;
	fprintf(stderr, "report-print: %s\n", err);
	return 1;
}
