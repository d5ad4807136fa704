// SPDX-License-Identifier: GPL-2.0
/*
 * The event source of the patched kernel: the iommu tracepoints of the
 * series in kernel-patches/, in either of its versions, two sources of
 * one name ("tracepoints"; "tracepoints-v1" or "-v2" picks one):
 *  - v1 ("iommu: Trace IOTLB gathering, syncs, flushes and the DMA flush
 *    queue"): map and unmap with the domain and the caller, the range-add
 *    event, durations in the events.  Measures every figure but sync_freed.
 *  - v2 (kernel-patches/BASE/v2/, "iommu: Trace IOTLB syncs, flushes and
 *    the DMA flush queue"): the domain only, no range-add event, no
 *    durations, a reason in each sync (bpf/iommu_flush_v2.bpf.c says what
 *    that costs the figures).
 *
 * Detection is by BTF: the kernel's BTF holds a btf_trace_<event> typedef
 * for every tracepoint, with the prototype.  map and unmap exist on every
 * kernel; v1 gives them 5 arguments (domain and caller added), v2 4.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "internal.h"
#include "iommu_flush.skel.h"

#define C(x) (1ULL << IFL_C_##x)
#define H(x) (1U << IFL_H_##x)

#define SERIES "the IOMMU flush tracepoint series (kernel-patches/ of iommu-flushtop: " \
	"\"iommu: Trace IOTLB gathering, syncs, flushes and the DMA flush queue\", or its v2)"

struct tp_event {
	const char *tp;		/* tracepoint name, NULL: not in this version */
	int nargs;		/* TP_PROTO arguments */
};

static const struct tp_event events[IFL_NR_EVENTS] = {
	[IFL_EV_MAP] = { "map", 5 },
	[IFL_EV_UNMAP] = { "unmap", 5 },
	[IFL_EV_GATHER_ADD] = { "iotlb_gather_add", 6 },
	[IFL_EV_SYNC] = { "iotlb_sync", 4 },
	[IFL_EV_FLUSH_ALL] = { "flush_iotlb_all", 3 },
	[IFL_EV_SYNC_MAP] = { "sync_map", 6 },
	[IFL_EV_FQ_QUEUE] = { "dma_fq_queue", 5 },
	[IFL_EV_FQ_FLUSH] = { "dma_fq_flush", 5 },
};

static const struct tp_event events_v2[IFL_NR_EVENTS] = {
	[IFL_EV_MAP] = { "map", 4 },
	[IFL_EV_UNMAP] = { "unmap", 4 },
	[IFL_EV_SYNC] = { "iommu_iotlb_sync", 3 },
	[IFL_EV_FLUSH_ALL] = { "iommu_flush_iotlb_all", 1 },
	[IFL_EV_SYNC_MAP] = { "iommu_sync_map", 3 },
	[IFL_EV_FQ_QUEUE] = { "iommu_dma_fq_queue", 4 },
	[IFL_EV_FQ_FLUSH] = { "iommu_dma_fq_flush", 3 },
};

static struct bpf_program *prog(const struct ifl_source_args *c, enum ifl_event ev, bool tp_btf)
{
	struct iommu_flush_bpf *s = c->skel;

	switch (ev) {
	case IFL_EV_MAP: return tp_btf ? s->progs.tp_map : s->progs.raw_map;
	case IFL_EV_UNMAP: return tp_btf ? s->progs.tp_unmap : s->progs.raw_unmap;
	case IFL_EV_GATHER_ADD: return tp_btf ? s->progs.tp_gather_add : s->progs.raw_gather_add;
	case IFL_EV_SYNC: return tp_btf ? s->progs.tp_sync : s->progs.raw_sync;
	case IFL_EV_FLUSH_ALL: return tp_btf ? s->progs.tp_flush_all : s->progs.raw_flush_all;
	case IFL_EV_SYNC_MAP: return tp_btf ? s->progs.tp_sync_map : s->progs.raw_sync_map;
	case IFL_EV_FQ_QUEUE: return tp_btf ? s->progs.tp_fq_queue : s->progs.raw_fq_queue;
	case IFL_EV_FQ_FLUSH: return tp_btf ? s->progs.tp_fq_flush : s->progs.raw_fq_flush;
	default: return NULL;
	}
}

