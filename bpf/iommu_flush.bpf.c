// SPDX-License-Identifier: GPL-2.0
/*
 * The tracepoint event source's programs, and the definitions of the maps
 * and globals both BPF sources share (iommu_flush.bpf.h; the fallback
 * source's programs are in iommu_fallback.bpf.c, linked with these into
 * one object).
 *
 * In-kernel aggregation of the IOMMU flush events (kernel-patches/: iommu:map,
 * unmap, iotlb_gather_add, iotlb_sync, flush_iotlb_all, sync_map,
 * dma_fq_queue, dma_fq_flush) into per-CPU maps keyed by (domain, caller).
 * Nothing is sent to userspace per event: the collector library
 * (tools/lib/) reads and merges the maps when it takes a snapshot.
 *
 * Every event has two programs, a tp_btf one and a raw_tp twin, that hand
 * the same arguments to one __always_inline handler; the collector loads
 * one of each pair (bpf_program__set_autoload).  Why both:
 *  - tp_btf is the default: the verifier knows the type of every argument
 *    from the btf_trace_<event> typedef, so pointer arguments are followed
 *    with plain, verifier-checked loads (gather->start below) instead of
 *    bpf_probe_read_kernel() calls, and a program written against another
 *    prototype is refused at load time instead of reading garbage;
 *  - raw_tp needs nothing but the tracepoint: it works where tp_btf attach
 *    is refused (a kernel whose BTF lacks the typedefs, or that does not
 *    allow tp_btf), and it is what BPF_PROG_TEST_RUN can drive, so the host
 *    unit tests run the raw_tp twins with crafted argument arrays.
 *
 * How the figures are computed (docs/design.md, "Collector", says why):
 *  - unmaps per sync: per gather.  On each CPU an unmap is attributed to
 *    the gather of the range-adds that preceded it (the driver adds the
 *    range, then iommu.c emits unmap); the gather's pending count is
 *    recorded and reset by the iotlb_sync of that gather.  A gather that
 *    dma-iommu queues instead of syncing is reset at its dma_fq_queue.
 *    Unmaps with no gather at all are counted per CPU and domain up to the
 *    next sync of that domain on that CPU (drivers that do not gather).  For
 *    flush-queue flushes, the count is dma_fq_flush's own "entries", and
 *    the pages those of the entries the flush covered (from the ring below).
 *  - stale window: per queued IOVA, t(dma_fq_flush seq c) - t(dma_fq_queue
 *    seq c), through a bounded per-domain ring of queue timestamps that each
 *    flush consumes up to the first entry queued for a later flush.
 */
#include <asm/ptrace.h>

#define IFL_DEFINE_SHARED	/* this object defines what iommu_flush.bpf.h shares */
#include "iommu_flush.bpf.h"

char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, IFL_MAX_GROUPS);
	__type(key, __u32);
	__type(value, struct ifl_group_rec);
} groups SEC(".maps");

/* Number of records walk_groups left in "groups". */
__u32 groups_found;

/*
 * iommu.c's "static struct kset *iommu_group_kset".  Typeless, because
 * vmlinux BTF has no VAR for a static variable (pahole encodes per-CPU
 * ones only), so libbpf resolves it from /proc/kallsyms at load: it needs
 * CONFIG_KALLSYMS_ALL, which Debian enables.  Weak: 0 where it is absent,
 * and devices are then known in lazy mode only (from dma_fq_queue).
 */
extern const void iommu_group_kset __ksym __weak;

__noinline __u64 group_kset_addr(void)
{
	return group_kset ? group_kset : (__u64)&iommu_group_kset;
}

/* Declared in iommu_flush.bpf.h, which says why it is global. */
__noinline int fq_account(struct ifl_stats *s, __u64 acct, __u64 bytes, __u64 n)
{
	if (!s || acct == FQ_ACCT_NONE)
		return 0;
	hist_add(s, IFL_H_PAGES_PER_SYNC, bytes >> IFL_PAGE_SHIFT);
	s->count[IFL_C_FLUSHED_BYTES] += bytes;
	if (acct == FQ_ACCT_ENTRIES) {
		hist_add(s, IFL_H_UNMAPS_PER_SYNC, n);
		s->count[IFL_C_FQ_FLUSH_ENTRIES] += n;
	}
	return 0;
}


