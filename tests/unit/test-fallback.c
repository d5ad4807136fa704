// SPDX-License-Identifier: GPL-2.0
/*
 * The fallback event source on the host, where fentry and kprobes cannot
 * run:
 *  - where it hooks: the callbacks found in BTF files written here (a
 *    vmlinux and a module split on it), with decoys of the right name and
 *    the wrong prototype;
 *  - its handlers: the programs' entry/exit logic replayed through its
 *    fb_test program with BPF_PROG_TEST_RUN, in the orders the kernel calls
 *    the callbacks (strict: unmap, iommu:unmap, sync; lazy: queued unmaps,
 *    then a flush-all), asserted through the library's snapshots;
 *  - its refusal, in one line, when the callbacks are there but neither
 *    fentry nor kprobes can attach (this host allows neither).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "collector.h"
#include "internal.h"
#include "testing.h"
#include "check.h"

#define KSYMS "tests/unit/fake-kallsyms"
#define D_INTEL 0xdead1000ULL	/* intel-iommu, DMA */
#define D_VIRTIO 0xdead2000ULL	/* virtio-iommu, DMA-FQ */
#define OWNER_INTEL 0xffffffff82000000ULL
#define OWNER_VIRTIO 0xffffffff82001000ULL
#define G(n) (0x5a000000ULL + (n) * 0x100)

static char tmpdir[] = "/tmp/ifl-fallback.XXXXXX";
static struct ifl_collector *c;

/* ---- BTF files ---------------------------------------------------------- */

struct types {
	int ul, i, domain_p, gather_p, pt_p;
};

static int func(struct btf *b, const char *name, int ret, const int *params, int n)
{
	int proto = btf__add_func_proto(b, ret);

	for (int i = 0; i < n; i++)
		btf__add_func_param(b, "a", params[i]);
	return btf__add_func(b, name, BTF_FUNC_STATIC, proto);
}

static int write_raw(const struct btf *b, const char *path)
{
	__u32 size;
	const void *raw = btf__raw_data(b, &size);
	FILE *f = fopen(path, "w");
	int ok = f && raw && fwrite(raw, 1, size, f) == size;

	if (f)
		fclose(f);
	return ok ? 0 : -1;
}

/*
 * vmlinux: intel-iommu on generic_pt (7.2's layout), the unpatched
 * iommu:map/unmap, and decoys; modules/virtio_iommu: virtio-iommu.
 */
static struct btf *write_vmlinux(const char *path, struct types *t)
{
	struct btf *b = btf__new_empty();
	int dom, gather, pt, voidp, bool_t;

	t->ul = btf__add_int(b, "unsigned long", 8, 0);
	t->i = btf__add_int(b, "int", 4, BTF_INT_SIGNED);
	bool_t = btf__add_int(b, "_Bool", 1, BTF_INT_BOOL);
	dom = btf__add_struct(b, "iommu_domain", 16);
	btf__add_field(b, "type", t->i, 0, 0);
	gather = btf__add_struct(b, "iommu_iotlb_gather", 24);
	btf__add_field(b, "start", t->ul, 0, 0);
	btf__add_field(b, "end", t->ul, 64, 0);
	btf__add_field(b, "queued", bool_t, 128, 0);
	pt = btf__add_struct(b, "pt_iommu", 32);
	btf__add_field(b, "ops", t->ul, 0, 0);
	btf__add_field(b, "domain", dom, 64, 0);	/* at 8, not first */
	t->domain_p = btf__add_ptr(b, dom);
	t->gather_p = btf__add_ptr(b, gather);
	t->pt_p = btf__add_ptr(b, pt);
	voidp = btf__add_ptr(b, 0);

