// SPDX-License-Identifier: GPL-2.0
/*
 * The report and the comparison of iommu-flushhist (hist_report.h): the
 * layout around the histogram blocks of hist_text.c.  Every line goes
 * through hist_text's fixed-width formats or ifl_text_wrap(), which is
 * what keeps them within 72 columns.
 */
#define _GNU_SOURCE	/* strtok_r, strdup */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "hist_report.h"
#include "hist_text.h"
#include "outfile.h"
#include "strbuf.h"

static const struct {
	const char *name;
	unsigned int bit;
} group_fields[] = {
	{ "driver", IFL_BY_DRIVER },
	{ "type", IFL_BY_TYPE },
	{ "consumer", IFL_BY_CONSUMER },
	{ "device", IFL_BY_DEVICE },
	{ "caller", IFL_BY_CALLER },
};
#define NFIELDS (sizeof(group_fields) / sizeof(group_fields[0]))

/* Splits a comma list and calls one(word) for each; -1 on an empty list. */
static int each_word(const char *s, int (*one)(const char *w, void *arg), void *arg)
{
	char *copy = strdup(s), *save = NULL, *w;
	int ret = 0, n = 0;

	if (!copy)
		return -1;
	for (w = strtok_r(copy, ",", &save); w && !ret; w = strtok_r(NULL, ",", &save), n++)
		ret = one(w, arg);
	free(copy);
	return ret || !n ? -1 : 0;
}

static int group_word(const char *w, void *arg)
{
	unsigned int *by = arg;

	if (!strcmp(w, "none") || !strcmp(w, "all"))
		return 0;
	for (size_t i = 0; i < NFIELDS; i++)
		if (!strcmp(w, group_fields[i].name)) {
			*by |= group_fields[i].bit;
			return 0;
		}
	return -1;
}

int ifl_report_parse_group(const char *s, unsigned int *by)
{
	*by = 0;
	return each_word(s, group_word, by);
}

static int metric_word(const char *w, void *arg)
{
	uint32_t *bits = arg;

	if (!strcmp(w, "all")) {
		*bits = IFL_REPORT_ALL_METRICS;
		return 0;
	}
	for (int h = 0; h < IFL_NR_HISTS; h++)
		if (!strcmp(w, ifl_text_metric_short(h)) || !strcmp(w, ifl_hist_name(h))) {
			*bits |= 1u << h;
			return 0;
		}
	return -1;
}

int ifl_report_parse_metrics(const char *s, uint32_t *bits)
{
	*bits = 0;
	return each_word(s, metric_word, bits);
}


/* The grouped fields of a row, in a fixed order: "intel-iommu dma-iommu". */
static void row_label_of(const struct ifl_row *r, unsigned int by, bool desc, char *buf, size_t len)
{
	const char *v[NFIELDS] = { r->driver, r->domain_type, r->consumer, r->device, r->caller };
	struct ifl_strbuf sb = ifl_sb(buf, len);

	for (size_t i = 0; i < NFIELDS; i++) {
		if (!(by & group_fields[i].bit))
			continue;
		ifl_sb_put(&sb, "%s%s", sb.off ? " " : "", v[i]);
		/* a device with what it is: "0000:00:03.0 (nvme nvme0n1)" */
		if (desc && group_fields[i].bit == IFL_BY_DEVICE && r->device_desc[0])
			ifl_sb_put(&sb, " (%s)", r->device_desc);
	}
	if (!buf[0])
		snprintf(buf, len, "all");
}

/* A group's label as shown: the device with what it is */
static void row_label(const struct ifl_row *r, unsigned int by, char *buf, size_t len)
{
	row_label_of(r, by, true, buf, len);
}

/* As matched between two recordings: what a device is may be unknown in
 * one (a dump of before descriptions were saved), or its driver rebound */
static void row_key(const struct ifl_row *r, unsigned int by, char *buf, size_t len)
{
	row_label_of(r, by, false, buf, len);
}

/* A count, or "-" where the source does not measure it. */
static void count_or_dash(char *buf, size_t len, const struct ifl_snapshot *s,
			  const struct ifl_row *r, enum ifl_count c)
{
	if (ifl_count_available(s, c))
		ifl_text_count(buf, len, r->count[c]);
	else
		snprintf(buf, len, "-");
}