static __always_inline void on_gather_add(__u64 domain, __u64 gather, __u64 forced)
{
	struct ifl_stats *s = stats_for(domain, 0);
	struct cpu_state *cs = cpu_state();

	if (!s || !cs)
		return;
	s->count[IFL_C_RANGE_ADD]++;
	if (forced == IFL_ENUM(iommu_iotlb_gather_forced, IOMMU_IOTLB_GATHER_FORCED_DISJOINT))
		s->count[IFL_C_FORCED_DISJOINT]++;
	else if (forced == IFL_ENUM(iommu_iotlb_gather_forced, IOMMU_IOTLB_GATHER_FORCED_PGSIZE))
		s->count[IFL_C_FORCED_PGSIZE]++;
	/* domain is NULL for dirty-tracking records: no sync follows those */
	if (!domain || !gather)
		return;
	gather_begin(cs, domain, gather);
}

static __always_inline void on_fq_queue(__u64 domain, __u64 dev, __u64 pages, __u64 seq)
{
	struct ifl_stats *s = stats_for(domain, 0);
	struct cpu_state *cs = cpu_state();

	if (!s)
		return;
	s->count[IFL_C_FQ_QUEUE]++;
	/*
	 * The gather of the unmap just done was queued: no sync will come.
	 * (Drivers on generic_pt add no range to a queued gather at all: those
	 * unmaps were counted unsynced already.)
	 */
	if (cs && cs->last_gather && cs->last_domain == domain) {
		struct gather_state *g = bpf_map_lookup_elem(&gathers, &cs->last_gather);

		if (g && g->domain == domain && g->active) {
			s->count[IFL_C_UNMAP_UNSYNCED] += g->unmaps;
			g->active = 0;
		}
		cs->last_gather = 0;
	}
	if (cs && cs->loose_unmaps && cs->loose_domain == domain)
		loose_unsynced(cs, s);
	fq_queued(s, domain, dev, pages, seq);
}

static __always_inline void on_fq_flush(__u64 domain, __u64 reason, __u64 seq,
					__u64 entries, __u64 ns)
{
	struct ifl_stats *s = stats_for(domain, 0);
	__u64 now = bpf_ktime_get_ns();
	struct fq_ring *r;

	if (!s)
		return;
	fq_flushed(s, reason);
	s->count[IFL_C_FQ_FLUSH_ENTRIES] += entries;
	s->count[IFL_C_FQ_FLUSH_NS] += ns;
	hist_add(s, IFL_H_UNMAPS_PER_SYNC, entries);
	r = bpf_map_lookup_elem(&fq_rings, &domain);
	if (r)
		fq_consume(r, s, seq, now, FQ_ACCT_PAGES);
	else
		fq_account(s, FQ_ACCT_PAGES, 0, 0);	/* nothing queued was seen */
}

/* ------------------------------------------------------------------ */
/* The programs: tp_btf, then its raw_tp twin, per event.               */

/* map(iova, paddr, size, domain, caller) */
SEC("tp_btf/map")
int BPF_PROG(tp_map, unsigned long iova, __u64 paddr, unsigned long size,
	     struct iommu_domain *domain, unsigned long caller)
{
	on_map(size, (__u64)domain, caller);
	sample_stack(ctx);
	return 0;
}

SEC("raw_tp/map")
int BPF_PROG(raw_map, unsigned long iova, __u64 paddr, unsigned long size,
	     __u64 domain, unsigned long caller)
{
	on_map(size, domain, caller);
	sample_stack(ctx);
	return 0;
}

/* unmap(iova, size, unmapped_size, domain, caller) */
SEC("tp_btf/unmap")
int BPF_PROG(tp_unmap, unsigned long iova, unsigned long size, unsigned long unmapped,
	     struct iommu_domain *domain, unsigned long caller)
{
	on_unmap(unmapped, (__u64)domain, caller);
	sample_stack(ctx);
	return 0;
}

SEC("raw_tp/unmap")
int BPF_PROG(raw_unmap, unsigned long iova, unsigned long size, unsigned long unmapped,
	     __u64 domain, unsigned long caller)
{
	on_unmap(unmapped, domain, caller);
	sample_stack(ctx);
	return 0;
}

