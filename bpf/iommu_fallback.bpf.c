// SPDX-License-Identifier: GPL-2.0
/*
 * The fallback event source: for kernels without the tracepoint series.
 * Compiled on its own and linked with iommu_flush.bpf.c into one object
 * (bpftool gen object), so that its programs feed the same maps through
 * the same handlers, iommu_flush.bpf.h (docs/design.md, "Collector", says
 * why one object and not a second skeleton).
 *
 * Hooks, all found by name in the running kernel's BTF by the library
 * (tools/lib/fallback_btf.c), which sets each program's target before load:
 *  - the IOMMU drivers' struct iommu_domain_ops callbacks, real functions
 *    reached through a pointer: iotlb_sync, flush_iotlb_all,
 *    iotlb_sync_map, unmap_pages and map_pages (on 7.2, drivers on
 *    generic_pt map and unmap through its <fmt>_map_range/_unmap_range,
 *    whose first argument is a struct pt_iommu that embeds the domain);
 *    IFL_FB_SLOTS programs per kind, so that every driver the kernel has
 *    is hooked at once (generated from the table IFL_FB_FOR_KINDS x
 *    IFL_FB_FOR_SLOTS of iommu_fallback.h, which the library reads too);
 *  - fentry/fexit where the kernel allows them, else kprobe/kretprobe twins
 *    (which get the arguments at entry and keep them for the return);
 *  - the unpatched iommu:map and iommu:unmap tracepoints (iova, paddr or
 *    size, and the size done), as raw_tp: they count what the series' map
 *    and unmap events count, one per iommu_map()/iommu_unmap() whatever the
 *    number of driver calls, and they come right after the driver's
 *    map/unmap callback on the same CPU, which names their domain.
 *
 * What it computes, with the handlers of the tracepoint source:
 *  - a sync: iotlb_sync's entry to exit is its duration; the gather's
 *    range is read at exit (the core resets it only after the callback);
 *  - unmaps per sync: unmap_pages' exit puts its gather in play as the
 *    series' range-add does (gather_begin), the iommu:unmap that follows
 *    counts into it, iotlb_sync of that gather takes the count;
 *  - lazy mode: dma-iommu marks a gather it will queue (gather->queued):
 *    it is never synced, and the queued IOVAs are invalidated by the flush
 *    queue's flush_iotlb_all on the domain.  Those unmaps are counted per
 *    domain, and each flush_iotlb_all takes the count gathered before it
 *    began: its unmaps per sync.
 */
#include <stdbool.h>
#include <asm/ptrace.h>

#include "iommu_flush.bpf.h"
#include "iommu_fallback.h"

/* Set by the library before load, per kind and program slot. */
/* Offset of the struct iommu_domain in the first argument (pt_iommu.domain) */
const volatile __u32 fb_dom_off[IFL_FB_NR_KINDS][IFL_FB_SLOTS];
/* Which argument of the unmap callback is the gather (4: unmap_pages, 3: unmap_range) */
const volatile __u32 fb_gather_arg[IFL_FB_SLOTS];

/* CO-RE flavour: only this file reads the flag (5.15+, hence the check). */
struct iommu_iotlb_gather___fb {
	_Bool queued;
} __ifl_core;

/*
 * A call in progress, from its entry to its exit: the entry time and, for
 * kretprobes (which do not see the arguments), the arguments.  Kept in a
 * stack per task (task-local storage: no hashing, freed with the task;
 * the idle tasks, which run the flush queue's timer in softirq, are one
 * per CPU): an interrupt that unmaps (NVMe completions do) while its task
 * is inside a callback runs on the same task, and its entry and exit nest
 * inside the task's, so each exit pops its own entry.
 */
struct fb_entry {
	__u64 kind;	/* checked at exit: an exit a kretprobe missed shifts the stack */
	__u64 t0;
	__u64 arg[IFL_FB_NARGS];
	__u64 pend_unmaps, pend_bytes;	/* flush_iotlb_all: queued before it began */
	__u64 fseq1;	/* flush_iotlb_all: 1 + the seq of the slots it covers, 0: none */
	__u64 dom;	/* flush_iotlb_all: its domain, where pend_* go back if its exit is lost */
};