/* "256 maps (16.0 MiB), 256 unmaps (16.0 MiB), 256 syncs, ..." */
static void counts_text(const struct ifl_snapshot *s, const struct ifl_row *r, char *buf,
			size_t len)
{
	char m[16], mb[16], u[16], ub[16], sy[16], fq[16], fe[16], fa[16];

	count_or_dash(m, sizeof(m), s, r, IFL_C_MAP);
	count_or_dash(u, sizeof(u), s, r, IFL_C_UNMAP);
	count_or_dash(sy, sizeof(sy), s, r, IFL_C_SYNC);
	count_or_dash(fq, sizeof(fq), s, r, IFL_C_FQ_FLUSH);
	count_or_dash(fe, sizeof(fe), s, r, IFL_C_FQ_FLUSH_ENTRIES);
	count_or_dash(fa, sizeof(fa), s, r, IFL_C_FLUSH_ALL);
	ifl_text_bytes(mb, sizeof(mb), r->count[IFL_C_MAP_BYTES]);
	ifl_text_bytes(ub, sizeof(ub), r->count[IFL_C_UNMAP_BYTES]);
	snprintf(buf, len, "%s maps (%s), %s unmaps (%s), %s syncs, %s flush-queue "
		 "flushes (%s entries), %s flush-alls", m,
		 ifl_count_available(s, IFL_C_MAP_BYTES) ? mb : "-", u,
		 ifl_count_available(s, IFL_C_UNMAP_BYTES) ? ub : "-", sy, fq, fe, fa);
}

static const char estimates_note[] =
	"percentiles interpolated in log2 buckets unless exact; means exact where\n"
	"counters give the sum, else from bucket midpoints (see the man page)\n";

/* "1.16 s", and the command's exit status when there was one */
static void duration_text(const struct ifl_dump_meta *m, char *buf, size_t len)
{
	if (m->exit_status >= 0)
		snprintf(buf, len, "%.2f s, exit status %d", (double)m->duration_ns / 1e9,
			 m->exit_status);
	else
		snprintf(buf, len, "%.2f s", (double)m->duration_ns / 1e9);
}

/*
 * The exact sum of a histogram's samples where counters hold it: sizes
 * from the bytes mapped and unmapped, sync durations from their total
 * time, and unmaps per flush-queue flush from the entries they released
 * (lazy mode, no sync: a sync's sample has no counter); only when the
 * sample counts agree.  false: not known.
 */
static bool exact_sum(const struct ifl_snapshot *s, const struct ifl_row *r, enum ifl_hist h,
		      uint64_t *sum)
{
	enum ifl_count n1, sum1, n2 = IFL_NR_COUNTS, sum2 = IFL_NR_COUNTS;
	uint64_t n;

	switch (h) {
	case IFL_H_MAP_SIZE:
		n1 = IFL_C_MAP, sum1 = IFL_C_MAP_BYTES;
		break;
	case IFL_H_UNMAP_SIZE:
		n1 = IFL_C_UNMAP, sum1 = IFL_C_UNMAP_BYTES;
		break;
	case IFL_H_SYNC_NS:	/* syncs and flush-alls */
		n1 = IFL_C_SYNC, sum1 = IFL_C_SYNC_NS, n2 = IFL_C_FLUSH_ALL, sum2 = IFL_C_FLUSH_ALL_NS;
		break;
	case IFL_H_UNMAPS_PER_SYNC:
		if (!ifl_count_available(s, IFL_C_SYNC) || r->count[IFL_C_SYNC])
			return false;
		n1 = IFL_C_FQ_FLUSH, sum1 = IFL_C_FQ_FLUSH_ENTRIES;
		break;
	default:
		return false;
	}
	if (!ifl_count_available(s, n1) || !ifl_count_available(s, sum1) ||
	    (n2 < IFL_NR_COUNTS && (!ifl_count_available(s, n2) || !ifl_count_available(s, sum2))))
		return false;
	/* dump.c bounds each figure's sum over all rows below 2^63: no overflow */
	n = r->count[n1] + (n2 < IFL_NR_COUNTS ? r->count[n2] : 0);
	*sum = r->count[sum1] + (sum2 < IFL_NR_COUNTS ? r->count[sum2] : 0);
	return n && n == ifl_hist_total(r->hist[h]);
}

/* The low end of the bucket holding the sample of rank ceil(p * n). */
static double low_end_percentile(const uint64_t *h, double p)
{
	uint64_t n = ifl_hist_total(h), seen = 0;
	double rank = p * (double)n;

	for (unsigned int b = 0; b < IFL_HIST_BUCKETS; b++) {
		seen += h[b];
		if (h[b] && (double)seen >= rank)
			return (double)ifl_hist_lo(b);
	}
	return -1;
}

/*
 * Strict mode's pages per sync: when every sync covered exactly one unmap
 * (all in bucket 1, which holds only the value 1) and every unmap was
 * synced, each sync's pages are its unmap's size >> 12, so their sum is at
 * most the bytes unmapped >> 12: an upper bound, which is all the low-end
 * rule below needs (the sum of the samples cannot be below the sum of
 * their buckets' low ends; equal to a bound above it, it is exact).
 */
