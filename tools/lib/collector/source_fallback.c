// SPDX-License-Identifier: GPL-2.0
/*
 * The event source of kernels without the tracepoint series: fentry/fexit
 * (or kprobe/kretprobe) on the IOMMU drivers' callbacks, and the
 * unpatched iommu:map/iommu:unmap tracepoints (bpf/iommu_fallback.bpf.c
 * says what each hook computes, fallback_btf.c how the callbacks are
 * found).  Preference, and why (docs/collector.md, "Event sources"):
 * fentry/fexit first (one trampoline call, arguments typed and read
 * without a probe, the exit sees the arguments), kprobes where fentry is
 * refused (no BPF trampolines: CONFIG_DYNAMIC_FTRACE_WITH_DIRECT_CALLS
 * off, or a policy that forbids them).
 *
 * What it cannot measure is declared, so tools show "-": range-adds and
 * the forced-sync reasons (inside iommu.c's inline gather helpers, no
 * function to hook), the flush queue's own events (dma-iommu's queue_iova,
 * fq_flush_iotlb are static and inlined on the kernels measured; see
 * fq_found), and the consumer of each event (a callback's caller is
 * iommu.c, not the consumer: rows have no caller).  The stale window is
 * measured without them: from a queued unmap to the end of the domain's
 * next flush-all to begin.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/perf_event.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "internal.h"
#include "iommu_flush.skel.h"

/* The four programs of each kind and slot (FB_PROGS in bpf/iommu_fallback.bpf.c). */
enum fb_hook { FB_FENTRY, FB_FEXIT, FB_KPROBE, FB_KRETPROBE, FB_NR_HOOKS };

static const char *const hook_names[FB_NR_HOOKS] = {
	[FB_FENTRY] = "fentry", [FB_FEXIT] = "fexit",
	[FB_KPROBE] = "kprobe", [FB_KRETPROBE] = "kretprobe",
};

/*
 * The skeleton's programs, from the table the BPF side is generated from
 * (IFL_FB_FOR_KINDS x IFL_FB_FOR_SLOTS, include/iommu_fallback.h): a
 * program the table names and the object lacks does not compile.
 */
#define FB_PROG_PTRS(kind, name, slot)					\
	t[kind][slot][FB_FENTRY] = s->progs.fe_##name##slot;		\
	t[kind][slot][FB_FEXIT] = s->progs.fx_##name##slot;		\
	t[kind][slot][FB_KPROBE] = s->progs.kp_##name##slot;		\
	t[kind][slot][FB_KRETPROBE] = s->progs.kr_##name##slot;
#define FB_SLOT_PTRS(slot) IFL_FB_FOR_KINDS(FB_PROG_PTRS, slot)
#define FB_KIND_NAME(kind, name, slot) [kind] = #name,

static const char *const kind_names[IFL_FB_NR_KINDS] = { IFL_FB_FOR_KINDS(FB_KIND_NAME, 0) };

/* The program of a hook, kind and slot; NULL, with the message set, if the table has none. */
static struct bpf_program *fb_prog(const struct ifl_source_args *c, enum fb_hook h, int kind, int slot,
				   struct ifl_err *err)
{
	struct bpf_program *t[IFL_FB_NR_KINDS][IFL_FB_SLOTS][FB_NR_HOOKS] = { 0 };
	struct iommu_flush_bpf *s = c->skel;
	struct bpf_program *p = NULL;

	IFL_FB_FOR_SLOTS(FB_SLOT_PTRS)
	if (kind >= 0 && kind < IFL_FB_NR_KINDS && slot >= 0 && slot < IFL_FB_SLOTS)
		p = t[kind][slot][h];
	if (!p)
		ifl_err(err, IFL_ERR_BPF, "the BPF object has no %s program for %s, slot %d",
			 hook_names[h], kind >= 0 && kind < IFL_FB_NR_KINDS && kind_names[kind] ?
			 kind_names[kind] : "?", slot);
	return p;
}

/* unmap and map need no entry program with fexit: nothing to time */
static bool timed(int kind)
{
	return kind != IFL_FB_UNMAP && kind != IFL_FB_MAP;
}

