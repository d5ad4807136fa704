// SPDX-License-Identifier: GPL-2.0
/*
 * The model's rows and snapshots (snapshot.h): the figures' names, merging
 * rows, the difference of two snapshots and their grouping.  Plain C: the
 * collector builds snapshots with these, dumps and frames read them.
 */
#define _GNU_SOURCE	/* qsort_r */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "snapshot.h"

static const char *const count_names[] = {
	[IFL_C_MAP] = "map",
	[IFL_C_MAP_BYTES] = "map_bytes",
	[IFL_C_UNMAP] = "unmap",
	[IFL_C_UNMAP_BYTES] = "unmap_bytes",
	[IFL_C_UNMAP_UNSYNCED] = "unmap_unsynced",
	[IFL_C_RANGE_ADD] = "range_add",
	[IFL_C_FORCED_DISJOINT] = "forced_disjoint",
	[IFL_C_FORCED_PGSIZE] = "forced_pgsize",
	[IFL_C_SYNC] = "sync",
	[IFL_C_SYNC_NS] = "sync_ns",
	[IFL_C_SYNC_UNTRACKED] = "sync_untracked",
	[IFL_C_FLUSHED_BYTES] = "flushed_bytes",
	[IFL_C_FLUSH_ALL] = "flush_all",
	[IFL_C_FLUSH_ALL_NS] = "flush_all_ns",
	[IFL_C_SYNC_MAP] = "sync_map",
	[IFL_C_SYNC_MAP_BYTES] = "sync_map_bytes",
	[IFL_C_SYNC_MAP_ERR] = "sync_map_err",
	[IFL_C_SYNC_MAP_NS] = "sync_map_ns",
	[IFL_C_FQ_QUEUE] = "fq_queue",
	[IFL_C_FQ_QUEUE_BYTES] = "fq_queue_bytes",
	[IFL_C_FQ_FLUSH] = "fq_flush",
	[IFL_C_FQ_FLUSH_TIMER] = "fq_flush_timer",
	[IFL_C_FQ_FLUSH_FULL] = "fq_flush_full",
	[IFL_C_FQ_FLUSH_OTHER] = "fq_flush_other",
	[IFL_C_FQ_FLUSH_ENTRIES] = "fq_flush_entries",
	[IFL_C_FQ_FLUSH_NS] = "fq_flush_ns",
	[IFL_C_STALE_UNMEASURED] = "stale_unmeasured",
	[IFL_C_SYNC_FORCED] = "sync_forced",
	[IFL_C_SYNC_FREED] = "sync_freed",
};
_Static_assert(sizeof(count_names) / sizeof(count_names[0]) == IFL_NR_COUNTS,
	       "a name per count");

static const char *const hist_names[] = {
	[IFL_H_PAGES_PER_SYNC] = "pages_per_sync",
	[IFL_H_UNMAPS_PER_SYNC] = "unmaps_per_sync",
	[IFL_H_SYNC_NS] = "sync_ns",
	[IFL_H_STALE_NS] = "stale_ns",
	[IFL_H_MAP_SIZE] = "map_size",
	[IFL_H_UNMAP_SIZE] = "unmap_size",
};
_Static_assert(sizeof(hist_names) / sizeof(hist_names[0]) == IFL_NR_HISTS, "a name per hist");

static const char *const drop_names[] = {
	[IFL_DROP_KEYS] = "keys",
	[IFL_DROP_DOMAINS] = "domains",
	[IFL_DROP_FQ_DOMAINS] = "fq_domains",
	[IFL_DROP_FQ_LOCKED] = "fq_locked",
	[IFL_DROP_FB_UNPAIRED] = "fb_unpaired",
	[IFL_DROP_GROUP_WALKS] = "group_walks",
};
_Static_assert(sizeof(drop_names) / sizeof(drop_names[0]) == IFL_NR_DROPS, "a name per drop");

const char *ifl_count_name(enum ifl_count c)
{
	return (unsigned int)c < IFL_NR_COUNTS ? count_names[c] : "?";
}

const char *ifl_hist_name(enum ifl_hist h)
{
	return (unsigned int)h < IFL_NR_HISTS ? hist_names[h] : "?";
}

const char *ifl_drop_name(enum ifl_drop d)
{
	return (unsigned int)d < IFL_NR_DROPS ? drop_names[d] : "?";
}