static bool one_unmap_per_sync(const struct ifl_snapshot *s, const struct ifl_row *r,
			       uint64_t *bound)
{
	const uint64_t *ups = r->hist[IFL_H_UNMAPS_PER_SYNC];
	uint64_t n = ifl_hist_total(r->hist[IFL_H_PAGES_PER_SYNC]);

	if (!ifl_hist_available(s, IFL_H_UNMAPS_PER_SYNC) ||
	    !ifl_count_available(s, IFL_C_UNMAP) || !ifl_count_available(s, IFL_C_UNMAP_BYTES) ||
	    !ifl_count_available(s, IFL_C_UNMAP_UNSYNCED) || r->count[IFL_C_UNMAP_UNSYNCED])
		return false;
	if (!n || ups[1] != n || ifl_hist_total(ups) != n || r->count[IFL_C_UNMAP] != n)
		return false;
	*bound = r->count[IFL_C_UNMAP_BYTES] >> IFL_PAGE_SHIFT;
	return true;
}

/* The sum of the samples' bucket low ends; false if it does not fit. */
static bool low_ends(const uint64_t *hist, uint64_t *sum)
{
	*sum = 0;
	for (unsigned int b = 0; b < IFL_HIST_BUCKETS; b++) {
		uint64_t part;

		if (__builtin_mul_overflow(hist[b], ifl_hist_lo(b), &part) ||
		    __builtin_add_overflow(*sum, part, sum))
			return false;
	}
	return true;
}

/*
 * The statistics of one histogram, exact where counters allow: the mean
 * from the exact sum, and a single sample is that sum.  When the sum (or
 * a bound above it) equals the sum of the samples' bucket low ends, every
 * sample sits at its bucket's low end, since none can be below it: the
 * percentiles are those low ends.  That is the usual case of sizes
 * (4 KiB, 64 KiB, 2 MiB: interpolation would say 6 KiB, 96 KiB, 3 MiB)
 * and of strict mode's pages per sync.
 */
void ifl_report_row_stats(const struct ifl_snapshot *s, const struct ifl_row *r, enum ifl_hist h,
			  struct ifl_text_stats *st)
{
	const uint64_t *hist = r->hist[h];
	uint64_t sum, lows;
	bool exact = exact_sum(s, r, h, &sum);

	ifl_text_stats_of(hist, st);
	if (!exact && !(h == IFL_H_PAGES_PER_SYNC && one_unmap_per_sync(s, r, &sum)))
		return;
	if (exact)
		st->mean = (double)sum / (double)st->count;
	if (exact && st->count == 1) {
		st->p50 = st->p90 = st->p99 = st->mean;
		return;
	}
	if (!low_ends(hist, &lows) || lows != sum)
		return;
	st->mean = (double)lows / (double)st->count;
	st->p50 = low_end_percentile(hist, 0.50);
	st->p90 = low_end_percentile(hist, 0.90);
	st->p99 = low_end_percentile(hist, 0.99);
}

/* Does a row have anything to show?  Rows of other activity stay out. */
static bool row_active(const struct ifl_snapshot *s, const struct ifl_row *r, uint32_t metrics)
{
	static const enum ifl_count c[] = { IFL_C_MAP, IFL_C_UNMAP, IFL_C_SYNC, IFL_C_FQ_FLUSH,
					    IFL_C_FLUSH_ALL };

	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++)
		if (r->count[c[i]])
			return true;
	for (int h = 0; h < IFL_NR_HISTS; h++)
		if ((metrics >> h) & 1 && ifl_hist_available(s, h) && ifl_hist_total(r->hist[h]))
			return true;
	return false;
}

int ifl_report_flush(FILE *f, char *err, size_t errlen)
{
	int e;

	errno = 0;
	if (!fflush(f) && !ferror(f))
		return 0;
	e = errno ? errno : EIO;
	return ifl_dump_fail(err, errlen, "cannot write the report to standard %s: %s",
			     f == stderr ? "error" : "output", strerror(e));
}

int ifl_report_file(FILE *f, const char *path, const struct ifl_report_opts *o,
		    const char *copy, char *err, size_t errlen)
{
	struct ifl_out out;
	struct ifl_dump d;
	int ret;

	/* a copy to standard output keeps it for the JSON: the report goes to stderr */
	if (copy && ifl_out_check(copy, &out, err, errlen))
		return -1;
	if (copy && ifl_out_is_stdout(&out))
		f = stderr;
	ret = ifl_dump_read(path, &d, err, errlen);
	if (ret)
		return ret;
	ret = ifl_report_print(f, &d, o, err, errlen);
	if (!ret)
		ret = ifl_report_flush(f, err, errlen);
	if (!ret && copy)
		ret = ifl_dump_write(&d, copy, err, errlen);
	ifl_dump_free(&d);
	return ret;
}

