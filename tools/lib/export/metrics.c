// SPDX-License-Identifier: GPL-2.0
/* The exporter's metrics (metrics.h): accumulation and exposition text. */
#define _POSIX_C_SOURCE 200809L
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "metrics.h"

#define DEFAULT_MAX_SERIES 1000
#define LABEL_LEN IFL_NAME_LEN

struct series {
	char driver[32];
	char consumer[LABEL_LEN];
	char device[LABEL_LEN];
	char device_desc[LABEL_LEN];	/* what it is (iommu_device_info), "" unknown */
	bool fold;			/* the "other" series of a driver */
	uint64_t count[IFL_NR_COUNTS];
	uint64_t hist[IFL_NR_HISTS][IFL_HIST_BUCKETS];
};

struct ifl_metrics {
	struct ifl_metrics_opts o;
	char source[32], prog_type[16], version[32];
	uint64_t avail_counts;
	uint32_t avail_hists;
	bool have_update;
	uint64_t drops[IFL_NR_DROPS];
	uint64_t folded;		/* rows added into a fold series */
	uint64_t update_errors;
	struct timespec last_update;	/* CLOCK_REALTIME */
	size_t n, cap, nbounded;	/* nbounded: series counted against max_series */
	struct series *s;
};

/* ---- the figures -------------------------------------------------------------- */

enum unit { U_NONE, U_NS };	/* U_NS: kept in ns, shown in seconds */

struct counter_def {
	const char *name;		/* the sample name, with _total */
	const char *help;
	enum ifl_count count;
	enum unit unit;
	const char *label, *value;	/* one more label, or NULL */
};