	func(b, "intel_iommu_tlb_sync", 0, (int[]){ t->domain_p, t->gather_p }, 2);
	func(b, "intel_flush_iotlb_all", 0, (int[]){ t->domain_p }, 1);
	func(b, "intel_iommu_iotlb_sync_map", t->i, (int[]){ t->domain_p, t->ul, t->ul }, 3);
	func(b, "x86_64_unmap_range", t->ul, (int[]){ t->pt_p, t->ul, t->ul, t->gather_p }, 4);
	func(b, "x86_64_map_range", t->i, (int[]){ t->pt_p, t->ul, t->ul, t->ul, t->i, t->i, voidp }, 7);
	/* decoys: a known name with another prototype, a *_unmap_range not on a pt_iommu */
	func(b, "amd_iommu_iotlb_sync", 0, (int[]){ t->i, t->gather_p }, 2);
	func(b, "amd_iommu_flush_iotlb_all", 0, (int[]){ t->domain_p, t->i }, 2);
	func(b, "vfio_unmap_range", t->ul, (int[]){ t->domain_p, t->ul, t->ul, t->gather_p }, 4);
	/* the tracepoints iommu:map and unmap */
	for (int k = 0; k < 2; k++) {
		int proto = btf__add_func_proto(b, 0);

		btf__add_func_param(b, "__data", voidp);
		for (int a = 0; a < 3; a++)
			btf__add_func_param(b, "a", t->ul);
		btf__add_typedef(b, k ? "btf_trace_unmap" : "btf_trace_map", btf__add_ptr(b, proto));
	}
	if (write_raw(b, path)) {
		btf__free(b);
		return NULL;
	}
	return b;
}

static int write_module(struct btf *base, const struct types *t, const char *path)
{
	struct btf *m = btf__new_empty_split(base);
	int ret;

	if (!m)
		return -1;
	func(m, "viommu_iotlb_sync", 0, (int[]){ t->domain_p, t->gather_p }, 2);
	func(m, "viommu_unmap_pages", t->ul,
	     (int[]){ t->domain_p, t->ul, t->ul, t->ul, t->gather_p }, 5);
	func(m, "viommu_map_pages", t->i,
	     (int[]){ t->domain_p, t->ul, t->ul, t->ul, t->ul, t->i, t->i, t->ul }, 8);
	ret = write_raw(m, path);
	btf__free(m);
	return ret;
}

static const struct ifl_fb_target *target(const struct ifl_fb_targets *f, int kind, const char *name)
{
	for (int i = 0; i < f->n[kind]; i++)
		if (!strcmp(f->t[kind][i].func, name))
			return &f->t[kind][i];
	return NULL;
}

static void test_detection(const char *vmlinux, const char *mods)
{
	struct ifl_fb_targets f;
	const struct ifl_fb_target *t;
	int ret = ifl_test_fb_find(vmlinux, mods, &f);

	CHECK(ret == 0, "callbacks found in the BTF files (%d)", ret);
	t = target(&f, IFL_FB_SYNC, "intel_iommu_tlb_sync");
	CHECK(t && !t->module[0] && t->dom_off == 0, "intel_iommu_tlb_sync: an iotlb_sync in vmlinux");
	t = target(&f, IFL_FB_SYNC, "viommu_iotlb_sync");
	CHECK(t && !strcmp(t->module, "virtio_iommu"), "viommu_iotlb_sync: an iotlb_sync in the module virtio_iommu");
	CHECK(f.n[IFL_FB_SYNC] == 2 && !target(&f, IFL_FB_SYNC, "amd_iommu_iotlb_sync"),
	      "amd_iommu_iotlb_sync with an int for its domain is not taken (%d syncs)", f.n[IFL_FB_SYNC]);
	CHECK(f.n[IFL_FB_FLUSH_ALL] == 1 && target(&f, IFL_FB_FLUSH_ALL, "intel_flush_iotlb_all"),
	      "flush_iotlb_all: intel's; amd's with two arguments is not taken");
	CHECK(f.n[IFL_FB_SYNC_MAP] == 1 && target(&f, IFL_FB_SYNC_MAP, "intel_iommu_iotlb_sync_map"),
	      "iotlb_sync_map: intel's");
	t = target(&f, IFL_FB_UNMAP, "x86_64_unmap_range");
	CHECK(t && t->dom_off == 8 && t->gather_arg == 3,
	      "generic_pt's x86_64_unmap_range found by its pt_iommu: domain at 8, gather argument 3 (%u, %u)",
	      t ? t->dom_off : 0, t ? t->gather_arg : 0);
	t = target(&f, IFL_FB_UNMAP, "viommu_unmap_pages");
	CHECK(t && t->dom_off == 0 && t->gather_arg == 4, "viommu_unmap_pages: domain first, gather argument 4");
	CHECK(f.n[IFL_FB_UNMAP] == 2, "vfio_unmap_range (a domain, not a pt_iommu) is not taken (%d unmaps)",
	      f.n[IFL_FB_UNMAP]);
	t = target(&f, IFL_FB_MAP, "x86_64_map_range");
	CHECK(t && t->dom_off == 8 && target(&f, IFL_FB_MAP, "viommu_map_pages") && f.n[IFL_FB_MAP] == 2,
	      "maps: x86_64_map_range (domain at 8) and viommu_map_pages");
	CHECK(f.have_map_tp && f.have_queued && !f.fq_found,
	      "iommu:map/unmap and gather->queued found; no flush-queue function");

	ret = ifl_test_fb_find(vmlinux, NULL, &f);
	CHECK(ret == 0 && !target(&f, IFL_FB_SYNC, "viommu_iotlb_sync"), "without the modules' BTF: vmlinux's only");
}