/* iotlb_gather_add(domain, gather, iova, size, pgsize, forced) */
SEC("tp_btf/iotlb_gather_add")
int BPF_PROG(tp_gather_add, struct iommu_domain *domain, struct iommu_iotlb_gather *gather,
	     unsigned long iova, unsigned long size, unsigned long pgsize, unsigned int forced)
{
	on_gather_add((__u64)domain, (__u64)gather, forced);
	sample_stack(ctx);
	return 0;
}

SEC("raw_tp/iotlb_gather_add")
int BPF_PROG(raw_gather_add, __u64 domain, __u64 gather, unsigned long iova,
	     unsigned long size, unsigned long pgsize, unsigned int forced)
{
	on_gather_add(domain, gather, forced);
	sample_stack(ctx);
	return 0;
}

/* iotlb_sync(domain, gather, caller, duration_ns) */
SEC("tp_btf/iotlb_sync")
int BPF_PROG(tp_sync, struct iommu_domain *domain, struct iommu_iotlb_gather *gather,
	     unsigned long caller, __u64 ns)
{
	/* typed pointer: plain loads, checked by the verifier */
	on_sync((__u64)domain, (__u64)gather, caller, ns, gather->start, gather->end);
	sample_stack(ctx);
	return 0;
}

SEC("raw_tp/iotlb_sync")
int BPF_PROG(raw_sync, __u64 domain, __u64 gather, unsigned long caller, __u64 ns)
{
	struct iommu_iotlb_gather *g = (void *)gather;
	unsigned long start = 0, end = 0;

	/* fails for the fake pointers of the host tests: 0..0, range unknown */
	if (bpf_core_read(&start, sizeof(start), &g->start) ||
	    bpf_core_read(&end, sizeof(end), &g->end))
		start = end = 0;
	on_sync(domain, gather, caller, ns, start, end);
	sample_stack(ctx);
	return 0;
}

/* flush_iotlb_all(domain, caller, duration_ns) */
SEC("tp_btf/flush_iotlb_all")
int BPF_PROG(tp_flush_all, struct iommu_domain *domain, unsigned long caller, __u64 ns)
{
	on_flush_all((__u64)domain, caller, ns);
	sample_stack(ctx);
	return 0;
}

SEC("raw_tp/flush_iotlb_all")
int BPF_PROG(raw_flush_all, __u64 domain, unsigned long caller, __u64 ns)
{
	on_flush_all(domain, caller, ns);
	sample_stack(ctx);
	return 0;
}

/* sync_map(domain, iova, size, ret, caller, duration_ns) */
SEC("tp_btf/sync_map")
int BPF_PROG(tp_sync_map, struct iommu_domain *domain, unsigned long iova,
	     unsigned long size, int ret, unsigned long caller, __u64 ns)
{
	on_sync_map((__u64)domain, size, ret, caller, ns);
	sample_stack(ctx);
	return 0;
}

SEC("raw_tp/sync_map")
int BPF_PROG(raw_sync_map, __u64 domain, unsigned long iova, unsigned long size,
	     int ret, unsigned long caller, __u64 ns)
{
	on_sync_map(domain, size, ret, caller, ns);
	sample_stack(ctx);
	return 0;
}

/* dma_fq_queue(domain, dev, iova, pages, seq) */
SEC("tp_btf/dma_fq_queue")
int BPF_PROG(tp_fq_queue, struct iommu_domain *domain, struct device *dev,
	     __u64 iova, unsigned long pages, __u64 seq)
{
	on_fq_queue((__u64)domain, (__u64)dev, pages, seq);
	sample_stack(ctx);
	return 0;
}

SEC("raw_tp/dma_fq_queue")
int BPF_PROG(raw_fq_queue, __u64 domain, __u64 dev, __u64 iova, unsigned long pages,
	     __u64 seq)
{
	on_fq_queue(domain, dev, pages, seq);
	sample_stack(ctx);
	return 0;
}

/* dma_fq_flush(domain, reason, seq, entries, duration_ns) */
SEC("tp_btf/dma_fq_flush")
int BPF_PROG(tp_fq_flush, struct iommu_domain *domain, unsigned int reason, __u64 seq,
	     unsigned int entries, __u64 ns)
{
	on_fq_flush((__u64)domain, reason, seq, entries, ns);
	sample_stack(ctx);
	return 0;
}

SEC("raw_tp/dma_fq_flush")
int BPF_PROG(raw_fq_flush, __u64 domain, unsigned int reason, __u64 seq,
	     unsigned int entries, __u64 ns)
{
	on_fq_flush(domain, reason, seq, entries, ns);
	sample_stack(ctx);
	return 0;
}