static const struct counter_def counters[] = {
	{ "iommu_maps_total", "IOMMU map operations (iommu_map and its callers)", IFL_C_MAP, U_NONE, NULL, NULL },
	{ "iommu_mapped_bytes_total", "Bytes mapped", IFL_C_MAP_BYTES, U_NONE, NULL, NULL },
	{ "iommu_unmaps_total", "IOMMU unmap operations", IFL_C_UNMAP, U_NONE, NULL, NULL },
	{ "iommu_unmapped_bytes_total", "Bytes unmapped", IFL_C_UNMAP_BYTES, U_NONE, NULL, NULL },
	{ "iommu_unmaps_unsynced_total", "Unmaps no IOTLB sync was seen to cover (queued, or gather unseen)",
	  IFL_C_UNMAP_UNSYNCED, U_NONE, NULL, NULL },
	{ "iommu_gather_range_adds_total", "Ranges added to an IOTLB gather", IFL_C_RANGE_ADD, U_NONE, NULL, NULL },
	{ "iommu_forced_syncs_total", "Gather additions that had to sync first, by reason",
	  IFL_C_FORCED_DISJOINT, U_NONE, "reason", "disjoint" },
	{ "iommu_forced_syncs_total", NULL, IFL_C_FORCED_PGSIZE, U_NONE, "reason", "page_size" },
	/* series v2: one reason for both kinds, counted on the sync */
	{ "iommu_forced_syncs_total", NULL, IFL_C_SYNC_FORCED, U_NONE, "reason", "gather" },
	{ "iommu_iotlb_syncs_total", "IOTLB syncs (ranged invalidations)", IFL_C_SYNC, U_NONE, NULL, NULL },
	{ "iommu_iotlb_sync_seconds_total", "Time spent in IOTLB syncs", IFL_C_SYNC_NS, U_NS, NULL, NULL },
	{ "iommu_iotlb_syncs_freed_total", "IOTLB syncs of maps that freed page-table levels",
	  IFL_C_SYNC_FREED, U_NONE, NULL, NULL },
	{ "iommu_iotlb_syncs_untracked_total", "IOTLB syncs of a gather whose unmaps were not seen",
	  IFL_C_SYNC_UNTRACKED, U_NONE, NULL, NULL },
	{ "iommu_flushed_bytes_total", "Bytes invalidated: sync ranges and queued IOVAs flushed",
	  IFL_C_FLUSHED_BYTES, U_NONE, NULL, NULL },
	{ "iommu_iotlb_flush_alls_total", "Whole-domain IOTLB flushes", IFL_C_FLUSH_ALL, U_NONE, NULL, NULL },
	{ "iommu_iotlb_flush_all_seconds_total", "Time spent in whole-domain IOTLB flushes",
	  IFL_C_FLUSH_ALL_NS, U_NS, NULL, NULL },
	{ "iommu_sync_maps_total", "Syncs after map (iotlb_sync_map)", IFL_C_SYNC_MAP, U_NONE, NULL, NULL },
	{ "iommu_sync_map_bytes_total", "Bytes those syncs covered", IFL_C_SYNC_MAP_BYTES, U_NONE, NULL, NULL },
	{ "iommu_sync_map_errors_total", "Syncs after map that failed", IFL_C_SYNC_MAP_ERR, U_NONE, NULL, NULL },
	{ "iommu_sync_map_seconds_total", "Time spent in syncs after map", IFL_C_SYNC_MAP_NS, U_NS, NULL, NULL },
	{ "iommu_dma_fq_queued_total", "IOVA ranges queued for a deferred flush (lazy mode)",
	  IFL_C_FQ_QUEUE, U_NONE, NULL, NULL },
	{ "iommu_dma_fq_queued_bytes_total", "Bytes queued for a deferred flush", IFL_C_FQ_QUEUE_BYTES, U_NONE, NULL, NULL },
	{ "iommu_dma_fq_flushes_total", "Flush-queue flushes, by reason", IFL_C_FQ_FLUSH_TIMER, U_NONE, "reason", "timer" },
	{ "iommu_dma_fq_flushes_total", NULL, IFL_C_FQ_FLUSH_FULL, U_NONE, "reason", "full" },
	{ "iommu_dma_fq_flushes_total", NULL, IFL_C_FQ_FLUSH_OTHER, U_NONE, "reason", "other" },
	{ "iommu_dma_fq_flushed_entries_total", "Queue entries those flushes released",
	  IFL_C_FQ_FLUSH_ENTRIES, U_NONE, NULL, NULL },
	{ "iommu_dma_fq_flush_seconds_total", "Time spent in flush-queue flushes", IFL_C_FQ_FLUSH_NS, U_NS, NULL, NULL },
	{ "iommu_dma_fq_stale_unmeasured_total", "Queued IOVAs whose stale window was not measured",
	  IFL_C_STALE_UNMEASURED, U_NONE, NULL, NULL },
};

struct hist_def {
	const char *name;
	const char *help;
	enum ifl_hist hist;
	enum unit unit;
	/* _sum from exact counts (summed), or none: -1 */
	int sum[2];
	/* the finite buckets shown, lo to hi (le = 2^lo - 1 ... 2^hi - 1):
	 * cumulative counts lose nothing by leaving bounds out, and the
	 * text of a series shrinks by a third (docs/exporter.md, "Size") */
	int lo, hi;
};

static const struct hist_def hists[] = {
	/* 255 ns to 1.07 s */
	{ "iommu_iotlb_sync_duration_seconds", "Duration of IOTLB syncs and whole-domain flushes",
	  IFL_H_SYNC_NS, U_NS, { IFL_C_SYNC_NS, IFL_C_FLUSH_ALL_NS }, 8, 30 },
	/* 1 us to 1.07 s: the flush queue's timeout is 10 ms */
	{ "iommu_dma_fq_stale_seconds", "Per queued IOVA, time from queueing to the flush that freed it",
	  IFL_H_STALE_NS, U_NS, { -1, -1 }, 10, 30 },
	/* 0 to 2^20 - 1 pages (4 GiB of 4 KiB pages) */
	{ "iommu_pages_per_flush", "Unmapped pages each IOTLB sync or flush-queue flush covered",
	  IFL_H_PAGES_PER_SYNC, U_NONE, { -1, -1 }, 0, 20 },
	/* 0 to 65535: the flush queue holds 256 (or 128 x 32) entries */
	{ "iommu_unmaps_per_flush", "Unmaps each IOTLB sync or flush-queue flush covered",
	  IFL_H_UNMAPS_PER_SYNC, U_NONE, { -1, -1 }, 0, 16 },
	/* 4095 bytes (below a page) to 1 GiB - 1 */
	{ "iommu_map_size_bytes", "Size of each map", IFL_H_MAP_SIZE, U_NONE, { IFL_C_MAP_BYTES, -1 }, 12, 30 },
	{ "iommu_unmap_size_bytes", "Size of each unmap", IFL_H_UNMAP_SIZE, U_NONE, { IFL_C_UNMAP_BYTES, -1 }, 12, 30 },
};

