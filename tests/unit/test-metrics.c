// SPDX-License-Identifier: GPL-2.0
/*
 * tools/lib/export/metrics.c: snapshots accumulated into counters and
 * histograms, checked sample by sample in the text of both formats.  With
 * a directory argument it also leaves the texts there (prom.txt, om.txt)
 * for tests/host/exporter.t to hand to promtool.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metrics.h"
#include "check.h"

static struct ifl_snapshot *snap(size_t n)
{
	struct ifl_snapshot *s = ifl_snapshot_new(n);

	s->nrows = n;
	s->avail_counts = ~0ULL;
	s->avail_hists = ~0U;
	return s;
}

static void row(struct ifl_row *r, unsigned int domain, const char *drv, const char *cons,
		const char *dev, const char *caller)
{
	memset(r, 0, sizeof(*r));
	r->domain = domain;
	snprintf(r->driver, sizeof(r->driver), "%s", drv);
	snprintf(r->domain_type, sizeof(r->domain_type), "DMA");
	snprintf(r->consumer, sizeof(r->consumer), "%s", cons);
	snprintf(r->device, sizeof(r->device), "%s", dev);
	snprintf(r->caller, sizeof(r->caller), "%s", caller);
}

static char *render(const struct ifl_metrics *m, enum ifl_metrics_format f)
{
	char *t = NULL;
	size_t len = 0;

	if (ifl_metrics_render(m, f, &t, &len) || !t || strlen(t) != len) {
		free(t);
		return NULL;
	}
	return t;
}

/* the value of the sample whose line starts with "name{labels} " */
static const char *sample(const char *text, const char *series)
{
	static char v[64];
	size_t n = strlen(series);

	for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
		if (!strncmp(p, series, n) && p[n] == ' ') {
			size_t k = strcspn(p + n + 1, "\n");

			snprintf(v, sizeof(v), "%.*s", (int)k, p + n + 1);
			return v;
		}
	return NULL;
}

static bool is(const char *text, const char *series, const char *want)
{
	const char *v = sample(text, series);

	if (!v || strcmp(v, want))
		printf("# %s: %s, want %s\n", series, v ? v : "absent", want);
	return v && !strcmp(v, want);
}

static int occurrences(const char *text, const char *what)
{
	int n = 0;

	for (const char *p = text; (p = strstr(p, what)); p++)
		n++;
	return n;
}

static void save(const char *dir, const char *name, const char *text)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	if (!f || fputs(text, f) < 0 || fclose(f)) {
		perror(path);
		exit(1);
	}
}

#define DMA "{driver=\"intel-iommu\",consumer=\"dma-iommu\",device=\"0000:00:04.0\"}"
#define VFIO "{driver=\"intel-iommu\",consumer=\"vfio\",device=\"0000:00:05.0\"}"