/* The first hooked callback in vmlinux, for the feature probes; NULL if none. */
static const struct ifl_fb_target *probe_target(const struct ifl_fb_targets *fb)
{
	for (int k = 0; k < IFL_FB_NR_KINDS; k++)
		for (int i = 0; i < fb->n[k]; i++)
			if (!fb->t[k][i].module[0] && !fb->t[k][i].addr)
				return &fb->t[k][i];
	return NULL;
}

static const struct bpf_insn ret0[] = {
	{ .code = 0xb7, .dst_reg = 0, .imm = 0 },	/* r0 = 0 */
	{ .code = 0x95 },				/* exit */
};

/*
 * Can an fentry program attach to func?  Loaded and attached for real
 * (libbpf_probe_bpf_prog_type() would only say the program type exists;
 * whether the kernel builds a trampoline, or a policy refuses it, is
 * known at attach).  0 or -errno.
 */
static int probe_fentry(const struct btf *btf, const char *func)
{
	LIBBPF_OPTS(bpf_prog_load_opts, o, .expected_attach_type = BPF_TRACE_FENTRY);
	int id = btf__find_by_name_kind(btf, func, BTF_KIND_FUNC);
	int fd, link, err = 0;

	if (id < 0)
		return -ENOENT;
	o.attach_btf_id = (__u32)id;
	fd = bpf_prog_load(BPF_PROG_TYPE_TRACING, "ifl_probe", "GPL", ret0, 2, &o);
	if (fd < 0)
		return -errno;
	link = bpf_link_create(fd, 0, BPF_TRACE_FENTRY, NULL);
	if (link < 0)
		err = -errno;
	else
		close(link);
	close(fd);
	return err;
}

/*
 * Can a kprobe program attach to func?  Through the kprobe PMU, as libbpf
 * attaches it: its type file exists only with CONFIG_KPROBES (and
 * KPROBE_EVENTS' PMU).  0 or -errno.
 */
static int probe_kprobe(const char *func)
{
	struct perf_event_attr a = { .size = sizeof(a) };
	int fd, pfd, type, err = 0;
	FILE *f = fopen("/sys/bus/event_source/devices/kprobe/type", "r");

	if (!f)
		return -ENOENT;
	if (fscanf(f, "%d", &type) != 1)
		type = -1;
	fclose(f);
	if (type < 0)
		return -ENOENT;
	fd = bpf_prog_load(BPF_PROG_TYPE_KPROBE, "ifl_probe", "GPL", ret0, 2, NULL);
	if (fd < 0)
		return -errno;
	a.type = (__u32)type;
	a.config1 = (__u64)(unsigned long)func;
	pfd = (int)syscall(SYS_perf_event_open, &a, -1, 0, -1, PERF_FLAG_FD_CLOEXEC);
	if (pfd < 0)
		err = -errno;
	else if (ioctl(pfd, PERF_EVENT_IOC_SET_BPF, fd))
		err = -errno;
	if (pfd >= 0)
		close(pfd);
	close(fd);
	return err;
}

static const char *errname(int err)
{
	return err == -ENOENT ? "not in this kernel" : strerror(-err);
}