static const char *const drop_help =
	"Events the collector could not attribute (totals stay exact), by reason";

/* ---- accumulation -------------------------------------------------------------- */

static void copy_label(char *dst, size_t len, const char *src)
{
	snprintf(dst, len, "%s", src && *src ? src : "-");
}

struct ifl_metrics *ifl_metrics_new(const struct ifl_metrics_opts *o)
{
	struct ifl_metrics *m = calloc(1, sizeof(*m));

	if (!m)
		return NULL;
	m->o = *o;
	if (!m->o.max_series)
		m->o.max_series = DEFAULT_MAX_SERIES;
	copy_label(m->source, sizeof(m->source), o->source);
	copy_label(m->prog_type, sizeof(m->prog_type), o->prog_type);
	copy_label(m->version, sizeof(m->version), o->version);
	m->o.source = m->o.prog_type = m->o.version = NULL;
	return m;
}

void ifl_metrics_free(struct ifl_metrics *m)
{
	if (!m)
		return;
	free(m->s);
	free(m);
}

static struct series *find(struct ifl_metrics *m, const char *driver, const char *consumer,
			   const char *device, bool fold)
{
	for (size_t i = 0; i < m->n; i++) {
		struct series *s = &m->s[i];

		if (s->fold == fold && !strcmp(s->driver, driver) && !strcmp(s->consumer, consumer) &&
		    !strcmp(s->device, device))
			return s;
	}
	return NULL;
}

static struct series *add_series(struct ifl_metrics *m, const char *driver, const char *consumer,
				 const char *device, bool fold)
{
	struct series *s;

	if (m->n == m->cap) {
		size_t cap = m->cap ? m->cap * 2 : 16;
		struct series *n = realloc(m->s, cap * sizeof(*n));

		if (!n)
			return NULL;
		m->s = n;
		m->cap = cap;
	}
	s = &m->s[m->n++];
	memset(s, 0, sizeof(*s));
	copy_label(s->driver, sizeof(s->driver), driver);
	copy_label(s->consumer, sizeof(s->consumer), consumer);
	copy_label(s->device, sizeof(s->device), device);
	s->fold = fold;
	if (!fold)
		m->nbounded++;
	return s;
}

