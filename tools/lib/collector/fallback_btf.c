// SPDX-License-Identifier: GPL-2.0
/*
 * Where the fallback source hooks: the IOMMU drivers' domain-ops callbacks
 * the running kernel has, found by name in its BTF (vmlinux's and each
 * loaded module's: virtio-iommu is a module on Debian's kernels), never by
 * address.  A function is taken only if BTF says it is a real function
 * (an inlined or renamed copy has no BTF FUNC: pahole leaves it out) and
 * its prototype is the callback's: a domain (or generic_pt's pt_iommu,
 * which embeds one) first, the gather where the kind has one.  Separate
 * from source_fallback.c so that host tests run it on BTF files they write.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/btf.h>

#include "internal.h"

/* The callbacks of struct iommu_domain_ops, per driver (6.12 and 7.2). */
static const struct {
	const char *func;
	enum ifl_fb_kind kind;
} known[] = {
	{ "intel_iommu_tlb_sync", IFL_FB_SYNC },
	{ "amd_iommu_iotlb_sync", IFL_FB_SYNC },
	{ "viommu_iotlb_sync", IFL_FB_SYNC },
	{ "arm_smmu_iotlb_sync", IFL_FB_SYNC },
	{ "intel_flush_iotlb_all", IFL_FB_FLUSH_ALL },
	{ "amd_iommu_flush_iotlb_all", IFL_FB_FLUSH_ALL },
	{ "viommu_flush_iotlb_all", IFL_FB_FLUSH_ALL },
	{ "arm_smmu_flush_iotlb_all", IFL_FB_FLUSH_ALL },
	{ "intel_iommu_iotlb_sync_map", IFL_FB_SYNC_MAP },
	{ "amd_iommu_iotlb_sync_map", IFL_FB_SYNC_MAP },
	{ "viommu_iotlb_sync_map", IFL_FB_SYNC_MAP },
	{ "intel_iommu_unmap_pages", IFL_FB_UNMAP },
	{ "amd_iommu_unmap_pages", IFL_FB_UNMAP },
	{ "viommu_unmap_pages", IFL_FB_UNMAP },
	{ "arm_smmu_unmap_pages", IFL_FB_UNMAP },
	{ "intel_iommu_map_pages", IFL_FB_MAP },
	{ "amd_iommu_map_pages", IFL_FB_MAP },
	{ "viommu_map_pages", IFL_FB_MAP },
	{ "arm_smmu_map_pages", IFL_FB_MAP },
};

/* dma-iommu's flush-queue functions: static, inlined on some builds. */
static const char *const fq_funcs[] = { "queue_iova", "fq_flush_iotlb", "fq_flush_timeout" };

/* The struct a parameter points to, through modifiers and typedefs, or NULL. */
static const char *param_struct(const struct btf *btf, __u32 type_id)
{
	const struct btf_type *t = btf__type_by_id(btf, type_id);

	while (t && (btf_is_mod(t) || btf_is_typedef(t)))
		t = btf__type_by_id(btf, t->type);
	if (!t || !btf_is_ptr(t))
		return NULL;
	t = btf__type_by_id(btf, t->type);
	while (t && (btf_is_mod(t) || btf_is_typedef(t)))
		t = btf__type_by_id(btf, t->type);
	if (!t || !btf_is_struct(t))
		return NULL;
	return btf__name_by_offset(btf, t->name_off);
}

/* Byte offset of member "domain" in struct pt_iommu, -1 if absent. */
static int pt_domain_offset(const struct btf *btf)
{
	int id = btf__find_by_name_kind(btf, "pt_iommu", BTF_KIND_STRUCT);
	const struct btf_type *t = id > 0 ? btf__type_by_id(btf, id) : NULL;
	const struct btf_member *m;

	if (!t)
		return -1;
	m = btf_members(t);
	for (int i = 0; i < btf_vlen(t); i++, m++)
		if (!strcmp(btf__name_by_offset(btf, m->name_off), "domain"))
			return (int)(btf_member_bit_offset(t, i) / 8);
	return -1;
}

/*
 * Whether FUNC id is a callback of kind: its domain argument's offset in
 * *dom_off and, for unmaps, the gather's index in *gather_arg.
 */