static int fb_probe(const struct ifl_source_args *c, struct ifl_probe *found, struct ifl_err *err)
{
	const struct ifl_fb_target *t;
	char *dir = NULL;
	int fe, kp;

	if (!c->btf) {
		/* tests without env checks: kprobe mode, no callback hooked (*found is zeroed) */
		return 0;
	}
	/* the modules' BTF sits beside vmlinux's; not for test BTF files */
	if (!c->opts->btf_path)
		dir = "/sys/kernel/btf";
	if (ifl_fb_find(c->btf, dir, &found->fb))
		return ifl_err(err, IFL_ERR_NO_EVENTS,
				"no IOMMU driver callback (iotlb_sync, flush_iotlb_all, unmap_pages, ... of intel-iommu, amd-iommu, arm-smmu-v3, virtio-iommu) in this kernel's BTF");
	if (!found->fb.have_map_tp)
		return ifl_err(err, IFL_ERR_NO_EVENTS,
				"no iommu:map/iommu:unmap tracepoints in this kernel's BTF (CONFIG_TRACING)");
	found->got_far = true;
	found->mode = IFL_PROG_AUTO;
	/* a running kernel's kallsyms: what BTF cannot name (ifl_fb_kallsyms) */
	if (!c->opts->btf_path && ifl_fb_kallsyms(&found->fb, "/proc/kallsyms") == 0 && found->fb.shared[0]) {
		if (c->opts->mode == IFL_PROG_TP_BTF)
			return ifl_err(err, IFL_ERR_NO_EVENTS,
					"fentry cannot hook %s: two built-in functions have that name (two drivers), kprobes at their addresses can: leave the program kind to the tool",
					found->fb.shared);
		found->mode = IFL_PROG_RAW_TP;
	}
	t = probe_target(&found->fb);
	if (!t)
		return 0;	/* every callback in a module: the load decides */
	/* only what was asked for is probed: a forced kind must work */
	fe = c->opts->mode == IFL_PROG_RAW_TP || found->fb.shared[0] ? -ENOTSUP : probe_fentry(c->btf, t->func);
	if (!fe) {
		found->mode = IFL_PROG_TP_BTF;
		found->got_far = false;
		return 0;
	}
	kp = c->opts->mode == IFL_PROG_TP_BTF ? -ENOTSUP : probe_kprobe(t->func);
	if (!kp) {
		found->mode = IFL_PROG_RAW_TP;
		found->got_far = false;
		return 0;
	}
	return ifl_err(err, IFL_ERR_NO_EVENTS,
			"no flush tracepoint series, and the fallback can attach neither fentry (%s: %s) nor kprobes (%s)",
			t->func, fe == -ENOTSUP ? "not asked for" : errname(fe),
			kp == -ENOTSUP ? "not asked for" : kp == -ENOENT ? "no kprobe PMU: CONFIG_KPROBES" : strerror(-kp));
}

static int fb_prepare(const struct ifl_source_args *c, struct ifl_err *err)
{
	bool fentry = c->mode == IFL_PROG_TP_BTF;
	struct iommu_flush_bpf *s = c->skel;

	for (int k = 0; k < IFL_FB_NR_KINDS; k++) {
		for (int i = 0; i < c->fb->n[k]; i++) {
			const struct ifl_fb_target *t = &c->fb->t[k][i];
			struct bpf_program *p[2] = { fb_prog(c, fentry ? FB_FENTRY : FB_KPROBE, k, i, err),
						     fb_prog(c, fentry ? FB_FEXIT : FB_KRETPROBE, k, i, err) };

			if (!p[0] || !p[1])
				return -IFL_ERR_BPF;
			s->rodata->fb_dom_off[k][i] = t->dom_off;
			if (k == IFL_FB_UNMAP)
				s->rodata->fb_gather_arg[i] = t->gather_arg;
			for (int j = 0; j < 2; j++) {
				/* fexit alone sees unmap's and map's arguments */
				if (fentry && j == 0 && !timed(k))
					continue;
				bpf_program__set_autoload(p[j], true);
				if (fentry && bpf_program__set_attach_target(p[j], 0, t->func))
					return ifl_err(err, IFL_ERR_BPF, "cannot target %s: %s",
							t->func, strerror(errno));
			}
		}
	}
	bpf_program__set_autoload(s->progs.fb_map, true);
	bpf_program__set_autoload(s->progs.fb_unmap, true);
	/* the host tests' replay program */
	bpf_program__set_autoload(s->progs.fb_test, c->opts->no_attach);
	return 0;
}

static int add_link(struct ifl_links *links, struct ifl_err *err, struct bpf_link *l,
		    const char *what, const char *func)
{
	if (!l)
		return ifl_err(err, IFL_ERR_BPF, "cannot attach %s to %s: %s", what, func,
				strerror(errno));
	if (links->n == IFL_MAX_LINKS) {
		bpf_link__destroy(l);
		return ifl_err(err, IFL_ERR_BPF, "more than %d links", IFL_MAX_LINKS);
	}
	links->l[links->n++] = l;
	return 0;
}