int ifl_metrics_add(struct ifl_metrics *m, const struct ifl_snapshot *delta)
{
	struct ifl_snapshot *g = NULL;
	int ret = ifl_snapshot_group(delta, IFL_BY_DRIVER | IFL_BY_CONSUMER | IFL_BY_DEVICE, &g);

	if (ret)
		return ret;
	for (size_t i = 0; i < g->nrows; i++) {
		const struct ifl_row *r = &g->rows[i];
		char driver[32], consumer[LABEL_LEN], device[LABEL_LEN];
		struct series *s;
		bool any = false;

		for (int c = 0; c < IFL_NR_COUNTS && !any; c++)
			any = r->count[c] != 0;
		for (int h = 0; h < IFL_NR_HISTS && !any; h++)
			any = ifl_hist_total(r->hist[h]) != 0;
		copy_label(driver, sizeof(driver), r->driver);
		copy_label(consumer, sizeof(consumer), r->consumer);
		copy_label(device, sizeof(device), r->device);
		s = find(m, driver, consumer, device, false);
		/* a row with nothing in it makes no series: no empty label sets */
		if (!s && !any)
			continue;
		if (!s && m->nbounded < m->o.max_series)
			s = add_series(m, driver, consumer, device, false);
		else if (!s) {
			s = find(m, driver, "other", "other", true);
			if (!s)
				s = add_series(m, driver, "other", "other", true);
			m->folded++;
		}
		if (!s) {
			ifl_snapshot_free(g);
			return -IFL_ERR_SYS;
		}
		if (!s->fold && r->device_desc[0])
			copy_label(s->device_desc, sizeof(s->device_desc), r->device_desc);
		for (int c = 0; c < IFL_NR_COUNTS; c++)
			s->count[c] += r->count[c];
		for (int h = 0; h < IFL_NR_HISTS; h++)
			for (int b = 0; b < IFL_HIST_BUCKETS; b++)
				s->hist[h][b] += r->hist[h][b];
	}
	for (int d = 0; d < IFL_NR_DROPS; d++)
		m->drops[d] += delta->drops[d];
	m->avail_counts = delta->avail_counts;
	m->avail_hists = delta->avail_hists;
	m->have_update = true;
	clock_gettime(CLOCK_REALTIME, &m->last_update);
	ifl_snapshot_free(g);
	return 0;
}

void ifl_metrics_update_failed(struct ifl_metrics *m)
{
	m->update_errors++;
}

size_t ifl_metrics_nseries(const struct ifl_metrics *m)
{
	return m->n;
}

uint64_t ifl_metrics_folded(const struct ifl_metrics *m)
{
	return m->folded;
}

/* ---- content negotiation --------------------------------------------------------- */

/* q of one media range ("type/sub;a=b;q=0.5"): 1 when absent, -1 if malformed */
static double range_q(const char *params, size_t len)
{
	const char *p = params, *end = params + len;

	while (p < end) {
		const char *semi = memchr(p, ';', (size_t)(end - p));
		const char *e = semi ? semi : end;

		while (p < e && isspace((unsigned char)*p))
			p++;
		if (e - p > 2 && (p[0] == 'q' || p[0] == 'Q') && p[1] == '=') {
			char num[16];
			size_t n = (size_t)(e - p - 2);
			char *stop;
			double q;

			if (n >= sizeof(num))
				return -1;
			memcpy(num, p + 2, n);
			num[n] = 0;
			q = strtod(num, &stop);
			while (*stop && isspace((unsigned char)*stop))
				stop++;
			return *stop || q < 0 || q > 1 ? -1 : q;
		}
		p = semi ? semi + 1 : end;
	}
	return 1;
}

static bool type_is(const char *t, size_t len, const char *want)
{
	size_t n = strlen(want);

	while (len && isspace((unsigned char)t[len - 1]))
		len--;
	while (len && isspace((unsigned char)*t))
		t++, len--;
	return len == n && !strncasecmp(t, want, n);
}

enum ifl_metrics_format ifl_metrics_negotiate(const char *accept)
{
	double best_om = -1, best_text = -1;
	const char *p = accept;

	if (!accept)
		return IFL_FMT_PROMETHEUS;
	while (*p) {
		const char *comma = strchr(p, ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);
		const char *semi = memchr(p, ';', len);
		size_t tlen = semi ? (size_t)(semi - p) : len;
		double q = semi ? range_q(semi + 1, len - tlen - 1) : 1;

		if (q > 0) {
			if (type_is(p, tlen, "application/openmetrics-text")) {
				if (q > best_om)
					best_om = q;
			} else if (type_is(p, tlen, "text/plain") || type_is(p, tlen, "text/*") ||
				   type_is(p, tlen, "*/*")) {
				if (q > best_text)
					best_text = q;
			}
		}
		p = comma ? comma + 1 : p + len;
	}
	/* equal preference: the older format, which every scraper reads */
	return best_om > best_text ? IFL_FMT_OPENMETRICS : IFL_FMT_PROMETHEUS;
}

