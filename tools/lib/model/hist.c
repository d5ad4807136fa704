// SPDX-License-Identifier: GPL-2.0
/*
 * log2 histograms: bucket bounds, merging, percentiles and means.  The
 * bucketing itself (ifl_bucket) is in include/iommu_flush.h, shared with
 * the BPF programs.
 */
#include "hist.h"
#include "iommu_flush.h"

uint64_t ifl_hist_lo(unsigned int b)
{
	if (b == 0)
		return 0;
	if (b >= IFL_HIST_BUCKETS)
		b = IFL_HIST_BUCKETS - 1;
	return 1ULL << (b - 1);
}

uint64_t ifl_hist_hi(unsigned int b)
{
	if (b == 0)
		return 0;
	if (b >= IFL_HIST_BUCKETS - 1)
		return UINT64_MAX;
	return (1ULL << b) - 1;
}

uint64_t ifl_hist_total(const uint64_t *h)
{
	uint64_t n = 0;

	for (unsigned int b = 0; b < IFL_HIST_BUCKETS; b++)
		n += h[b];
	return n;
}

void ifl_hist_merge(uint64_t *dst, const uint64_t *src)
{
	for (unsigned int b = 0; b < IFL_HIST_BUCKETS; b++)
		dst[b] += src[b];
}

/* The upper end used for interpolation: the last bucket is open-ended,
 * treat it as one more power of two wide. */
static double bucket_top(unsigned int b)
{
	if (b >= IFL_HIST_BUCKETS - 1)
		return (double)(1ULL << (IFL_HIST_BUCKETS - 1)) * 2.0 - 1.0;
	return (double)ifl_hist_hi(b);
}

/*
 * The value below which a fraction p of the samples lie: find the bucket
 * that holds the sample of rank ceil(p * n) (at least 1), then place it
 * linearly between the bucket's bounds by its rank inside the bucket.
 */
double ifl_hist_percentile(const uint64_t *h, double p)
{
	uint64_t n = ifl_hist_total(h), rank, seen = 0;

	if (n == 0)
		return -1;
	if (p < 0)
		p = 0;
	if (p > 1)
		p = 1;
	rank = (uint64_t)(p * (double)n);
	if ((double)rank < p * (double)n)
		rank++;
	if (rank == 0)
		rank = 1;
	for (unsigned int b = 0; b < IFL_HIST_BUCKETS; b++) {
		double lo, top, frac;

		if (seen + h[b] < rank) {
			seen += h[b];
			continue;
		}
		if (b == 0)
			return 0;
		lo = (double)ifl_hist_lo(b);
		top = bucket_top(b);
		frac = (double)(rank - seen) / (double)h[b];
		return lo + (top - lo) * frac;
	}
	return bucket_top(IFL_HIST_BUCKETS - 1);
}

double ifl_hist_mean(const uint64_t *h)
{
	uint64_t n = ifl_hist_total(h);
	double sum = 0;

	if (n == 0)
		return -1;
	for (unsigned int b = 1; b < IFL_HIST_BUCKETS; b++)
		sum += (double)h[b] * ((double)ifl_hist_lo(b) + bucket_top(b)) / 2.0;
	return sum / (double)n;
}