/* ------------------------------------------------------------------ */
/*
 * Not attached anywhere: run by the library with BPF_PROG_TEST_RUN when a
 * snapshot meets new domains.  Records every IOMMU group's current domain
 * and devices, so a domain gets all its devices' names (find_group_device()
 * above keeps the first one, from the domain's first event).  The list is
 * read without its lock: a group added or removed during the walk can be
 * missed or cut short, never followed out of bounds (every read is a probe
 * read, every loop bounded).
 */
struct walk_ctx {
	struct list_head *head, *pos;
	__u32 n;
};

/* One group: its id, current domain and first devices. */
static long walk_one_group(__u32 i, void *data)
{
	struct walk_ctx *w = data;
	struct list_head *dhead, *dpos;
	struct ifl_group_rec *rec;
	struct iommu_group *grp;
	__u32 k = i;
	int j;

	if (!w->pos || w->pos == w->head)
		return 1;
	rec = bpf_map_lookup_elem(&groups, &k);
	if (!rec)
		return 1;
	grp = group_of(w->pos);
	rec->domain = (__u64)BPF_CORE_READ(grp, domain);
	rec->id = BPF_CORE_READ(grp, id);
	rec->ndev = 0;
	dhead = &grp->devices;
	dpos = BPF_CORE_READ(grp, devices.next);
	for (j = 0; j < 16; j++) {
		if (!dpos || dpos == dhead)
			break;
		if (j < IFL_GROUP_DEVS)
			bpf_probe_read_kernel_str(rec->dev[j & (IFL_GROUP_DEVS - 1)],
						  IFL_DEV_NAME_LEN, group_device_name(dpos));
		rec->ndev++;
		dpos = BPF_CORE_READ(dpos, next);
	}
	w->n++;
	dpos = w->pos;	/* not w->pos inside BPF_CORE_READ: walk_ctx is ours */
	w->pos = BPF_CORE_READ(dpos, next);
	return 0;
}

SEC("raw_tp")
int walk_groups(__u64 *ctx)
{
	__u64 addr = group_kset_addr();
	struct kset *kset = NULL;
	struct walk_ctx w = {};

	groups_found = 0;
	if (!addr)
		return 0;	/* no iommu_group_kset in kallsyms: no groups to name */
	if (bpf_probe_read_kernel(&kset, sizeof(kset), (void *)addr) || !kset)
		return 1;
	w.head = &kset->list;
	w.pos = BPF_CORE_READ(kset, list.next);
	bpf_loop(IFL_MAX_GROUPS, walk_one_group, &w, 0);
	groups_found = w.n;
	return 0;
}

/* ------------------------------------------------------------------ */
/*
 * A domain's end: iommu_domain_free(), the one exit of every domain
 * (dma-iommu's default domains, VFIO's, iommufd's, a driver's own).  Its
 * rows and facts move from its address to a retired key of their own
 * (IFL_RETIRED_BASE + retire_seq, include/iommu_flush.h), where the
 * library reads them once, folds them into its rows of freed domains and
 * deletes them; its stale-window ring and the fallback's pending queue go.
 * So the maps stay bounded however many domains come and go, and a domain
 * allocated later at the same address starts afresh: its own facts, its
 * own first stack, its own consumer (docs/collector.md, "Domains that come
 * and go").  Hooked at the exit (fexit, or a kretprobe with the address
 * kept at the entry): events the free itself causes are retired too.
 *
 * Moving costs a walk of the statistics map and a copy of each moved
 * row's per-CPU values: a slow path, once per domain.
 */
#define RETIRE_KEYS 32	/* rows (callers) of one domain moved; more stay */
_Static_assert(IFL_POW2(RETIRE_KEYS), "RETIRE_KEYS is a power of two");

/* Possible CPUs, set by the library before load: the per-CPU copy's bound. */
const volatile __u32 ifl_ncpus = 1;

__u64 retire_seq;	/* retired keys handed out */

struct retire_ctx {
	__u64 domain;
	__u32 n;
	__u32 more;	/* rows beyond RETIRE_KEYS: left where they are */
	__u64 callers[RETIRE_KEYS];
};