const char *ifl_metrics_content_type(enum ifl_metrics_format f)
{
	return f == IFL_FMT_OPENMETRICS ? "application/openmetrics-text; version=1.0.0; charset=utf-8"
					: "text/plain; version=0.0.4; charset=utf-8";
}

/* ---- exposition --------------------------------------------------------------------- */

/* A label value: \, " and newline escaped; bytes that are not printable
 * ASCII become '?' (names come from the kernel and sysfs). */
static void put_value(FILE *f, const char *v)
{
	for (; *v; v++) {
		unsigned char ch = (unsigned char)*v;

		if (ch == '\\' || ch == '"')
			fprintf(f, "\\%c", ch);
		else if (ch == '\n')
			fputs("\\n", f);
		else
			fputc(ch >= 0x20 && ch < 0x7f ? ch : '?', f);
	}
}

static void put_labels(FILE *f, const struct series *s, const char *k, const char *v, const char *le)
{
	fputs("{driver=\"", f);
	put_value(f, s->driver);
	fputs("\",consumer=\"", f);
	put_value(f, s->consumer);
	fputs("\",device=\"", f);
	put_value(f, s->device);
	fputc('"', f);
	if (k) {
		fprintf(f, ",%s=\"", k);
		put_value(f, v);
		fputc('"', f);
	}
	if (le)
		fprintf(f, ",le=\"%s\"", le);
	fputc('}', f);
}

/* ns as seconds, exactly: integer.fraction, the fraction's trailing zeros cut */
static void fmt_value(char *buf, size_t len, uint64_t v, enum unit u)
{
	if (u == U_NS) {
		int n = snprintf(buf, len, "%" PRIu64 ".%09" PRIu64, v / 1000000000u, v % 1000000000u);

		while (n > 0 && buf[n - 1] == '0')
			buf[--n] = 0;
		if (n > 0 && buf[n - 1] == '.')
			buf[--n] = 0;
	} else {
		snprintf(buf, len, "%" PRIu64, v);
	}
}

/* "# HELP" and "# TYPE": OpenMetrics names a counter's family without
 * _total, an info's without _info */
static void put_family(FILE *f, enum ifl_metrics_format fmt, const char *name, const char *type,
		       const char *help)
{
	size_t n = strlen(name);

	if (fmt == IFL_FMT_OPENMETRICS && !strcmp(type, "counter") && n > 6 &&
	    !strcmp(name + n - 6, "_total"))
		n -= 6;
	if (fmt == IFL_FMT_OPENMETRICS && !strcmp(type, "info") && n > 5 &&
	    !strcmp(name + n - 5, "_info"))
		n -= 5;
	fprintf(f, "# HELP %.*s %s\n# TYPE %.*s %s\n", (int)n, name, help, (int)n, name, type);
}

static int cmp_series(const void *a, const void *b)
{
	const struct series *x = *(const struct series *const *)a, *y = *(const struct series *const *)b;
	int c = strcmp(x->driver, y->driver);

	if (!c)
		c = (int)x->fold - (int)y->fold;
	if (!c)
		c = strcmp(x->consumer, y->consumer);
	if (!c)
		c = strcmp(x->device, y->device);
	return c;
}

static void put_counters(FILE *f, enum ifl_metrics_format fmt, const struct series *const *order,
			 size_t n, uint64_t avail)
{
	const size_t nc = sizeof(counters) / sizeof(counters[0]);

	for (size_t i = 0; i < nc; i++) {
		const struct counter_def *d = &counters[i];
		size_t j = i;
		bool any = false;

		if (i > 0 && !strcmp(counters[i - 1].name, d->name))
			continue;	/* printed with the first of its family */
		for (; j < nc && !strcmp(counters[j].name, d->name); j++)
			any |= (avail >> counters[j].count) & 1;
		if (!any || !n)
			continue;	/* absent, never 0 */
		put_family(f, fmt, d->name, "counter", d->help);
		for (size_t k = 0; k < n; k++)
			for (size_t x = i; x < j; x++) {
				char v[32];

				if (!((avail >> counters[x].count) & 1))
					continue;
				fmt_value(v, sizeof(v), order[k]->count[counters[x].count], counters[x].unit);
				fputs(d->name, f);
				put_labels(f, order[k], counters[x].label, counters[x].value, NULL);
				fprintf(f, " %s\n", v);
			}
	}
}