/* ---- the handlers ------------------------------------------------------- */

static void op(enum ifl_fb_op o, int cpu, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3)
{
	uint64_t a[4] = { a0, a1, a2, a3 };

	if (ifl_test_fb_op(c, o, a, 4, cpu))
		printf("# %s\n", ifl_errmsg(c));
}

/* A strict unmap as the kernel does it: the driver's unmap, then iommu:unmap. */
static void unmap(int cpu, uint64_t d, uint64_t g, uint64_t queued, uint64_t bytes)
{
	op(IFL_FB_OP_UNMAP_EXIT, cpu, d, g, queued, 0);
	op(IFL_FB_OP_TP_UNMAP, cpu, 0x100000, bytes, bytes, 0);
}

static void sync_(int cpu, uint64_t d, uint64_t g, uint64_t start, uint64_t end)
{
	op(IFL_FB_OP_SYNC_ENTER, cpu, 0, 0, 0, 0);
	op(IFL_FB_OP_SYNC_EXIT, cpu, d, g, start, end);
}

static void flush_all(int cpu, uint64_t d)
{
	op(IFL_FB_OP_FLUSH_ENTER, cpu, d, 0, 0, 0);
	op(IFL_FB_OP_FLUSH_EXIT, cpu, d, 0, 0, 0);
}

static void seed(uint64_t d, uint32_t type, uint64_t owner)
{
	struct ifl_domain_info di = { .type = type, .owner = owner, .granule = 4096 };

	if (ifl_test_set_domain(c, d, &di))
		printf("# %s\n", ifl_errmsg(c));
}

static const struct ifl_row *row_of(const struct ifl_snapshot *s, const char *driver)
{
	for (size_t i = 0; i < s->nrows; i++)
		if (!strcmp(s->rows[i].driver, driver))
			return &s->rows[i];
	return NULL;
}

/*
 * Exits without their entry's record: a flush-all whose record another
 * callback's exit popped (an entry the kernel skipped), then its own exit
 * finding none, and an exit whose entry was never seen.  Each is counted
 * (drops fb_unpaired); the queued unmaps the popped record had taken go
 * back to the domain, and the next flush-all covers them.
 */