static struct bpf_program *prog_v2(const struct ifl_source_args *c, enum ifl_event ev, bool tp_btf)
{
	struct iommu_flush_bpf *s = c->skel;

	switch (ev) {
	case IFL_EV_MAP: return tp_btf ? s->progs.tp2_map : s->progs.raw2_map;
	case IFL_EV_UNMAP: return tp_btf ? s->progs.tp2_unmap : s->progs.raw2_unmap;
	case IFL_EV_SYNC: return tp_btf ? s->progs.tp2_sync : s->progs.raw2_sync;
	case IFL_EV_FLUSH_ALL: return tp_btf ? s->progs.tp2_flush_all : s->progs.raw2_flush_all;
	case IFL_EV_SYNC_MAP: return tp_btf ? s->progs.tp2_sync_map : s->progs.raw2_sync_map;
	case IFL_EV_FQ_QUEUE: return tp_btf ? s->progs.tp2_fq_queue : s->progs.raw2_fq_queue;
	case IFL_EV_FQ_FLUSH: return tp_btf ? s->progs.tp2_fq_flush : s->progs.raw2_fq_flush;
	default: return NULL;	/* no range-add event in v2 */
	}
}

/* Arguments of the tracepoint per BTF (without the leading void *), -1 if absent. */
static int btf_tp_nargs(const struct btf *btf, const char *tp)
{
	char name[64];
	const struct btf_type *t;
	int id;

	snprintf(name, sizeof(name), "btf_trace_%s", tp);
	id = btf__find_by_name_kind(btf, name, BTF_KIND_TYPEDEF);
	if (id < 0)
		return -1;
	t = btf__type_by_id(btf, id);
	t = t ? btf__type_by_id(btf, t->type) : NULL;	/* pointer */
	t = t && btf_is_ptr(t) ? btf__type_by_id(btf, t->type) : NULL;
	if (!t || !btf_is_func_proto(t))
		return -1;
	return btf_vlen(t) - 1;
}

/* One version of the series: its events and their programs (ifl_source.priv). */
struct tp_version {
	const struct tp_event *evs;
	struct bpf_program *(*prog)(const struct ifl_source_args *c, enum ifl_event ev, bool tp_btf);
};

static const struct tp_version v1 = { events, prog };
static const struct tp_version v2 = { events_v2, prog_v2 };

/*
 * Does this kernel have the events of the version (its map with
 * evs[MAP].nargs arguments)?  The other version's map is told apart from
 * a kernel without the series, so that pick_source() tries the next one.
 */
static int tp_probe(const struct ifl_source_args *c, struct ifl_probe *found, struct ifl_err *err)
{
	const struct tp_event *evs = ((const struct tp_version *)c->priv)->evs;
	const char *missing = NULL;
	int n;

	(void)found;	/* tp_btf or raw_tp: the load decides */
	if (!c->btf) {
		/* tests without env checks: raw_tp, nothing to compare */
		return 0;
	}
	n = btf_tp_nargs(c->btf, "map");
	if (n == 3)
		return ifl_err(err, IFL_ERR_NO_EVENTS,
				"iommu:map has its unpatched %d-argument prototype: this kernel lacks %s",
				n, SERIES);
	if (n >= 0 && n != evs[IFL_EV_MAP].nargs)
		return ifl_err(err, IFL_ERR_NO_EVENTS,
				"iommu:map has %d arguments, not the %d of this version of %s",
				n, evs[IFL_EV_MAP].nargs, SERIES);
	for (int ev = 0; ev < IFL_NR_EVENTS; ev++) {
		if (!evs[ev].tp)
			continue;
		n = btf_tp_nargs(c->btf, evs[ev].tp);
		if (n < 0) {
			missing = evs[ev].tp;
			break;
		}
		if (n != evs[ev].nargs)
			return ifl_err(err, IFL_ERR_NO_EVENTS,
					"iommu:%s has %d arguments, this collector knows the %d of %s",
					evs[ev].tp, n, evs[ev].nargs, SERIES);
	}
	if (missing)
		return ifl_err(err, IFL_ERR_NO_EVENTS,
				"no tracepoint iommu:%s in this kernel's BTF: the kernel lacks %s",
				missing, SERIES);
	return 0;
}