static void put_hists(FILE *f, enum ifl_metrics_format fmt, const struct series *const *order,
		      size_t n, uint64_t avail_counts, uint32_t avail_hists)
{
	for (size_t i = 0; i < sizeof(hists) / sizeof(hists[0]); i++) {
		const struct hist_def *d = &hists[i];
		bool sum_ok = d->sum[0] >= 0;

		if (!((avail_hists >> d->hist) & 1) || !n)
			continue;
		for (int k = 0; k < 2; k++)
			if (d->sum[k] >= 0 && !((avail_counts >> d->sum[k]) & 1))
				sum_ok = false;
		put_family(f, fmt, d->name, "histogram", d->help);
		for (size_t k = 0; k < n; k++) {
			const uint64_t *h = order[k]->hist[d->hist];
			uint64_t cum = 0, sum = 0;
			char le[32], v[32];

			/* Bucket b holds the values of b significant bits: 0 for
			 * b = 0, else 2^(b-1) to 2^b - 1, so its upper bound is
			 * exactly le = 2^b - 1 (4096 bytes is in le="8191", not
			 * le="4096": docs/exporter.md). */
			for (int b = 0; b < IFL_HIST_BUCKETS - 1; b++) {
				cum += h[b];
				if (b < d->lo || b > d->hi)
					continue;
				fmt_value(le, sizeof(le), b ? (1ULL << b) - 1 : 0, d->unit);
				fprintf(f, "%s_bucket", d->name);
				put_labels(f, order[k], NULL, NULL, le);
				fprintf(f, " %" PRIu64 "\n", cum);
			}
			cum += h[IFL_HIST_BUCKETS - 1];
			fprintf(f, "%s_bucket", d->name);
			put_labels(f, order[k], NULL, NULL, "+Inf");
			fprintf(f, " %" PRIu64 "\n", cum);
			fprintf(f, "%s_count", d->name);
			put_labels(f, order[k], NULL, NULL, NULL);
			fprintf(f, " %" PRIu64 "\n", cum);
			if (!sum_ok)
				continue;
			for (int s = 0; s < 2; s++)
				if (d->sum[s] >= 0)
					sum += order[k]->count[d->sum[s]];
			fmt_value(v, sizeof(v), sum, d->unit);
			fprintf(f, "%s_sum", d->name);
			put_labels(f, order[k], NULL, NULL, NULL);
			fprintf(f, " %s\n", v);
		}
	}
}

static void put_self(FILE *f, enum ifl_metrics_format fmt, const struct ifl_metrics *m)
{
	/* Prometheus text has no info type: a gauge of 1, as *_info gauges are */
	put_family(f, fmt, "iommu_exporter_info", fmt == IFL_FMT_OPENMETRICS ? "info" : "gauge",
		   "The exporter's version and event source (value 1)");
	fputs("iommu_exporter_info{version=\"", f);
	put_value(f, m->version);
	fputs("\",source=\"", f);
	put_value(f, m->source);
	fputs("\",prog_type=\"", f);
	put_value(f, m->prog_type);
	fputs("\"} 1\n", f);
	put_family(f, fmt, "iommu_exporter_dropped_events_total", "counter", drop_help);
	for (int d = 0; d < IFL_NR_DROPS; d++)
		fprintf(f, "iommu_exporter_dropped_events_total{reason=\"%s\"} %" PRIu64 "\n",
			ifl_drop_name(d), m->drops[d]);
	put_family(f, fmt, "iommu_exporter_series", "gauge",
		   "Label sets exported (driver, consumer, device), the fold series included");
	fprintf(f, "iommu_exporter_series %zu\n", m->n);
	put_family(f, fmt, "iommu_exporter_series_max", "gauge",
		   "Label sets kept before new ones fold into consumer and device other");
	fprintf(f, "iommu_exporter_series_max %u\n", m->o.max_series);
	put_family(f, fmt, "iommu_exporter_series_folded_total", "counter",
		   "Rows added into a driver's other series because the label set bound was reached");
	fprintf(f, "iommu_exporter_series_folded_total %" PRIu64 "\n", m->folded);
	put_family(f, fmt, "iommu_exporter_update_errors_total", "counter",
		   "Updates that failed (reading the maps, out of memory)");
	fprintf(f, "iommu_exporter_update_errors_total %" PRIu64 "\n", m->update_errors);
	if (m->have_update) {
		put_family(f, fmt, "iommu_exporter_last_update_timestamp_seconds", "gauge",
			   "When the figures were last read from the kernel (Unix time)");
		fprintf(f, "iommu_exporter_last_update_timestamp_seconds %lld.%03ld\n",
			(long long)m->last_update.tv_sec, m->last_update.tv_nsec / 1000000);
	}
}