static void test_unpaired(int cpu, const struct ifl_snapshot *before)
{
	struct ifl_snapshot *s = NULL, *d = NULL, *g = NULL;
	const struct ifl_row *rv;

	for (int i = 0; i < 2; i++)
		unmap(cpu, D_VIRTIO, G(10), 1, 4096);
	op(IFL_FB_OP_FLUSH_ENTER, cpu, D_VIRTIO, 0, 0, 0);	/* takes the 2 */
	op(IFL_FB_OP_SYNC_EXIT, cpu, D_INTEL, G(11), 0, 0);	/* pops the flush-all's record */
	op(IFL_FB_OP_FLUSH_EXIT, cpu, D_VIRTIO, 0, 0, 0);	/* finds none */
	op(IFL_FB_OP_FLUSH_EXIT, cpu, D_VIRTIO, 0, 0, 0);	/* never entered */
	flush_all(cpu, D_VIRTIO);	/* covers the 2 given back, and the 1 queued during the nested one */
	if (ifl_snapshot_take(c, &s) || ifl_snapshot_delta(s, before, &d) ||
	    ifl_snapshot_group(d, IFL_BY_DRIVER, &g)) {
		printf("not ok snapshot: %s\n", ifl_errmsg(c));
		goto out;
	}
	rv = row_of(g, "virtio-iommu");
	CHECK(g->drops[IFL_DROP_FB_UNPAIRED] == 3 && rv && rv->count[IFL_C_FLUSH_ALL] == 3 &&
	      rv->hist[IFL_H_UNMAPS_PER_SYNC][ifl_bucket(3)] == 1 &&
	      ifl_hist_total(rv->hist[IFL_H_UNMAPS_PER_SYNC]) == 1 &&
	      rv->count[IFL_C_FLUSHED_BYTES] == 3 * 4096 && ifl_hist_total(rv->hist[IFL_H_STALE_NS]) == 3,
	      "unpaired exits: 3 counted (%llu); the 2 unmaps of the popped flush-all's record covered by "
	      "the next flush-all with the 1 queued before it (%llu flush-alls, %llu B, %llu stale windows)",
	      (unsigned long long)g->drops[IFL_DROP_FB_UNPAIRED],
	      (unsigned long long)(rv ? rv->count[IFL_C_FLUSH_ALL] : 0),
	      (unsigned long long)(rv ? rv->count[IFL_C_FLUSHED_BYTES] : 0),
	      (unsigned long long)(rv ? ifl_hist_total(rv->hist[IFL_H_STALE_NS]) : 0));
out:
	ifl_snapshot_free(g);
	ifl_snapshot_free(d);
	ifl_snapshot_free(s);
}

