// SPDX-License-Identifier: GPL-2.0
/*
 * Snapshots from the maps: read the per-CPU maps and merge them, and turn
 * (domain, caller) keys into named rows (the model, model/snapshot.h).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "internal.h"
#include "iommu_flush.skel.h"

/* ---- reading the maps ------------------------------------------------------ */

struct entry {
	struct ifl_key key;
	struct ifl_stats sum;
};

struct domain {
	uint64_t ptr;
	bool have_info;
	struct ifl_domain_info di;
	char consumer[IFL_NAME_LEN];	/* from its other rows' callers */
	uint64_t consumer_weight;
};

static void sum_percpu(struct ifl_stats *sum, const struct ifl_stats *v, int ncpus)
{
	const __u64 *src = (const __u64 *)v;
	__u64 *dst = (__u64 *)sum;
	const size_t words = sizeof(*sum) / sizeof(__u64);

	memset(sum, 0, sizeof(*sum));
	for (int cpu = 0; cpu < ncpus; cpu++)
		for (size_t w = 0; w < words; w++)
			dst[w] += src[(size_t)cpu * words + w];
}

static int read_stats(struct ifl_collector *c, struct entry **out, size_t *n)
{
	int fd = bpf_map__fd(c->skel->maps.stats);
	struct ifl_stats *vals = calloc((size_t)c->info.ncpus, sizeof(*vals));
	struct ifl_key key, next, *prev = NULL;
	struct entry *e = NULL;
	size_t cnt = 0, cap = 0;

	if (!vals)
		return -ENOMEM;
	while (!bpf_map_get_next_key(fd, prev, &next)) {
		key = next;
		prev = &key;
		if (bpf_map_lookup_elem(fd, &key, vals))
			continue;	/* deleted meanwhile */
		if (cnt == cap) {
			struct entry *ne;

			cap = cap ? cap * 2 : 64;
			ne = realloc(e, cap * sizeof(*e));
			if (!ne) {
				free(e);
				free(vals);
				return -ENOMEM;
			}
			e = ne;
		}
		e[cnt].key = key;
		sum_percpu(&e[cnt].sum, vals, c->info.ncpus);
		cnt++;
	}
	free(vals);
	*out = e;
	*n = cnt;
	return 0;
}

static void read_drops(struct ifl_collector *c, uint64_t *drops)
{
	int fd = bpf_map__fd(c->skel->maps.drops);
	__u64 *v = calloc((size_t)c->info.ncpus, sizeof(*v));

	for (__u32 d = 0; v && d < IFL_NR_DROPS; d++) {
		drops[d] = 0;
		if (bpf_map_lookup_elem(fd, &d, v))
			continue;
		for (int cpu = 0; cpu < c->info.ncpus; cpu++)
			drops[d] += v[cpu];
	}
	free(v);
}

static struct domain *find_domain(struct domain *d, size_t n, uint64_t ptr)
{
	for (size_t i = 0; i < n; i++)
		if (d[i].ptr == ptr)
			return &d[i];
	return NULL;
}

/* ---- naming ----------------------------------------------------------------- */

static const struct ifl_sym *sym(struct ifl_collector *c, uint64_t addr)
{
	return addr ? ifl_names_sym(&c->names, addr) : NULL;
}

static void name_driver(struct ifl_collector *c, const struct domain *d, char *buf, size_t len)
{
	if (!d || !d->have_info || (d->di.flags & IFL_DI_UNREADABLE)) {
		snprintf(buf, len, "unknown");
		return;
	}
	ifl_driver_name(sym(c, d->di.owner), sym(c, d->di.ops), sym(c, d->di.ops_fn), buf, len);
}

/* The consumer of a row: its caller's, else its domain's, else by type. */
static void name_consumer(struct ifl_collector *c, const struct entry *e,
			  const struct domain *d, char *buf, size_t len)
{
	enum ifl_consumer_class cls = ifl_consumer_of(sym(c, e->key.caller), buf, len);

	switch (cls) {
	case IFL_CONS_DMA_IOMMU:
	case IFL_CONS_VFIO:
	case IFL_CONS_IOMMUFD:
	case IFL_CONS_MODULE:
		return;
	default:
		break;
	}
	if (d && d->consumer[0])
		snprintf(buf, len, "%s", d->consumer);
	else if (d && d->have_info && (d->di.type & IFL_DOMAIN_DMA_API))
		snprintf(buf, len, "dma-iommu");	/* callers that tail-called into the DMA API */
	else if (cls != IFL_CONS_OTHER)
		snprintf(buf, len, "unknown");
	/* IFL_CONS_OTHER keeps the function name ifl_consumer_of() gave */
}

