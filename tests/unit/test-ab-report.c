// SPDX-License-Identifier: GPL-2.0
/*
 * ab_report.c on real recordings (tests/fixtures/dumps, from the VM): each
 * figure of one recording against the counts and histograms the dump holds,
 * the median and range over runs, "shown" only where the two sides' ranges
 * do not overlap, the same runs on both sides shown as no difference, a
 * single run a side said to have no spread, recordings of different event
 * sources refused, and every line within 72 plain ASCII columns.
 */
#define _GNU_SOURCE	/* open_memstream */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ab_report.h"
#include "check.h"

#define DUMPS "tests/fixtures/dumps/"

#include "capture.h"

static void load(const char *name, struct ifl_dump *d)
{
	char err[512];

	if (ifl_dump_read(name, d, err, sizeof(err))) {
		fprintf(stderr, "test-ab-report: %s\n", err);
		exit(2);
	}
}

/* The sum of count c over the dump's rows. */
static uint64_t total(const struct ifl_dump *d, enum ifl_count c)
{
	uint64_t t = 0;

	for (size_t i = 0; i < d->snap->nrows; i++)
		t += d->snap->rows[i].count[c];
	return t;
}

int main(void)
{
	struct ifl_dump strict[2], lazy[2], same[3];
	unsigned int shown = 9;
	char err[256];
	double v, want;
	FILE *f;
	int ret;

	load(DUMPS "intel-strict.json", &strict[0]);
	load(DUMPS "virtio-strict.json", &strict[1]);
	load(DUMPS "intel-lazy.json", &lazy[0]);
	load(DUMPS "virtio-lazy.json", &lazy[1]);

	/* one recording's figures, from what the dump holds */
	v = ifl_ab_figure_of(&strict[0], IFL_AB_SYNCS_PS);
	want = (double)total(&strict[0], IFL_C_SYNC) * 1e9 / (double)strict[0].meta.duration_ns;
	CHECK(v > 0 && fabs(v - want) < 1e-9 * want, "syncs per second: the dump's syncs over its duration (%.3f, want %.3f)", v, want);
	v = ifl_ab_figure_of(&strict[0], IFL_AB_UNMAPS_PER_SYNC_MEAN);
	CHECK(v == 1.0, "strict: 1 unmap per sync on average (%.3f)", v);
	v = ifl_ab_figure_of(&lazy[0], IFL_AB_SYNCS_PS);
	CHECK(v == 0, "lazy: no iotlb syncs (%.3f per second)", v);
	v = ifl_ab_figure_of(&strict[0], IFL_AB_STALE_NS_P99);
	CHECK(v < 0, "strict: no stale window, so no value (%.3f)", v);
	v = ifl_ab_figure_of(&lazy[0], IFL_AB_UNMAPS_PER_SYNC_MEAN);
	want = (double)total(&lazy[0], IFL_C_FQ_FLUSH_ENTRIES) / (double)total(&lazy[0], IFL_C_FQ_FLUSH);
	CHECK(fabs(v - want) < 1e-9 * want && v > 4,
	      "lazy: unmaps per flush is the flushes' entries over their number (%.2f, want %.2f)", v, want);

	/* strict runs against lazy runs: apart beyond the spread */
	f = capture();
	ret = ifl_ab_compare(f, strict, 2, lazy, 2, &shown, err, sizeof(err));
	fclose(f);
	CHECK(ret == 0 && shown >= 3 && strstr(text, "unmaps per sync, mean\n") &&
	      strstr(text, "figures differ beyond the spread"),
	      "strict against lazy: %u figures shown to differ", shown);
	CHECK(widest() > 0 && widest() <= 72, "every line plain ASCII within 72 columns (widest %d)", widest());
	{
		/* the unmaps-per-sync line: A's range is 1..1, B's well above */
		const char *l = strstr(text, "unmaps per sync, mean\n");
		char a[32] = "", b[32] = "", verdict[16] = "";

		if (l)
			sscanf(strchr(l, '\n') + 1, " A %31s %*s B %31s %*s %*s %15s", a, b, verdict);
		CHECK(!strcmp(a, "1.00") && atof(b) > 4 && !strcmp(verdict, "shown"),
		      "unmaps per sync: A median %s, B median %s, %s", a, b, verdict);
	}

	/* the same recording three times a side: nothing can be shown */
	load(DUMPS "intel-lazy.json", &same[0]);
	load(DUMPS "intel-lazy.json", &same[1]);
	load(DUMPS "virtio-lazy.json", &same[2]);
	f = capture();
	ret = ifl_ab_compare(f, same, 3, same, 3, &shown, err, sizeof(err));
	fclose(f);
	CHECK(ret == 0 && shown == 0 && strstr(text, "no difference shown") && !strstr(text, "  shown"),
	      "the same runs on both sides: no difference shown (%u)", shown);

	/* one run a side: no spread to judge by */
	f = capture();
	ret = ifl_ab_compare(f, strict, 1, lazy, 1, &shown, err, sizeof(err));
	fclose(f);
	CHECK(ret == 0 && shown == 0 && strstr(text, "no spread"), "one run a side: no spread, nothing shown");

	/* a recording of another event source measures other figures: refused */
	same[2].snap->avail_hists &= ~(1u << IFL_H_STALE_NS);
	f = capture();
	ret = ifl_ab_compare(f, same, 2, same + 2, 1, &shown, err, sizeof(err));
	fclose(f);
	CHECK(ret == -1 && strstr(err, "different figures") && !strchr(err, '\n'),
	      "recordings measuring different figures are refused: \"%s\"", err);

	for (int i = 0; i < 2; i++) {
		ifl_dump_free(&strict[i]);
		ifl_dump_free(&lazy[i]);
	}
	for (int i = 0; i < 3; i++)
		ifl_dump_free(&same[i]);
	free(text);
	CHECK_EXIT();
}