/* Attach the program of hook h, kind k, slot i to its target. */
static int fb_attach_one(const struct ifl_source_args *c, struct ifl_links *out, struct ifl_err *e,
			 enum fb_hook h, int k, int i)
{
	struct bpf_program *p = fb_prog(c, h, k, i, e);
	const struct ifl_fb_target *t = &c->fb->t[k][i];
	const char *f = t->func;
	struct bpf_link *l;

	if (!p)
		return -IFL_ERR_BPF;
	if (h == FB_FENTRY || h == FB_FEXIT) {
		l = bpf_program__attach_trace(p);
	} else if (t->addr) {
		/* no name: the offset is the address (ifl_fb_kallsyms) */
		LIBBPF_OPTS(bpf_kprobe_opts, o, .offset = t->addr, .retprobe = h == FB_KRETPROBE);

		l = bpf_program__attach_kprobe_opts(p, NULL, &o);
	} else {
		l = bpf_program__attach_kprobe(p, h == FB_KRETPROBE, f);
	}
	return add_link(out, e, l, hook_names[h], f);
}

static int fb_attach(const struct ifl_source_args *c, struct ifl_links *out, struct ifl_err *e)
{
	bool fentry = c->mode == IFL_PROG_TP_BTF;
	int err;

	for (int k = 0; k < IFL_FB_NR_KINDS; k++) {
		for (int i = 0; i < c->fb->n[k]; i++) {
			err = 0;
			if (fentry) {
				if (timed(k))
					err = fb_attach_one(c, out, e, FB_FENTRY, k, i);
				if (!err)
					err = fb_attach_one(c, out, e, FB_FEXIT, k, i);
			} else {
				err = fb_attach_one(c, out, e, FB_KPROBE, k, i);
				if (!err)
					err = fb_attach_one(c, out, e, FB_KRETPROBE, k, i);
			}
			if (err)
				return err;
		}
	}
	err = add_link(out, e, bpf_program__attach_raw_tracepoint(c->skel->progs.fb_map, "map"),
		       "raw_tp", "iommu:map");
	if (!err)
		err = add_link(out, e, bpf_program__attach_raw_tracepoint(c->skel->progs.fb_unmap, "unmap"),
			       "raw_tp", "iommu:unmap");
	return err;
}

static struct bpf_program *fb_event_prog(const struct ifl_source_args *c, enum ifl_event ev)
{
	if (ev == IFL_EV_MAP)
		return c->skel->progs.fb_map;
	if (ev == IFL_EV_UNMAP)
		return c->skel->progs.fb_unmap;
	return NULL;
}

#define C(x) (1ULL << IFL_C_##x)
#define H(x) (1U << IFL_H_##x)

const struct ifl_source ifl_source_fallback = {
	.name = "fallback",
	.desc = "fentry/kprobes on the IOMMU drivers' callbacks, iommu:map/unmap (no series)",
	.probe = fb_probe,
	.prepare = fb_prepare,
	.attach = fb_attach,
	.event_prog = fb_event_prog,
	.consumers = true,	/* from the stack of each domain's first callback */
	.avail_counts = C(MAP) | C(MAP_BYTES) | C(UNMAP) | C(UNMAP_BYTES) | C(UNMAP_UNSYNCED) |
			C(SYNC) | C(SYNC_NS) | C(SYNC_UNTRACKED) | C(FLUSHED_BYTES) |
			C(FLUSH_ALL) | C(FLUSH_ALL_NS) | C(SYNC_MAP) | C(SYNC_MAP_BYTES) |
			C(SYNC_MAP_ERR) | C(SYNC_MAP_NS) | C(STALE_UNMEASURED),
	.avail_hists = H(PAGES_PER_SYNC) | H(UNMAPS_PER_SYNC) | H(SYNC_NS) | H(MAP_SIZE) |
		       H(UNMAP_SIZE) | H(STALE_NS),
	.prog_btf = "fentry",
	.prog_plain = "kprobe",
};