/*
 * Each domain's consumer: the one its callers name most (by events); for
 * a domain none of whose rows has a caller that names one (the fallback
 * source, syncs and flushes, events without a caller), the one the stack
 * of its first event names.
 */
static void learn_consumers(struct ifl_collector *c, const struct entry *e, size_t n,
			    struct domain *doms, size_t ndoms)
{
	for (size_t i = 0; i < n; i++) {
		struct domain *d = find_domain(doms, ndoms, e[i].key.domain);
		char name[IFL_NAME_LEN];
		uint64_t w = 0;

		if (!d)
			continue;
		switch (ifl_consumer_of(sym(c, e[i].key.caller), name, sizeof(name))) {
		case IFL_CONS_DMA_IOMMU:
		case IFL_CONS_VFIO:
		case IFL_CONS_IOMMUFD:
		case IFL_CONS_MODULE:
			break;
		default:
			continue;
		}
		for (int k = 0; k < IFL_NR_COUNTS; k++)
			w += e[i].sum.count[k];
		if (w + 1 > d->consumer_weight) {
			d->consumer_weight = w + 1;
			snprintf(d->consumer, sizeof(d->consumer), "%s", name);
		}
	}
	for (size_t i = 0; i < ndoms; i++) {
		struct domain *d = &doms[i];
		const struct ifl_sym *frames[IFL_DOMAIN_STACK];

		/*
		 * A DMA-API domain is dma-iommu's by its type (name_consumer):
		 * its stack says no more, and can say less.  The IOVA-link API
		 * reaches iommu_map_nosync() by tail calls from the block layer
		 * (blk_dma_map_iter_start on 7.2), so the first consumer-like
		 * frame is the block driver's module ("nvme"), or none.
		 */
		if (d->consumer[0] || !d->have_info || !d->di.nstack || (d->di.type & IFL_DOMAIN_DMA_API))
			continue;
		for (uint32_t f = 0; f < d->di.nstack; f++)
			frames[f] = sym(c, d->di.stack[f]);
		ifl_consumer_of_stack(frames, d->di.nstack, d->consumer, sizeof(d->consumer));
	}
}

/* A row without a domain: the overflow row, dirty tracking's range-adds. */
static void set_domainless(struct ifl_row *r, const char *consumer)
{
	snprintf(r->driver, sizeof(r->driver), "-");
	snprintf(r->domain_type, sizeof(r->domain_type), "-");
	snprintf(r->consumer, sizeof(r->consumer), "%s", consumer);
	snprintf(r->device, sizeof(r->device), "-");
}

static void fill_row(struct ifl_collector *c, struct ifl_row *r, const struct entry *e,
		     const struct domain *d)
{
	const struct ifl_sym *cs;

	memset(r, 0, sizeof(*r));
	memcpy(r->count, e->sum.count, sizeof(r->count));
	memcpy(r->hist, e->sum.hist, sizeof(r->hist));
	if (e->key.caller == IFL_OVERFLOW_CALLER) {
		set_domainless(r, "(dropped keys)");
		snprintf(r->caller, sizeof(r->caller), "(dropped keys)");
		return;
	}
	if (!e->key.domain) {
		/* range-adds of dirty tracking, which passes no domain */
		set_domainless(r, "dirty-tracking");
	} else {
		r->domain = ifl_key_retired(e->key.domain) ? IFL_DOMAIN_FREED
							   : ifl_names_domain_id(&c->names, e->key.domain);
		name_driver(c, d, r->driver, sizeof(r->driver));
		if (d && d->have_info && !(d->di.flags & IFL_DI_UNREADABLE))
			ifl_domain_type_name(d->di.type, r->domain_type, sizeof(r->domain_type));
		else
			snprintf(r->domain_type, sizeof(r->domain_type), "unknown");
		name_consumer(c, e, d, r->consumer, sizeof(r->consumer));
		ifl_device_name(&c->groups, e->key.domain, d && d->have_info ? &d->di : NULL,
				r->device, sizeof(r->device));
		ifl_device_describe(&c->groups, r->device, r->device_desc, sizeof(r->device_desc));
	}
	cs = sym(c, e->key.caller);
	if (!e->key.caller)
		snprintf(r->caller, sizeof(r->caller), "-");
	else if (cs && cs->found)
		snprintf(r->caller, sizeof(r->caller), "%s", cs->name);
	else
		snprintf(r->caller, sizeof(r->caller), "unknown");
}

