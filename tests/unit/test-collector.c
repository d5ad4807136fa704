// SPDX-License-Identifier: GPL-2.0
/*
 * The BPF programs and the library together, on any kernel: the raw_tp
 * twins are loaded (not attached) and driven with BPF_PROG_TEST_RUN, the
 * arguments being crafted sequences of the series' events; the assertions
 * are on the library's snapshots.  Domains, gathers and devices are fake
 * pointers in the user half of the address space, which the programs'
 * probe reads reliably fail on; the domain cache is seeded for them, and
 * kallsyms is tests/unit/fake-kallsyms.
 */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <json-c/json.h>

#include "collector.h"
#include "testing.h"
#include "top_frame.h"
#include "top_json.h"
#include "top_text.h"
#include "check.h"

#define KSYMS "tests/unit/fake-kallsyms"

/* fake kernel objects */
#define D_INTEL 0xdead1000ULL	/* intel-iommu, DMA, 0000:00:04.0 */
#define D_VIRTIO 0xdead2000ULL	/* virtio-iommu, DMA-FQ, 0000:00:05.0 */
#define D_VFIO 0xdead3000ULL	/* intel-iommu, unmanaged (VFIO) */
#define DEV 0xdeed0000ULL
#define G(n) (0x5a000000ULL + (n) * 0x100)

/* callers, inside functions of tests/unit/fake-kallsyms */
#define C_DMA_UNMAP 0xffffffff81100014ULL	/* __iommu_dma_unmap */
#define C_DMA_MAP 0xffffffff81100420ULL		/* __iommu_dma_map */
#define C_FQ 0xffffffff81101010ULL		/* fq_flush_iotlb */
#define C_VFIO 0xffffffff81200010ULL		/* vfio_unmap_unpin */
#define C_PT 0xffffffff81400410ULL		/* __iommu_pt_unmap_range (driver-internal) */

#define OWNER_INTEL 0xffffffff82000000ULL
#define OWNER_VIRTIO 0xffffffff82001000ULL

static struct ifl_collector *c;
/* the second CPU of the cross-CPU checks (0 on a single-CPU machine) */
static int cpu_b = 1;

static void ev(enum ifl_event e, int cpu, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3,
	       uint64_t a4, uint64_t a5)
{
	uint64_t args[6] = { a0, a1, a2, a3, a4, a5 };

	if (ifl_test_run(c, e, args, 6, cpu))
		printf("# %s\n", ifl_errmsg(c));
}

/* the events, with the prototypes of the series */
static void map(int cpu, uint64_t d, uint64_t caller, uint64_t size)
{ ev(IFL_EV_MAP, cpu, 0x100000, 0x2000000, size, d, caller, 0); }
static void unmap(int cpu, uint64_t d, uint64_t caller, uint64_t size)
{ ev(IFL_EV_UNMAP, cpu, 0x100000, size, size, d, caller, 0); }
static void add(int cpu, uint64_t d, uint64_t g, uint64_t size, uint64_t forced)
{ ev(IFL_EV_GATHER_ADD, cpu, d, g, 0x100000, size, 0, forced); }
static void sync_(int cpu, uint64_t d, uint64_t g, uint64_t caller, uint64_t ns)
{ ev(IFL_EV_SYNC, cpu, d, g, caller, ns, 0, 0); }
static void flush_all(int cpu, uint64_t d, uint64_t caller, uint64_t ns)
{ ev(IFL_EV_FLUSH_ALL, cpu, d, caller, ns, 0, 0, 0); }
static void sync_map(int cpu, uint64_t d, uint64_t caller, uint64_t size, int ret, uint64_t ns)
{ ev(IFL_EV_SYNC_MAP, cpu, d, 0x100000, size, (uint64_t)(int64_t)ret, caller, ns); }
static void fq_queue(int cpu, uint64_t d, uint64_t pages, uint64_t seq)
{ ev(IFL_EV_FQ_QUEUE, cpu, d, DEV, 0x100000, pages, seq, 0); }
static void fq_flush(int cpu, uint64_t d, uint64_t reason, uint64_t seq, uint64_t entries, uint64_t ns)
{ ev(IFL_EV_FQ_FLUSH, cpu, d, reason, seq, entries, ns, 0); }

/* series v2's prototypes (bpf/iommu_flush_v2.bpf.c): no caller, no duration */
enum { R_EXPLICIT, R_GATHER, R_NOGAPS, R_FREED };	/* enum iommu_iotlb_sync_reason */
static void map2(int cpu, uint64_t d, uint64_t size)
{ ev(IFL_EV_MAP, cpu, 0x100000, 0x2000000, size, d, 0, 0); }
static void unmap2(int cpu, uint64_t d, uint64_t size)
{ ev(IFL_EV_UNMAP, cpu, 0x100000, size, size, d, 0, 0); }
static void sync2(int cpu, uint64_t d, uint64_t g, uint64_t reason)
{ ev(IFL_EV_SYNC, cpu, d, g, reason, 0, 0, 0); }
static void flush_all2(int cpu, uint64_t d)
{ ev(IFL_EV_FLUSH_ALL, cpu, d, 0, 0, 0, 0, 0); }
static void sync_map2(int cpu, uint64_t d, uint64_t size)
{ ev(IFL_EV_SYNC_MAP, cpu, d, 0x100000, size, 0, 0, 0); }
static void fq_queue2(int cpu, uint64_t d, uint64_t pages, uint64_t seq)
{ ev(IFL_EV_FQ_QUEUE, cpu, d, 0x100000, pages, seq, 0, 0); }
static void fq_flush2(int cpu, uint64_t d, uint64_t reason, uint64_t seq)
{ ev(IFL_EV_FQ_FLUSH, cpu, d, reason, seq, 0, 0, 0); }

static void seed(uint64_t d, uint32_t type, uint64_t owner, const char *dev)
{
	struct ifl_domain_info di = { .type = type, .owner = owner, .granule = 4096 };

	snprintf(di.dev, sizeof(di.dev), "%s", dev);
	if (ifl_test_set_domain(c, d, &di))
		printf("# %s\n", ifl_errmsg(c));
}

static struct ifl_collector *open_source(const char *source, unsigned int max_keys)
{
	struct ifl_opts o = {
		.mode = IFL_PROG_RAW_TP, .no_attach = true, .skip_env_checks = true,
		.kallsyms = KSYMS, .max_keys = max_keys, .source = source, .verbose = getenv("IFL_VERBOSE") != NULL,
	};
	struct ifl_collector *col = NULL;
	char err[256];

	if (ifl_open(&o, &col, err, sizeof(err))) {
		printf("not ok opening the collector: %s\n", err);
		exit(1);
	}
	return col;
}

static struct ifl_collector *open_collector(unsigned int max_keys)
{
	return open_source(NULL, max_keys);
}

static struct ifl_snapshot *snap(void)
{
	struct ifl_snapshot *s = NULL;

	if (ifl_snapshot_take(c, &s)) {
		printf("not ok snapshot: %s\n", ifl_errmsg(c));
		exit(1);
	}
	return s;
}

