/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the two BPF sources share: iommu_flush.bpf.c (the tracepoint
 * source's programs) and iommu_fallback.bpf.c (the fallback source's).
 * Each is compiled on its own; `bpftool gen object` links the two into
 * the one object the skeleton is generated from (Makefile), so both feed
 * the same maps through the same handlers (docs/design.md, "Collector").
 *
 * The maps and globals below are defined once, in iommu_flush.bpf.c,
 * which defines IFL_DEFINE_SHARED before including this file; the other
 * object declares them extern, with the same definition (the libbpf
 * linker resolves an extern map only against a definition that matches
 * it: type, key, value, size).  The handlers are static (__always_inline,
 * or bpf_loop callbacks), so each object has its own copy of their code;
 * the one function linked across is group_kset_addr() (below).
 */
#ifndef IOMMU_FLUSH_BPF_H
#define IOMMU_FLUSH_BPF_H

#include <stdbool.h>
#include <linux/types.h>
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

#include "iommu_kernel.h"
#include "iommu_flush.h"

#ifdef IFL_DEFINE_SHARED
#define __ifl_shared
#else
#define __ifl_shared extern
#endif

#define EEXIST 17

/* Every "& (N - 1)" below bounds an index for the verifier: N must be a power of two. */
#define IFL_POW2(n) ((n) > 0 && ((n) & ((n) - 1)) == 0)
_Static_assert(IFL_POW2(IFL_HIST_BUCKETS), "IFL_HIST_BUCKETS is a power of two");
_Static_assert(IFL_POW2(IFL_GROUP_DEVS), "IFL_GROUP_DEVS is a power of two");

/* Queue timestamps kept per flush-queue domain for the stale window. */
#define FQ_RING 1024
_Static_assert(IFL_POW2(FQ_RING), "FQ_RING is a power of two");

struct fq_slot {
	__u64 t;	/* bpf_ktime_get_ns() of the dma_fq_queue event */
	__u64 seq;	/* its seq: covered by the dma_fq_flush reporting it */
	__u64 bytes;	/* its pages times the IOVA granule */
	__u64 tag;	/* slot index + 1 once written: tells stale slots apart */
};

/*
 * A flush that found the ring locked by another CPU's flush hands its
 * share over in one of these (a combining lock): the holder consumes it,
 * in order of seq with its own, before it lets go of the lock, and looks
 * again after letting go (FQ_ROUNDS times at most); a request the holder
 * no longer saw waits for the next flush of the domain, its own time kept.
 */
#define FQ_REQS 4
#define FQ_ROUNDS 3
_Static_assert(IFL_POW2(FQ_REQS), "FQ_REQS is a power of two");

enum { FQ_REQ_FREE, FQ_REQ_CLAIMED, FQ_REQ_READY };

/*
 * What a flush counts of the entries it consumes (fq_account): nothing
 * (the fallback's flush-alls: their syncs count on their own), their pages
 * (series v1's dma_fq_flush, which carries its entries), or their pages
 * and how many they are (series v2's iommu_dma_fq_flush, which does not).
 */
enum { FQ_ACCT_NONE, FQ_ACCT_PAGES, FQ_ACCT_ENTRIES };

struct fq_req {
	__u64 state;	/* FQ_REQ_*: claimed by cmpxchg, then filled, then ready */
	__u64 seq;	/* consume up to this seq ... */
	__u64 now;	/* ... as the flush at this time */
	__u64 acct;	/* FQ_ACCT_*: what it counts */
};

struct fq_ring {
	__u64 head;		/* next slot to reserve (atomic) */
	__u64 tail;		/* next slot to consume (under lock) */
	__u64 lock;		/* consumer lock: 0 free, 1 held (cmpxchg) */
	__u64 granule;		/* IOVA granule of the domain */
	__u64 last_flush_ns;	/* time of the last flush */
	struct fq_req req[FQ_REQS];
	struct fq_slot slot[FQ_RING];
};