int main(int argc, char **argv)
{
	struct ifl_metrics_opts o = { .source = "tracepoints", .prog_type = "tp_btf", .version = "0.1" };
	struct ifl_metrics *m = ifl_metrics_new(&o);
	struct ifl_snapshot *d = snap(3);
	char *prom, *om, *t;

	/* two rows of one label set (two callers of dma-iommu), one of vfio */
	row(&d->rows[0], 1, "intel-iommu", "dma-iommu", "0000:00:04.0", "iommu_dma_unmap_page");
	row(&d->rows[1], 1, "intel-iommu", "dma-iommu", "0000:00:04.0", "__iommu_dma_unmap");
	row(&d->rows[2], 2, "intel-iommu", "vfio", "0000:00:05.0", "vfio_unmap_unpin");
	d->rows[0].count[IFL_C_MAP] = 10;
	d->rows[0].count[IFL_C_MAP_BYTES] = 10 * 4096;
	d->rows[0].hist[IFL_H_MAP_SIZE][13] = 10;	/* 4096: 13 bits */
	d->rows[1].count[IFL_C_MAP] = 5;
	d->rows[1].count[IFL_C_MAP_BYTES] = 5 * 8192;
	d->rows[1].hist[IFL_H_MAP_SIZE][14] = 5;
	d->rows[0].count[IFL_C_SYNC] = 3;
	d->rows[0].count[IFL_C_SYNC_NS] = 1500000000;	/* 1.5 s */
	d->rows[0].count[IFL_C_FLUSH_ALL] = 1;
	d->rows[0].count[IFL_C_FLUSH_ALL_NS] = 7;
	d->rows[0].hist[IFL_H_SYNC_NS][31] = 3;	/* beyond the last finite bound */
	d->rows[0].hist[IFL_H_SYNC_NS][3] = 1;	/* 7 ns */
	d->rows[0].count[IFL_C_FORCED_PGSIZE] = 4;
	d->rows[2].count[IFL_C_FQ_FLUSH_TIMER] = 2;
	d->rows[2].count[IFL_C_FQ_FLUSH_FULL] = 1;
	d->rows[2].hist[IFL_H_UNMAPS_PER_SYNC][0] = 6;
	d->drops[IFL_DROP_KEYS] = 9;
	/* what the collector read in sysfs for the first device only */
	snprintf(d->rows[0].device_desc, sizeof(d->rows[0].device_desc), "nvme nvme0n1");
	snprintf(d->rows[1].device_desc, sizeof(d->rows[1].device_desc), "nvme nvme0n1");

	CHECK(m && ifl_metrics_add(m, d) == 0 && ifl_metrics_add(m, d) == 0,
	      "two deltas are added");
	prom = render(m, IFL_FMT_PROMETHEUS);
	om = render(m, IFL_FMT_OPENMETRICS);
	if (!prom || !om) {
		CHECK(0, "rendering both formats");
		return 1;
	}
	CHECK(ifl_metrics_nseries(m) == 2, "rows of one driver, consumer and device are one series (%zu series)",
	      ifl_metrics_nseries(m));
	CHECK(is(prom, "iommu_maps_total" DMA, "30") && is(prom, "iommu_mapped_bytes_total" DMA, "163840") &&
	      is(prom, "iommu_maps_total" VFIO, "0"),
	      "counters are the sums over rows and deltas: 2 x (10 + 5) maps, 2 x 81920 bytes");
	CHECK(is(prom, "iommu_iotlb_sync_seconds_total" DMA, "3") &&
	      is(prom, "iommu_iotlb_flush_all_seconds_total" DMA, "0.000000014"),
	      "ns are exact decimal seconds (2 x 1.5 s = 3, 2 x 7 ns = 0.000000014)");
	CHECK(is(prom, "iommu_forced_syncs_total{driver=\"intel-iommu\",consumer=\"dma-iommu\",device=\"0000:00:04.0\",reason=\"page_size\"}", "8") &&
	      is(prom, "iommu_forced_syncs_total{driver=\"intel-iommu\",consumer=\"dma-iommu\",device=\"0000:00:04.0\",reason=\"disjoint\"}", "0") &&
	      is(prom, "iommu_dma_fq_flushes_total{driver=\"intel-iommu\",consumer=\"vfio\",device=\"0000:00:05.0\",reason=\"timer\"}", "4") &&
	      is(prom, "iommu_dma_fq_flushes_total{driver=\"intel-iommu\",consumer=\"vfio\",device=\"0000:00:05.0\",reason=\"full\"}", "2"),
	      "a reason is a label of one family");
	/* histograms: cumulative, exact upper bounds 2^b - 1 */
	CHECK(is(prom, "iommu_map_size_bytes_bucket{driver=\"intel-iommu\",consumer=\"dma-iommu\",device=\"0000:00:04.0\",le=\"4095\"}", "0") &&
	      is(prom, "iommu_map_size_bytes_bucket{driver=\"intel-iommu\",consumer=\"dma-iommu\",device=\"0000:00:04.0\",le=\"8191\"}", "20") &&
	      is(prom, "iommu_map_size_bytes_bucket{driver=\"intel-iommu\",consumer=\"dma-iommu\",device=\"0000:00:04.0\",le=\"16383\"}", "30") &&
	      is(prom, "iommu_map_size_bytes_bucket{driver=\"intel-iommu\",consumer=\"dma-iommu\",device=\"0000:00:04.0\",le=\"+Inf\"}", "30") &&
	      is(prom, "iommu_map_size_bytes_count" DMA, "30") && is(prom, "iommu_map_size_bytes_sum" DMA, "163840"),
	      "map sizes: 4096 is under le=\"8191\", 8192 under le=\"16383\", +Inf = _count, _sum = the bytes counter");
	CHECK(!sample(prom, "iommu_iotlb_sync_duration_seconds_bucket{driver=\"intel-iommu\",consumer=\"dma-iommu\",device=\"0000:00:04.0\",le=\"0.000000127\"}") &&
	      is(prom, "iommu_iotlb_sync_duration_seconds_bucket{driver=\"intel-iommu\",consumer=\"dma-iommu\",device=\"0000:00:04.0\",le=\"0.000000255\"}", "2") &&
	      is(prom, "iommu_iotlb_sync_duration_seconds_bucket{driver=\"intel-iommu\",consumer=\"dma-iommu\",device=\"0000:00:04.0\",le=\"1.073741823\"}", "2") &&
	      is(prom, "iommu_iotlb_sync_duration_seconds_bucket{driver=\"intel-iommu\",consumer=\"dma-iommu\",device=\"0000:00:04.0\",le=\"+Inf\"}", "8") &&
	      is(prom, "iommu_iotlb_sync_duration_seconds_sum" DMA, "3.000000014"),
	      "durations: le in seconds from 255 ns (7 ns counts there) to 2^30 - 1 ns, the last bucket only under +Inf, _sum = syncs + flushes");
	CHECK(is(prom, "iommu_unmaps_per_flush_bucket{driver=\"intel-iommu\",consumer=\"vfio\",device=\"0000:00:05.0\",le=\"0\"}", "12") &&
	      !sample(prom, "iommu_unmaps_per_flush_sum" VFIO) && !sample(prom, "iommu_pages_per_flush_sum" VFIO),
	      "bucket 0 is le=\"0\"; a histogram with no exact sum has no _sum");
	CHECK(is(prom, "iommu_exporter_dropped_events_total{reason=\"keys\"}", "18") &&
	      is(prom, "iommu_exporter_info{version=\"0.1\",source=\"tracepoints\",prog_type=\"tp_btf\"}", "1") &&
	      is(prom, "iommu_exporter_series", "2") && is(prom, "iommu_exporter_series_folded_total", "0") &&
	      sample(prom, "iommu_exporter_last_update_timestamp_seconds"),
	      "the exporter's own metrics: drops, info, series, last update");
	CHECK(strstr(prom, "# TYPE iommu_maps_total counter\n") && strstr(om, "# TYPE iommu_maps counter\n") &&
	      strstr(om, "# TYPE iommu_exporter info\n") && strstr(prom, "# TYPE iommu_exporter_info gauge\n") &&
	      strstr(om, "\niommu_maps_total" DMA " 30\n"),
	      "families: OpenMetrics names counters without _total and has an info type; samples keep _total");
	CHECK(is(prom, "iommu_device_info{device=\"0000:00:04.0\",description=\"nvme nvme0n1\"}", "1") &&
	      strstr(prom, "# TYPE iommu_device_info gauge\n") && strstr(om, "# TYPE iommu_device info\n") &&
	      !strstr(prom, "iommu_device_info{device=\"0000:00:05.0\"") &&
	      occurrences(prom, "\niommu_device_info{") == 1 &&
	      !strstr(prom, "iommu_maps_total{driver=\"intel-iommu\",consumer=\"dma-iommu\",device=\"0000:00:04.0\",description"),
	      "what a device is: one iommu_device_info per described device (none for the undescribed), not a label on its series");
	CHECK(!strstr(prom, "# EOF") && strlen(om) > 6 && !strcmp(om + strlen(om) - 6, "# EOF\n"),
	      "OpenMetrics ends with # EOF, Prometheus text does not");
	/* HELP text is plain: OpenMetrics would need " escaped, Prometheus text not */
	{
		int odd = 0;

		for (const char *p = strstr(om, "# HELP "); p; p = strstr(p + 1, "# HELP "))
			odd += strcspn(p, "\"\\") < strcspn(p, "\n");
		CHECK(odd == 0, "no HELP text has a quote or a backslash (%d do)", odd);
	}
	/* each family's TYPE once, before its samples */
	{
		int types = 0;

		for (const char *p = strstr(prom, "# TYPE iommu_forced_syncs_total"); p;
		     p = strstr(p + 1, "# TYPE iommu_forced_syncs_total"))
			types++;
		CHECK(types == 1, "a family with several labelled counters has one TYPE line (%d)", types);
	}
	if (argc > 1) {
		save(argv[1], "prom.txt", prom);
		save(argv[1], "om.txt", om);
	}
	free(prom);
	free(om);

	/* unavailable figures are absent, never 0 */
	d->avail_counts &= ~(1ULL << IFL_C_SYNC_NS);
	d->avail_hists &= ~(1U << IFL_H_STALE_NS);
	ifl_metrics_add(m, d);
	prom = render(m, IFL_FMT_PROMETHEUS);
	CHECK(prom && !strstr(prom, "iommu_iotlb_sync_seconds_total") && !strstr(prom, "iommu_dma_fq_stale_seconds") &&
	      !sample(prom, "iommu_iotlb_sync_duration_seconds_sum" DMA) && is(prom, "iommu_maps_total" DMA, "45"),
	      "a figure the source cannot measure is absent (and so is a _sum made of it)");
	free(prom);

	/* an empty delta: nothing moves backwards, no new series */
	{
		struct ifl_snapshot *e = snap(1);

		row(&e->rows[0], 3, "amd-iommu", "dma-iommu", "0000:00:06.0", "x");
		ifl_metrics_add(m, e);
		prom = render(m, IFL_FMT_PROMETHEUS);
		CHECK(prom && is(prom, "iommu_maps_total" DMA, "45") && !strstr(prom, "amd-iommu") &&
		      ifl_metrics_nseries(m) == 2, "an all-zero row adds no series, and totals stay");
		free(prom);
		ifl_snapshot_free(e);
	}
	ifl_snapshot_free(d);
	ifl_metrics_free(m);

	/* the series bound: past it, new label sets fold into the driver's "other" */
	o.max_series = 2;
	m = ifl_metrics_new(&o);
	d = snap(5);
	for (int i = 0; i < 5; i++) {
		char dev[16];

		snprintf(dev, sizeof(dev), "0000:00:%02d.0", i);
		row(&d->rows[i], (unsigned int)i + 1, "virtio-iommu", "dma-iommu", dev, "-");
		d->rows[i].count[IFL_C_UNMAP] = (uint64_t)i + 1;
	}
	ifl_metrics_add(m, d);
	ifl_metrics_add(m, d);
	prom = render(m, IFL_FMT_PROMETHEUS);
	CHECK(prom && ifl_metrics_nseries(m) == 3 && ifl_metrics_folded(m) == 6 &&
	      is(prom, "iommu_unmaps_total{driver=\"virtio-iommu\",consumer=\"dma-iommu\",device=\"0000:00:00.0\"}", "2") &&
	      is(prom, "iommu_unmaps_total{driver=\"virtio-iommu\",consumer=\"other\",device=\"other\"}", "24") &&
	      is(prom, "iommu_exporter_series_folded_total", "6") && is(prom, "iommu_exporter_series_max", "2"),
	      "max_series 2 of 5 label sets: 2 kept, 3 folded into other (2 x (3+4+5) = 24 unmaps), 6 folds counted");
	free(prom);
	ifl_snapshot_free(d);

	/* label values from the kernel and sysfs: escaped, never broken lines */
	d = snap(1);
	row(&d->rows[0], 1, "virtio-iommu", "mod\"q\\b\nx\x01\xc3\xa9", "-", "-");
	d->rows[0].count[IFL_C_MAP] = 1;
	ifl_metrics_add(m, d);
	prom = render(m, IFL_FMT_PROMETHEUS);
	CHECK(prom && is(prom, "iommu_maps_total{driver=\"virtio-iommu\",consumer=\"other\",device=\"other\"}", "1") &&
	      ifl_metrics_folded(m) == 7, "past the bound, an odd name folds too");
	free(prom);
	ifl_snapshot_free(d);
	ifl_metrics_free(m);
	o.max_series = 0;
	m = ifl_metrics_new(&o);
	d = snap(1);
	row(&d->rows[0], 1, "virtio-iommu", "mod\"q\\b\nx\x01\xc3\xa9", "-", "-");
	d->rows[0].count[IFL_C_MAP] = 1;
	ifl_metrics_add(m, d);
	prom = render(m, IFL_FMT_PROMETHEUS);
	CHECK(prom && is(prom, "iommu_maps_total{driver=\"virtio-iommu\",consumer=\"mod\\\"q\\\\b\\nx???\",device=\"-\"}", "1"),
	      "a label value's \", \\ and newline are escaped, other bytes that are not printable ASCII become ?");
	free(prom);
	ifl_snapshot_free(d);

	/* before any update: the exporter's own metrics, no figures, no timestamp */
	ifl_metrics_free(m);
	m = ifl_metrics_new(&o);
	t = render(m, IFL_FMT_OPENMETRICS);
	CHECK(t && !strstr(t, "iommu_maps") && strstr(t, "iommu_exporter_series 0\n") &&
	      !strstr(t, "last_update") && strstr(t, "# EOF\n"),
	      "no update yet: the exporter's metrics only");
	free(t);
	ifl_metrics_free(m);

	/* content negotiation */
	{
		static const struct {
			const char *accept;
			enum ifl_metrics_format want;
		} cases[] = {
			{ NULL, IFL_FMT_PROMETHEUS },
			{ "", IFL_FMT_PROMETHEUS },
			{ "*/*", IFL_FMT_PROMETHEUS },
			{ "application/openmetrics-text", IFL_FMT_OPENMETRICS },
			/* what Prometheus 2.42 sends */
			{ "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,"
			  "text/plain;version=0.0.4;q=0.5,*/*;q=0.1", IFL_FMT_OPENMETRICS },
			{ "text/plain;version=0.0.4;q=1,application/openmetrics-text;q=0.5", IFL_FMT_PROMETHEUS },
			{ "application/openmetrics-text;q=0.5,text/plain;q=0.5", IFL_FMT_PROMETHEUS },
			{ "application/openmetrics-text;q=0", IFL_FMT_PROMETHEUS },
			{ "application/openmetrics-text;q=bogus", IFL_FMT_PROMETHEUS },
			{ " Application/OpenMetrics-Text ; q=0.9 , text/html", IFL_FMT_OPENMETRICS },
			{ ",,;;q=,", IFL_FMT_PROMETHEUS },
		};
		int bad = 0;

		for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
			if (ifl_metrics_negotiate(cases[i].accept) != cases[i].want) {
				printf("# Accept '%s': the other format\n", cases[i].accept ? cases[i].accept : "(none)");
				bad++;
			}
		CHECK(bad == 0, "Accept: OpenMetrics only when preferred (q-values, case, spaces, junk; %d of %zu wrong)",
		      bad, sizeof(cases) / sizeof(cases[0]));
		CHECK(!strcmp(ifl_metrics_content_type(IFL_FMT_PROMETHEUS), "text/plain; version=0.0.4; charset=utf-8") &&
		      !strncmp(ifl_metrics_content_type(IFL_FMT_OPENMETRICS), "application/openmetrics-text; version=1.0.0", 43),
		      "content types of the two formats");
	}
	CHECK_EXIT();
}