#define FB_DEPTH 4	/* a task's callback, an interrupt's, a nested one's */
_Static_assert(IFL_POW2(FB_DEPTH), "FB_DEPTH is a power of two");

struct fb_stack {
	__u32 depth;	/* calls in progress, also those beyond FB_DEPTH */
	__u32 pad;
	struct fb_entry e[FB_DEPTH];
};

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct fb_stack);
} fb_stacks SEC(".maps");


/*
 * Per CPU: the domain of the last map/unmap callback, for the tracepoint
 * after it.  Not cleared by the tracepoint: when the kernel skips the
 * callback's program (a BPF program already running on this CPU, as when
 * an NVMe completion interrupts one: kprobes' bpf_prog_active, fentry's
 * per-program recursion guard), the tracepoint, which has its own guard,
 * still runs, and takes the domain and queued state of this CPU's
 * previous unmap, nearly always the same device's.
 */
struct fb_cpu {
	__u64 unmap_domain, unmap_queued, map_domain;
};


struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct fb_cpu);
} fb_cpus SEC(".maps");

static __always_inline struct fb_cpu *fb_cpu(void)
{
	__u32 k = 0;

	return bpf_map_lookup_elem(&fb_cpus, &k);
}

/* ------------------------------------------------------------------ */
/* Handlers: what an entry or an exit of each kind does.                */

/* Entry of any kind: push the time (and the arguments, for kretprobes). */
static __always_inline void fb_enter(__u32 kind, __u64 domain, const __u64 *arg)
{
	struct fb_stack *st;
	struct fb_entry *e;
	struct fb_pending *p;
	__u32 d;

	st = bpf_task_storage_get(&fb_stacks, bpf_get_current_task_btf(), 0,
				  BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!st)
		return;
	d = st->depth++;
	if (d >= FB_DEPTH)
		return;
	e = &st->e[d & (FB_DEPTH - 1)];
	e->kind = kind;
	e->t0 = bpf_ktime_get_ns();
	for (int i = 0; i < IFL_FB_NARGS; i++)
		e->arg[i] = arg ? arg[i] : 0;
	e->pend_unmaps = e->pend_bytes = e->fseq1 = 0;
	e->dom = domain;
	/*
	 * What is queued now is invalidated by this flush; what is queued
	 * while it runs waits for the next one.
	 */
	if (kind == IFL_FB_FLUSH_ALL && domain) {
		p = bpf_map_lookup_elem(&fb_pending, &domain);
		if (p) {
			e->pend_unmaps = __sync_lock_test_and_set(&p->unmaps, 0);
			e->pend_bytes = __sync_lock_test_and_set(&p->bytes, 0);
			e->fseq1 = __sync_fetch_and_add(&p->flushes, 1) + 1;
		}
	}
}

/*
 * Exit: pop the entry's record; false if it was not seen (attached
 * mid-call, the entry's program skipped, beyond FB_DEPTH) or the record
 * is another call's (an exit missed before): counted (fb_unpaired).  The
 * queued unmaps a flush-all's record took at its entry are not lost with
 * it: popped by another call's exit, they go back to the domain, for its
 * next flush-all.
 */
static __always_inline bool fb_leave(__u32 kind, struct fb_entry *out)
{
	struct fb_stack *st = bpf_task_storage_get(&fb_stacks, bpf_get_current_task_btf(), 0, 0);
	struct fb_pending *p;
	__u32 d;

	if (!st || !st->depth)
		goto unpaired;
	d = --st->depth;
	if (d >= FB_DEPTH)
		goto unpaired;
	*out = st->e[d & (FB_DEPTH - 1)];
	if (out->kind == kind)
		return true;
	if (out->kind == IFL_FB_FLUSH_ALL && out->pend_unmaps && out->dom) {
		p = bpf_map_lookup_elem(&fb_pending, &out->dom);
		if (p) {
			__sync_fetch_and_add(&p->unmaps, out->pend_unmaps);
			__sync_fetch_and_add(&p->bytes, out->pend_bytes);
		}
	}
unpaired:
	drop(IFL_DROP_FB_UNPAIRED);
	return false;
}