static long retire_find(void *map, struct ifl_key *key, struct ifl_stats *val,
			struct retire_ctx *r)
{
	if (key->domain != r->domain)
		return 0;
	if (r->n >= RETIRE_KEYS) {
		r->more = 1;
		return 1;
	}
	r->callers[r->n & (RETIRE_KEYS - 1)] = key->caller;
	r->n++;
	return 0;
}

struct retire_copy {
	struct ifl_key from, to;
};

/* One CPU's values of a row, onto its retired key. */
static long retire_copy_cpu(__u32 cpu, struct retire_copy *x)
{
	__u64 *src = bpf_map_lookup_percpu_elem(&stats, &x->from, cpu);
	__u64 *dst = bpf_map_lookup_percpu_elem(&stats, &x->to, cpu);

	if (!src || !dst)
		return 1;
	for (int i = 0; i < (int)(sizeof(struct ifl_stats) / sizeof(__u64)); i++)
		dst[i] = src[i];
	return 0;
}

struct retire_move {
	struct retire_ctx *r;
	__u64 key;
};

/* Row i of the domain, onto the retired key. */
static long retire_move_row(__u32 i, struct retire_move *m)
{
	struct retire_copy x;

	x.from.domain = m->r->domain;
	x.from.caller = m->r->callers[i & (RETIRE_KEYS - 1)];
	x.to.domain = m->key;
	x.to.caller = x.from.caller;
	if (bpf_map_update_elem(&stats, &x.to, zero_value(), BPF_NOEXIST)) {
		drop(IFL_DROP_KEYS);	/* no room: the row stays on the address */
		return 0;
	}
	bpf_loop(ifl_ncpus, retire_copy_cpu, &x, 0);
	bpf_map_delete_elem(&stats, &x.from);
	return 0;
}

static __noinline int retire_domain(__u64 domain)
{
	struct retire_ctx r = { .domain = domain };
	struct retire_move m = { .r = &r };
	struct ifl_domain_info *di, *rd;

	if (!domain)
		return 0;
	bpf_map_delete_elem(&fq_rings, &domain);
	bpf_map_delete_elem(&fb_pending, &domain);
	di = bpf_map_lookup_elem(&domains, &domain);
	if (!di)
		return 0;	/* no event ever named it: no row to move */
	m.key = IFL_RETIRED_BASE + __sync_fetch_and_add(&retire_seq, 1);
	bpf_for_each_map_elem(&stats, retire_find, &r, 0);
	bpf_loop(r.n, retire_move_row, &m, 0);
	/*
	 * The facts last: the library reads a retired row only once its facts
	 * are there, so it never folds a row still being copied.
	 */
	if (bpf_map_update_elem(&domains, &m.key, zero_value(), BPF_NOEXIST))
		return 0;
	rd = bpf_map_lookup_elem(&domains, &m.key);
	di = bpf_map_lookup_elem(&domains, &domain);
	if (rd && di) {
		*rd = *di;
		rd->flags |= IFL_DI_RETIRED;
		rd->freed_ptr = domain;
	}
	bpf_map_delete_elem(&domains, &domain);
	return 0;
}

SEC("fexit/iommu_domain_free")
int BPF_PROG(fx_domain_free, struct iommu_domain *domain)
{
	retire_domain((__u64)domain);
	return 0;
}

/* The kprobe pair: the return has no arguments, the entry keeps it per task. */
struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, __u64);
} free_stash SEC(".maps");

SEC("kprobe/iommu_domain_free")
int BPF_KPROBE(kp_domain_free, struct iommu_domain *domain)
{
	__u64 *st = bpf_task_storage_get(&free_stash, bpf_get_current_task_btf(), 0,
					 BPF_LOCAL_STORAGE_GET_F_CREATE);

	if (st) {
		if (*st)	/* a return missed: retire that one now */
			retire_domain(*st);
		*st = (__u64)domain;
	}
	return 0;
}

SEC("kretprobe/iommu_domain_free")
int BPF_KRETPROBE(kr_domain_free)
{
	__u64 *st = bpf_task_storage_get(&free_stash, bpf_get_current_task_btf(), 0, 0);

	if (st && *st) {
		retire_domain(*st);
		*st = 0;
	}
	return 0;
}

/* Not attached: the host tests free fake domains through it (ctx[0]). */
SEC("raw_tp")
int domain_free_test(__u64 *ctx)
{
	retire_domain(ctx[0]);
	return 0;
}
