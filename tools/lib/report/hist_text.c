// SPDX-License-Identifier: GPL-2.0
/*
 * Histograms as plain text (hist_text.h).  The column widths are fixed so
 * that the widest value each column can take still fits in 72 columns:
 * bucket bounds up to 2^30 (10 digits; the last bucket is open: "inf"),
 * counts in at most 9 characters, statistics in at most 7.
 */
#include <string.h>

#include "hist_text.h"

#define BAR_WIDTH 30

static const struct {
	const char *title, *name;
} metrics[IFL_NR_HISTS] = {
	[IFL_H_PAGES_PER_SYNC] = { "pages per sync (4 KiB pages)", "pages" },
	[IFL_H_UNMAPS_PER_SYNC] = { "unmaps per sync", "unmaps" },
	[IFL_H_SYNC_NS] = { "sync duration (ns)", "sync" },
	[IFL_H_STALE_NS] = { "stale window (ns, unmap to flush)", "stale" },
	[IFL_H_MAP_SIZE] = { "map size (bytes)", "map" },
	[IFL_H_UNMAP_SIZE] = { "unmap size (bytes)", "unmap" },
};

const char *ifl_text_metric_title(enum ifl_hist h)
{
	return (unsigned int)h < IFL_NR_HISTS ? metrics[h].title : "?";
}

const char *ifl_text_metric_short(enum ifl_hist h)
{
	return (unsigned int)h < IFL_NR_HISTS ? metrics[h].name : "?";
}

/* v scaled by 1000s with a suffix, three significant digits: "2.15M", "999E" */
static void si(char *buf, size_t len, double v)
{
	static const char suffix[] = "kMGTPEZ";
	int i = -1;

	while (v >= 999.5 && i < (int)sizeof(suffix) - 2) {
		v /= 1000;
		i++;
	}
	if (v < 9.995)
		snprintf(buf, len, "%.2f%c", v, suffix[i < 0 ? 0 : i]);
	else if (v < 99.95)
		snprintf(buf, len, "%.1f%c", v, suffix[i < 0 ? 0 : i]);
	else
		snprintf(buf, len, "%.0f%c", v, suffix[i < 0 ? 0 : i]);
}

void ifl_text_num(char *buf, size_t len, double v)
{
	if (v < 0 || v != v)
		snprintf(buf, len, "-");
	else if (v < 9.995)
		snprintf(buf, len, "%.2f", v);
	else if (v < 99.95)
		snprintf(buf, len, "%.1f", v);
	else if (v < 999999.5)
		snprintf(buf, len, "%.0f", v);
	else
		si(buf, len, v);
}

void ifl_text_count(char *buf, size_t len, uint64_t v)
{
	if (v < 1000000000ULL)
		snprintf(buf, len, "%llu", (unsigned long long)v);
	else
		si(buf, len, (double)v);
}

void ifl_text_bytes(char *buf, size_t len, uint64_t v)
{
	static const char *const unit[] = { "KiB", "MiB", "GiB", "TiB", "PiB", "EiB" };
	double x = (double)v;
	int i = -1;

	if (v < 1024) {
		snprintf(buf, len, "%llu B", (unsigned long long)v);
		return;
	}
	while (x >= 1023.95 && i < 5) {
		x /= 1024;
		i++;
	}
	snprintf(buf, len, x < 9.995 ? "%.2f %s" : x < 99.95 ? "%.1f %s" : "%.0f %s", x, unit[i]);
}

static void bound(char *buf, size_t len, uint64_t v)
{
	if (v == UINT64_MAX)
		snprintf(buf, len, "inf");
	else
		snprintf(buf, len, "%llu", (unsigned long long)v);
}

void ifl_text_stats_of(const uint64_t *hist, struct ifl_text_stats *st)
{
	st->count = ifl_hist_total(hist);
	st->mean = ifl_hist_mean(hist);
	st->p50 = ifl_hist_percentile(hist, 0.50);
	st->p90 = ifl_hist_percentile(hist, 0.90);
	st->p99 = ifl_hist_percentile(hist, 0.99);
}

static void stats_line(FILE *f, const struct ifl_text_stats *st)
{
	char n[16], mean[16], p50[16], p90[16], p99[16];

	ifl_text_count(n, sizeof(n), st->count);
	ifl_text_num(mean, sizeof(mean), st->mean);
	ifl_text_num(p50, sizeof(p50), st->p50);
	ifl_text_num(p90, sizeof(p90), st->p90);
	ifl_text_num(p99, sizeof(p99), st->p99);
	fprintf(f, "  count %-9s mean %-7s p50 %-7s p90 %-7s p99 %s\n", n, mean, p50, p90, p99);
}

