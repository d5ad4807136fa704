// SPDX-License-Identifier: GPL-2.0
/* tools/lib/hist.c and the shared bucketing of include/iommu_flush.h. */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "snapshot.h"
#include "check.h"

static unsigned int naive_bucket(uint64_t v)
{
	unsigned int b = 0;

	while (v) {
		b++;
		v >>= 1;
	}
	return b < IFL_HIST_BUCKETS ? b : IFL_HIST_BUCKETS - 1;
}

int main(void)
{
	uint64_t h[IFL_HIST_BUCKETS];
	unsigned int bad = 0, checked = 0;

	/* ifl_bucket against a plain loop: powers of two, their neighbours, and a sweep */
	for (unsigned int s = 0; s < 64; s++) {
		uint64_t p = 1ULL << s, vs[] = { p - 1, p, p + 1 };

		for (unsigned int i = 0; i < 3; i++, checked++)
			bad += ifl_bucket(vs[i]) != naive_bucket(vs[i]);
	}
	for (uint64_t v = 0; v < 100000; v++, checked++)
		bad += ifl_bucket(v) != naive_bucket(v);
	bad += ifl_bucket(UINT64_MAX) != IFL_HIST_BUCKETS - 1;
	CHECK(bad == 0, "ifl_bucket agrees with a bit-count loop on %u values (%u differ)", checked, bad);

	CHECK(ifl_bucket(0) == 0 && ifl_bucket(1) == 1 && ifl_bucket(4) == 3 && ifl_bucket(7) == 3,
	      "buckets: 0 -> 0, 1 -> 1, 4..7 -> 3");
	/* bounds: every value lies inside its bucket's bounds */
	bad = 0;
	for (uint64_t v = 0; v < 5000; v++) {
		unsigned int b = ifl_bucket(v);

		bad += v < ifl_hist_lo(b) || v > ifl_hist_hi(b);
	}
	CHECK(bad == 0 && ifl_hist_lo(3) == 4 && ifl_hist_hi(3) == 7 &&
	      ifl_hist_hi(IFL_HIST_BUCKETS - 1) == UINT64_MAX,
	      "bucket bounds hold their values (lo(3)=%llu hi(3)=%llu)",
	      (unsigned long long)ifl_hist_lo(3), (unsigned long long)ifl_hist_hi(3));

	memset(h, 0, sizeof(h));
	CHECK(ifl_hist_total(h) == 0 && ifl_hist_percentile(h, 0.5) == -1 && ifl_hist_mean(h) == -1,
	      "an empty histogram has no percentile nor mean (-1)");

	h[1] = 100;	/* 100 samples of exactly 1 */
	CHECK(ifl_hist_percentile(h, 0.5) == 1 && ifl_hist_percentile(h, 0.99) == 1 &&
	      ifl_hist_mean(h) == 1, "100 samples of 1: p50 = p99 = mean = 1 (got %g, %g, %g)",
	      ifl_hist_percentile(h, 0.5), ifl_hist_percentile(h, 0.99), ifl_hist_mean(h));

	memset(h, 0, sizeof(h));
	h[0] = 50;	/* 50 zeros */
	h[11] = 50;	/* 50 in [1024, 2047] */
	{
		double p50 = ifl_hist_percentile(h, 0.5), p75 = ifl_hist_percentile(h, 0.75);
		double p100 = ifl_hist_percentile(h, 1.0);

		CHECK(p50 == 0 && fabs(p75 - (1024 + 1023 * 0.5)) < 1e-9 && p100 == 2047,
		      "50 zeros + 50 in [1024,2047]: p50 0, p75 interpolated to the middle (%g), p100 2047 (%g)",
		      p75, p100);
		CHECK(fabs(ifl_hist_mean(h) - (1024 + 2047) / 4.0) < 1e-9,
		      "mean from bucket midpoints: %g", ifl_hist_mean(h));
	}

	{
		uint64_t a[IFL_HIST_BUCKETS] = { 1, 2, 3 }, b[IFL_HIST_BUCKETS] = { 4, 5, 6 };

		ifl_hist_merge(a, b);
		CHECK(a[0] == 5 && a[1] == 7 && a[2] == 9 && ifl_hist_total(a) == 21,
		      "merge adds bucket by bucket (total %llu)", (unsigned long long)ifl_hist_total(a));
	}
	CHECK_EXIT();
}