/*
 * What is pending in one gather (struct iommu_iotlb_gather *, on a kernel
 * stack) until its sync.  Entries are reset, not deleted, when the gather
 * is synced or queued: the same few stack addresses come back all the
 * time, and an insert and a delete per unmap would cost more than all the
 * rest of the handlers.
 */
struct gather_state {
	__u64 domain;
	__u64 active;	/* range-adds seen since the last sync or queueing */
	__u64 unmaps;
	__u64 bytes;	/* unmapped_size of the unmaps attributed to it */
};

/*
 * Per CPU: the gather the last range-add went into, the last unmap's, and
 * the unmaps of one domain that came without any gather ("loose": a driver
 * that does not gather, as virtio-iommu on 6.12, or generic_pt, which adds
 * no range to a gather dma-iommu will queue), until a sync or a queueing.
 */
struct cpu_state {
	__u64 cur_gather, cur_domain;
	__u64 last_gather, last_domain;
	__u64 loose_domain, loose_unmaps, loose_bytes;
	__u64 new_domain;	/* a domain first seen by this event: sample_stack() */
};

/* The size of the zeroes map inserts need: the values are larger than the stack. */
union zero_tpl {
	struct ifl_stats s;
	struct fq_ring r;
	struct ifl_domain_info d;
};

/* Sized by the library before load (ifl_opts.max_keys). */
__ifl_shared struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 256);
	__type(key, struct ifl_key);
	__type(value, struct ifl_stats);
} stats SEC(".maps");

__ifl_shared struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u64);
	__type(value, struct ifl_domain_info);
} domains SEC(".maps");

/* LRU: a gather that is never synced nor queued must not fill the map. */
__ifl_shared struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, __u64);
	__type(value, struct gather_state);
} gathers SEC(".maps");

__ifl_shared struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, __u64);
	__type(value, struct fq_ring);
} fq_rings SEC(".maps");

__ifl_shared struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct cpu_state);
} cpu_states SEC(".maps");

/*
 * The fallback's: unmaps dma-iommu queued on a domain since its last
 * flush_iotlb_all.  Shared because a domain's free (retire_domain(),
 * iommu_flush.bpf.c) deletes its entry, whichever source runs.
 */
struct fb_pending {
	__u64 unmaps, bytes;
	__u64 flushes;	/* flush-alls begun: the seq of the queued IOVAs' stale-window slots */
};

__ifl_shared struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u64);
	__type(value, struct fb_pending);
} fb_pending SEC(".maps");

__ifl_shared struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, IFL_NR_DROPS);
	__type(key, __u32);
	__type(value, __u64);
} drops SEC(".maps");

/*
 * Never written (nor by the library, which sees it in the skeleton): the
 * zeroes of map inserts whose value does not fit on the BPF stack.  Bytes,
 * not the union, so that the skeleton does not declare the map values'
 * types again.
 */
__ifl_shared char ifl_zero[sizeof(union zero_tpl)] __attribute__((aligned(8)));

/*
 * Where the pointer to iommu.c's kset of groups is read instead of
 * iommu_group_kset (iommu_flush.bpf.c), 0: there.  Only the host tests
 * set it (ifl_test_set_group_kset(), an unreadable address for a walk
 * that fails).
 */
__ifl_shared __u64 group_kset;

/*
 * The address of that pointer, 0 if unknown.  A global function of
 * iommu_flush.bpf.c, not an inline one: the libbpf linker cannot merge
 * the typeless __ksym it reads if both objects declare it.
 */
__u64 group_kset_addr(void);

static __always_inline void drop(__u32 what)
{
	__u64 *c = bpf_map_lookup_elem(&drops, &what);

	if (c)
		(*c)++;
}

static __always_inline void *zero_value(void)
{
	return ifl_zero;
}

static __always_inline struct cpu_state *cpu_state(void)
{
	__u32 k = 0;

	return bpf_map_lookup_elem(&cpu_states, &k);
}

static __always_inline void hist_add(struct ifl_stats *s, int h, __u64 v)
{
	__u32 b = ifl_bucket(v);

	s->hist[h][b & (IFL_HIST_BUCKETS - 1)]++;
}