/* The row of a domain (by driver/type/device, since numbers are the library's) and caller. */
static const struct ifl_row *row(const struct ifl_snapshot *s, const char *type,
				 const char *device, const char *caller)
{
	for (size_t i = 0; i < s->nrows; i++)
		if (!strcmp(s->rows[i].domain_type, type) && !strcmp(s->rows[i].device, device) &&
		    !strcmp(s->rows[i].caller, caller))
			return &s->rows[i];
	return NULL;
}

static uint64_t cnt(const struct ifl_row *r, enum ifl_count k)
{
	return r ? r->count[k] : ~0ULL;
}

static uint64_t bkt(const struct ifl_row *r, enum ifl_hist h, unsigned int b)
{
	return r ? r->hist[h][b] : ~0ULL;
}

/* iommu-flushtop's header line i and JSON frame of now - before. */
static void top_output(const struct ifl_snapshot *now, const struct ifl_snapshot *before, int i,
		       char *line, size_t len, struct json_object **json)
{
	struct ifl_sysinfo si = { .kernel = "7.2.0", .machine = "x86_64" };
	struct ifl_top_frame f;
	struct ifl_top_state st = { .si = &si, .info = ifl_info(c), .interval = 1, .frame = 1, .since = &f };
	char *text = NULL;
	size_t tlen = 0;
	FILE *mf;

	line[0] = '\0';
	*json = NULL;
	if (ifl_top_frame_build(now, before, NULL, IFL_TG_CONSUMER, IFL_F_UNMAPS, &f))
		return;
	ifl_top_header_line(&f, &st, i, line, len);
	mf = open_memstream(&text, &tlen);
	if (mf && ifl_top_json_write(mf, &f, &st) == 0) {
		fclose(mf);
		*json = json_tokener_parse(text);
	} else if (mf) {
		fclose(mf);
	}
	free(text);
	ifl_top_frame_free(&f);
}

static uint64_t json_drop(struct json_object *o, const char *name)
{
	struct json_object *d, *v;

	if (!o || !json_object_object_get_ex(o, "drops", &d) || !json_object_object_get_ex(d, name, &v))
		return ~0ULL;
	return json_object_get_uint64(v);
}

/*
 * Two flushes of one domain at once: the second finds the stale-window
 * ring locked by the first (here: by the test, through the library's test
 * hook, as long as it likes), hands its share over, and the holder
 * consumes it before its own, at the second flush's time; with every
 * request slot taken, the flush is counted (drops fq_locked), never lost
 * silently, and iommu-flushtop shows it.
 */
static void test_contention(void)
{
	struct ifl_snapshot *s0, *s1, *s2, *s3;
	const struct ifl_row *rg;
	struct json_object *j;
	char line[512];
	uint64_t t0, t1, t2, t3;

	c = open_collector(64);
	seed(D_VIRTIO, IFL_DOMAIN_PAGING | IFL_DOMAIN_DMA_API | IFL_DOMAIN_DMA_FQ, OWNER_VIRTIO,
	     "0000:00:05.0");
	s0 = snap();
	t0 = ifl_now_ns();
	fq_queue(0, D_VIRTIO, 16, 1);
	fq_queue(cpu_b, D_VIRTIO, 16, 1);
	if (ifl_test_fq_lock(c, D_VIRTIO, true))
		printf("# %s\n", ifl_errmsg(c));
	fq_flush(cpu_b, D_VIRTIO, 0, 1, 2, 1000);	/* the ring is locked: handed over */
	t1 = ifl_now_ns();
	s1 = snap();
	rg = row(s1, "DMA-FQ", "0000:00:05.0", "-");
	CHECK(rg && cnt(rg, IFL_C_FQ_FLUSH) == 1 && ifl_hist_total(rg->hist[IFL_H_PAGES_PER_SYNC]) == 0 &&
	      ifl_hist_total(rg->hist[IFL_H_STALE_NS]) == 0 && s1->drops[IFL_DROP_FQ_LOCKED] == 0,
	      "contention: a flush that finds the ring locked hands its 2 entries over (not consumed yet, "
	      "not dropped: %llu)", (unsigned long long)s1->drops[IFL_DROP_FQ_LOCKED]);
	usleep(20000);
	t2 = ifl_now_ns();
	fq_queue(0, D_VIRTIO, 16, 2);
	if (ifl_test_fq_lock(c, D_VIRTIO, false))
		printf("# %s\n", ifl_errmsg(c));
	fq_flush(0, D_VIRTIO, 0, 2, 1, 1000);	/* takes the lock: flush 1's share, then its own */
	t3 = ifl_now_ns();
	s2 = snap();
	rg = row(s2, "DMA-FQ", "0000:00:05.0", "-");
	{
		/* flush 1's entries within t1 - t0, flush 2's within t3 - t2 */
		unsigned int b1 = ifl_bucket(t1 - t0), b2 = ifl_bucket(t3 - t2), hi = b1 > b2 ? b1 : b2, in = 0;

		for (unsigned int b = 1; rg && b <= hi; b++)
			in += (unsigned int)rg->hist[IFL_H_STALE_NS][b];
		CHECK(rg && ifl_hist_total(rg->hist[IFL_H_STALE_NS]) == 3 && in == 3 &&
		      cnt(rg, IFL_C_STALE_UNMEASURED) == 0,
		      "contention: the holder measured flush 1's 2 entries at flush 1's time (within %llu ns, "
		      "not 0, not the 20 ms later of flush 2), and its own 1 entry (%u of 3 in buckets 1..%u)",
		      (unsigned long long)(t1 - t0), in, hi);
	}
	CHECK(rg && bkt(rg, IFL_H_PAGES_PER_SYNC, ifl_bucket(32)) == 1 &&
	      bkt(rg, IFL_H_PAGES_PER_SYNC, ifl_bucket(16)) == 1 &&
	      ifl_hist_total(rg->hist[IFL_H_PAGES_PER_SYNC]) == 2 &&
	      cnt(rg, IFL_C_FLUSHED_BYTES) == 3 * 16 * 4096 && s2->drops[IFL_DROP_FQ_LOCKED] == 0,
	      "contention: pages per flush 32 for flush 1 (handed over) and 16 for flush 2, all 48 pages flushed (%llu B)",
	      (unsigned long long)cnt(rg, IFL_C_FLUSHED_BYTES));

	/* the lock held through 5 flushes: 4 request slots, the fifth is counted */
	if (ifl_test_fq_lock(c, D_VIRTIO, true))
		printf("# %s\n", ifl_errmsg(c));
	for (uint64_t q = 3; q <= 7; q++) {
		fq_queue(0, D_VIRTIO, 16, q);
		fq_flush(q & 1 ? cpu_b : 0, D_VIRTIO, 0, q, 1, 1000);
	}
	if (ifl_test_fq_lock(c, D_VIRTIO, false))
		printf("# %s\n", ifl_errmsg(c));
	fq_queue(0, D_VIRTIO, 16, 8);
	fq_flush(0, D_VIRTIO, 0, 8, 1, 1000);
	s3 = snap();
	rg = row(s3, "DMA-FQ", "0000:00:05.0", "-");
	CHECK(s3->drops[IFL_DROP_FQ_LOCKED] == 1 && rg && cnt(rg, IFL_C_FQ_FLUSH) == 8 &&
	      ifl_hist_total(rg->hist[IFL_H_PAGES_PER_SYNC]) == 2 + 5 &&
	      ifl_hist_total(rg->hist[IFL_H_STALE_NS]) == 3 + 6 && cnt(rg, IFL_C_STALE_UNMEASURED) == 0 &&
	      cnt(rg, IFL_C_FLUSHED_BYTES) == 9 * 16 * 4096,
	      "contention: of 5 flushes on a locked ring 4 handed over, 1 counted as locked out (%llu); "
	      "its entry measured by flush 8 (%llu stale samples, %llu pages-per-flush samples)",
	      (unsigned long long)s3->drops[IFL_DROP_FQ_LOCKED],
	      (unsigned long long)(rg ? ifl_hist_total(rg->hist[IFL_H_STALE_NS]) : 0),
	      (unsigned long long)(rg ? ifl_hist_total(rg->hist[IFL_H_PAGES_PER_SYNC]) : 0));

	top_output(s3, s2, 2, line, sizeof(line), &j);
	CHECK(strstr(line, "unmeasured: locked-out flushes 1,") && json_drop(j, "fq_locked") == 1 &&
	      json_drop(j, "fb_unpaired") == 0 && json_drop(j, "group_walks") == 0,
	      "iommu-flushtop shows it: header \"%s\", JSON drops.fq_locked %llu", line,
	      (unsigned long long)json_drop(j, "fq_locked"));
	json_object_put(j);
	top_output(s2, s1, 2, line, sizeof(line), &j);
	CHECK(!strstr(line, "unmeasured") && json_drop(j, "fq_locked") == 0,
	      "and nothing in an interval without: \"%s\"", line);
	json_object_put(j);

	/* a walk of the IOMMU groups that fails is counted too */
	ifl_snapshot_free(s1);
	ifl_test_set_group_kset(c, 0x1000);	/* unreadable */
	seed(D_INTEL, IFL_DOMAIN_PAGING | IFL_DOMAIN_DMA_API, OWNER_INTEL, "0000:00:04.0");
	map(0, D_INTEL, C_DMA_MAP, 4096);	/* a new domain: the snapshot walks the groups */
	s1 = snap();
	top_output(s1, s3, 2, line, sizeof(line), &j);
	CHECK(s1->drops[IFL_DROP_GROUP_WALKS] >= 1 && strstr(line, "group walks 1") &&
	      json_drop(j, "group_walks") == 1,
	      "a failed walk of the IOMMU groups: drops group_walks %llu, header \"%s\"",
	      (unsigned long long)s1->drops[IFL_DROP_GROUP_WALKS], line);
	json_object_put(j);

	ifl_snapshot_free(s0);
	ifl_snapshot_free(s1);
	ifl_snapshot_free(s2);
	ifl_snapshot_free(s3);
	ifl_close(c);
	c = NULL;
}