static bool fits(const struct btf *btf, int id, enum ifl_fb_kind kind, bool pt_only,
		 unsigned int *dom_off, unsigned int *gather_arg)
{
	const struct btf_type *f = btf__type_by_id(btf, id);
	const struct btf_type *proto = f ? btf__type_by_id(btf, f->type) : NULL;
	const struct btf_param *p;
	const char *first;
	int n, off;

	if (!proto || !btf_is_func_proto(proto))
		return false;
	p = btf_params(proto);
	n = btf_vlen(proto);
	/* the programs read the first IFL_FB_NARGS arguments (a gather must be among them) */
	if (n < 1 || n > 8)
		return false;
	first = param_struct(btf, p[0].type);
	if (!first)
		return false;
	if (!strcmp(first, "iommu_domain") && !pt_only) {
		*dom_off = 0;
	} else if (!strcmp(first, "pt_iommu")) {
		off = pt_domain_offset(btf);
		if (off < 0)
			return false;
		*dom_off = (unsigned int)off;
	} else {
		return false;
	}
	switch (kind) {
	case IFL_FB_SYNC:
		return n == 2 && (first = param_struct(btf, p[1].type)) &&
		       !strcmp(first, "iommu_iotlb_gather");
	case IFL_FB_FLUSH_ALL:
		return n == 1;
	case IFL_FB_SYNC_MAP:
		return n == 3;
	case IFL_FB_UNMAP:
		/* kprobes read IFL_FB_NARGS arguments, and fentry as many */
		for (int i = 1; i < n && i < IFL_FB_NARGS; i++) {
			first = param_struct(btf, p[i].type);
			if (first && !strcmp(first, "iommu_iotlb_gather")) {
				*gather_arg = (unsigned int)i;
				return true;
			}
		}
		return false;
	case IFL_FB_MAP:
		return true;
	default:
		return false;
	}
}

static void add(struct ifl_fb_targets *out, enum ifl_fb_kind kind, const char *func,
		const char *module, unsigned int dom_off, unsigned int gather_arg)
{
	struct ifl_fb_target *t;

	for (int i = 0; i < out->n[kind]; i++)
		if (!strcmp(out->t[kind][i].func, func))
			return;
	if (out->n[kind] == IFL_FB_SLOTS) {
		out->unhooked++;
		return;
	}
	t = &out->t[kind][out->n[kind]++];
	snprintf(t->func, sizeof(t->func), "%s", func);
	snprintf(t->module, sizeof(t->module), "%s", module ? module : "");
	t->dom_off = dom_off;
	t->gather_arg = gather_arg;
}

static bool has_suffix(const char *s, const char *suf)
{
	size_t ls = strlen(s), lf = strlen(suf);

	return ls > lf && !strcmp(s + ls - lf, suf);
}

/* The targets one BTF (vmlinux, or a module's split on it) holds. */
static void scan(const struct btf *btf, const char *module, struct ifl_fb_targets *out)
{
	unsigned int dom_off = 0, gather_arg = 0;
	__u32 n = btf__type_cnt(btf);

	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
		int id = btf__find_by_name_kind(btf, known[i].func, BTF_KIND_FUNC);

		if (id > 0 && fits(btf, id, known[i].kind, false, &dom_off, &gather_arg))
			add(out, known[i].kind, known[i].func, module, dom_off, gather_arg);
	}
	for (size_t i = 0; i < sizeof(fq_funcs) / sizeof(fq_funcs[0]); i++)
		if (btf__find_by_name_kind(btf, fq_funcs[i], BTF_KIND_FUNC) > 0)
			out->fq_found |= 1u << i;
	/*
	 * generic_pt (7.2): drivers on it map and unmap through
	 * <fmt>_map_range/<fmt>_unmap_range(struct pt_iommu *, ...), one pair per
	 * page-table format, whatever the driver: found by their prototype.
	 */
	if (pt_domain_offset(btf) < 0)
		return;
	for (__u32 id = 1; id < n; id++) {
		const struct btf_type *t = btf__type_by_id(btf, id);
		const char *name;

		if (!btf_is_func(t))
			continue;
		name = btf__name_by_offset(btf, t->name_off);
		if (has_suffix(name, "_unmap_range") &&
		    fits(btf, (int)id, IFL_FB_UNMAP, true, &dom_off, &gather_arg))
			add(out, IFL_FB_UNMAP, name, module, dom_off, gather_arg);
		else if (has_suffix(name, "_map_range") &&
			 fits(btf, (int)id, IFL_FB_MAP, true, &dom_off, &gather_arg))
			add(out, IFL_FB_MAP, name, module, dom_off, 0);
	}
}

/* btf_trace_<tp> typedef present: the tracepoint exists. */
static bool has_tp(const struct btf *btf, const char *tp)
{
	char name[64];

	snprintf(name, sizeof(name), "btf_trace_%s", tp);
	return btf__find_by_name_kind(btf, name, BTF_KIND_TYPEDEF) > 0;
}