/* The domain's type, owner and ops, read through CO-RE. */
static __always_inline void read_domain_info(__u64 domain, struct ifl_domain_info *di)
{
	struct iommu_domain *d = (void *)domain;
	const struct iommu_domain_ops *ops = NULL;
	unsigned long bitmap = 0;
	__u64 fn = 0;

	if (bpf_core_read(&di->type, sizeof(di->type), &d->type)) {
		di->flags |= IFL_DI_UNREADABLE;
		return;
	}
	if (bpf_core_field_exists(d->owner))
		bpf_core_read(&di->owner, sizeof(di->owner), &d->owner);
	bpf_core_read(&ops, sizeof(ops), &d->ops);
	di->ops = (__u64)ops;
	if (ops) {
		bpf_core_read(&fn, sizeof(fn), &ops->iotlb_sync);
		if (!fn)
			bpf_core_read(&fn, sizeof(fn), &ops->flush_iotlb_all);
		if (!fn)
			bpf_core_read(&fn, sizeof(fn), &ops->map_pages);
	}
	di->ops_fn = fn;
	bpf_core_read(&bitmap, sizeof(bitmap), &d->pgsize_bitmap);
	di->granule = bitmap & -bitmap;
}

/* The IOMMU groups: iommu.c's kset lists each group's kobject. */
static __always_inline struct iommu_group *group_of(struct list_head *entry)
{
	return (void *)entry - bpf_core_field_offset(struct kobject, entry) -
	       bpf_core_field_offset(struct iommu_group, kobj);
}

static __always_inline const char *group_device_name(struct list_head *dpos)
{
	struct group_device *gd = (void *)dpos - bpf_core_field_offset(struct group_device, list);

	return BPF_CORE_READ(gd, dev, kobj.name);
}

struct find_ctx {
	struct list_head *head, *pos;
	__u64 domain;
	struct ifl_domain_info *di;
};

static long find_group_cb(__u32 i, void *data)
{
	struct find_ctx *f = data;
	struct list_head *p = f->pos, *d;
	struct iommu_group *grp;

	if (!p || p == f->head)
		return 1;
	grp = group_of(p);
	if ((__u64)BPF_CORE_READ(grp, domain) == f->domain) {
		d = BPF_CORE_READ(grp, devices.next);
		if (d && d != &grp->devices)
			bpf_probe_read_kernel_str(f->di->dev, sizeof(f->di->dev), group_device_name(d));
		return 1;
	}
	f->pos = BPF_CORE_READ(p, next);
	return 0;
}

/*
 * The device of a domain, at first sight: the first device of the group
 * the domain is attached to.  No event of strict mode carries a device, and
 * a domain may be detached before the library looks (VFIO's, when its
 * container closes), so this is done here, once per domain.
 */
static __always_inline void find_group_device(__u64 domain, struct ifl_domain_info *di)
{
	struct find_ctx f = { .domain = domain, .di = di };
	__u64 addr = group_kset_addr();
	struct kset *kset = NULL;

	if (!addr || bpf_probe_read_kernel(&kset, sizeof(kset), (void *)addr) || !kset)
		return;
	f.head = &kset->list;
	f.pos = BPF_CORE_READ(kset, list.next);
	bpf_loop(IFL_MAX_GROUPS, find_group_cb, &f, 0);
}

/*
 * The cached facts of a domain, read on first sight.  Host tests insert
 * entries for fake domain pointers beforehand (those cannot be read).
 */
static __always_inline struct ifl_domain_info *domain_info(__u64 domain)
{
	struct ifl_domain_info *di, tmp = {};
	long err;

	if (!domain)
		return NULL;
	di = bpf_map_lookup_elem(&domains, &domain);
	if (di)
		return di;
	read_domain_info(domain, &tmp);
	err = bpf_map_update_elem(&domains, &domain, &tmp, BPF_NOEXIST);
	if (err && err != -EEXIST) {
		drop(IFL_DROP_DOMAINS);
		return NULL;
	}
	di = bpf_map_lookup_elem(&domains, &domain);
	if (di && !err && !(di->flags & IFL_DI_UNREADABLE)) {
		struct cpu_state *cs = cpu_state();

		find_group_device(domain, di);
		if (cs)
			cs->new_domain = domain;
	}
	return di;
}