static void test_handlers(int cpu_a, int cpu_b)
{
	struct ifl_opts o = {
		.mode = IFL_PROG_RAW_TP, .no_attach = true, .skip_env_checks = true,
		.kallsyms = KSYMS, .source = "fallback",
	};
	struct ifl_snapshot *s = NULL, *g = NULL;
	const struct ifl_row *ri, *rv;
	char err[256];
	uint64_t ops[2] = { IFL_DOMAIN_PAGING | IFL_DOMAIN_DMA_API,
			    IFL_DOMAIN_PAGING | IFL_DOMAIN_DMA_API | IFL_DOMAIN_DMA_FQ };

	if (ifl_open(&o, &c, err, sizeof(err))) {
		printf("not ok opening the fallback source: %s\n", err);
		return;
	}
	CHECK(!strcmp(ifl_info(c)->source, "fallback") && !strcmp(ifl_info(c)->prog_type, "kprobe"),
	      "source %s, programs %s", ifl_info(c)->source, ifl_info(c)->prog_type);
	seed(D_INTEL, (uint32_t)ops[0], OWNER_INTEL);
	seed(D_VIRTIO, (uint32_t)ops[1], OWNER_VIRTIO);

	/* strict: 5 unmaps of 16 KiB, each synced alone */
	for (int i = 0; i < 5; i++) {
		unmap(cpu_a, D_INTEL, G(1), 0, 16384);
		sync_(cpu_a, D_INTEL, G(1), 0x100000, 0x103fff);
	}
	/* one gather of 3 unmaps (a driver looping), one sync */
	for (int i = 0; i < 3; i++)
		unmap(cpu_a, D_INTEL, G(2), 0, 4096);
	sync_(cpu_a, D_INTEL, G(2), 0x200000, 0x202fff);
	/* two CPUs, two gathers of one domain, synced in the other order */
	unmap(cpu_a, D_INTEL, G(3), 0, 4096);
	unmap(cpu_b, D_INTEL, G(4), 0, 4096);
	sync_(cpu_b, D_INTEL, G(4), 0, 0xfff);
	sync_(cpu_a, D_INTEL, G(3), 0, 0xfff);
	/* a sync of a gather no unmap went into */
	sync_(cpu_a, D_INTEL, G(5), 0, 0);
	/* maps: the driver's map names the domain of the iommu:map after it */
	op(IFL_FB_OP_MAP_EXIT, cpu_a, D_INTEL, 0, 0, 0);
	op(IFL_FB_OP_TP_MAP, cpu_a, 0x100000, 0x2000000, 8192, 0);
	op(IFL_FB_OP_SYNC_MAP_ENTER, cpu_a, 0, 0, 0, 0);
	op(IFL_FB_OP_SYNC_MAP_EXIT, cpu_a, D_INTEL, 8192, (uint64_t)-12, 0);

	/* lazy: 10 queued unmaps of 8 KiB (gather->queued), then the flush queue's flush-all */
	for (int i = 0; i < 10; i++)
		unmap(i & 1 ? cpu_b : cpu_a, D_VIRTIO, G(6), 1, 8192);
	/* an iommu:unmap whose callback's program the kernel skipped: CPU 0's last domain */
	op(IFL_FB_OP_TP_UNMAP, cpu_a, 0x100000, 8192, 8192, 0);
	flush_all(cpu_b, D_VIRTIO);
	/* a flush-all with nothing queued, and 3 more queued unmaps with theirs */
	flush_all(cpu_a, D_VIRTIO);
	for (int i = 0; i < 3; i++)
		unmap(cpu_a, D_VIRTIO, G(7), 1, 4096);
	flush_all(cpu_a, D_VIRTIO);
	/*
	 * 5 more, and a flush-all on them into which an interrupt's flush-all
	 * nests (same thread): each exit pairs with its own entry, so the
	 * outer one still covers the 5 its entry took.
	 */
	for (int i = 0; i < 5; i++)
		unmap(cpu_a, D_VIRTIO, G(8), 1, 4096);
	op(IFL_FB_OP_FLUSH_ENTER, cpu_a, D_VIRTIO, 0, 0, 0);
	/* queued while the flush runs: for the next one */
	unmap(cpu_b, D_VIRTIO, G(9), 1, 4096);
	flush_all(cpu_a, D_INTEL);
	op(IFL_FB_OP_FLUSH_EXIT, cpu_a, D_VIRTIO, 0, 0, 0);

	if (ifl_snapshot_take(c, &s) || ifl_snapshot_group(s, IFL_BY_DRIVER, &g)) {
		printf("not ok snapshot: %s\n", ifl_errmsg(c));
		goto out;
	}
	ri = row_of(g, "intel-iommu");
	rv = row_of(g, "virtio-iommu");
	if (!ri || !rv) {
		printf("not ok rows for intel-iommu and virtio-iommu\n");
		goto out;
	}
	CHECK(ri->count[IFL_C_SYNC] == 9 && ri->count[IFL_C_UNMAP] == 10 &&
	      ri->count[IFL_C_SYNC_UNTRACKED] == 1,
	      "strict: 9 syncs, 10 unmaps, 1 sync of an empty gather untracked (%llu, %llu, %llu)",
	      (unsigned long long)ri->count[IFL_C_SYNC], (unsigned long long)ri->count[IFL_C_UNMAP],
	      (unsigned long long)ri->count[IFL_C_SYNC_UNTRACKED]);
	CHECK(ri->hist[IFL_H_UNMAPS_PER_SYNC][1] == 7 && ri->hist[IFL_H_UNMAPS_PER_SYNC][2] == 1 &&
	      ifl_hist_total(ri->hist[IFL_H_UNMAPS_PER_SYNC]) == 8,
	      "unmaps per sync: 7 of 1 (5 alone, 2 on two CPUs' gathers), 1 of 3");
	CHECK(ri->count[IFL_C_FLUSHED_BYTES] == 5 * 16384 + 3 * 4096 + 2 * 4096 &&
	      ri->hist[IFL_H_PAGES_PER_SYNC][ifl_bucket(4)] == 5,
	      "flushed bytes are the gathers' ranges (%llu); 5 syncs of 4 pages",
	      (unsigned long long)ri->count[IFL_C_FLUSHED_BYTES]);
	CHECK(ri->count[IFL_C_MAP] == 1 && ri->count[IFL_C_MAP_BYTES] == 8192 &&
	      ri->count[IFL_C_SYNC_MAP] == 1 && ri->count[IFL_C_SYNC_MAP_ERR] == 1,
	      "a map on the domain of the map callback before it; a failed sync_map");
	CHECK(rv->count[IFL_C_SYNC] == 0 && rv->count[IFL_C_FLUSH_ALL] == 4 &&
	      rv->count[IFL_C_UNMAP] == 20 && rv->count[IFL_C_UNMAP_UNSYNCED] == 20,
	      "lazy: no sync, 4 flush-alls, 20 unmaps all queued, one whose callback was skipped (%llu, %llu, %llu, %llu)",
	      (unsigned long long)rv->count[IFL_C_SYNC], (unsigned long long)rv->count[IFL_C_FLUSH_ALL],
	      (unsigned long long)rv->count[IFL_C_UNMAP], (unsigned long long)rv->count[IFL_C_UNMAP_UNSYNCED]);
	CHECK(rv->hist[IFL_H_UNMAPS_PER_SYNC][ifl_bucket(10)] == 1 &&
	      rv->hist[IFL_H_UNMAPS_PER_SYNC][ifl_bucket(3)] == 1 &&
	      rv->hist[IFL_H_UNMAPS_PER_SYNC][ifl_bucket(5)] == 1 &&
	      ifl_hist_total(rv->hist[IFL_H_UNMAPS_PER_SYNC]) == 3,
	      "lazy: the flush-alls covered 11 (queued on two CPUs), 3, and 5 (around a nested flush-all); the empty one no sample");
	CHECK(ri->count[IFL_C_FLUSH_ALL] == 1,
	      "the nested flush-all counted on its own domain");
	CHECK(rv->count[IFL_C_FLUSHED_BYTES] == 11 * 8192 + 3 * 4096 + 5 * 4096,
	      "lazy: the flush-alls flushed the queued bytes (%llu)",
	      (unsigned long long)rv->count[IFL_C_FLUSHED_BYTES]);
	CHECK(ifl_hist_total(rv->hist[IFL_H_STALE_NS]) == 19 && rv->count[IFL_C_STALE_UNMEASURED] == 0,
	      "lazy: a stale window for each of the 19 unmaps queued before a flush-all began, not for the one queued during it (%llu)",
	      (unsigned long long)ifl_hist_total(rv->hist[IFL_H_STALE_NS]));
	CHECK(ifl_count_available(s, IFL_C_SYNC) && ifl_count_available(s, IFL_C_FLUSH_ALL) &&
	      ifl_hist_available(s, IFL_H_UNMAPS_PER_SYNC) && ifl_hist_available(s, IFL_H_SYNC_NS) &&
	      ifl_hist_available(s, IFL_H_STALE_NS),
	      "available: syncs, flush-alls, unmaps per sync, sync time, stale window");
	CHECK(!ifl_count_available(s, IFL_C_RANGE_ADD) && !ifl_count_available(s, IFL_C_FORCED_DISJOINT) &&
	      !ifl_count_available(s, IFL_C_FQ_FLUSH) && !ifl_count_available(s, IFL_C_FQ_QUEUE),
	      "unavailable, not 0: range-adds, forced reasons, flush-queue events");
	test_unpaired(cpu_a, s);
out:
	ifl_snapshot_free(g);
	ifl_snapshot_free(s);
	ifl_close(c);
	c = NULL;
}