static __always_inline __u64 fb_elapsed(bool found, const struct fb_entry *e)
{
	return found ? bpf_ktime_get_ns() - e->t0 : 0;
}

static __always_inline void fb_sync(__u64 domain, __u64 gather, __u64 gstart, __u64 gend,
				    __u64 ns)
{
	on_sync(domain, gather, 0, ns, gstart, gend);
}

/*
 * A flush of the whole IOTLB; in lazy mode it covers the queued unmaps,
 * and ends the stale window of the IOVAs queued before it began (the
 * ring slots of seq fseq1 - 1 and older: the tracepoint source's ring,
 * with the flush-alls begun on the domain as seq).
 */
static __always_inline void fb_flush_all(__u64 domain, __u64 ns, __u64 unmaps, __u64 bytes,
					 __u64 fseq1)
{
	struct ifl_stats *s;
	struct fq_ring *r;

	on_flush_all(domain, 0, ns);
	s = stats_for(domain, 0);
	if (!s)
		return;
	if (fseq1) {
		r = bpf_map_lookup_elem(&fq_rings, &domain);
		if (r)
			fq_consume(r, s, fseq1 - 1, bpf_ktime_get_ns(), FQ_ACCT_NONE);
	}
	if (!unmaps)
		return;
	hist_add(s, IFL_H_UNMAPS_PER_SYNC, unmaps);
	hist_add(s, IFL_H_PAGES_PER_SYNC, bytes >> IFL_PAGE_SHIFT);
	s->count[IFL_C_FLUSHED_BYTES] += bytes;
}

/* The driver unmapped into gather; iommu:unmap follows on this CPU. */
static __always_inline void fb_unmap_done(__u64 domain, __u64 gather, __u64 queued)
{
	struct cpu_state *cs = cpu_state();
	struct fb_cpu *fc = fb_cpu();

	if (!cs || !fc)
		return;
	fc->unmap_domain = domain;
	fc->unmap_queued = queued;
	if (!queued && domain && gather)
		gather_begin(cs, domain, gather);
}

/* iommu:unmap (iova, size, unmapped_size): counted on its callback's domain. */
static __always_inline void fb_tp_unmap(__u64 unmapped)
{
	struct fb_cpu *fc = fb_cpu();
	struct fb_pending *p, z = {};
	struct ifl_stats *s;
	struct fq_ring *r;
	__u64 domain;

	if (!fc)
		return;
	domain = fc->unmap_domain;
	if (!fc->unmap_queued || !domain) {
		on_unmap(unmapped, domain, 0);
		return;
	}
	/* queued: no sync will cover it, the domain's next flush-all will */
	s = stats_for(domain, 0);
	if (!s)
		return;
	s->count[IFL_C_UNMAP]++;
	s->count[IFL_C_UNMAP_BYTES] += unmapped;
	s->count[IFL_C_UNMAP_UNSYNCED]++;
	hist_add(s, IFL_H_UNMAP_SIZE, unmapped);
	p = bpf_map_lookup_elem(&fb_pending, &domain);
	if (!p) {
		bpf_map_update_elem(&fb_pending, &domain, &z, BPF_NOEXIST);
		p = bpf_map_lookup_elem(&fb_pending, &domain);
	}
	if (!p)
		return;
	__sync_fetch_and_add(&p->unmaps, 1);
	__sync_fetch_and_add(&p->bytes, unmapped);
	/* its stale window: from now to the end of the next flush-all to begin */
	r = fq_ring_get(domain, 0);
	if (r) {
		fq_ring_push(r, p->flushes, unmapped);
	} else {
		drop(IFL_DROP_FQ_DOMAINS);
		s->count[IFL_C_STALE_UNMEASURED]++;
	}
}

static __always_inline void fb_map_done(__u64 domain)
{
	struct fb_cpu *fc = fb_cpu();

	if (fc)
		fc->map_domain = domain;
}

/* iommu:map (iova, paddr, size) */
static __always_inline void fb_tp_map(__u64 size)
{
	struct fb_cpu *fc = fb_cpu();
	__u64 domain = 0;

	if (fc)
		domain = fc->map_domain;
	on_map(size, domain, 0);
}