void ifl_text_hist(FILE *f, enum ifl_hist h, const uint64_t *hist, bool available,
		   const struct ifl_text_stats *st)
{
	struct ifl_text_stats own;
	int first = -1, last = -1;
	uint64_t max = 0;

	fprintf(f, "%s\n", ifl_text_metric_title(h));
	if (!available) {
		fprintf(f, "  unavailable: the event source does not measure it\n");
		return;
	}
	for (int b = 0; b < IFL_HIST_BUCKETS; b++) {
		if (!hist[b])
			continue;
		if (first < 0)
			first = b;
		last = b;
		if (hist[b] > max)
			max = hist[b];
	}
	if (first < 0) {
		fprintf(f, "  count 0: no samples\n");
		return;
	}
	if (!st) {
		ifl_text_stats_of(hist, &own);
		st = &own;
	}
	stats_line(f, st);
	fprintf(f, "  %10s    %-10s %9s  %s\n", "from", "to", "count", "distribution");
	for (int b = first; b <= last; b++) {
		char lo[24], hi[24], n[16], bar[BAR_WIDTH + 1];
		/* at least one star for a non-empty bucket: 0 and "a few" differ */
		unsigned int w = (unsigned int)((double)hist[b] / (double)max * BAR_WIDTH + 0.5);

		if (hist[b] && !w)
			w = 1;
		memset(bar, '*', w);
		bar[w] = '\0';
		bound(lo, sizeof(lo), ifl_hist_lo((unsigned int)b));
		bound(hi, sizeof(hi), ifl_hist_hi((unsigned int)b));
		ifl_text_count(n, sizeof(n), hist[b]);
		fprintf(f, "  %10s -> %-10s %9s |%-*s|\n", lo, hi, n, BAR_WIDTH, bar);
	}
}

/* label 14 columns, then five of 11: 69 in all */
void ifl_text_compare_head(FILE *f, enum ifl_hist h)
{
	fprintf(f, "%s\n", ifl_text_metric_title(h));
	fprintf(f, "%-14s%11s%11s%11s%11s%11s\n", "", "count", "p50", "p90", "p99", "mean");
}

void ifl_text_compare_side(FILE *f, const char *label, const struct ifl_text_stats *st)
{
	char n[16], p50[16], p90[16], p99[16], m[16];

	if (!st) {
		fprintf(f, "  %-12.12s%11s%11s%11s%11s%11s\n", label, "-", "-", "-", "-", "-");
		return;
	}
	ifl_text_count(n, sizeof(n), st->count);
	ifl_text_num(p50, sizeof(p50), st->p50);
	ifl_text_num(p90, sizeof(p90), st->p90);
	ifl_text_num(p99, sizeof(p99), st->p99);
	ifl_text_num(m, sizeof(m), st->mean);
	fprintf(f, "  %-12.12s%11s%11s%11s%11s%11s\n", label, n, p50, p90, p99, m);
}

static void ratio(char *buf, size_t len, double a, double b)
{
	char num[12];

	if (a <= 0 || b < 0) {
		snprintf(buf, len, "-");
		return;
	}
	ifl_text_num(num, sizeof(num), b / a);
	snprintf(buf, len, "%sx", num);
}

void ifl_text_compare_ratio(FILE *f, const struct ifl_text_stats *a,
			    const struct ifl_text_stats *b)
{
	char r[5][16];

	if (!a || !b || !a->count || !b->count) {
		fprintf(f, "  %-12s%11s%11s%11s%11s%11s\n", "B/A", "-", "-", "-", "-", "-");
		return;
	}
	ratio(r[0], sizeof(r[0]), (double)a->count, (double)b->count);
	ratio(r[1], sizeof(r[0]), a->p50, b->p50);
	ratio(r[2], sizeof(r[0]), a->p90, b->p90);
	ratio(r[3], sizeof(r[0]), a->p99, b->p99);
	ratio(r[4], sizeof(r[0]), a->mean, b->mean);
	fprintf(f, "  %-12s%11s%11s%11s%11s%11s\n", "B/A", r[0], r[1], r[2], r[3], r[4]);
}

void ifl_text_wrap(FILE *f, const char *prefix, const char *text, unsigned int indent)
{
	size_t col = strlen(prefix);
	const char *p = text;
	bool first = true;	/* no word on this line yet */

	if (indent > IFL_TEXT_COLS / 2)
		indent = IFL_TEXT_COLS / 2;
	/* a prefix too long for a line is cut: it is only a label */
	if (col > IFL_TEXT_COLS - 8)
		col = IFL_TEXT_COLS - 8;
	fprintf(f, "%.*s", (int)col, prefix);
	while (*p) {
		size_t word, sep, room;

		if (*p == ' ') {
			p++;
			continue;
		}
		word = strcspn(p, " ");
		sep = first ? 0 : 1;
		if (col + sep + word <= IFL_TEXT_COLS) {
			fprintf(f, "%*s%.*s", (int)sep, "", (int)word, p);
			col += sep + word;
			p += word;
			first = false;
			continue;
		}
		if (word <= IFL_TEXT_COLS - indent || col + sep + 2 > IFL_TEXT_COLS) {
			fprintf(f, "\n%*s", (int)indent, "");
			col = indent;
			first = true;
			continue;
		}
		/* a word longer than any line: fill this one with its start */
		room = IFL_TEXT_COLS - col - sep;
		fprintf(f, "%*s%.*s\n%*s", (int)sep, "", (int)room, p, (int)indent, "");
		p += room;
		col = indent;
		first = true;
	}
	fputc('\n', f);
}

void ifl_text_rule(FILE *f, const char *label)
{
	char line[IFL_TEXT_COLS + 1];
	int n = snprintf(line, sizeof(line), "--- %s ", label);

	if (n < 0 || n > IFL_TEXT_COLS)
		n = IFL_TEXT_COLS;
	memset(line + n, '-', (size_t)(IFL_TEXT_COLS - n));
	line[IFL_TEXT_COLS] = '\0';
	fprintf(f, "%s\n", line);
}