/*
 * Called by every program once its handler is done: where the handler met
 * a domain for the first time, keep the kernel stack of this event, from
 * which the library names the domain's consumer (whoever called the IOMMU
 * API: dma-iommu, VFIO, iommufd, a driver's own domain), the same way on
 * every kernel and event source, with or without a caller in the event.
 * Once per domain; the handlers have no context to pass to bpf_get_stack(),
 * hence the per-CPU note.
 */
static __always_inline void sample_stack(void *ctx)
{
	struct cpu_state *cs = cpu_state();
	struct ifl_domain_info *di;
	__u64 domain;
	long n;

	if (!cs || !cs->new_domain)
		return;
	domain = cs->new_domain;
	cs->new_domain = 0;
	di = bpf_map_lookup_elem(&domains, &domain);
	if (!di)
		return;
	n = bpf_get_stack(ctx, di->stack, sizeof(di->stack), 0);
	di->nstack = n > 0 ? n / sizeof(__u64) : 0;
}

/*
 * This CPU's counters for (domain, caller).  A key that does not fit goes
 * to the overflow row, which the library creates before attaching, and is
 * counted: totals stay right, the attribution of those events is lost.
 */
static __always_inline struct ifl_stats *stats_for(__u64 domain, __u64 caller)
{
	struct ifl_key key = { .domain = domain, .caller = caller };
	struct ifl_stats *s;
	void *z;
	long err;

	s = bpf_map_lookup_elem(&stats, &key);
	if (s)
		return s;
	/* First event of this key: make sure the library can name the domain. */
	domain_info(domain);
	z = zero_value();
	if (z) {
		err = bpf_map_update_elem(&stats, &key, z, BPF_NOEXIST);
		if (!err || err == -EEXIST) {
			s = bpf_map_lookup_elem(&stats, &key);
			if (s)
				return s;
		}
	}
	drop(IFL_DROP_KEYS);
	key.domain = 0;
	key.caller = IFL_OVERFLOW_CALLER;
	return bpf_map_lookup_elem(&stats, &key);
}

/*
 * An enumerator of the series' enums (iommu_kernel.h) as the running
 * kernel numbers it.  Where its BTF has no such enum (a kernel without
 * the series: the host tests drive the raw_tp programs on any kernel),
 * the series' own value, which is the local declaration's.
 */
#define IFL_ENUM(type, name) \
	(bpf_core_enum_value_exists(enum type, name) ? bpf_core_enum_value(enum type, name) : name)

/* ------------------------------------------------------------------ */
/* The handlers, shared by each tp_btf program and its raw_tp twin.    */

static __always_inline void on_map(__u64 size, __u64 domain, __u64 caller)
{
	struct ifl_stats *s = stats_for(domain, caller);

	if (!s)
		return;
	s->count[IFL_C_MAP]++;
	s->count[IFL_C_MAP_BYTES] += size;
	hist_add(s, IFL_H_MAP_SIZE, size);
}

/* Loose unmaps that no sync will cover: count them as unsynced. */
static __always_inline void loose_unsynced(struct cpu_state *cs, struct ifl_stats *s)
{
	if (s)
		s->count[IFL_C_UNMAP_UNSYNCED] += cs->loose_unmaps;
	cs->loose_unmaps = 0;
	cs->loose_bytes = 0;
}