/* The name of a loaded program, "" if none. */
static const char *prog_name(int fd)
{
	static struct bpf_prog_info info;
	__u32 len = sizeof(info);

	memset(&info, 0, sizeof(info));
	if (fd < 0 || bpf_obj_get_info_by_fd(fd, &info, &len))
		return "";
	return info.name;
}

/*
 * Series v2's programs (source "tracepoints-v2"): the same figures from
 * events without range-adds, callers or durations.  Every unmap goes the
 * per-CPU way to its domain's next sync or queueing on that CPU; a flush
 * counts the entries it consumes from the ring; the sync's reason gives
 * forced and freed syncs.
 */
static void test_v2(void)
{
	struct ifl_snapshot *s;
	const struct ifl_row *ri, *rv, *rq;

	c = open_source("tracepoints-v2", 64);
	CHECK(!strcmp(ifl_info(c)->source, "tracepoints") && strstr(ifl_info(c)->source_desc, "v2") &&
	      !ifl_info(c)->callers && ifl_info(c)->consumers && ifl_test_prog_fd(c, IFL_EV_GATHER_ADD) < 0 &&
	      !strcmp(prog_name(ifl_test_prog_fd(c, IFL_EV_SYNC)), "raw2_sync"),
	      "v2: \"tracepoints-v2\" loads the v2 raw_tp twins (%s: %s; sync: %s), no range-add program, no callers",
	      ifl_info(c)->source, ifl_info(c)->source_desc, prog_name(ifl_test_prog_fd(c, IFL_EV_SYNC)));
	seed(D_INTEL, IFL_DOMAIN_PAGING | IFL_DOMAIN_DMA_API, OWNER_INTEL, "0000:00:04.0");
	seed(D_VIRTIO, IFL_DOMAIN_PAGING | IFL_DOMAIN_DMA_API | IFL_DOMAIN_DMA_FQ, OWNER_VIRTIO,
	     "0000:00:05.0");
	seed(D_VFIO, IFL_DOMAIN_PAGING, OWNER_INTEL, "");

	/* strict dma-iommu: map, unmap, sync, 4 times; a sync-map each */
	for (int i = 0; i < 4; i++) {
		map2(0, D_INTEL, 65536);
		sync_map2(0, D_INTEL, 65536);
		unmap2(0, D_INTEL, 65536);
		sync2(0, D_INTEL, G(1), R_EXPLICIT);
	}
	/* VFIO: 8 unmaps into one gather, then its sync */
	for (int i = 0; i < 8; i++)
		unmap2(cpu_b, D_VFIO, 4096);
	sync2(cpu_b, D_VFIO, G(2), R_EXPLICIT);
	/* a sync forced within the first unmap (nothing before it), one after 2 unmaps */
	sync2(cpu_b, D_VFIO, G(2), R_GATHER);
	unmap2(cpu_b, D_VFIO, 4096);
	unmap2(cpu_b, D_VFIO, 4096);
	sync2(cpu_b, D_VFIO, G(2), R_NOGAPS);
	unmap2(cpu_b, D_VFIO, 4096);
	sync2(cpu_b, D_VFIO, G(2), R_EXPLICIT);
	/* a map that freed page-table levels; a sync of nothing seen; a flush-all */
	map2(cpu_b, D_VFIO, 2 << 20);
	sync2(cpu_b, D_VFIO, G(3), R_FREED);
	sync2(cpu_b, D_VFIO, G(3), R_EXPLICIT);
	flush_all2(cpu_b, D_VFIO);

	/* lazy: 3 unmaps queued for flush 1, one for flush 3; flushes 1, 2, 3 */
	for (int i = 0; i < 3; i++) {
		unmap2(0, D_VIRTIO, 65536);
		fq_queue2(0, D_VIRTIO, 16, 1);
	}
	unmap2(0, D_VIRTIO, 65536);
	fq_queue2(0, D_VIRTIO, 16, 3);
	fq_flush2(cpu_b, D_VIRTIO, 0, 1);	/* timer */
	fq_flush2(cpu_b, D_VIRTIO, 1, 2);	/* full: nothing of its own */
	fq_flush2(cpu_b, D_VIRTIO, 0, 3);

	s = snap();
	ri = row(s, "DMA", "0000:00:04.0", "-");
	CHECK(ri && !strcmp(ri->consumer, "dma-iommu") && cnt(ri, IFL_C_MAP) == 4 && cnt(ri, IFL_C_UNMAP) == 4 &&
	      cnt(ri, IFL_C_SYNC) == 4 && cnt(ri, IFL_C_SYNC_MAP) == 4 && cnt(ri, IFL_C_SYNC_MAP_BYTES) == 4 * 65536 &&
	      cnt(ri, IFL_C_UNMAP_UNSYNCED) == 0 && cnt(ri, IFL_C_SYNC_UNTRACKED) == 0 &&
	      bkt(ri, IFL_H_UNMAPS_PER_SYNC, 1) == 4 && bkt(ri, IFL_H_PAGES_PER_SYNC, ifl_bucket(16)) == 4 &&
	      cnt(ri, IFL_C_FLUSHED_BYTES) == 4 * 65536,
	      "v2 strict: each of 4 syncs covered its 1 unmap of 16 pages, no caller, consumer %s",
	      ri ? ri->consumer : "?");
	rv = row(s, "unmanaged", "-", "-");
	CHECK(rv && cnt(rv, IFL_C_UNMAP) == 11 && cnt(rv, IFL_C_SYNC) == 6 && bkt(rv, IFL_H_UNMAPS_PER_SYNC, ifl_bucket(8)) == 1 &&
	      bkt(rv, IFL_H_UNMAPS_PER_SYNC, ifl_bucket(2)) == 1 + 0 && bkt(rv, IFL_H_UNMAPS_PER_SYNC, 1) == 1 &&
	      bkt(rv, IFL_H_UNMAPS_PER_SYNC, 0) == 1 && ifl_hist_total(rv->hist[IFL_H_UNMAPS_PER_SYNC]) == 4,
	      "v2 VFIO: 8 unmaps under one sync, 2 under a forced one, 1, and 0 under a sync forced within the first");
	CHECK(rv && cnt(rv, IFL_C_SYNC_FORCED) == 2 && cnt(rv, IFL_C_SYNC_FREED) == 1 &&
	      cnt(rv, IFL_C_SYNC_UNTRACKED) == 1 && cnt(rv, IFL_C_FLUSH_ALL) == 1 && cnt(rv, IFL_C_UNMAP_UNSYNCED) == 0,
	      "v2 reasons: 2 forced syncs (gather, nogaps), 1 after a map that freed tables (not untracked), "
	      "1 untracked (%llu, %llu, %llu)", (unsigned long long)cnt(rv, IFL_C_SYNC_FORCED),
	      (unsigned long long)cnt(rv, IFL_C_SYNC_FREED), (unsigned long long)cnt(rv, IFL_C_SYNC_UNTRACKED));
	rq = row(s, "DMA-FQ", "0000:00:05.0", "-");
	CHECK(rq && cnt(rq, IFL_C_UNMAP) == 4 && cnt(rq, IFL_C_UNMAP_UNSYNCED) == 4 && cnt(rq, IFL_C_FQ_QUEUE) == 4 &&
	      cnt(rq, IFL_C_FQ_FLUSH) == 3 && cnt(rq, IFL_C_FQ_FLUSH_TIMER) == 2 && cnt(rq, IFL_C_FQ_FLUSH_FULL) == 1 &&
	      cnt(rq, IFL_C_FQ_FLUSH_ENTRIES) == 4 && bkt(rq, IFL_H_UNMAPS_PER_SYNC, ifl_bucket(3)) == 1 &&
	      bkt(rq, IFL_H_UNMAPS_PER_SYNC, 0) == 1 && bkt(rq, IFL_H_UNMAPS_PER_SYNC, 1) == 1 &&
	      ifl_hist_total(rq->hist[IFL_H_STALE_NS]) == 4 && cnt(rq, IFL_C_FLUSHED_BYTES) == 4 * 16 * 4096 &&
	      cnt(rq, IFL_C_SYNC) == 0,
	      "v2 lazy: 4 unmaps queued, not synced; flushes release 3, 0 and 1 entries from the ring "
	      "(entries %llu), 4 stale windows, all 64 pages flushed",
	      (unsigned long long)cnt(rq, IFL_C_FQ_FLUSH_ENTRIES));
	CHECK(ifl_count_available(s, IFL_C_SYNC_FORCED) && ifl_count_available(s, IFL_C_FQ_FLUSH_ENTRIES) &&
	      !ifl_count_available(s, IFL_C_RANGE_ADD) && !ifl_count_available(s, IFL_C_SYNC_NS) &&
	      !ifl_count_available(s, IFL_C_FQ_FLUSH_NS) && !ifl_count_available(s, IFL_C_FORCED_DISJOINT) &&
	      !ifl_hist_available(s, IFL_H_SYNC_NS) && ifl_hist_available(s, IFL_H_STALE_NS),
	      "v2: range-adds and durations reported unmeasured, forced syncs and flush entries measured");
	ifl_snapshot_free(s);
	ifl_close(c);

	c = open_source("tracepoints-v1", 64);
	CHECK(!strstr(ifl_info(c)->source_desc, "v2") && !strcmp(prog_name(ifl_test_prog_fd(c, IFL_EV_SYNC)), "raw_sync"),
	      "\"tracepoints-v1\" loads v1's programs (%s)", ifl_info(c)->source_desc);
	ifl_close(c);
	c = NULL;
	CHECK(ifl_source_known("tracepoints-v2") && ifl_source_known("tracepoints-v1") &&
	      !ifl_source_known("tracepoints-v3") && !ifl_source_known("tracepoints-") &&
	      !ifl_source_known("fallback-v1"),
	      "source names: tracepoints-v1 and -v2 known, -v3, a bare dash and fallback-v1 not");
}

