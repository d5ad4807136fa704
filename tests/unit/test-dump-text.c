// SPDX-License-Identifier: GPL-2.0
/*
 * hist_text.c and hist_report.c: numbers formatted as the man page says,
 * statistics worked out by hand for small histograms, and the 72-column,
 * plain-ASCII promise held by the widest values a dump can hold (2^63 per
 * figure), the longest names and words, and every metric.
 */
#define _GNU_SOURCE	/* open_memstream */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "hist_report.h"
#include "hist_text.h"

#include "capture.h"

static int lines(void)
{
	int n = 0;

	for (size_t i = 0; i < text_len; i++)
		n += text[i] == '\n';
	return n;
}

static void num(double v, const char *want)
{
	char buf[16];

	ifl_text_num(buf, sizeof(buf), v);
	CHECK(!strcmp(buf, want), "statistic %g reads \"%s\" (\"%s\")", v, want, buf);
}

static void count(uint64_t v, const char *want)
{
	char buf[16];

	ifl_text_count(buf, sizeof(buf), v);
	CHECK(!strcmp(buf, want), "count %llu reads \"%s\" (\"%s\")", (unsigned long long)v, want, buf);
}

int main(void)
{
	uint64_t h[IFL_HIST_BUCKETS] = { 0 }, big[IFL_HIST_BUCKETS];
	FILE *f;

	num(-1, "-");
	num(0, "0.00");
	num(1, "1.00");
	num(47.5, "47.5");
	num(1523, "1523");
	num(999999, "999999");
	num(2.15e6, "2.15M");
	num(1e19, "10.0E");
	count(999999999, "999999999");
	count(1000000000, "1.00G");
	count(UINT64_MAX, "18.4E");
	{
		char buf[16];

		ifl_text_bytes(buf, sizeof(buf), 16777216);
		CHECK(!strcmp(buf, "16.0 MiB"), "16 MiB reads \"16.0 MiB\" (\"%s\")", buf);
		ifl_text_bytes(buf, sizeof(buf), UINT64_MAX);
		CHECK(!strcmp(buf, "16.0 EiB"), "2^64 - 1 bytes read \"16.0 EiB\" (\"%s\")", buf);
	}

	/*
	 * 4 flushes of 32..63 unmaps (bucket 6).  By hand: p50 is rank 2 of 4,
	 * 32 + 31 * 2/4 = 47.5; p90 and p99 rank 4, 32 + 31 = 63; the mean
	 * from the bucket's midpoint (32 + 63) / 2 = 47.5.
	 */
	h[6] = 4;
	f = capture();
	ifl_text_hist(f, IFL_H_UNMAPS_PER_SYNC, h, true, NULL);
	fclose(f);
	CHECK(strstr(text, "count 4         mean 47.5    p50 47.5    p90 63.0    p99 63.0"),
	      "statistics of 4 samples in 32..63, by hand: mean 47.5, p50 47.5, p90 63, p99 63");
	CHECK(strstr(text, "          32 -> 63                 4 |******************************|\n"),
	      "one bar, full width, for the only bucket");
	f = capture();
	{
		struct ifl_text_stats st = { .count = 4, .mean = 40, .p50 = 32, .p90 = 32, .p99 = 63 };

		ifl_text_hist(f, IFL_H_MAP_SIZE, h, true, &st);
	}
	fclose(f);
	CHECK(strstr(text, "count 4         mean 40.0    p50 32.0    p90 32.0    p99 63.0\n"),
	      "statistics the caller knows (exact, from counters) replace the estimates");

	/* strict mode: every sync covered exactly one unmap */
	memset(h, 0, sizeof(h));
	h[1] = 256;
	f = capture();
	ifl_text_hist(f, IFL_H_UNMAPS_PER_SYNC, h, true, NULL);
	fclose(f);
	CHECK(strstr(text, "count 256       mean 1.00    p50 1.00    p90 1.00    p99 1.00"),
	      "256 syncs of 1 unmap: every statistic 1.00");

	f = capture();
	ifl_text_hist(f, IFL_H_STALE_NS, h, false, NULL);
	fclose(f);
	CHECK(strstr(text, "unavailable") && !strstr(text, "count"),
	      "an unavailable histogram says so and shows no zeros");
	memset(h, 0, sizeof(h));
	f = capture();
	ifl_text_hist(f, IFL_H_STALE_NS, h, true, NULL);
	fclose(f);
	CHECK(strstr(text, "no samples") && !strstr(text, "unavailable"),
	      "a measured, empty histogram says no samples");

	/* a bucket much smaller than the largest still gets a star */
	h[3] = 1;
	h[4] = 1000000;
	f = capture();
	ifl_text_hist(f, IFL_H_PAGES_PER_SYNC, h, true, NULL);
	fclose(f);
	CHECK(strstr(text, "           4 -> 7                  1 |*                             |\n"),
	      "1 sample beside 10^6 still shows one star: 0 and a few differ");

	/* the widest values: every bucket near 2^63 */
	for (int b = 0; b < IFL_HIST_BUCKETS; b++)
		big[b] = (1ULL << 63) / IFL_HIST_BUCKETS;
	for (int m = 0; m < IFL_NR_HISTS; m++) {
		struct ifl_text_stats sb, sh, tiny = { .count = 1, .mean = 1e-9, .p50 = 1e-9,
						       .p90 = 1e-9, .p99 = 1e-9 };

		ifl_text_stats_of(big, &sb);
		ifl_text_stats_of(h, &sh);
		sb.mean = 1e19;
		f = capture();
		ifl_text_hist(f, m, big, true, &sb);
		ifl_text_compare_head(f, m);
		ifl_text_compare_side(f, "A", &sb);
		ifl_text_compare_side(f, "B", &sh);
		ifl_text_compare_side(f, "B", NULL);
		ifl_text_compare_ratio(f, &tiny, &sb);
		fclose(f);
		CHECK(widest() > 0 && widest() <= IFL_TEXT_COLS && lines() == 3 + 32 + 6,
		      "%s with every bucket near 2^63 and ratios near 10^28: %d lines, "
		      "the widest %d columns, plain ASCII", ifl_hist_name(m), lines(), widest());
	}
	CHECK(strstr(text, "inf"), "the open-ended last bucket reads inf");

	/* wrapping: long words are broken, nothing is lost */
	{
		char word[301], *flat;
		size_t k = 0;

		memset(word, 'q', 300);
		word[300] = '\0';
		f = capture();
		ifl_text_wrap(f, "workload: ", "dd if=/dev/nvme0n1 of=/dev/null", 10);
		ifl_text_wrap(f, "workload: ", word, 10);
		ifl_text_wrap(f, "a prefix much longer than any line could ever hold, it goes on "
			      "and on and on: ", "short", 4);
		ifl_text_rule(f, word);
		fclose(f);
		CHECK(widest() > 0 && widest() <= IFL_TEXT_COLS,
		      "wrapped text and rules stay within 72 columns (%d)", widest());
		flat = malloc(text_len + 1);
		if (!flat)
			return 2;
		for (size_t i = 0; i < text_len; i++)
			if (text[i] == 'q')
				flat[k++] = 'q';
		flat[k] = '\0';
		/* 300 of the word, and the rule's 72 - 4 */
		CHECK(k == 300 + 68, "a 300-character word broken across lines keeps all of it (%zu)", k);
		CHECK(!strncmp(text, "workload: dd if=/dev/nvme0n1 of=/dev/null\n", 42),
		      "a line that fits is left as it is");
		free(flat);
	}

	/* parsing -g and -m */
	{
		unsigned int by;
		uint32_t m;

		CHECK(!ifl_report_parse_group("driver,consumer", &by) &&
		      by == (IFL_BY_DRIVER | IFL_BY_CONSUMER), "-g driver,consumer");
		CHECK(!ifl_report_parse_group("none", &by) && by == 0, "-g none: one group");
		CHECK(ifl_report_parse_group("driver,bogus", &by) && ifl_report_parse_group(",", &by),
		      "-g with an unknown field or no field is refused");
		CHECK(!ifl_report_parse_metrics("unmaps,stale_ns", &m) &&
		      m == ((1u << IFL_H_UNMAPS_PER_SYNC) | (1u << IFL_H_STALE_NS)),
		      "-m takes short and full names");
		CHECK(ifl_report_parse_metrics("latency", &m), "-m with an unknown metric is refused");
	}
	free(text);
	CHECK_EXIT();
}