/* ---- the refusal -------------------------------------------------------- */

static void test_refusal(const char *vmlinux, const char *iommu)
{
	struct ifl_opts o = { .btf_path = vmlinux, .iommu_class = iommu };
	struct ifl_collector *col = NULL;
	char err[256];
	int ret = ifl_open(&o, &col, err, sizeof(err));

	ifl_close(col);
	/*
	 * The BTF file's callbacks are not this kernel's: fentry cannot load
	 * against them, and kprobes find no such function (or are refused).
	 */
	CHECK(ret == -IFL_ERR_NO_EVENTS && err[0] && !strchr(err, '\n') && strlen(err) < 255 &&
	      strstr(err, "no flush tracepoint series") && strstr(err, "neither fentry (intel_iommu_tlb_sync") &&
	      strstr(err, "nor kprobes"),
	      "callbacks in BTF, neither fentry nor kprobes: IFL_ERR_NO_EVENTS, one line naming both, \"%s\"", err);
}

/*
 * Names two built-in drivers share (Debian's arm64 kernel: arm-smmu and
 * arm-smmu-v3), from kallsyms: a target per address, probed there.
 */
static void test_kallsyms(void)
{
	char path[160];
	struct ifl_fb_targets fb;
	FILE *f;

	snprintf(path, sizeof(path), "%s/kallsyms", tmpdir);
	f = fopen(path, "w");
	if (!f) {
		CHECK(0, "writing a kallsyms");
		return;
	}
	fputs("ffff800080500100 t arm_smmu_iotlb_sync\n"
	      "ffff800080500200 t arm_smmu_unmap_pages\n"
	      "ffff800080600000 T arm_smmu_cmdq_issue_cmdlist\n"
	      "ffff800080601000 t arm_smmu_iotlb_sync\n"
	      "ffff800080601100 t arm_smmu_unmap_pages\n"
	      "ffff800080601200 t arm_smmu_flush_iotlb_all\n"
	      "ffff800080602000 d arm_smmu_map_pages\n"
	      "ffff800080602100 d arm_smmu_map_pages\n"
	      "ffff800090000000 t viommu_iotlb_sync\t[virtio_iommu]\n"
	      "ffff800090001000 t viommu_iotlb_sync\t[virtio_iommu]\n", f);
	fclose(f);

	/* BTF named viommu's (a module) and, once, arm_smmu_iotlb_sync */
	memset(&fb, 0, sizeof(fb));
	snprintf(fb.t[IFL_FB_SYNC][0].func, sizeof(fb.t[0][0].func), "viommu_iotlb_sync");
	snprintf(fb.t[IFL_FB_SYNC][0].module, sizeof(fb.t[0][0].module), "virtio_iommu");
	snprintf(fb.t[IFL_FB_SYNC][1].func, sizeof(fb.t[0][0].func), "arm_smmu_iotlb_sync");
	fb.n[IFL_FB_SYNC] = 2;
	CHECK(ifl_fb_kallsyms(&fb, path) == 0 && !strcmp(fb.shared, "arm_smmu_iotlb_sync"),
	      "a callback name two built-in functions have is found (%s)", fb.shared);
	CHECK(fb.n[IFL_FB_SYNC] == 3 && !strcmp(fb.t[IFL_FB_SYNC][0].func, "viommu_iotlb_sync") &&
	      !fb.t[IFL_FB_SYNC][0].addr &&
	      fb.t[IFL_FB_SYNC][1].addr == 0xffff800080500100ULL && fb.t[IFL_FB_SYNC][2].addr == 0xffff800080601000ULL,
	      "syncs: the module's by name, the shared name's BTF target replaced by one per address (%d targets)",
	      fb.n[IFL_FB_SYNC]);
	CHECK(fb.n[IFL_FB_UNMAP] == 2 && fb.t[IFL_FB_UNMAP][0].gather_arg == 4 &&
	      fb.t[IFL_FB_UNMAP][1].addr == 0xffff800080601100ULL && fb.t[IFL_FB_UNMAP][1].dom_off == 0,
	      "unmaps BTF left out: one per address, the domain first and the gather fifth, as in iommu_domain_ops");
	CHECK(fb.n[IFL_FB_FLUSH_ALL] == 0 && fb.n[IFL_FB_MAP] == 0,
	      "a name vmlinux has once, or only as data, is left to BTF (%d, %d)",
	      fb.n[IFL_FB_FLUSH_ALL], fb.n[IFL_FB_MAP]);

	/* full slots: the rest counts as unhooked */
	memset(&fb, 0, sizeof(fb));
	for (int i = 0; i < IFL_FB_SLOTS - 1; i++)
		snprintf(fb.t[IFL_FB_SYNC][i].func, sizeof(fb.t[0][0].func), "other_sync%d", i);
	fb.n[IFL_FB_SYNC] = IFL_FB_SLOTS - 1;
	CHECK(ifl_fb_kallsyms(&fb, path) == 0 && fb.n[IFL_FB_SYNC] == IFL_FB_SLOTS && fb.unhooked == 1,
	      "past %d slots a shared name's addresses count as unhooked (%d)", IFL_FB_SLOTS, fb.unhooked);
	unlink(path);
	memset(&fb, 0, sizeof(fb));
	CHECK(ifl_fb_kallsyms(&fb, path) == -ENOENT && !fb.shared[0], "no kallsyms: -ENOENT, nothing changed");
}