bool ifl_count_available(const struct ifl_snapshot *s, enum ifl_count c)
{
	return (unsigned int)c < IFL_NR_COUNTS && (s->avail_counts >> c) & 1;
}

bool ifl_hist_available(const struct ifl_snapshot *s, enum ifl_hist h)
{
	return (unsigned int)h < IFL_NR_HISTS && (s->avail_hists >> h) & 1;
}

uint64_t ifl_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static int cmp_rows(const void *a, const void *b, void *arg)
{
	const struct ifl_row *x = a, *y = b;
	unsigned int cmp_by = *(const unsigned int *)arg;
	int d;

	if ((cmp_by & IFL_BY_DOMAIN) && x->domain != y->domain)
		return x->domain < y->domain ? -1 : 1;
	if ((cmp_by & IFL_BY_DRIVER) && (d = strcmp(x->driver, y->driver)))
		return d;
	if ((cmp_by & IFL_BY_TYPE) && (d = strcmp(x->domain_type, y->domain_type)))
		return d;
	if ((cmp_by & IFL_BY_CONSUMER) && (d = strcmp(x->consumer, y->consumer)))
		return d;
	if ((cmp_by & IFL_BY_DEVICE) && (d = strcmp(x->device, y->device)))
		return d;
	if ((cmp_by & IFL_BY_CALLER) && (d = strcmp(x->caller, y->caller)))
		return d;
	return 0;
}

static void add_row(struct ifl_row *dst, const struct ifl_row *src)
{
	for (int k = 0; k < IFL_NR_COUNTS; k++)
		dst->count[k] += src->count[k];
	for (int h = 0; h < IFL_NR_HISTS; h++)
		ifl_hist_merge(dst->hist[h], src->hist[h]);
}

/* Sort on the fields in "by" and merge equal neighbours, in place. */
size_t ifl_rows_merge(struct ifl_row *rows, size_t n, unsigned int by)
{
	size_t out = 0;

	qsort_r(rows, n, sizeof(*rows), cmp_rows, &by);
	for (size_t i = 0; i < n; i++) {
		if (out && cmp_rows(&rows[out - 1], &rows[i], &by) == 0)
			add_row(&rows[out - 1], &rows[i]);
		else if (out != i)
			rows[out++] = rows[i];
		else
			out++;
	}
	return out;
}

struct ifl_snapshot *ifl_snapshot_new(size_t nrows)
{
	struct ifl_snapshot *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->rows = calloc(nrows ? nrows : 1, sizeof(*s->rows));
	if (!s->rows) {
		free(s);
		return NULL;
	}
	return s;
}

void ifl_snapshot_free(struct ifl_snapshot *s)
{
	if (!s)
		return;
	free(s->rows);
	free(s);
}

/* A row's identity across snapshots: its domain and caller; a freed domains' row, all its names. */
static int cmp_identity(const void *a, const void *b)
{
	const struct ifl_row *x = a, *y = b;
	unsigned int names = IFL_BY_ALL & ~IFL_BY_DOMAIN;
	int d;

	if (x->domain != y->domain)
		return x->domain < y->domain ? -1 : 1;
	if ((d = strcmp(x->caller, y->caller)))
		return d;
	return x->domain == IFL_DOMAIN_FREED ? cmp_rows(x, y, &names) : 0;
}

static void sub_row(struct ifl_row *r, const struct ifl_row *p)
{
	for (int k = 0; k < IFL_NR_COUNTS; k++)
		r->count[k] -= p->count[k] <= r->count[k] ? p->count[k] : r->count[k];
	for (int h = 0; h < IFL_NR_HISTS; h++)
		for (int b = 0; b < IFL_HIST_BUCKETS; b++)
			r->hist[h][b] -= p->hist[h][b] <= r->hist[h][b] ? p->hist[h][b] : r->hist[h][b];
}

/*
 * A row of "before" that "now" has not: a domain freed meanwhile, whose
 * row the collector folded into the freed domains' row of its names
 * (collector/snapshot.c).  That row's growth holds the domain's whole
 * count, of which "before" already had this much: take it off, so that
 * the difference is the window's.  The device is matched if it can be
 * (a freed domain's is the one it had at first sight, which its group
 * usually still named), else not.
 */