/* The row of freed domains of a driver and device, NULL if none. */
static const struct ifl_row *freed_row(const struct ifl_snapshot *s, const char *driver,
				       const char *device, const char *caller)
{
	for (size_t i = 0; i < s->nrows; i++)
		if (s->rows[i].domain == IFL_DOMAIN_FREED && !strcmp(s->rows[i].driver, driver) &&
		    !strcmp(s->rows[i].device, device) && !strcmp(s->rows[i].caller, caller))
			return &s->rows[i];
	return NULL;
}

static void free_domain(uint64_t d, int cpu)
{
	if (ifl_test_free_domain(c, d, cpu))
		printf("# %s\n", ifl_errmsg(c));
}

/*
 * Domains that come and go (bpf/iommu_flush.bpf.c, retire_domain()): a
 * freed domain's rows leave its address, so that a domain allocated at the
 * same address by another consumer counts on its own, and the maps, and
 * the library's rows, stay bounded however many domains come and go.
 */
static void test_churn(void)
{
	struct ifl_snapshot *s1, *s2, *s3, *d;
	const struct ifl_row *rf, *rl, *rd;
	uint64_t maps = 0, unmaps = 0;
	long stats_max = 0, doms_max = 0;
	size_t rows_max = 0;

	/* v1: callers name the consumers */
	c = open_source("tracepoints-v1", 64);
	seed(D_VFIO, IFL_DOMAIN_PAGING, OWNER_INTEL, "0000:00:06.0");
	for (int i = 0; i < 3; i++)
		map(0, D_VFIO, C_VFIO, 4096);
	add(0, D_VFIO, G(7), 4096, 0);
	unmap(0, D_VFIO, C_VFIO, 4096);
	sync_(0, D_VFIO, G(7), C_VFIO, 500);
	s1 = snap();
	map(cpu_b, D_VFIO, C_VFIO, 4096);	/* on the other CPU: its share is moved too */
	free_domain(D_VFIO, 0);
	/* another consumer's domain at the same address: dma-iommu under virtio-iommu */
	seed(D_VFIO, IFL_DOMAIN_PAGING | IFL_DOMAIN_DMA_API, OWNER_VIRTIO, "0000:00:07.0");
	for (int i = 0; i < 5; i++)
		map(0, D_VFIO, C_DMA_MAP, 8192);
	s2 = snap();
	rf = freed_row(s2, "intel-iommu", "0000:00:06.0", "vfio_unmap_unpin");
	rl = row(s2, "DMA", "0000:00:07.0", "__iommu_dma_map");
	CHECK(rf && !strcmp(rf->consumer, "vfio") && !strcmp(rf->domain_type, "unmanaged") &&
	      cnt(rf, IFL_C_MAP) == 4 && cnt(rf, IFL_C_UNMAP) == 1 && cnt(rf, IFL_C_SYNC) == 1 &&
	      rl && !strcmp(rl->consumer, "dma-iommu") && !strcmp(rl->driver, "virtio-iommu") &&
	      cnt(rl, IFL_C_MAP) == 5 && rl->domain != IFL_DOMAIN_FREED &&
	      !row(s2, "unmanaged", "0000:00:07.0", "vfio_unmap_unpin"),
	      "an address reused: the freed VFIO domain keeps its 4 maps (both CPUs'), 1 unmap, 1 sync "
	      "and its names (%s), the new dma-iommu domain its 5 maps under its own (%s, %s)",
	      rf ? rf->consumer : "?", rl ? rl->consumer : "?", rl ? rl->driver : "?");
	CHECK(ifl_test_map_entries(c, "stats") == 2 && ifl_test_map_entries(c, "domains") == 1,
	      "read once, the freed domain's rows and facts are gone from the maps (stats %ld: the new "
	      "domain's and the overflow row; domains %ld)",
	      ifl_test_map_entries(c, "stats"), ifl_test_map_entries(c, "domains"));
	if (ifl_snapshot_delta(s2, s1, &d)) {
		printf("not ok delta\n");
		exit(1);
	}
	rf = freed_row(d, "intel-iommu", "0000:00:06.0", "vfio_unmap_unpin");
	rl = row(d, "DMA", "0000:00:07.0", "__iommu_dma_map");
	CHECK(rf && cnt(rf, IFL_C_MAP) == 1 && cnt(rf, IFL_C_UNMAP) == 0 && cnt(rf, IFL_C_SYNC) == 0 &&
	      ifl_hist_total(rf->hist[IFL_H_MAP_SIZE]) == 1 && rl && cnt(rl, IFL_C_MAP) == 5,
	      "the window of the free: the freed domain's row holds its 1 map of the window, not its "
	      "whole life (%llu maps), the new domain its 5",
	      (unsigned long long)cnt(rf, IFL_C_MAP));
	ifl_snapshot_free(d);
	free_domain(D_VFIO, 0);
	s3 = snap();
	if (ifl_snapshot_delta(s3, s2, &d)) {
		printf("not ok delta\n");
		exit(1);
	}
	rf = freed_row(d, "intel-iommu", "0000:00:06.0", "vfio_unmap_unpin");
	rd = freed_row(d, "virtio-iommu", "0000:00:07.0", "__iommu_dma_map");
	rl = row(d, "DMA", "0000:00:07.0", "__iommu_dma_map");
	CHECK(rf && cnt(rf, IFL_C_MAP) == 0 && rd && cnt(rd, IFL_C_MAP) == 0 && rl == rd &&
	      cnt(freed_row(s3, "virtio-iommu", "0000:00:07.0", "__iommu_dma_map"), IFL_C_MAP) == 5,
	      "a domain freed in a window without events: nothing in the window, no live row left, 5 maps in the totals");
	ifl_snapshot_free(d);
	ifl_snapshot_free(s1);
	ifl_snapshot_free(s2);
	ifl_snapshot_free(s3);
	free_domain(0xdead9000ULL, 0);	/* never seen: nothing to do */
	CHECK(ifl_test_map_entries(c, "stats") == 1 && ifl_test_map_entries(c, "domains") == 0,
	      "freeing a domain no event named leaves the maps as they were");
	ifl_close(c);

	/*
	 * v2, churn: 400 domains, 4 addresses reused in turn, each mapped,
	 * unmapped, synced and freed; a snapshot every 25: the maps and the
	 * rows stay bounded, and the totals are exact.
	 */
	c = open_source("tracepoints-v2", 64);
	/* v2 (no callers): the new domain at a freed one's address must not take its number */
	seed(D_VFIO, IFL_DOMAIN_PAGING, OWNER_INTEL, "0000:00:06.0");
	for (int i = 0; i < 3; i++)
		map2(0, D_VFIO, 4096);
	s1 = snap();
	free_domain(D_VFIO, 0);
	seed(D_VFIO, IFL_DOMAIN_PAGING, OWNER_INTEL, "0000:00:06.0");
	map2(0, D_VFIO, 4096);
	map2(0, D_VFIO, 4096);
	s2 = snap();
	if (ifl_snapshot_delta(s2, s1, &d)) {
		printf("not ok delta\n");
		exit(1);
	}
	rl = NULL;
	for (size_t r = 0; r < d->nrows; r++)
		if (d->rows[r].domain != IFL_DOMAIN_FREED && d->rows[r].domain)
			rl = &d->rows[r];
	rf = freed_row(d, "intel-iommu", "0000:00:06.0", "-");
	CHECK(rl && cnt(rl, IFL_C_MAP) == 2 && rf && cnt(rf, IFL_C_MAP) == 0 &&
	      cnt(freed_row(s2, "intel-iommu", "0000:00:06.0", "-"), IFL_C_MAP) == 3,
	      "v2, an address reused between two snapshots by a domain of the same names: the new one "
	      "its 2 maps in the window under a number of its own (%llu), the freed one 0 (its 3 before)",
	      (unsigned long long)cnt(rl, IFL_C_MAP));
	ifl_snapshot_free(d);
	ifl_snapshot_free(s1);
	ifl_snapshot_free(s2);
	free_domain(D_VFIO, 0);
	s1 = snap();
	for (int i = 0; i < 400; i++) {
		uint64_t dom = 0xdeea0000ULL + (uint64_t)(i % 4) * 0x1000;

		seed(dom, IFL_DOMAIN_PAGING, OWNER_INTEL, "0000:00:06.0");
		map2(i % 2 ? cpu_b : 0, dom, 4096);
		map2(0, dom, 4096);
		unmap2(0, dom, 4096);
		sync2(0, dom, G(8), R_EXPLICIT);
		free_domain(dom, i % 2 ? cpu_b : 0);
		if (i % 25 == 24) {
			long ns = ifl_test_map_entries(c, "stats"), nd = ifl_test_map_entries(c, "domains");

			s2 = snap();
			if (ns > stats_max)
				stats_max = ns;
			if (nd > doms_max)
				doms_max = nd;
			if (s2->nrows > rows_max)
				rows_max = s2->nrows;
			if (ifl_snapshot_delta(s2, s1, &d)) {
				printf("not ok delta\n");
				exit(1);
			}
			for (size_t r = 0; r < d->nrows; r++) {
				maps += d->rows[r].count[IFL_C_MAP];
				unmaps += d->rows[r].count[IFL_C_UNMAP];
			}
			ifl_snapshot_free(d);
			ifl_snapshot_free(s1);
			s1 = s2;
		}
	}
	rf = freed_row(s1, "intel-iommu", "0000:00:06.0", "-");
	CHECK(maps == 800 && unmaps == 400 && rf && cnt(rf, IFL_C_MAP) == 800 + 5 && cnt(rf, IFL_C_SYNC) == 400 &&
	      s1->drops[IFL_DROP_KEYS] == 0 && s1->drops[IFL_DROP_DOMAINS] == 0,
	      "400 domains at 4 addresses: the windows add up to 800 maps and 400 unmaps (%llu, %llu), "
	      "the freed domains' row holds them all (and the 5 before), nothing dropped",
	      (unsigned long long)maps, (unsigned long long)unmaps);
	CHECK(stats_max <= 26 + 1 && doms_max <= 25 && rows_max <= 2,
	      "bounded: at most %ld statistics keys (25 freed domains between snapshots + the overflow "
	      "row), %ld domain facts, %zu rows in a snapshot",
	      stats_max, doms_max, rows_max);
	ifl_snapshot_free(s1);
	ifl_close(c);
	c = NULL;
}

