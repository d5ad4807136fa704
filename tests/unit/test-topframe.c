// SPDX-License-Identifier: GPL-2.0
/*
 * iommu-flushtop's frames (tools/lib/top_frame.c, top_text.c, top_json.c)
 * on hand-made snapshots whose figures are known: a strict row (one unmap
 * per sync), a lazy row (flush-queue flushes of many entries), forced
 * syncs, a source that measures less (shown "-" and null, never 0), the
 * interval's rows only, filters (a device of a multi-device group), the
 * groupings and the sort order; the JSON frame parsed back with json-c.
 */
#define _GNU_SOURCE	/* open_memstream */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>

#include "check.h"
#include "top_frame.h"
#include "top_json.h"
#include "top_text.h"

#define NS 1000000000ULL

static struct ifl_snapshot *snap(uint64_t t, size_t nrows)
{
	struct ifl_snapshot *s = calloc(1, sizeof(*s));

	if (!s || !(s->rows = calloc(nrows ? nrows : 1, sizeof(*s->rows))))
		exit(2);
	s->time_ns = t;
	s->nrows = nrows;
	s->avail_counts = (1ULL << IFL_NR_COUNTS) - 1;
	s->avail_hists = (1U << IFL_NR_HISTS) - 1;
	return s;
}

static void name(struct ifl_row *r, unsigned int dom, const char *drv, const char *cons,
		 const char *dev, const char *caller)
{
	r->domain = dom;
	snprintf(r->driver, sizeof(r->driver), "%s", drv);
	snprintf(r->domain_type, sizeof(r->domain_type), "DMA");
	snprintf(r->consumer, sizeof(r->consumer), "%s", cons);
	snprintf(r->device, sizeof(r->device), "%s", dev);
	snprintf(r->caller, sizeof(r->caller), "%s", caller);
}

static const struct ifl_top_row *find(const struct ifl_top_frame *f, const char *cons)
{
	for (size_t i = 0; i < f->nrows; i++)
		if (!strcmp(f->rows[i].row->consumer, cons))
			return &f->rows[i];
	return NULL;
}

static bool near(double a, double b)
{
	return fabs(a - b) < 1e-9 * (fabs(b) + 1);
}