static __always_inline void on_unmap(__u64 unmapped, __u64 domain, __u64 caller)
{
	struct ifl_stats *s = stats_for(domain, caller);
	struct cpu_state *cs = cpu_state();
	struct gather_state *g = NULL;
	__u64 gather = 0;

	if (!s || !cs)
		return;
	s->count[IFL_C_UNMAP]++;
	s->count[IFL_C_UNMAP_BYTES] += unmapped;
	hist_add(s, IFL_H_UNMAP_SIZE, unmapped);
	/*
	 * The range-adds of this unmap came just before it on this CPU.  A
	 * driver that does not gather gets one range added by iommu.c for the
	 * first unmap into an empty gather only: further unmaps into the same
	 * gather go to the one this CPU's previous unmap went into.
	 */
	if (unmapped) {
		if (cs->cur_gather && cs->cur_domain == domain)
			gather = cs->cur_gather;
		else if (cs->last_gather && cs->last_domain == domain)
			gather = cs->last_gather;
	}
	cs->cur_gather = 0;
	if (gather)
		g = bpf_map_lookup_elem(&gathers, &gather);
	if (!g || g->domain != domain || !g->active) {
		if (!unmapped) {
			s->count[IFL_C_UNMAP_UNSYNCED]++;
			return;
		}
		if (cs->loose_domain != domain) {
			if (cs->loose_unmaps)
				loose_unsynced(cs, stats_for(cs->loose_domain, 0));
			cs->loose_domain = domain;
		}
		cs->loose_unmaps++;
		cs->loose_bytes += unmapped;
		return;
	}
	g->unmaps++;
	g->bytes += unmapped;
	cs->last_gather = gather;
	cs->last_domain = domain;
}

/*
 * A range went into this gather (or, for the fallback source, an unmap
 * did): it is pending until its sync, and the unmap event that follows on
 * this CPU belongs to it.
 */
static __always_inline void gather_begin(struct cpu_state *cs, __u64 domain, __u64 gather)
{
	struct gather_state *g = bpf_map_lookup_elem(&gathers, &gather);

	if (!g) {
		struct gather_state n = { .domain = domain, .active = 1 };

		bpf_map_update_elem(&gathers, &gather, &n, BPF_ANY);
	} else if (g->domain != domain || !g->active) {
		g->domain = domain;
		g->active = 1;
		g->unmaps = 0;
		g->bytes = 0;
	}
	cs->cur_gather = gather;
	cs->cur_domain = domain;
}

/* The loose unmaps one sync covered: their samples; returns their bytes. */
static __always_inline __u64 loose_synced(struct cpu_state *cs, struct ifl_stats *s)
{
	__u64 bytes = cs->loose_bytes;

	hist_add(s, IFL_H_UNMAPS_PER_SYNC, cs->loose_unmaps);
	hist_add(s, IFL_H_PAGES_PER_SYNC, bytes >> IFL_PAGE_SHIFT);
	cs->loose_unmaps = 0;
	cs->loose_bytes = 0;
	return bytes;
}

/* gstart..gend: the gather's range as the kernel has it, 0..0 if unknown */
static __always_inline void on_sync(__u64 domain, __u64 gather, __u64 caller,
				    __u64 ns, __u64 gstart, __u64 gend)
{
	struct ifl_stats *s = stats_for(domain, caller);
	struct cpu_state *cs = cpu_state();
	struct gather_state *g = NULL;
	__u64 bytes = 0;

	if (!s)
		return;
	s->count[IFL_C_SYNC]++;
	s->count[IFL_C_SYNC_NS] += ns;
	hist_add(s, IFL_H_SYNC_NS, ns);
	if (gather)
		g = bpf_map_lookup_elem(&gathers, &gather);
	if (g && g->domain == domain && g->active) {
		hist_add(s, IFL_H_UNMAPS_PER_SYNC, g->unmaps);
		hist_add(s, IFL_H_PAGES_PER_SYNC, g->bytes >> IFL_PAGE_SHIFT);
		bytes = g->bytes;
		g->active = 0;
	} else if (cs && cs->loose_unmaps && cs->loose_domain == domain) {
		/* a driver that does not gather: this CPU's unmaps since its last sync */
		bytes = loose_synced(cs, s);
	} else {
		s->count[IFL_C_SYNC_UNTRACKED]++;
	}
	/* What is invalidated is the gathered range, gaps included. */
	if (gend > gstart)
		bytes = gend - gstart + 1;
	s->count[IFL_C_FLUSHED_BYTES] += bytes;
	if (cs) {
		if (cs->last_gather == gather)
			cs->last_gather = 0;
		if (cs->cur_gather == gather)
			cs->cur_gather = 0;
	}
}