static int cmp_device(const void *a, const void *b)
{
	const struct series *x = *(const struct series *const *)a, *y = *(const struct series *const *)b;

	return strcmp(x->device, y->device);
}

/*
 * What each device is, as an info metric rather than a label on every
 * series: a driver bound anew (nvme to vfio-pci) changes the description,
 * and a label change would start new counter series (docs/exporter.md).
 * One per device that has a description; joined in PromQL with
 * "* on (device) group_left (description) iommu_device_info".
 */
static int put_devices(FILE *f, enum ifl_metrics_format fmt, const struct ifl_metrics *m)
{
	const struct series **byd;
	const char *last = NULL;
	bool any = false;

	if (!m->n)
		return 0;
	/* a copy of its own, in device order: the caller's stays in series order */
	byd = malloc(m->n * sizeof(*byd));
	if (!byd)
		return -1;
	for (size_t i = 0; i < m->n; i++)
		byd[i] = &m->s[i];
	qsort(byd, m->n, sizeof(*byd), cmp_device);
	for (size_t i = 0; i < m->n; i++) {
		const struct series *s = byd[i];

		if (s->fold || !s->device_desc[0] || (last && !strcmp(last, s->device)))
			continue;
		if (!any)
			put_family(f, fmt, "iommu_device_info", fmt == IFL_FMT_OPENMETRICS ? "info" : "gauge",
				   "What a device is: its driver and block or network devices (value 1)");
		any = true;
		last = s->device;
		fputs("iommu_device_info{device=\"", f);
		put_value(f, s->device);
		fputs("\",description=\"", f);
		put_value(f, s->device_desc);
		fputs("\"} 1\n", f);
	}
	free(byd);
	return 0;
}

int ifl_metrics_render(const struct ifl_metrics *m, enum ifl_metrics_format fmt, char **text,
		       size_t *len)
{
	const struct series **order = NULL;
	char *buf = NULL;
	size_t size = 0;
	FILE *f;
	int bad;

	*text = NULL;
	*len = 0;
	if (m->n) {
		order = malloc(m->n * sizeof(*order));
		if (!order)
			return -IFL_ERR_SYS;
		for (size_t i = 0; i < m->n; i++)
			order[i] = &m->s[i];
		qsort(order, m->n, sizeof(*order), cmp_series);
	}
	f = open_memstream(&buf, &size);
	if (!f) {
		free(order);
		return -IFL_ERR_SYS;
	}
	put_self(f, fmt, m);
	bad = put_devices(f, fmt, m);
	put_counters(f, fmt, order, m->n, m->avail_counts);
	put_hists(f, fmt, order, m->n, m->avail_counts, m->avail_hists);
	if (fmt == IFL_FMT_OPENMETRICS)
		fputs("# EOF\n", f);
	bad = bad || ferror(f);
	if (fclose(f) || bad) {
		free(buf);
		free(order);
		return -IFL_ERR_SYS;
	}
	free(order);
	*text = buf;
	*len = size;
	return 0;
}