static __always_inline __u64 fb_gather_queued(__u64 gather)
{
	struct iommu_iotlb_gather___fb *g = (void *)gather;
	_Bool q = 0;

	/* fails for the fake pointers of host tests: not queued */
	if (!gather || !bpf_core_field_exists(g->queued) ||
	    bpf_core_read(&q, sizeof(q), &g->queued))
		return 0;
	return q;
}

static __always_inline void fb_gather_range(__u64 gather, __u64 *start, __u64 *end)
{
	struct iommu_iotlb_gather *g = (void *)gather;

	if (!gather || bpf_core_read(start, sizeof(*start), &g->start) ||
	    bpf_core_read(end, sizeof(*end), &g->end))
		*start = *end = 0;
}

/*
 * An exit of kind, with the call's arguments and return value.  The
 * domain is the first argument, at an offset for generic_pt's pt_iommu.
 */
static __always_inline void fb_exit(__u32 kind, __u32 slot, const __u64 *arg, __u64 ret,
				    bool found, const struct fb_entry *e)
{
	__u64 domain = arg[0] ? arg[0] + fb_dom_off[kind][slot & (IFL_FB_SLOTS - 1)] : 0;
	__u64 gather = 0, gs, ge;
	__u32 gi;

	switch (kind) {
	case IFL_FB_SYNC:
		fb_gather_range(arg[1], &gs, &ge);
		fb_sync(domain, arg[1], gs, ge, fb_elapsed(found, e));
		break;
	case IFL_FB_FLUSH_ALL:
		fb_flush_all(domain, fb_elapsed(found, e), found ? e->pend_unmaps : 0,
			     found ? e->pend_bytes : 0, found ? e->fseq1 : 0);
		break;
	case IFL_FB_SYNC_MAP:
		on_sync_map(domain, arg[2], (int)ret, 0, fb_elapsed(found, e));
		break;
	case IFL_FB_UNMAP:
		/* a compare, not a "%": 6.12's verifier cannot bound the latter */
		gi = fb_gather_arg[slot & (IFL_FB_SLOTS - 1)];
		if (gi < IFL_FB_NARGS)
			gather = arg[gi];
		fb_unmap_done(domain, gather, fb_gather_queued(gather));
		break;
	case IFL_FB_MAP:
		fb_map_done(domain);
		break;
	}
}

/* ------------------------------------------------------------------ */
/* fentry/fexit: arguments from the trampoline (bpf_get_func_arg).      */

static __always_inline void fb_args(void *ctx, __u64 *arg)
{
	for (__u32 i = 0; i < IFL_FB_NARGS; i++)
		if (bpf_get_func_arg(ctx, i, &arg[i]))
			arg[i] = 0;
}

static __always_inline void fb_fentry(void *ctx, __u32 kind, __u32 slot)
{
	__u64 a0 = 0;

	if (kind == IFL_FB_FLUSH_ALL && !bpf_get_func_arg(ctx, 0, &a0) && a0)
		a0 += fb_dom_off[kind][slot & (IFL_FB_SLOTS - 1)];
	fb_enter(kind, a0, NULL);
}

static __always_inline void fb_fexit(void *ctx, __u32 kind, __u32 slot)
{
	struct fb_entry e = {};
	__u64 arg[IFL_FB_NARGS], ret = 0;
	bool found = false;

	fb_args(ctx, arg);
	bpf_get_func_ret(ctx, &ret);
	/* unmap and map have no entry program: nothing to time */
	if (kind != IFL_FB_UNMAP && kind != IFL_FB_MAP)
		found = fb_leave(kind, &e);
	fb_exit(kind, slot, arg, ret, found, &e);
}

/* kprobe/kretprobe: the return sees no arguments; the entry keeps them. */
static __always_inline void fb_kprobe(struct pt_regs *ctx, __u32 kind, __u32 slot)
{
	__u64 arg[IFL_FB_NARGS] = {
		PT_REGS_PARM1(ctx), PT_REGS_PARM2(ctx), PT_REGS_PARM3(ctx),
		PT_REGS_PARM4(ctx), PT_REGS_PARM5(ctx),
	};
	__u64 dom = arg[0] ? arg[0] + fb_dom_off[kind][slot & (IFL_FB_SLOTS - 1)] : 0;

	fb_enter(kind, kind == IFL_FB_FLUSH_ALL ? dom : 0, arg);
}

