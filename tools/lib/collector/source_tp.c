// SPDX-License-Identifier: GPL-2.0
/*
 * The event source of the patched kernel: the iommu tracepoints of the
 * series in kernel-patches/ ("iommu: Trace IOTLB gathering, syncs, flushes
 * and the DMA flush queue").  Measures every figure.
 *
 * Detection is by BTF: the kernel's BTF holds a btf_trace_<event> typedef
 * for every tracepoint, with the prototype.  map and unmap exist on every
 * kernel; only the series gives them 5 arguments (domain and caller added).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "internal.h"
#include "iommu_flush.skel.h"

#define SERIES "the IOMMU flush tracepoint series (kernel-patches/ of iommu-flushtop: " \
	"\"iommu: Trace IOTLB gathering, syncs, flushes and the DMA flush queue\")"

static const struct {
	const char *tp;		/* tracepoint name */
	int nargs;		/* TP_PROTO arguments */
} events[IFL_NR_EVENTS] = {
	[IFL_EV_MAP] = { "map", 5 },
	[IFL_EV_UNMAP] = { "unmap", 5 },
	[IFL_EV_GATHER_ADD] = { "iotlb_gather_add", 6 },
	[IFL_EV_SYNC] = { "iotlb_sync", 4 },
	[IFL_EV_FLUSH_ALL] = { "flush_iotlb_all", 3 },
	[IFL_EV_SYNC_MAP] = { "sync_map", 6 },
	[IFL_EV_FQ_QUEUE] = { "dma_fq_queue", 5 },
	[IFL_EV_FQ_FLUSH] = { "dma_fq_flush", 5 },
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

static int tp_probe(const struct ifl_source_args *c, struct ifl_probe *found, struct ifl_err *err)
{
	const char *missing = NULL;
	int n;

	(void)found;	/* tp_btf or raw_tp: the load decides */
	if (!c->btf) {
		/* tests without env checks: raw_tp, nothing to compare */
		return 0;
	}
	n = btf_tp_nargs(c->btf, "map");
	if (n >= 0 && n < events[IFL_EV_MAP].nargs)
		return ifl_err(err, IFL_ERR_NO_EVENTS,
				"iommu:map has its unpatched %d-argument prototype: this kernel lacks %s",
				n, SERIES);
	for (int ev = 0; ev < IFL_NR_EVENTS; ev++) {
		n = btf_tp_nargs(c->btf, events[ev].tp);
		if (n < 0) {
			missing = events[ev].tp;
			break;
		}
		if (n != events[ev].nargs)
			return ifl_err(err, IFL_ERR_NO_EVENTS,
					"iommu:%s has %d arguments, this collector knows the %d of %s",
					events[ev].tp, n, events[ev].nargs, SERIES);
	}
	if (missing)
		return ifl_err(err, IFL_ERR_NO_EVENTS,
				"no tracepoint iommu:%s in this kernel's BTF: the kernel lacks %s",
				missing, SERIES);
	return 0;
}

static int tp_prepare(const struct ifl_source_args *c, struct ifl_err *err)
{
	(void)err;
	for (int ev = 0; ev < IFL_NR_EVENTS; ev++) {
		bpf_program__set_autoload(prog(c, ev, true), c->mode == IFL_PROG_TP_BTF);
		bpf_program__set_autoload(prog(c, ev, false), c->mode == IFL_PROG_RAW_TP);
	}
	return 0;
}

static int tp_attach(const struct ifl_source_args *c, struct ifl_links *out, struct ifl_err *err)
{
	for (int ev = 0; ev < IFL_NR_EVENTS; ev++) {
		struct bpf_program *p = prog(c, ev, c->mode == IFL_PROG_TP_BTF);
		struct bpf_link *l;

		if (c->mode == IFL_PROG_TP_BTF)
			l = bpf_program__attach_trace(p);
		else
			l = bpf_program__attach_raw_tracepoint(p, events[ev].tp);
		if (!l)
			return ifl_err(err, IFL_ERR_BPF, "cannot attach %s to iommu:%s: %s",
					c->mode == IFL_PROG_TP_BTF ? "tp_btf" : "raw_tp",
					events[ev].tp, strerror(errno));
		out->l[out->n++] = l;
	}
	return 0;
}

static struct bpf_program *tp_event_prog(const struct ifl_source_args *c, enum ifl_event ev)
{
	if ((unsigned int)ev >= IFL_NR_EVENTS)
		return NULL;
	return prog(c, ev, c->mode == IFL_PROG_TP_BTF);
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
	.avail_counts = (1ULL << IFL_NR_COUNTS) - 1,
	.avail_hists = (1U << IFL_NR_HISTS) - 1,
	.prog_btf = "tp_btf",
	.prog_plain = "raw_tp",
};