int main(void)
{
	char vmlinux[128], mods[128], mod[160], iommu[160];
	struct types t;
	struct btf *b;
	int cpu_a = -1, cpu_b = -1;
	cpu_set_t allowed;

	/*
	 * Two CPUs this process may run on: ifl_test_fb_op() pins the test to
	 * the CPU of each operation, so that the programs run in this task
	 * (an entry and its exit in one task, as in the kernel), whatever else
	 * the host runs; one CPU plays both on a single-CPU machine.
	 */
	if (sched_getaffinity(0, sizeof(allowed), &allowed)) {
		printf("not ok sched_getaffinity: %s\n", strerror(errno));
		return 1;
	}
	for (int i = 0; i < CPU_SETSIZE && cpu_b < 0; i++)
		if (CPU_ISSET(i, &allowed)) {
			if (cpu_a < 0)
				cpu_a = i;
			else
				cpu_b = i;
		}
	if (cpu_b < 0)
		cpu_b = cpu_a;

	if (!mkdtemp(tmpdir)) {
		printf("not ok mkdtemp: %s\n", strerror(errno));
		return 1;
	}
	snprintf(vmlinux, sizeof(vmlinux), "%s/vmlinux", tmpdir);
	snprintf(mods, sizeof(mods), "%s/mods", tmpdir);
	snprintf(mod, sizeof(mod), "%s/virtio_iommu", mods);
	snprintf(iommu, sizeof(iommu), "%s/iommu", tmpdir);
	mkdir(mods, 0755);
	mkdir(iommu, 0755);
	b = write_vmlinux(vmlinux, &t);
	if (!b || write_module(b, &t, mod)) {
		printf("not ok writing the BTF files\n");
		return 1;
	}
	btf__free(b);

	test_detection(vmlinux, mods);
	test_handlers(cpu_a, cpu_b);
	test_refusal(vmlinux, iommu);
	test_kallsyms();

	unlink(mod);
	unlink(vmlinux);
	rmdir(mods);
	rmdir(iommu);
	rmdir(tmpdir);
	CHECK_EXIT();
}