/* A line of three drops, under its label, when any of them is not 0. */
static void drops_line(FILE *f, const struct ifl_snapshot *s, const char *label, const char *fmt,
		       const enum ifl_drop id[3])
{
	char buf[256];

	if (!s->drops[id[0]] && !s->drops[id[1]] && !s->drops[id[2]])
		return;
	snprintf(buf, sizeof(buf), fmt, (unsigned long long)s->drops[id[0]],
		 (unsigned long long)s->drops[id[1]], (unsigned long long)s->drops[id[2]]);
	ifl_text_wrap(f, label, buf, (int)strlen(label));
}

int ifl_report_print(FILE *f, const struct ifl_dump *d, const struct ifl_report_opts *o,
		     char *err, size_t errlen)
{
	const struct ifl_dump_meta *m = &d->meta;
	struct ifl_snapshot *tot = NULL, *g = NULL;
	char buf[1024], label[IFL_TEXT_COLS * 4];
	size_t shown = 0;

	if (ifl_snapshot_group(d->snap, 0, &tot) || ifl_snapshot_group(d->snap, o->group_by, &g)) {
		ifl_snapshot_free(tot);
		return ifl_dump_fail(err, errlen, "out of memory");
	}
	snprintf(buf, sizeof(buf), "recorded %s (%s)", m->recorded, m->source);
	ifl_text_wrap(f, "iommu-flushhist: ", buf, 2);
	snprintf(buf, sizeof(buf), "%s %s", m->kernel, m->machine);
	ifl_text_wrap(f, "kernel:   ", buf, 10);
	ifl_text_wrap(f, "iommu:    ", m->iommu, 10);
	ifl_text_wrap(f, "mode:     ", m->mode, 10);
	ifl_text_wrap(f, "workload: ", m->workload, 10);
	duration_text(m, buf, sizeof(buf));
	ifl_text_wrap(f, "duration: ", buf, 10);
	if (tot->nrows) {
		counts_text(tot, &tot->rows[0], buf, sizeof(buf));
		ifl_text_wrap(f, "totals:   ", buf, 10);
	} else {
		ifl_text_wrap(f, "totals:   ", "no IOMMU events", 10);
	}
	drops_line(f, d->snap, "dropped:  ", "%llu events of keys, %llu domains, %llu queued IOVAs "
		   "(rows are exact only without drops)",
		   (const enum ifl_drop[3]){ IFL_DROP_KEYS, IFL_DROP_DOMAINS, IFL_DROP_FQ_DOMAINS });
	drops_line(f, d->snap, "unmeasured: ", "%llu locked-out flushes, %llu unpaired callback exits, "
		   "%llu failed walks of the IOMMU groups",
		   (const enum ifl_drop[3]){ IFL_DROP_FQ_LOCKED, IFL_DROP_FB_UNPAIRED, IFL_DROP_GROUP_WALKS });
	fprintf(f, "%s", estimates_note);

	for (size_t i = 0; i < g->nrows; i++) {
		const struct ifl_row *r = &g->rows[i];

		if (!row_active(g, r, o->metrics))
			continue;
		shown++;
		fputc('\n', f);
		row_label(r, o->group_by, label, sizeof(label));
		ifl_text_rule(f, label);
		counts_text(g, r, buf, sizeof(buf));
		ifl_text_wrap(f, "", buf, 0);
		for (int h = 0; h < IFL_NR_HISTS; h++) {
			if (!((o->metrics >> h) & 1))
				continue;
			fputc('\n', f);
			struct ifl_text_stats st;

			ifl_report_row_stats(g, r, h, &st);
			ifl_text_hist(f, h, r->hist[h], ifl_hist_available(g, h), &st);
		}
	}
	if (!shown)
		fprintf(f, "\nno IOMMU activity recorded\n");
	ifl_snapshot_free(g);
	ifl_snapshot_free(tot);
	return 0;
}

static void side_header(FILE *f, const char *tag, const char *name, const struct ifl_dump *d)
{
	const struct ifl_dump_meta *m = &d->meta;
	char buf[1024], dur[32];

	ifl_text_wrap(f, tag, name, 3);
	duration_text(m, dur, sizeof(dur));
	snprintf(buf, sizeof(buf), "kernel %s, %s %s, %s", m->kernel, m->drivers, m->mode, dur);
	ifl_text_wrap(f, "   ", buf, 3);
	ifl_text_wrap(f, "   ", m->workload, 5);
}