static __always_inline void on_flush_all(__u64 domain, __u64 caller, __u64 ns)
{
	struct ifl_stats *s = stats_for(domain, caller);

	if (!s)
		return;
	s->count[IFL_C_FLUSH_ALL]++;
	s->count[IFL_C_FLUSH_ALL_NS] += ns;
	hist_add(s, IFL_H_SYNC_NS, ns);
}

static __always_inline void on_sync_map(__u64 domain, __u64 size, int ret,
					__u64 caller, __u64 ns)
{
	struct ifl_stats *s = stats_for(domain, caller);

	if (!s)
		return;
	s->count[IFL_C_SYNC_MAP]++;
	s->count[IFL_C_SYNC_MAP_BYTES] += size;
	s->count[IFL_C_SYNC_MAP_NS] += ns;
	if (ret)
		s->count[IFL_C_SYNC_MAP_ERR]++;
}

/* The stale-window ring of a flush-queue domain, created on first use. */
static __always_inline struct fq_ring *fq_ring_get(__u64 domain, __u64 dev)
{
	struct ifl_domain_info *di;
	struct fq_ring *r;
	void *z;
	long err;

	r = bpf_map_lookup_elem(&fq_rings, &domain);
	if (r)
		return r;
	z = zero_value();
	if (!z)
		return NULL;
	err = bpf_map_update_elem(&fq_rings, &domain, z, BPF_NOEXIST);
	if (err && err != -EEXIST)
		return NULL;
	r = bpf_map_lookup_elem(&fq_rings, &domain);
	if (!r)
		return NULL;
	di = domain_info(domain);
	if (di) {
		r->granule = di->granule;
		/* Once per domain: the device, for the library's attribution. */
		if (!di->dev[0] && dev) {
			const char *name = BPF_CORE_READ((struct device *)dev, kobj.name);

			bpf_probe_read_kernel_str(di->dev, sizeof(di->dev), name);
		}
	}
	return r;
}

/*
 * Memory ordering of what one CPU hands another through a ring: a slot's
 * fields are written before its tag, and read after it.  The queueing CPU
 * stores the tag last with release semantics, the flushing CPU loads it
 * first with acquire semantics, so a slot whose tag it sees has its
 * fields.  x86 is TSO (no store passes an older store, no load an older
 * load): a compiler barrier is all it needs.  arm64 reorders both, and
 * the BPF instruction set of clang 14 has no load-acquire/store-release
 * (kernel 6.15 and clang 21 add them): there the helpers use the BPF
 * atomics, which every JIT makes fully ordered (arm64: swpal, ldaddal, or
 * ll/sc with dmb ish).  The request slots and the ring's lock below use
 * those atomics already: cmpxchg to claim or lock, xchg to publish or
 * unlock, fetch-and-add of 0 to read a request's state.
 */
#if defined(__TARGET_ARCH_x86)
static __always_inline void ifl_store_release(__u64 *p, __u64 v)
{
	asm volatile("" ::: "memory");
	*(volatile __u64 *)p = v;
}

static __always_inline __u64 ifl_load_acquire(__u64 *p)
{
	__u64 v = *(volatile __u64 *)p;

	asm volatile("" ::: "memory");
	return v;
}
#else
static __always_inline void ifl_store_release(__u64 *p, __u64 v)
{
	__sync_lock_test_and_set(p, v);
}

static __always_inline __u64 ifl_load_acquire(__u64 *p)
{
	return __sync_fetch_and_add(p, 0);
}
#endif

/* A queued IOVA's time, for the flush with this seq (and the bytes it frees). */
static __always_inline void fq_ring_push(struct fq_ring *r, __u64 seq, __u64 bytes)
{
	__u64 idx = __sync_fetch_and_add(&r->head, 1);
	struct fq_slot *sl = &r->slot[idx & (FQ_RING - 1)];

	sl->t = bpf_ktime_get_ns();
	sl->seq = seq;
	sl->bytes = bytes;
	ifl_store_release(&sl->tag, idx + 1);	/* published: the fields first */
}