static void sub_folded(struct ifl_snapshot *s, const struct ifl_row *p)
{
	unsigned int all = IFL_BY_ALL & ~IFL_BY_DOMAIN, nodev = all & ~IFL_BY_DEVICE;
	struct ifl_row *nodev_match = NULL;

	for (size_t i = 0; i < s->nrows; i++) {
		struct ifl_row *r = &s->rows[i];

		if (r->domain != IFL_DOMAIN_FREED || cmp_rows(r, p, &nodev))
			continue;
		if (!cmp_rows(r, p, &all)) {
			sub_row(r, p);
			return;
		}
		if (!nodev_match)
			nodev_match = r;
	}
	if (nodev_match)
		sub_row(nodev_match, p);
}

int ifl_snapshot_delta(const struct ifl_snapshot *now, const struct ifl_snapshot *before,
		       struct ifl_snapshot **out)
{
	struct ifl_snapshot *s = ifl_snapshot_new(now->nrows);
	struct ifl_row *old = NULL;
	bool *matched;

	*out = NULL;
	if (!s)
		return -IFL_ERR_SYS;
	old = calloc(before->nrows ? before->nrows : 1, sizeof(*old));
	if (!old) {
		ifl_snapshot_free(s);
		return -IFL_ERR_SYS;
	}
	memcpy(old, before->rows, before->nrows * sizeof(*old));
	qsort(old, before->nrows, sizeof(*old), cmp_identity);

	s->time_ns = now->time_ns;
	s->interval_ns = now->time_ns - before->time_ns;
	s->avail_counts = now->avail_counts;
	s->avail_hists = now->avail_hists;
	for (int d = 0; d < IFL_NR_DROPS; d++)
		s->drops[d] = now->drops[d] >= before->drops[d] ? now->drops[d] - before->drops[d] : 0;
	matched = calloc(before->nrows ? before->nrows : 1, sizeof(*matched));
	if (!matched) {
		free(old);
		ifl_snapshot_free(s);
		return -IFL_ERR_SYS;
	}
	for (size_t i = 0; i < now->nrows; i++) {
		const struct ifl_row *p = bsearch(&now->rows[i], old, before->nrows,
						  sizeof(*old), cmp_identity);
		struct ifl_row *r = &s->rows[s->nrows++];

		*r = now->rows[i];
		if (!p)
			continue;
		matched[p - old] = true;
		sub_row(r, p);
	}
	for (size_t i = 0; i < before->nrows; i++)
		if (!matched[i] && old[i].domain != IFL_DOMAIN_FREED)
			sub_folded(s, &old[i]);
	free(matched);
	free(old);
	*out = s;
	return 0;
}

int ifl_snapshot_group(const struct ifl_snapshot *src, unsigned int by, struct ifl_snapshot **out)
{
	struct ifl_snapshot *s = ifl_snapshot_new(src->nrows);

	*out = NULL;
	if (!s)
		return -IFL_ERR_SYS;
	s->time_ns = src->time_ns;
	s->interval_ns = src->interval_ns;
	s->avail_counts = src->avail_counts;
	s->avail_hists = src->avail_hists;
	memcpy(s->drops, src->drops, sizeof(s->drops));
	memcpy(s->rows, src->rows, src->nrows * sizeof(*s->rows));
	for (size_t i = 0; i < src->nrows; i++) {
		struct ifl_row *r = &s->rows[i];

		if (!(by & IFL_BY_DOMAIN))
			r->domain = 0;
		if (!(by & IFL_BY_DRIVER))
			snprintf(r->driver, sizeof(r->driver), "*");
		if (!(by & IFL_BY_TYPE))
			snprintf(r->domain_type, sizeof(r->domain_type), "*");
		if (!(by & IFL_BY_CONSUMER))
			snprintf(r->consumer, sizeof(r->consumer), "*");
		if (!(by & IFL_BY_DEVICE)) {
			snprintf(r->device, sizeof(r->device), "*");
			r->device_desc[0] = '\0';
		}
		if (!(by & IFL_BY_CALLER))
			snprintf(r->caller, sizeof(r->caller), "*");
	}
	s->nrows = ifl_rows_merge(s->rows, src->nrows, by);
	*out = s;
	return 0;
}