struct new_domain {
	uint64_t ptr;
	char driver[32], device[IFL_NAME_LEN], type[16];
};

static int cmp_new_domain(const void *a, const void *b)
{
	const struct new_domain *x = a, *y = b;
	int d;

	if ((d = strcmp(x->driver, y->driver)))
		return d;
	if ((d = strcmp(x->device, y->device)))
		return d;
	return strcmp(x->type, y->type);
}

/*
 * Number the domains seen for the first time, in the order of their
 * driver, device and type, so that a run's numbering does not depend on
 * the order of the hash map.
 */
static void number_domains(struct ifl_collector *c, struct domain *doms, size_t ndoms)
{
	struct new_domain *nd = calloc(ndoms ? ndoms : 1, sizeof(*nd));
	size_t n = 0;

	if (!nd)
		return;
	for (size_t i = 0; i < ndoms; i++) {
		if (!doms[i].ptr || ifl_key_retired(doms[i].ptr) ||
		    ifl_names_domain_id(&c->names, doms[i].ptr))
			continue;
		nd[n].ptr = doms[i].ptr;
		name_driver(c, &doms[i], nd[n].driver, sizeof(nd[n].driver));
		ifl_device_name(&c->groups, doms[i].ptr, doms[i].have_info ? &doms[i].di : NULL,
				nd[n].device, sizeof(nd[n].device));
		ifl_domain_type_name(doms[i].di.type, nd[n].type, sizeof(nd[n].type));
		n++;
	}
	qsort(nd, n, sizeof(*nd), cmp_new_domain);
	for (size_t i = 0; i < n; i++)
		ifl_names_number_domain(&c->names, nd[i].ptr);
	free(nd);
}

/*
 * The rows of freed domains (retired keys, bpf/iommu_flush.bpf.c) are read
 * once: folded into the collector's rows of freed domains, one per name
 * (driver, type, consumer, device, caller), then deleted from the maps, so
 * that churn of domains bounds both the maps and this process's memory.
 * Every later snapshot carries the folded rows (cumulative, as all rows);
 * ifl_snapshot_delta() tells a row folded meanwhile from one still live.
 * A retired key whose facts are not there yet is still being moved: it
 * waits for the next snapshot.
 */
static int fold_freed(struct ifl_collector *c, struct ifl_row *rows, size_t n)
{
	if (!n)
		return 0;
	if (c->nfreed + n > c->freedcap) {
		size_t cap = (c->nfreed + n) * 2;
		struct ifl_row *f = realloc(c->freed, cap * sizeof(*f));

		if (!f)
			return -ENOMEM;
		c->freed = f;
		c->freedcap = cap;
	}
	memcpy(c->freed + c->nfreed, rows, n * sizeof(*rows));
	c->nfreed = ifl_rows_merge(c->freed, c->nfreed + n, IFL_BY_ALL);
	return 0;
}

static void delete_retired(struct ifl_collector *c, const struct entry *e, size_t n,
			   struct domain *doms, size_t ndoms)
{
	int sfd = bpf_map__fd(c->skel->maps.stats), dfd = bpf_map__fd(c->skel->maps.domains);

	for (size_t i = 0; i < n; i++) {
		const struct domain *d;

		if (!ifl_key_retired(e[i].key.domain))
			continue;
		d = find_domain(doms, ndoms, e[i].key.domain);
		if (d && d->have_info)
			bpf_map_delete_elem(sfd, &e[i].key);
	}
	for (size_t i = 0; i < ndoms; i++) {
		if (!ifl_key_retired(doms[i].ptr) || !doms[i].have_info)
			continue;
		bpf_map_delete_elem(dfd, &doms[i].ptr);
	}
}