int main(void)
{
	/* before: 2 s earlier; now: 3 rows, one of which did nothing since */
	struct ifl_snapshot *a = snap(10 * NS, 3), *b = snap(12 * NS, 4);
	struct ifl_top_frame f;
	struct ifl_top_filter flt = { 0 };
	char buf[1024], v[32];
	size_t at = 0, len = 0;

	/* strict dma-iommu on an NVMe: 512 unmaps of 64 KiB in 512 syncs, 2 s */
	name(&a->rows[0], 1, "intel-iommu", "dma-iommu", "0000:00:04.0", "iommu_dma_unmap_page");
	a->rows[0].count[IFL_C_UNMAP] = 100;
	a->rows[0].count[IFL_C_SYNC] = 100;
	b->rows[0] = a->rows[0];
	b->rows[0].count[IFL_C_MAP] = 512;
	b->rows[0].count[IFL_C_UNMAP] = 612;
	b->rows[0].count[IFL_C_UNMAP_BYTES] = 512 * 65536;
	b->rows[0].count[IFL_C_SYNC] = 612;
	b->rows[0].hist[IFL_H_SYNC_NS][11] = 512;	/* 1024..2047 ns */
	/* lazy vfio... on another device of a 3-device group: 1000 unmaps of 4 KiB, 10 flushes */
	name(&b->rows[1], 2, "intel-iommu", "vfio", "0000:00:05.0,0000:00:05.1,+1", "vfio_unmap_unpin");
	b->rows[1].count[IFL_C_UNMAP] = 1000;
	b->rows[1].count[IFL_C_UNMAP_BYTES] = 1000 * 4096;
	b->rows[1].count[IFL_C_UNMAP_UNSYNCED] = 1000;
	b->rows[1].count[IFL_C_FQ_QUEUE] = 1000;
	b->rows[1].count[IFL_C_FQ_QUEUE_BYTES] = 1000 * 4096;
	b->rows[1].count[IFL_C_FQ_FLUSH] = 10;
	b->rows[1].count[IFL_C_FQ_FLUSH_ENTRIES] = 1000;
	b->rows[1].count[IFL_C_FLUSH_ALL] = 10;
	b->rows[1].hist[IFL_H_STALE_NS][20] = 1000;	/* 524288..1048575 ns */
	/* a test module on amd-iommu: 4 syncs, 3 forced by disjoint ranges */
	name(&b->rows[2], 3, "amd-iommu", "iommu_gather_test", "0000:00:03.0", "gather_init");
	b->rows[2].count[IFL_C_UNMAP] = 4;
	b->rows[2].count[IFL_C_UNMAP_BYTES] = 4 * 4096;
	b->rows[2].count[IFL_C_SYNC] = 4;
	b->rows[2].count[IFL_C_FORCED_DISJOINT] = 3;
	/* idle since the last snapshot: same counts in both */
	name(&a->rows[1], 4, "intel-iommu", "idle", "-", "-");
	a->rows[1].count[IFL_C_MAP] = 7;
	b->rows[3] = a->rows[1];
	name(&a->rows[2], 5, "intel-iommu", "dummy", "-", "-");	/* gone: a has 3 rows */

	CHECK(ifl_top_frame_build(b, a, NULL, IFL_TG_CONSUMER, IFL_F_UNMAPS, &f) == 0, "a frame builds");
	CHECK(near(f.secs, 2.0), "its interval is the snapshots' 2 s (%g)", f.secs);
	CHECK(f.nrows == 3 && !find(&f, "idle"), "the row with no event in the interval is left out (%zu rows)", f.nrows);
	const struct ifl_top_row *s = find(&f, "dma-iommu"), *l = find(&f, "vfio"), *m = find(&f, "iommu_gather_test");
	CHECK(s && l && m, "one row per (driver, consumer)");
	if (!s || !l || !m)
		CHECK_EXIT();
	CHECK(near(s->fig[IFL_F_MAPS], 256) && near(s->fig[IFL_F_UNMAPS], 256) && near(s->fig[IFL_F_SYNCS], 256),
	      "strict: the interval's 512 maps, unmaps and syncs are 256/s (%g %g %g)",
	      s->fig[IFL_F_MAPS], s->fig[IFL_F_UNMAPS], s->fig[IFL_F_SYNCS]);
	CHECK(near(s->fig[IFL_F_UNMAPS_PER_SYNC], 1) && near(s->fig[IFL_F_PAGES_PER_SYNC], 16),
	      "strict: 1 unmap and 16 pages per sync (%g, %g)", s->fig[IFL_F_UNMAPS_PER_SYNC],
	      s->fig[IFL_F_PAGES_PER_SYNC]);
	CHECK(s->fig[IFL_F_SYNC_P50] >= 1024 && s->fig[IFL_F_SYNC_P99] <= 2047 &&
	      s->fig[IFL_F_SYNC_P50] <= s->fig[IFL_F_SYNC_P99],
	      "strict: sync p50 %g and p99 %g ns inside the histogram's bucket", s->fig[IFL_F_SYNC_P50],
	      s->fig[IFL_F_SYNC_P99]);
	CHECK(near(s->fig[IFL_F_FORCED_PCT], 0) && isnan(s->fig[IFL_F_STALE_P99]),
	      "strict: 0%% forced, no stale window (NAN: nothing queued)");
	CHECK(near(l->fig[IFL_F_UNMAPS_PER_SYNC], 100) && near(l->fig[IFL_F_PAGES_PER_SYNC], 100),
	      "lazy: 10 flush-queue flushes of 1000 queued 4 KiB unmaps: 100 unmaps, 100 pages each (%g, %g)",
	      l->fig[IFL_F_UNMAPS_PER_SYNC], l->fig[IFL_F_PAGES_PER_SYNC]);
	CHECK(near(l->fig[IFL_F_SYNCS], 0) && near(l->fig[IFL_F_FLUSH_ALL], 5) && isnan(l->fig[IFL_F_FORCED_PCT]),
	      "lazy: 0 syncs/s, 5 flush-all/s, forced %% undefined without syncs");
	CHECK(l->fig[IFL_F_STALE_P99] >= 524288 && l->fig[IFL_F_STALE_P99] <= 1048575,
	      "lazy: stale p99 %g ns in its bucket", l->fig[IFL_F_STALE_P99]);
	CHECK(near(m->fig[IFL_F_FORCED_PCT], 75), "3 of 4 syncs forced: 75%% (%g)", m->fig[IFL_F_FORCED_PCT]);
	{
		/* series v2: forced syncs counted on the sync, the range-add's kinds unmeasured */
		struct ifl_top_frame f2;
		const struct ifl_top_row *m2;
		uint64_t keep_a = a->avail_counts, keep_b = b->avail_counts;
		uint64_t v2 = keep_b & ~((1ULL << IFL_C_FORCED_DISJOINT) | (1ULL << IFL_C_FORCED_PGSIZE));

		a->avail_counts = b->avail_counts = v2;
		b->rows[2].count[IFL_C_SYNC_FORCED] = 1;
		CHECK(ifl_top_frame_build(b, a, NULL, IFL_TG_CONSUMER, IFL_F_UNMAPS, &f2) == 0 &&
		      (m2 = find(&f2, "iommu_gather_test")) && near(m2->fig[IFL_F_FORCED_PCT], 25),
		      "v2: 1 of 4 syncs forced (sync_forced; forced_* unmeasured): 25%%");
		ifl_top_frame_free(&f2);
		a->avail_counts = b->avail_counts = v2 & ~(1ULL << IFL_C_SYNC_FORCED);
		CHECK(ifl_top_frame_build(b, a, NULL, IFL_TG_CONSUMER, IFL_F_UNMAPS, &f2) == 0 &&
		      (m2 = find(&f2, "iommu_gather_test")) && isnan(m2->fig[IFL_F_FORCED_PCT]),
		      "no forced count measured at all: forced %% unknown");
		ifl_top_frame_free(&f2);
		b->rows[2].count[IFL_C_SYNC_FORCED] = 0;
		a->avail_counts = keep_a;
		b->avail_counts = keep_b;
	}
	CHECK(f.rows[0].row == l->row && f.rows[1].row == s->row && f.rows[2].row == m->row,
	      "sorted by unmaps/s, largest first");
	CHECK(f.total.count[IFL_C_UNMAP] == 512 + 1000 + 4 && near(f.total_fig[IFL_F_UNMAPS], 758),
	      "the total is the interval's 1516 unmaps, 758/s");

	/* text */
	ifl_top_column_titles(f.group, f.sort, buf, sizeof(buf), &at, &len);
	CHECK(!strncmp(buf + at, "UNMAPS/s", len) && len == strlen("UNMAPS/s"),
	      "the column titles locate the sort column: '%.*s'", (int)len, buf + at);
	ifl_top_row_line(f.group, l, buf, sizeof(buf));
	CHECK(strstr(buf, "intel-iommu") && strstr(buf, "vfio") && strstr(buf, " 500.0 ") &&
	      strstr(buf, " 100.0 ") && strstr(buf, " - "),
	      "a row line: names, 500.0 unmaps/s, 100.0 per flush, '-' for the unknown: %s", buf);
	ifl_top_format_fig(IFL_F_SYNC_P99, 1536, v, sizeof(v));
	CHECK(!strcmp(v, "1.5us"), "durations with a unit: 1536 ns is %s", v);
	ifl_top_format_fig(IFL_F_STALE_P99, 2.5e6, v, sizeof(v));
	CHECK(!strcmp(v, "2.5ms"), "2.5e6 ns is %s", v);

	/* JSON, parsed back */
	{
		struct ifl_sysinfo si = { .kernel = "7.2.0", .machine = "x86_64", .ndrivers = 1,
					  .drivers = { "intel-iommu" }, .ntypes = 1 };
		struct ifl_info info = { .source = "tracepoints", .source_desc = "d", .prog_type = "tp_btf" };
		struct ifl_top_state st = { .si = &si, .info = &info, .interval = 1, .frame = 7, .since = &f };
		char *text = NULL;
		size_t tlen = 0;
		FILE *mf = open_memstream(&text, &tlen);
		struct json_object *o, *rows, *r0, *x;

		snprintf(si.types[0].type, sizeof(si.types[0].type), "DMA-FQ");
		si.types[0].groups = 3;
		CHECK(mf && ifl_top_json_write(mf, &f, &st) == 0, "a JSON frame is written");
		fclose(mf);
		CHECK(text && strchr(text, '\n') == text + tlen - 1, "on one line");
		o = json_tokener_parse(text);
		CHECK(o != NULL, "json-c parses it back");
		if (o && json_object_object_get_ex(o, "rows", &rows) && json_object_array_length(rows) == 3) {
			r0 = json_object_array_get_idx(rows, 0);
			CHECK(json_object_object_get_ex(r0, "consumer", &x) && !strcmp(json_object_get_string(x), "vfio"),
			      "rows in the sort order");
			CHECK(json_object_object_get_ex(r0, "unmaps_per_s", &x) && near(json_object_get_double(x), 500),
			      "unmaps_per_s 500");
			CHECK(json_object_object_get_ex(r0, "forced_sync_pct", &x) && x == NULL,
			      "an undefined figure is null, not 0");
			CHECK(json_object_object_get_ex(r0, "counts", &x) &&
			      json_object_object_get_ex(x, "fq_flush_entries", &x) && json_object_get_uint64(x) == 1000,
			      "the raw counts of the interval come along (fq_flush_entries 1000)");
			CHECK(json_object_object_get_ex(o, "end_ns", &x) && json_object_get_uint64(x) == 12 * NS &&
			      json_object_object_get_ex(o, "start_ns", &x) && json_object_get_uint64(x) == 10 * NS,
			      "the window is given in CLOCK_MONOTONIC ns");
			CHECK(json_object_object_get_ex(o, "iommu", &x) && json_object_object_get_ex(x, "domain_types", &x) &&
			      !strcmp(json_object_get_string(json_object_object_get(json_object_array_get_idx(x, 0), "mode")), "lazy"),
			      "the header facts: DMA-FQ groups are lazy");
		} else {
			CHECK(0, "the JSON frame has 3 rows: %s", text ? text : "(none)");
		}
		json_object_put(o);
		free(text);
	}
	ifl_top_frame_free(&f);

	/* filters and groupings */
	flt.device = "0000:00:05.1";
	CHECK(ifl_top_frame_build(b, a, &flt, IFL_TG_CONSUMER, IFL_F_UNMAPS, &f) == 0 && f.nrows == 1 &&
	      !strcmp(f.rows[0].row->consumer, "vfio"),
	      "--device matches the second device of a multi-device group");
	ifl_top_frame_free(&f);
	flt.device = "0000:00:05";
	CHECK(ifl_top_frame_build(b, a, &flt, IFL_TG_CONSUMER, IFL_F_UNMAPS, &f) == 0 && f.nrows == 0 &&
	      f.total.count[IFL_C_UNMAP] == 0, "a device name matches whole, not by prefix");
	ifl_top_frame_free(&f);
	flt = (struct ifl_top_filter){ .driver = "intel-iommu" };
	CHECK(ifl_top_frame_build(b, a, &flt, IFL_TG_DRIVER, IFL_F_UNMAPS, &f) == 0 && f.nrows == 1 &&
	      f.rows[0].row->count[IFL_C_UNMAP] == 1512 && near(f.rows[0].fig[IFL_F_UNMAPS_PER_SYNC], 1512.0 / 522),
	      "--driver, grouped by driver: one row of 1512 unmaps over 512 syncs + 10 flushes");
	ifl_top_frame_free(&f);
	CHECK(ifl_top_frame_build(b, a, NULL, IFL_TG_DEVICE, IFL_F_STALE_P99, &f) == 0 && f.nrows == 3 &&
	      !strcmp(f.rows[0].row->device, "0000:00:05.0,0000:00:05.1,+1") && isnan(f.rows[2].fig[IFL_F_STALE_P99]),
	      "grouped by device, sorted by stale p99: the lazy one first, unknowns last");
	ifl_top_frame_free(&f);
	CHECK(ifl_top_group_parse("device") == IFL_TG_DEVICE && ifl_top_group_parse("driver,consumer") == IFL_TG_CONSUMER &&
	      ifl_top_group_parse("x") < 0, "grouping names parse");

	/* a source that does not measure syncs: "-" and NAN, never 0 */
	b->avail_counts &= ~(1ULL << IFL_C_SYNC);
	b->avail_hists &= ~(1U << IFL_H_STALE_NS);
	CHECK(ifl_top_frame_build(b, a, NULL, IFL_TG_CONSUMER, IFL_F_UNMAPS, &f) == 0 &&
	      isnan(f.rows[1].fig[IFL_F_SYNCS]) && isnan(f.rows[1].fig[IFL_F_UNMAPS_PER_SYNC]) &&
	      isnan(f.rows[1].fig[IFL_F_FORCED_PCT]) && !isnan(f.rows[1].fig[IFL_F_UNMAPS]),
	      "an unavailable count makes the figures built on it unknown");
	{
		struct ifl_sysinfo si = { .kernel = "7.2.0", .machine = "x86_64" };
		struct ifl_info info = { .source = "fentry", .source_desc = "d", .prog_type = "fentry" };
		struct ifl_top_state st = { .si = &si, .info = &info, .interval = 1, .frame = 1, .since = &f };

		ifl_top_header_line(&f, &st, 1, buf, sizeof(buf));
		CHECK(strstr(buf, "events: fentry") && strstr(buf, "not measured: sync,stale_ns"),
		      "the header names the source and what it does not measure: %s", buf);
		ifl_top_header_line(&f, &st, 2, buf, sizeof(buf));
		CHECK(strstr(buf, "syncs -  ") != NULL, "and the totals show it as -: %s", buf);
	}
	ifl_top_frame_free(&f);

	ifl_snapshot_free(a);
	ifl_snapshot_free(b);
	CHECK_EXIT();
}