int main(void)
{
	struct ifl_snapshot *s, *s2, *d, *g;
	const struct ifl_row *r, *rg;
	uint64_t t0, t1, t2, t3, percpu[2] = { 0, 0 };
	int ncpu;

	if (chdir(getenv("TOP") ? getenv("TOP") : ".")) {
		printf("not ok chdir to $TOP\n");
		return 1;
	}
	if (sysconf(_SC_NPROCESSORS_ONLN) < 2)
		cpu_b = 0;
	c = open_collector(64);
	CHECK(!strcmp(ifl_info(c)->prog_type, "raw_tp") && !strcmp(ifl_info(c)->source, "tracepoints"),
	      "loaded the raw_tp twins of the tracepoint source without attaching (%s, %s, %d CPUs)",
	      ifl_info(c)->prog_type, ifl_info(c)->source, ifl_info(c)->ncpus);
	seed(D_INTEL, IFL_DOMAIN_PAGING | IFL_DOMAIN_DMA_API, OWNER_INTEL, "0000:00:04.0");
	seed(D_VIRTIO, IFL_DOMAIN_PAGING | IFL_DOMAIN_DMA_API | IFL_DOMAIN_DMA_FQ, OWNER_VIRTIO,
	     "0000:00:05.0");
	seed(D_VFIO, IFL_DOMAIN_PAGING, OWNER_INTEL, "");

	/* --- strict dma-iommu: 5 unmaps gathered into one sync, then 3 of 1 --- */
	for (int i = 0; i < 5; i++) {
		add(0, D_INTEL, G(1), 4096, 0);
		unmap(0, D_INTEL, C_DMA_UNMAP, 4096);
	}
	sync_(0, D_INTEL, G(1), C_DMA_UNMAP + 8, 2000);
	for (int i = 0; i < 3; i++) {
		add(0, D_INTEL, G(2), 32768, 0);
		unmap(0, D_INTEL, C_DMA_UNMAP, 32768);
		sync_(0, D_INTEL, G(2), C_DMA_UNMAP, 1000);
	}
	/* an interrupt's unmap and sync between a task's unmap and its sync */
	add(0, D_INTEL, G(3), 4096, 0);
	unmap(0, D_INTEL, C_DMA_UNMAP, 4096);
	add(0, D_INTEL, G(4), 4096, 0);
	unmap(0, D_INTEL, C_DMA_UNMAP, 4096);
	sync_(0, D_INTEL, G(4), C_DMA_UNMAP, 1000);
	sync_(0, D_INTEL, G(3), C_DMA_UNMAP, 1000);
	/* unmap on CPU 0, its sync after a migration to CPU 1 */
	add(0, D_INTEL, G(5), 4096, 0);
	unmap(0, D_INTEL, C_DMA_UNMAP, 4096);
	sync_(cpu_b, D_INTEL, G(5), C_DMA_UNMAP, 1000);
	/* the map side */
	for (int i = 0; i < 2; i++)
		sync_map(0, D_INTEL, C_DMA_MAP, 4096, 0, 300);
	sync_map(0, D_INTEL, C_DMA_MAP, 4096, -12, 300);

	s = snap();
	r = row(s, "DMA", "0000:00:04.0", "__iommu_dma_unmap");
	CHECK(r && !strcmp(r->driver, "intel-iommu") && !strcmp(r->consumer, "dma-iommu"),
	      "the strict domain's row is named: driver %s, type DMA, consumer %s, device 0000:00:04.0, domain %u",
	      r ? r->driver : "?", r ? r->consumer : "?", r ? r->domain : 0);
	CHECK(cnt(r, IFL_C_UNMAP) == 11 && cnt(r, IFL_C_SYNC) == 7 && cnt(r, IFL_C_UNMAP_UNSYNCED) == 0,
	      "11 unmaps, 7 syncs, none unsynced (got %llu, %llu, %llu)",
	      (unsigned long long)cnt(r, IFL_C_UNMAP), (unsigned long long)cnt(r, IFL_C_SYNC),
	      (unsigned long long)cnt(r, IFL_C_UNMAP_UNSYNCED));
	CHECK(bkt(r, IFL_H_UNMAPS_PER_SYNC, 3) == 1 && bkt(r, IFL_H_UNMAPS_PER_SYNC, 1) == 6 &&
	      ifl_hist_total(r->hist[IFL_H_UNMAPS_PER_SYNC]) == 7,
	      "unmaps per sync: the 5 gathered land in bucket [4,7] once, the other 6 syncs in [1,1] "
	      "(nested interrupt and migrated sync included) (got %llu, %llu)",
	      (unsigned long long)bkt(r, IFL_H_UNMAPS_PER_SYNC, 3),
	      (unsigned long long)bkt(r, IFL_H_UNMAPS_PER_SYNC, 1));
	CHECK(bkt(r, IFL_H_PAGES_PER_SYNC, 3) == 1 && bkt(r, IFL_H_PAGES_PER_SYNC, 4) == 3 &&
	      bkt(r, IFL_H_PAGES_PER_SYNC, 1) == 3,
	      "pages per sync: 5 pages once, 8 pages three times, 1 page three times");
	CHECK(cnt(r, IFL_C_FLUSHED_BYTES) == 5 * 4096 + 3 * 32768 + 3 * 4096 &&
	      cnt(r, IFL_C_UNMAP_BYTES) == cnt(r, IFL_C_FLUSHED_BYTES),
	      "bytes flushed: the unmapped bytes gathered (gather unreadable here): %llu",
	      (unsigned long long)cnt(r, IFL_C_FLUSHED_BYTES));
	CHECK(bkt(r, IFL_H_SYNC_NS, 11) == 1 && bkt(r, IFL_H_SYNC_NS, 10) == 6 &&
	      cnt(r, IFL_C_SYNC_NS) == 2000 + 6 * 1000,
	      "sync durations: 2000 ns in [1024,2047], 6 x 1000 ns in [512,1023], sum %llu",
	      (unsigned long long)cnt(r, IFL_C_SYNC_NS));
	rg = row(s, "DMA", "0000:00:04.0", "-");
	CHECK(cnt(rg, IFL_C_RANGE_ADD) == 11 && rg && !strcmp(rg->consumer, "dma-iommu"),
	      "range-adds (no caller) are counted on the domain's row, consumer from its other rows (%s)",
	      rg ? rg->consumer : "?");
	r = row(s, "DMA", "0000:00:04.0", "__iommu_dma_map");
	CHECK(cnt(r, IFL_C_SYNC_MAP) == 3 && cnt(r, IFL_C_SYNC_MAP_ERR) == 1 &&
	      cnt(r, IFL_C_SYNC_MAP_NS) == 900 && cnt(r, IFL_C_SYNC_MAP_BYTES) == 3 * 4096,
	      "sync_map: 3, one failed, 900 ns, 12 KiB");
	ifl_snapshot_free(s);

	/* --- VFIO: forced syncs by reason, and a driver that does not gather --- */
	add(0, D_VFIO, G(6), 4096, 0);
	unmap(0, D_VFIO, C_VFIO, 4096);
	sync_(0, D_VFIO, G(6), C_PT, 500);	/* forced by the next add: disjoint */
	add(0, D_VFIO, G(6), 4096, 1);
	unmap(0, D_VFIO, C_VFIO, 4096);
	sync_(0, D_VFIO, G(6), C_PT, 500);	/* forced: page size change */
	add(0, D_VFIO, G(6), 2 << 20, 2);
	unmap(0, D_VFIO, C_VFIO, 2 << 20);
	sync_(0, D_VFIO, G(6), C_VFIO, 500);
	/* iommu.c adds a range only for the first unmap into an empty gather */
	add(0, D_VFIO, G(7), 4096, 0);
	for (int i = 0; i < 3; i++)
		unmap(0, D_VFIO, C_VFIO, 4096);
	sync_(0, D_VFIO, G(7), C_VFIO, 500);

	/* a driver that never gathers (virtio-iommu on 6.12): no range-adds,
	 * and the sync's gather is one nothing was added to */
	for (int i = 0; i < 2; i++)
		unmap(0, D_VFIO, C_VFIO, 8192);
	sync_(0, D_VFIO, G(9), C_VFIO, 500);

	s = snap();
	rg = row(s, "unmanaged", "-", "-");
	CHECK(cnt(rg, IFL_C_FORCED_DISJOINT) == 1 && cnt(rg, IFL_C_FORCED_PGSIZE) == 1 &&
	      cnt(rg, IFL_C_RANGE_ADD) == 4,
	      "forced syncs by reason: 1 disjoint, 1 page size, of 4 range-adds");
	r = row(s, "unmanaged", "-", "__iommu_pt_unmap_range");
	CHECK(r && !strcmp(r->consumer, "vfio") && !strcmp(rg->consumer, "vfio") && cnt(r, IFL_C_SYNC) == 2,
	      "the 2 syncs forced inside the driver are VFIO's, like the domain's other events (%s)",
	      r ? r->consumer : "?");
	r = row(s, "unmanaged", "-", "vfio_unmap_unpin");
	{
		const struct ifl_row *rp = row(s, "unmanaged", "-", "__iommu_pt_unmap_range");

		CHECK(r && !strcmp(r->consumer, "vfio") && rp &&
		      bkt(rp, IFL_H_UNMAPS_PER_SYNC, 1) == 2 && bkt(r, IFL_H_UNMAPS_PER_SYNC, 1) == 1 &&
		      bkt(r, IFL_H_UNMAPS_PER_SYNC, 2) == 2,
		      "each forced sync covered the 1 unmap before it; the gather with one range-add "
		      "covered its 3 unmaps, the never-gathered sync its 2 (bucket [2,3] twice)");
		CHECK(cnt(r, IFL_C_SYNC_UNTRACKED) == 0 && cnt(r, IFL_C_UNMAP_UNSYNCED) == 0 &&
		      bkt(r, IFL_H_PAGES_PER_SYNC, 2) == 1 && bkt(r, IFL_H_PAGES_PER_SYNC, 3) == 1,
		      "no sync untracked, no unmap unsynced; 3 and 4 pages per sync");
	}
	ifl_snapshot_free(s);

	/* --- per-CPU values merge --- */
	for (int i = 0; i < 3; i++)
		map(0, D_VFIO, C_VFIO, 4096);
	for (int i = 0; i < 4; i++)
		map(cpu_b, D_VFIO, C_VFIO, 8192);
	ncpu = ifl_test_percpu_count(c, D_VFIO, C_VFIO, IFL_C_MAP, percpu, 2);
	s = snap();
	r = row(s, "unmanaged", "-", "vfio_unmap_unpin");
	CHECK(ncpu >= 1 && percpu[0] == (cpu_b ? 3 : 7) && (!cpu_b || percpu[1] == 4) &&
	      cnt(r, IFL_C_MAP) == 7 &&
	      cnt(r, IFL_C_MAP_BYTES) == 3 * 4096 + 4 * 8192,
	      "maps run on CPU 0 (%llu) and CPU %d (%llu) merge into 7, %llu bytes",
	      (unsigned long long)percpu[0], cpu_b, (unsigned long long)percpu[1],
	      (unsigned long long)cnt(r, IFL_C_MAP_BYTES));
	/* 4096 B is in the bucket of 4096..8191, 8192 B in the next one */
	CHECK(r && r->hist[IFL_H_MAP_SIZE][ifl_bucket(4096)] == 3 &&
	      r->hist[IFL_H_MAP_SIZE][ifl_bucket(8192)] == 4 &&
	      ifl_hist_total(r->hist[IFL_H_MAP_SIZE]) == 7,
	      "map sizes land in their log2 buckets: 3 of 4 KiB, 4 of 8 KiB");
	ifl_snapshot_free(s);

	/* --- lazy: flush queue, stale window, a queued gather --- */
	t0 = ifl_now_ns();
	for (int i = 0; i < 3; i++) {
		add(0, D_VIRTIO, G(8), 65536, 0);
		unmap(0, D_VIRTIO, C_DMA_UNMAP, 65536);
		fq_queue(0, D_VIRTIO, 16, 7);
	}
	t1 = ifl_now_ns();
	unmap(cpu_b, D_VIRTIO, C_DMA_UNMAP, 65536);	/* generic_pt: no range-add when queued */
	fq_queue(cpu_b, D_VIRTIO, 16, 8);	/* queued after flush 7 started: for flush 8 */
	usleep(3000);
	t2 = ifl_now_ns();
	flush_all(0, D_VIRTIO, C_FQ, 70000);
	fq_flush(0, D_VIRTIO, 0, 7, 3, 80000);
	t3 = ifl_now_ns();
	s = snap();
	rg = row(s, "DMA-FQ", "0000:00:05.0", "-");
	{
		unsigned int lo = ifl_bucket(t2 - t1), hi = ifl_bucket(t3 - t0), in = 0;

		for (unsigned int b = lo; rg && b <= hi; b++)
			in += (unsigned int)rg->hist[IFL_H_STALE_NS][b];
		CHECK(rg && ifl_hist_total(rg->hist[IFL_H_STALE_NS]) == 3 && in == 3,
		      "stale window: the 3 entries of seq 7 measured at flush 7, within [%llu, %llu] ns "
		      "(buckets %u..%u), the seq-8 entry left for flush 8",
		      (unsigned long long)(t2 - t1), (unsigned long long)(t3 - t0), lo, hi);
	}
	CHECK(cnt(rg, IFL_C_FQ_QUEUE) == 4 && cnt(rg, IFL_C_FQ_FLUSH) == 1 &&
	      cnt(rg, IFL_C_FQ_FLUSH_TIMER) == 1 && cnt(rg, IFL_C_FQ_FLUSH_ENTRIES) == 3 &&
	      bkt(rg, IFL_H_UNMAPS_PER_SYNC, 2) == 1,
	      "flush queue: 4 queued, 1 timer flush whose 3 entries land in unmaps-per-sync [2,3]");
	CHECK(cnt(rg, IFL_C_UNMAP_UNSYNCED) == 4,
	      "the 3 unmaps whose gathers were queued, and 1 queued without range-add, count as unsynced (%llu)",
	      (unsigned long long)cnt(rg, IFL_C_UNMAP_UNSYNCED));
	CHECK(cnt(rg, IFL_C_FQ_QUEUE_BYTES) == 4 * 16 * 4096 && bkt(rg, IFL_H_PAGES_PER_SYNC, 6) == 1 &&
	      cnt(rg, IFL_C_FLUSHED_BYTES) == 3 * 16 * 4096,
	      "queued bytes 4 x 16 granules of 4 KiB; flush 7 covered the 48 pages of its 3 entries");
	r = row(s, "DMA-FQ", "0000:00:05.0", "fq_flush_iotlb");
	CHECK(r && !strcmp(r->consumer, "dma-iommu") && cnt(r, IFL_C_FLUSH_ALL) == 1 &&
	      bkt(r, IFL_H_SYNC_NS, 17) == 1,
	      "the flush-all of the queue: dma-iommu's (by the domain's type), 70 us in [65536,131071]");
	ifl_snapshot_free(s);

	usleep(1000);
	fq_flush(cpu_b, D_VIRTIO, 1, 8, 1, 80000);
	/* the gather dma-iommu queued is not carried into an unrelated sync */
	add(0, D_VIRTIO, G(8), 4096, 0);
	unmap(0, D_VIRTIO, C_DMA_UNMAP, 4096);
	sync_(0, D_VIRTIO, G(8), C_DMA_UNMAP, 1000);
	s = snap();
	rg = row(s, "DMA-FQ", "0000:00:05.0", "-");
	r = row(s, "DMA-FQ", "0000:00:05.0", "__iommu_dma_unmap");
	CHECK(rg && ifl_hist_total(rg->hist[IFL_H_STALE_NS]) == 4 && cnt(rg, IFL_C_FQ_FLUSH_FULL) == 1 &&
	      cnt(rg, IFL_C_STALE_UNMEASURED) == 0 && bkt(rg, IFL_H_PAGES_PER_SYNC, 5) == 1,
	      "flush 8 (queue full) measures the entry left for it (16 pages): 4 stale samples, none lost");
	CHECK(bkt(r, IFL_H_UNMAPS_PER_SYNC, 1) == 1 && ifl_hist_total(r->hist[IFL_H_UNMAPS_PER_SYNC]) == 1,
	      "a sync after 3 queued unmaps of the same gather counts its own 1 unmap, not 4");

	/* --- names, numbering, no pointers --- */
	{
		unsigned int bad = 0, ids[4] = { 0 };

		for (size_t i = 0; i < s->nrows; i++) {
			const struct ifl_row *x = &s->rows[i];
			const char *f[] = { x->driver, x->domain_type, x->consumer, x->device, x->caller };

			for (int k = 0; k < 5; k++)
				bad += strstr(f[k], "0x") || strstr(f[k], "dead") || strstr(f[k], "ffff");
			if (x->domain >= 1 && x->domain <= 3)
				ids[x->domain] = x->domain;
		}
		CHECK(bad == 0 && ids[1] && ids[2] && ids[3],
		      "rows hold names and domain numbers 1..3 only, no address (%zu rows)", s->nrows);
		r = row(s, "unmanaged", "-", "vfio_unmap_unpin");
		rg = row(s, "DMA", "0000:00:04.0", "-");
		CHECK(r && rg && rg->domain == 1 && r->domain == 2,
		      "domains numbered in order of first sight: the strict one %u, VFIO's %u",
		      rg ? rg->domain : 0, r ? r->domain : 0);
	}

	/* --- delta and grouping --- */
	map(0, D_VFIO, C_VFIO, 4096);
	map(cpu_b, D_VFIO, C_VFIO, 4096);
	s2 = snap();
	if (ifl_snapshot_delta(s2, s, &d) || ifl_snapshot_group(d, IFL_BY_CONSUMER, &g)) {
		printf("not ok delta/group failed\n");
		return 1;
	}
	{
		uint64_t other = 0;
		const struct ifl_row *v = NULL;

		for (size_t i = 0; i < g->nrows; i++) {
			if (!strcmp(g->rows[i].consumer, "vfio"))
				v = &g->rows[i];
			else
				for (int k = 0; k < IFL_NR_COUNTS; k++)
					other += g->rows[i].count[k];
		}
		CHECK(v && cnt(v, IFL_C_MAP) == 2 && cnt(v, IFL_C_UNMAP) == 0 && other == 0 &&
		      !strcmp(v->driver, "*") && v->domain == 0,
		      "delta then group by consumer: vfio's 2 new maps, nothing else (%zu groups)", g->nrows);
	}
	ifl_snapshot_free(g);
	ifl_snapshot_free(d);
	ifl_snapshot_free(s2);
	ifl_snapshot_free(s);
	ifl_close(c);

	/* --- a full map: the overflow row --- */
	c = open_collector(4);	/* the overflow row + 3 */
	seed(D_VFIO, IFL_DOMAIN_PAGING, OWNER_INTEL, "");
	for (int i = 0; i < 6; i++)
		map(0, D_VFIO, C_VFIO + (uint64_t)i, 4096);
	s = snap();
	{
		uint64_t total = 0;
		const struct ifl_row *ov = NULL;

		for (size_t i = 0; i < s->nrows; i++) {
			total += s->rows[i].count[IFL_C_MAP];
			if (!strcmp(s->rows[i].consumer, "(dropped keys)"))
				ov = &s->rows[i];
		}
		CHECK(s->drops[IFL_DROP_KEYS] == 3 && cnt(ov, IFL_C_MAP) == 3 && total == 6,
		      "6 keys into room for 3: 3 events counted as dropped (%llu), kept in the overflow row, "
		      "total still 6 (%llu)", (unsigned long long)s->drops[IFL_DROP_KEYS],
		      (unsigned long long)total);
		CHECK(ifl_count_available(s, IFL_C_MAP) && ifl_hist_available(s, IFL_H_STALE_NS),
		      "the tracepoint source reports every figure available");
	}
	ifl_snapshot_free(s);
	ifl_close(c);

	test_contention();
	test_v2();
	test_churn();
	CHECK_EXIT();
}