/*
 * A range of pages IOVA granules queued on the flush queue of domain (dev:
 * its device, 0 if the event has none): its bytes, and its time in the
 * domain's ring for the flush that will release it.
 */
static __always_inline void fq_queued(struct ifl_stats *s, __u64 domain, __u64 dev,
				      __u64 pages, __u64 seq)
{
	struct fq_ring *r = fq_ring_get(domain, dev);
	__u64 bytes;

	if (!r) {
		drop(IFL_DROP_FQ_DOMAINS);
		s->count[IFL_C_FQ_QUEUE_BYTES] += pages << IFL_PAGE_SHIFT;
		s->count[IFL_C_STALE_UNMEASURED]++;
		return;
	}
	bytes = pages * (r->granule ? r->granule : 1 << IFL_PAGE_SHIFT);
	s->count[IFL_C_FQ_QUEUE_BYTES] += bytes;
	fq_ring_push(r, seq, bytes);
}

/* A flush-queue flush, by reason (v1's and v2's enums number alike). */
static __always_inline void fq_flushed(struct ifl_stats *s, __u64 reason)
{
	s->count[IFL_C_FQ_FLUSH]++;
	if (reason == IFL_ENUM(iommu_dma_fq_flush_reason, IOMMU_DMA_FQ_FLUSH_TIMER))
		s->count[IFL_C_FQ_FLUSH_TIMER]++;
	else if (reason == IFL_ENUM(iommu_dma_fq_flush_reason, IOMMU_DMA_FQ_FLUSH_FULL))
		s->count[IFL_C_FQ_FLUSH_FULL]++;
	else
		s->count[IFL_C_FQ_FLUSH_OTHER]++;
}

struct fq_consume_ctx {
	struct fq_ring *r;
	struct ifl_stats *s;
	__u64 seq, now, p, h;
	__u64 bytes;	/* of the entries consumed */
	__u64 n;	/* entries consumed */
};

static long fq_consume_one(__u32 i, void *data)
{
	struct fq_consume_ctx *c = data;
	struct fq_ring *r = c->r;
	struct fq_slot *sl;
	__u64 tag, end;

	if (c->p >= c->h)
		return 1;
	sl = &r->slot[c->p & (FQ_RING - 1)];
	tag = ifl_load_acquire(&sl->tag);	/* then its fields */
	if (tag == c->p + 1) {
		if (sl->seq > c->seq)
			return 1;	/* queued for a later flush */
		end = sl->seq == c->seq ? c->now : r->last_flush_ns;
		hist_add(c->s, IFL_H_STALE_NS, end > sl->t ? end - sl->t : 0);
		c->bytes += sl->bytes;
		c->n++;
	} else if (tag > c->p + 1) {
		/* overwritten by an entry one lap later: lost */
		c->s->count[IFL_C_STALE_UNMEASURED]++;
	} else {
		return 1;	/* reserved, not written yet */
	}
	c->p++;
	return 0;
}

/*
 * What a flush covered (acct, FQ_ACCT_*): a sample of pages per sync and
 * the bytes; of unmaps per sync and the entries, where the event has none.
 * A global function of iommu_flush.bpf.c, verified once on its own: the
 * histogram updates inlined into the nested loops of fq_consume() made the
 * flush programs' paths longer than the verifier follows.
 */
int fq_account(struct ifl_stats *s, __u64 acct, __u64 bytes, __u64 n);

/*
 * Under the lock: consume the ring up to the first entry queued for a
 * later flush, as the flush of seq at time now.  An entry with an older
 * seq (written late, or left by a flush that could not hand it over) was
 * covered by the previous flush.  bpf_loop: a plain loop with a histogram
 * update in its body is too complex for the verifier.  What the entries
 * consumed count goes to s as acct says.
 */
static __always_inline void fq_consume_locked(struct fq_ring *r, struct ifl_stats *s,
					     __u64 seq, __u64 now, __u64 acct)
{
	struct fq_consume_ctx c = { .r = r, .s = s, .seq = seq, .now = now };

	c.p = r->tail;
	c.h = r->head;
	bpf_loop(FQ_RING, fq_consume_one, &c, 0);
	r->tail = c.p;
	r->last_flush_ns = now;
	fq_account(s, acct, c.bytes, c.n);
}

