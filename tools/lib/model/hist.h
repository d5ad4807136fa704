/* SPDX-License-Identifier: GPL-2.0 */
/*
 * log2 histograms (hist.c): bucket bounds, merging, percentiles, means.
 * The bucketing itself is in include/iommu_flush.h, shared with BPF.
 */
#ifndef IFL_HIST_H
#define IFL_HIST_H

#include <stdint.h>

uint64_t ifl_hist_lo(unsigned int bucket);	/* smallest value of a bucket */
uint64_t ifl_hist_hi(unsigned int bucket);	/* largest value (last: UINT64_MAX) */
uint64_t ifl_hist_total(const uint64_t *h);
void ifl_hist_merge(uint64_t *dst, const uint64_t *src);
/* p in [0, 1]; interpolated inside the bucket; -1 when empty */
double ifl_hist_percentile(const uint64_t *h, double p);
/* from bucket midpoints; -1 when empty */
double ifl_hist_mean(const uint64_t *h);

#endif