int ifl_fb_find(const struct btf *vmlinux, const char *btf_dir, struct ifl_fb_targets *out)
{
	const struct btf_type *g;
	struct dirent *e;
	DIR *d;
	int id;

	memset(out, 0, sizeof(*out));
	scan(vmlinux, NULL, out);
	out->have_map_tp = has_tp(vmlinux, "map") && has_tp(vmlinux, "unmap");
	/* gather->queued: dma-iommu's mark of a gather it queues (5.15+) */
	id = btf__find_by_name_kind(vmlinux, "iommu_iotlb_gather", BTF_KIND_STRUCT);
	g = id > 0 ? btf__type_by_id(vmlinux, id) : NULL;
	for (int i = 0; g && i < btf_vlen(g); i++)
		if (!strcmp(btf__name_by_offset(vmlinux, btf_members(g)[i].name_off), "queued"))
			out->have_queued = true;
	/* the modules' BTF, split on vmlinux's: drivers built as modules */
	d = btf_dir ? opendir(btf_dir) : NULL;
	while (d && (e = readdir(d))) {
		char path[512];
		struct btf *m;

		if (e->d_name[0] == '.' || !strcmp(e->d_name, "vmlinux"))
			continue;
		snprintf(path, sizeof(path), "%s/%s", btf_dir, e->d_name);
		m = btf__parse_split(path, (struct btf *)vmlinux);
		if (!m)
			continue;
		scan(m, e->d_name, out);
		btf__free(m);
	}
	if (d)
		closedir(d);
	for (int k = 0; k < IFL_FB_NR_KINDS; k++)
		if (out->n[k])
			return 0;
	return -ENOENT;
}

/*
 * Callbacks whose name two built-in functions have.  Debian's arm64 kernel
 * builds arm-smmu (SMMUv2) and arm-smmu-v3 in, and both have
 * arm_smmu_iotlb_sync, arm_smmu_map_pages, ...: pahole then leaves the
 * name out of BTF (one FUNC could not say which), an fentry program could
 * not tell them apart, and a kprobe by name is refused ("not unique").
 * So, from kallsyms: each address of a known callback's name that vmlinux
 * has more than once becomes a target of its own, probed there (addr), and
 * all of them count as the kind's: the driver with no device runs none of
 * its callbacks.  Their prototype is struct iommu_domain_ops' (the domain
 * first, an unmap's gather fifth), which both drivers implement.  Sets
 * fb->shared to the first such name; targets past IFL_FB_SLOTS count as
 * unhooked.  0, or -errno when kallsyms cannot be read.
 */
#define FB_MAX_DUPS IFL_FB_SLOTS

int ifl_fb_kallsyms(struct ifl_fb_targets *fb, const char *kallsyms)
{
	uint64_t addr[sizeof(known) / sizeof(known[0])][FB_MAX_DUPS];
	int na[sizeof(known) / sizeof(known[0])] = { 0 };
	char *line = NULL;
	size_t cap = 0;
	FILE *f;

	f = fopen(kallsyms, "r");
	if (!f)
		return -errno;
	while (getline(&line, &cap, f) > 0) {
		unsigned long long a;
		char type, name[128];

		/* vmlinux's lines have three fields, a module's a fourth */
		if (sscanf(line, "%llx %c %127s", &a, &type, name) != 3 || strchr(line, '[') ||
		    (type != 't' && type != 'T'))
			continue;
		for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
			if (!strcmp(name, known[i].func) && na[i] < FB_MAX_DUPS)
				addr[i][na[i]++] = a;
	}
	free(line);
	fclose(f);

	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
		enum ifl_fb_kind k = known[i].kind;
		int at = -1;

		if (na[i] < 2)
			continue;
		for (int j = 0; j < fb->n[k]; j++)
			if (!strcmp(fb->t[k][j].func, known[i].func) && !fb->t[k][j].module[0])
				at = j;
		/* in BTF after all (the name taken by one): replaced by all of them */
		if (at >= 0) {
			memmove(&fb->t[k][at], &fb->t[k][at + 1], (size_t)(fb->n[k] - at - 1) * sizeof(fb->t[k][0]));
			fb->n[k]--;
		}
		if (!fb->shared[0])
			snprintf(fb->shared, sizeof(fb->shared), "%s", known[i].func);
		for (int j = 0; j < na[i]; j++) {
			struct ifl_fb_target *t;

			if (fb->n[k] == IFL_FB_SLOTS) {
				fb->unhooked++;
				continue;
			}
			t = &fb->t[k][fb->n[k]++];
			memset(t, 0, sizeof(*t));
			snprintf(t->func, sizeof(t->func), "%s", known[i].func);
			t->addr = addr[i][j];
			t->dom_off = 0;
			t->gather_arg = k == IFL_FB_UNMAP ? 4 : 0;
		}
	}
	return 0;
}

const char *ifl_fb_fq_name(unsigned int i)
{
	return i < sizeof(fq_funcs) / sizeof(fq_funcs[0]) ? fq_funcs[i] : NULL;
}
