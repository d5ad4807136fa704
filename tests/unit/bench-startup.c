// SPDX-License-Identifier: GPL-2.0
/*
 * bench-startup: what iommu-flushtop's first frame costs beyond loading and
 * attaching the BPF programs, measured in one process so that exec, the
 * dynamic loader and a shared host's noise fall outside both figures.
 * Each run: ifl_open() (checks, load, attach: "open"), then what the tool
 * does before its first frame is out: read the sysinfo, take the start
 * snapshot and the frame's, build the frame, format it as text
 * ("first frame"); then ifl_close().  Prints one line per run and the
 * medians.  For docs/performance.md; not a test.
 * usage: bench-startup [RUNS]
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "collector.h"
#include "sysinfo.h"
#include "top_frame.h"
#include "top_text.h"

static double now_ms(void)
{
	return (double)ifl_now_ns() / 1e6;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	int runs = argc > 1 ? atoi(argv[1]) : 9;
	double *open_ms = calloc((size_t)runs, sizeof(double)), *frame_ms = calloc((size_t)runs, sizeof(double));
	FILE *null = fopen("/dev/null", "w");
	char err[256], buf[1024];

	if (runs < 1 || !open_ms || !frame_ms || !null)
		return 2;
	for (int i = 0; i < runs; i++) {
		struct ifl_collector *c;
		struct ifl_snapshot *a, *b;
		struct ifl_sysinfo si;
		struct ifl_top_frame f;
		struct ifl_top_state st = { 0 };
		double t0 = now_ms(), t1, t2;

		if (ifl_open(NULL, &c, err, sizeof(err))) {
			fprintf(stderr, "bench-startup: %s\n", err);
			return 1;
		}
		t1 = now_ms();
		ifl_sysinfo_read(&si, "");
		if (ifl_snapshot_take(c, &a) || ifl_snapshot_take(c, &b) ||
		    ifl_top_frame_build(b, a, NULL, IFL_TG_CONSUMER, IFL_F_UNMAPS, &f)) {
			fprintf(stderr, "bench-startup: %s\n", ifl_errmsg(c));
			return 1;
		}
		st.si = &si;
		st.info = ifl_info(c);
		st.interval = 1;
		st.frame = 1;
		st.since = &f;
		for (int l = 0; l < IFL_TOP_HEADER_LINES; l++) {
			ifl_top_header_line(&f, &st, l, buf, sizeof(buf));
			fprintf(null, "%s\n", buf);
		}
		for (size_t r = 0; r < f.nrows; r++) {
			ifl_top_row_line(f.group, &f.rows[r], buf, sizeof(buf));
			fprintf(null, "%s\n", buf);
		}
		fflush(null);
		t2 = now_ms();
		open_ms[i] = t1 - t0;
		frame_ms[i] = t2 - t1;
		printf("run %d: open %.1f ms, first frame +%.1f ms\n", i + 1, open_ms[i], frame_ms[i]);
		ifl_top_frame_free(&f);
		ifl_snapshot_free(a);
		ifl_snapshot_free(b);
		ifl_close(c);
	}
	qsort(open_ms, (size_t)runs, sizeof(double), cmp);
	qsort(frame_ms, (size_t)runs, sizeof(double), cmp);
	printf("open_ms_median=%.1f\nfirst_frame_extra_ms_median=%.1f\nfirst_frame_extra_ms_max=%.1f\n",
	       open_ms[runs / 2], frame_ms[runs / 2], frame_ms[runs - 1]);
	fclose(null);
	free(open_ms);
	free(frame_ms);
	return 0;
}