/* The ready request of lowest seq, or -1 (plain reads: a hint, confirmed by the taker). */
static __always_inline int fq_req_next(struct fq_ring *r)
{
	__u64 best_seq = ~0ULL;
	int best = -1;

	for (int i = 0; i < FQ_REQS; i++)
		if (r->req[i].state == FQ_REQ_READY && r->req[i].seq < best_seq) {
			best_seq = r->req[i].seq;
			best = i;
		}
	return best;
}

struct fq_drain_ctx {
	struct fq_ring *r;
	struct ifl_stats *s;
	__u64 seq, now, acct;
	__u64 own;	/* this flush's own share is still to consume */
};

/*
 * One step under the lock: the lowest seq of the requests and our own;
 * our own at the last step at the latest, however many requests come.
 */
static long fq_drain_one(__u32 i, void *data)
{
	struct fq_drain_ctx *d = data;
	struct fq_ring *r = d->r;
	struct fq_req *q;
	int k = fq_req_next(r);

	if (k < 0 || (d->own && (i == FQ_REQS || r->req[k & (FQ_REQS - 1)].seq > d->seq))) {
		if (!d->own)
			return 1;
		fq_consume_locked(r, d->s, d->seq, d->now, d->acct);
		d->own = 0;
		return 0;
	}
	q = &r->req[k & (FQ_REQS - 1)];
	/* a full barrier before reading what its flush wrote */
	if (__sync_fetch_and_add(&q->state, 0) != FQ_REQ_READY)
		return 0;
	fq_consume_locked(r, d->s, q->seq, q->now, q->acct);
	__sync_lock_test_and_set(&q->state, FQ_REQ_FREE);
	return 0;
}

/* Hand this flush's share to the lock's holder; false if no slot was free. */
static __always_inline bool fq_req_post(struct fq_ring *r, __u64 seq, __u64 now, __u64 acct)
{
	for (int i = 0; i < FQ_REQS; i++) {
		struct fq_req *q = &r->req[i];

		if (__sync_val_compare_and_swap(&q->state, FQ_REQ_FREE, FQ_REQ_CLAIMED) != FQ_REQ_FREE)
			continue;
		q->seq = seq;
		q->now = now;
		q->acct = acct;
		__sync_lock_test_and_set(&q->state, FQ_REQ_READY);
		return true;
	}
	return false;
}

/*
 * A flush of seq at time now ends the stale window of the entries queued
 * for it, and counts of them what acct (FQ_ACCT_*) says.  Whoever holds
 * the ring's lock consumes for every flush waiting on it; a flush that
 * finds the lock held and no free request slot is counted (fq_locked),
 * and its entries are left for a later flush.
 */
static __always_inline void fq_consume(struct fq_ring *r, struct ifl_stats *s,
				       __u64 seq, __u64 now, __u64 acct)
{
	struct fq_drain_ctx d = { .r = r, .s = s, .seq = seq, .now = now, .acct = acct, .own = 1 };

	if (__sync_val_compare_and_swap(&r->lock, 0, 1) != 0) {
		if (!fq_req_post(r, seq, now, acct)) {
			drop(IFL_DROP_FQ_LOCKED);
			return;
		}
		d.own = 0;
		/* the holder may have let go before our request was ready */
		if (__sync_val_compare_and_swap(&r->lock, 0, 1) != 0)
			return;
	}
	for (int round = 0; round < FQ_ROUNDS; round++) {
		bpf_loop(FQ_REQS + 1, fq_drain_one, &d, 0);
		__sync_lock_test_and_set(&r->lock, 0);
		/*
		 * A request posted after our last look: ours to take, or the
		 * new holder's; after FQ_ROUNDS, the next flush's.
		 */
		if (round == FQ_ROUNDS - 1 || fq_req_next(r) < 0 ||
		    __sync_val_compare_and_swap(&r->lock, 0, 1) != 0)
			return;
	}
}

#endif