static __always_inline void fb_kretprobe(struct pt_regs *ctx, __u32 kind, __u32 slot)
{
	struct fb_entry e = {};

	/* without its entry the arguments are unknown: nothing to count */
	if (!fb_leave(kind, &e))
		return;
	fb_exit(kind, slot, e.arg, PT_REGS_RC(ctx), true, &e);
}

#define FB_PROGS(kind, name, i)							\
SEC("fentry")									\
int fe_##name##i(void *ctx) { fb_fentry(ctx, kind, i); sample_stack(ctx); return 0; }		\
SEC("fexit")									\
int fx_##name##i(void *ctx) { fb_fexit(ctx, kind, i); sample_stack(ctx); return 0; }		\
SEC("kprobe")									\
int kp_##name##i(struct pt_regs *ctx) { fb_kprobe(ctx, kind, i); sample_stack(ctx); return 0; }	\
SEC("kretprobe")								\
int kr_##name##i(struct pt_regs *ctx) { fb_kretprobe(ctx, kind, i); sample_stack(ctx); return 0; }

#define FB_SLOT(i) IFL_FB_FOR_KINDS(FB_PROGS, i)

/* IFL_FB_SLOTS x IFL_FB_NR_KINDS x 4: fe_sync0 ... kr_map3 */
IFL_FB_FOR_SLOTS(FB_SLOT)

/* The unpatched iommu:map/unmap (the series' add arguments after these). */
SEC("raw_tp")
int fb_map(__u64 *ctx)
{
	fb_tp_map(ctx[2]);
	sample_stack(ctx);
	return 0;
}

SEC("raw_tp")
int fb_unmap(__u64 *ctx)
{
	fb_tp_unmap(ctx[2]);
	sample_stack(ctx);
	return 0;
}

/*
 * Not attached: the host tests replay entries and exits through it with
 * BPF_PROG_TEST_RUN (fentry and kprobes do not run there); ctx[0] is the
 * operation (enum ifl_fb_op), the handlers are the programs' own.
 */
SEC("raw_tp")
int fb_test(__u64 *ctx)
{
	__u64 arg[IFL_FB_NARGS] = { ctx[1], ctx[2], ctx[3] };
	struct fb_entry e = {};
	bool found;

	switch (ctx[0]) {
	case IFL_FB_OP_SYNC_ENTER:
		fb_enter(IFL_FB_SYNC, 0, NULL);
		break;
	case IFL_FB_OP_SYNC_EXIT:
		found = fb_leave(IFL_FB_SYNC, &e);
		fb_sync(ctx[1], ctx[2], ctx[3], ctx[4], fb_elapsed(found, &e));
		break;
	case IFL_FB_OP_FLUSH_ENTER:
		fb_enter(IFL_FB_FLUSH_ALL, ctx[1], NULL);
		break;
	case IFL_FB_OP_FLUSH_EXIT:
		found = fb_leave(IFL_FB_FLUSH_ALL, &e);
		fb_exit(IFL_FB_FLUSH_ALL, 0, arg, 0, found, &e);
		break;
	case IFL_FB_OP_SYNC_MAP_ENTER:
		fb_enter(IFL_FB_SYNC_MAP, 0, NULL);
		break;
	case IFL_FB_OP_SYNC_MAP_EXIT:
		found = fb_leave(IFL_FB_SYNC_MAP, &e);
		on_sync_map(ctx[1], ctx[2], (int)ctx[3], 0, fb_elapsed(found, &e));
		break;
	case IFL_FB_OP_UNMAP_EXIT:
		fb_unmap_done(ctx[1], ctx[2], ctx[3]);
		break;
	case IFL_FB_OP_MAP_EXIT:
		fb_map_done(ctx[1]);
		break;
	case IFL_FB_OP_TP_UNMAP:
		fb_tp_unmap(ctx[3]);
		break;
	case IFL_FB_OP_TP_MAP:
		fb_tp_map(ctx[3]);
		break;
	}
	return 0;
}