int ifl_snapshot_take(struct ifl_collector *c, struct ifl_snapshot **out)
{
	struct entry *e = NULL;
	struct domain *doms = NULL;
	struct ifl_snapshot *s = NULL;
	struct ifl_row *freed = NULL;
	uint64_t *addrs = NULL;
	size_t n = 0, ndoms = 0, naddrs = 0, nfreed = 0;
	bool new_domain = false;
	int dfd = bpf_map__fd(c->skel->maps.domains), ret;

	*out = NULL;
	ret = read_stats(c, &e, &n);
	if (ret)
		return ifl_fail(c, IFL_ERR_SYS, "cannot read the statistics map: %s", strerror(-ret));
	doms = calloc(n ? n : 1, sizeof(*doms));
	addrs = calloc(n * (4 + IFL_DOMAIN_STACK) + 1, sizeof(*addrs));
	s = ifl_snapshot_new(n + c->nfreed);
	freed = calloc(n ? n : 1, sizeof(*freed));
	if (!doms || !addrs || !s || !freed) {
		ret = ifl_fail(c, IFL_ERR_SYS, "out of memory");
		goto out;
	}
	s->time_ns = ifl_now_ns();
	read_drops(c, s->drops);
	s->avail_counts = c->src->avail_counts;
	s->avail_hists = c->src->avail_hists;

	for (size_t i = 0; i < n; i++) {
		uint64_t ptr = e[i].key.domain;
		struct domain *d;

		if (e[i].key.caller && e[i].key.caller != IFL_OVERFLOW_CALLER)
			addrs[naddrs++] = e[i].key.caller;
		if (!ptr || find_domain(doms, ndoms, ptr))
			continue;
		d = &doms[ndoms++];
		d->ptr = ptr;
		d->have_info = !bpf_map_lookup_elem(dfd, &ptr, &d->di);
		if (ifl_key_retired(ptr) && (!d->have_info || !(d->di.flags & IFL_DI_RETIRED))) {
			d->have_info = false;	/* still being moved: next time */
			continue;
		}
		if (d->have_info) {
			addrs[naddrs++] = d->di.owner;
			addrs[naddrs++] = d->di.ops;
			addrs[naddrs++] = d->di.ops_fn;
			if (d->di.nstack > IFL_DOMAIN_STACK)
				d->di.nstack = IFL_DOMAIN_STACK;
			for (uint32_t f = 0; f < d->di.nstack; f++)
				addrs[naddrs++] = d->di.stack[f];
		}
	}
	/*
	 * A domain retired since the last snapshot gives up its number before
	 * any is handed out: a live key at its address now is another domain
	 * (its free had finished before that one's first event), which must
	 * not take the freed one's number, nor the freed one's row its delta.
	 */
	for (size_t i = 0; i < ndoms; i++)
		if (ifl_key_retired(doms[i].ptr) && doms[i].have_info)
			ifl_names_forget_domain(&c->names, doms[i].di.freed_ptr);
	for (size_t i = 0; i < ndoms; i++)
		if (!ifl_key_retired(doms[i].ptr) && !ifl_names_domain_id(&c->names, doms[i].ptr))
			new_domain = true;
	/* unreadable kallsyms leaves names "unknown", it is not an error */
	ifl_names_resolve(&c->names, addrs, naddrs);
	if (new_domain || !c->groups.recs) {
		ret = ifl_groups_refresh(c);
		if (ret) {
			ret = ifl_fail(c, IFL_ERR_SYS, "out of memory");
			goto out;
		}
	}
	s->drops[IFL_DROP_GROUP_WALKS] = c->group_walk_failures;
	learn_consumers(c, e, n, doms, ndoms);
	number_domains(c, doms, ndoms);
	for (size_t i = 0; i < n; i++) {
		const struct domain *d = find_domain(doms, ndoms, e[i].key.domain);

		if (ifl_key_retired(e[i].key.domain)) {
			if (d && d->have_info)
				fill_row(c, &freed[nfreed++], &e[i], d);
			continue;
		}
		fill_row(c, &s->rows[s->nrows++], &e[i], d);
	}
	if (fold_freed(c, freed, nfreed)) {
		ret = ifl_fail(c, IFL_ERR_SYS, "out of memory");
		goto out;
	}
	delete_retired(c, e, n, doms, ndoms);
	if (c->nfreed)
		memcpy(s->rows + s->nrows, c->freed, c->nfreed * sizeof(*c->freed));
	s->nrows = ifl_rows_merge(s->rows, s->nrows + c->nfreed, IFL_BY_ALL);
	*out = s;
	s = NULL;
out:
	ifl_snapshot_free(s);
	free(freed);
	free(e);
	free(doms);
	free(addrs);
	return ret;
}


int ifl_collector_reap(struct ifl_collector *c)
{
	struct ifl_snapshot *s = NULL;
	int ret = ifl_snapshot_take(c, &s);

	ifl_snapshot_free(s);
	return ret;
}