static const struct ifl_row *find_row(const struct ifl_snapshot *s, unsigned int by,
				      const struct ifl_row *like)
{
	char l[IFL_TEXT_COLS * 4], key[IFL_TEXT_COLS * 4];

	row_key(like, by, key, sizeof(key));
	for (size_t i = 0; i < s->nrows; i++) {
		row_key(&s->rows[i], by, l, sizeof(l));
		if (!strcmp(l, key))
			return &s->rows[i];
	}
	return NULL;
}

static void compare_group(FILE *f, const char *label, const struct ifl_snapshot *ga,
			  const struct ifl_row *ra, const struct ifl_snapshot *gb,
			  const struct ifl_row *rb, uint32_t metrics)
{
	fputc('\n', f);
	ifl_text_rule(f, label);
	for (int h = 0; h < IFL_NR_HISTS; h++) {
		struct ifl_text_stats sa, sb;

		if (!((metrics >> h) & 1))
			continue;
		if (!ifl_hist_available(ga, h)) {
			fprintf(f, "%s\n  unavailable in both: the event source does not measure it\n",
				ifl_text_metric_title(h));
			continue;
		}
		ifl_text_compare_head(f, h);
		if (ra)
			ifl_report_row_stats(ga, ra, h, &sa);
		if (rb)
			ifl_report_row_stats(gb, rb, h, &sb);
		ifl_text_compare_side(f, "A", ra ? &sa : NULL);
		ifl_text_compare_side(f, "B", rb ? &sb : NULL);
		ifl_text_compare_ratio(f, ra ? &sa : NULL, rb ? &sb : NULL);
	}
}

int ifl_report_compare(FILE *f, const struct ifl_dump *a, const char *name_a,
		       const struct ifl_dump *b, const char *name_b,
		       const struct ifl_report_opts *o, char *err, size_t errlen)
{
	struct ifl_snapshot *ga = NULL, *gb = NULL;
	char label[IFL_TEXT_COLS * 4], buf[256];
	struct ifl_strbuf sb;
	uint32_t only_a = a->snap->avail_hists & ~b->snap->avail_hists,
		 only_b = b->snap->avail_hists & ~a->snap->avail_hists;
	size_t shown = 0;

	if (only_a || only_b) {
		int h = __builtin_ctz(only_a | only_b);

		return ifl_dump_fail(err, errlen, "%s and %s measure different histograms: %s only in %s",
			    name_a, name_b, ifl_hist_name(h), only_a ? name_a : name_b);
	}
	if (ifl_snapshot_group(a->snap, o->group_by, &ga) ||
	    ifl_snapshot_group(b->snap, o->group_by, &gb)) {
		ifl_snapshot_free(ga);
		return ifl_dump_fail(err, errlen, "out of memory");
	}
	sb = ifl_sb(buf, sizeof(buf));
	for (size_t i = 0; i < NFIELDS; i++)
		if (o->group_by & group_fields[i].bit)
			ifl_sb_put(&sb, "%s%s", sb.off ? ", " : "", group_fields[i].name);
	ifl_text_wrap(f, "iommu-flushhist: A/B comparison, by ", buf[0] ? buf : "nothing (all rows)", 2);
	side_header(f, "A: ", name_a, a);
	side_header(f, "B: ", name_b, b);
	fprintf(f, "%s", estimates_note);

	/* A's groups in order, then those only B has */
	for (size_t i = 0; i < ga->nrows; i++) {
		const struct ifl_row *rb;

		row_label(&ga->rows[i], o->group_by, label, sizeof(label));
		rb = find_row(gb, o->group_by, &ga->rows[i]);
		if (!row_active(ga, &ga->rows[i], o->metrics) && !(rb && row_active(gb, rb, o->metrics)))
			continue;
		compare_group(f, label, ga, &ga->rows[i], gb, rb, o->metrics);
		shown++;
	}
	for (size_t i = 0; i < gb->nrows; i++) {
		row_label(&gb->rows[i], o->group_by, label, sizeof(label));
		if (find_row(ga, o->group_by, &gb->rows[i]) || !row_active(gb, &gb->rows[i], o->metrics))
			continue;
		compare_group(f, label, ga, NULL, gb, &gb->rows[i], o->metrics);
		shown++;
	}
	if (!shown)
		fprintf(f, "\nno IOMMU activity in either recording\n");
	ifl_snapshot_free(ga);
	ifl_snapshot_free(gb);
	return 0;
}