static int tp_prepare(const struct ifl_source_args *c, struct ifl_err *err)
{
	const struct tp_version *v = c->priv;

	(void)err;
	for (int ev = 0; ev < IFL_NR_EVENTS; ev++) {
		if (!v->evs[ev].tp)
			continue;
		bpf_program__set_autoload(v->prog(c, ev, true), c->mode == IFL_PROG_TP_BTF);
		bpf_program__set_autoload(v->prog(c, ev, false), c->mode == IFL_PROG_RAW_TP);
	}
	return 0;
}

static int tp_attach(const struct ifl_source_args *c, struct ifl_links *out, struct ifl_err *err)
{
	const struct tp_version *v = c->priv;

	for (int ev = 0; ev < IFL_NR_EVENTS; ev++) {
		struct bpf_program *p;
		struct bpf_link *l;

		if (!v->evs[ev].tp)
			continue;
		p = v->prog(c, ev, c->mode == IFL_PROG_TP_BTF);
		if (c->mode == IFL_PROG_TP_BTF)
			l = bpf_program__attach_trace(p);
		else
			l = bpf_program__attach_raw_tracepoint(p, v->evs[ev].tp);
		if (!l)
			return ifl_err(err, IFL_ERR_BPF, "cannot attach %s to iommu:%s: %s",
					c->mode == IFL_PROG_TP_BTF ? "tp_btf" : "raw_tp",
					v->evs[ev].tp, strerror(errno));
		out->l[out->n++] = l;
	}
	return 0;
}

static struct bpf_program *tp_event_prog(const struct ifl_source_args *c, enum ifl_event ev)
{
	const struct tp_version *v = c->priv;

	if ((unsigned int)ev >= IFL_NR_EVENTS || !v->evs[ev].tp)
		return NULL;
	return v->prog(c, ev, c->mode == IFL_PROG_TP_BTF);
}

const struct ifl_source ifl_source_tracepoints = {
	.name = "tracepoints",
	.desc = "iommu tracepoints of the flush series",
	.consumers = true,
	.callers = true,
	.probe = tp_probe,
	.prepare = tp_prepare,
	.attach = tp_attach,
	.event_prog = tp_event_prog,
	.variant = "v1",
	.priv = &v1,
	/* v1's forced syncs are counted by kind on the range-add (forced_*) */
	.avail_counts = ((1ULL << IFL_NR_COUNTS) - 1) & ~(C(SYNC_FORCED) | C(SYNC_FREED)),
	.avail_hists = (1U << IFL_NR_HISTS) - 1,
	.prog_btf = "tp_btf",
	.prog_plain = "raw_tp",
};

const struct ifl_source ifl_source_tracepoints_v2 = {
	.name = "tracepoints",
	.variant = "v2",
	.desc = "iommu tracepoints of the flush series v2",
	.consumers = true,
	.callers = false,
	.priv = &v2,
	.probe = tp_probe,
	.prepare = tp_prepare,
	.attach = tp_attach,
	.event_prog = tp_event_prog,
	/* no range-add event, no durations, no sync_map return value */
	.avail_counts = ((1ULL << IFL_NR_COUNTS) - 1) &
			~(C(RANGE_ADD) | C(FORCED_DISJOINT) | C(FORCED_PGSIZE) | C(SYNC_NS) |
			  C(FLUSH_ALL_NS) | C(SYNC_MAP_ERR) | C(SYNC_MAP_NS) | C(FQ_FLUSH_NS)),
	.avail_hists = ((1U << IFL_NR_HISTS) - 1) & ~H(SYNC_NS),
	.prog_btf = "tp_btf",
	.prog_plain = "raw_tp",
};
