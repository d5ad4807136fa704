// SPDX-License-Identifier: GPL-2.0
/*
 * Names for what the maps hold as addresses: kallsyms resolution of callers
 * and of a domain's ops/owner, the IOMMU driver and the consumer they
 * stand for, domain type names, and the per-run numbering of domains.
 *
 * /proc/kallsyms is read in one streaming pass per batch of new addresses
 * and not kept: it has 100k-250k lines, and a tool refreshing every second
 * sees the same few callers again and again.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

void ifl_names_init(struct ifl_names *n, const char *kallsyms)
{
	memset(n, 0, sizeof(*n));
	n->kallsyms = kallsyms ? kallsyms : "/proc/kallsyms";
	n->iommu_class = "/sys/class/iommu";
}

void ifl_names_free(struct ifl_names *n)
{
	free(n->syms);
	free(n->doms);
	memset(n, 0, sizeof(*n));
}

static bool has_prefix(const char *s, const char *p);

/* One kallsyms line: "ADDR TYPE NAME[\t[MODULE]]". */
static bool parse_line(char *line, uint64_t *addr, char *type, char **name, char **mod)
{
	char *p, *end;

	errno = 0;
	*addr = strtoull(line, &end, 16);
	if (errno || end == line || *end != ' ')
		return false;
	p = end + 1;
	if (!*p || p[1] != ' ')
		return false;
	*type = *p;
	*name = p + 2;
	*mod = NULL;
	p = strpbrk(*name, "\t\n");
	if (p && *p == '\t') {
		*p = '\0';
		*mod = p + 1;
		if (**mod == '[')
			(*mod)++;
		p = strpbrk(*mod, "]\n");
		if (p)
			*p = '\0';
	} else if (p) {
		*p = '\0';
	}
	return **name != '\0';
}

static int cmp_sym(const void *a, const void *b)
{
	const struct ifl_sym *x = a, *y = b;

	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

const struct ifl_sym *ifl_names_sym(const struct ifl_names *n, uint64_t addr)
{
	struct ifl_sym key = { .addr = addr };

	if (!n->nsyms)
		return NULL;
	return bsearch(&key, n->syms, n->nsyms, sizeof(key), cmp_sym);
}

/*
 * For every new address q, the symbol with the largest address <= q.  Each
 * kallsyms line is credited to the first query at or above its address
 * (binary search); a prefix maximum over the queries then gives each
 * query the closest symbol below it.
 */
/*
 * arm-smmu-v3 and arm-smmu (SMMUv2) name their ops and callbacks alike
 * (arm_smmu_ops, arm_smmu_iotlb_sync, ...).  Built as modules, the module
 * tells them apart.  Built in, a function each has alone says which are
 * there; where both are (Debian's arm64 kernel), the IOMMUs that exist
 * do: v3 names its instances smmu3.ADDR in /sys/class/iommu, v2 smmu.ADDR,
 * and a driver with no instance owns no domain.
 */
#define SMMU_V3_ONLY "arm_smmu_cmdq_issue_cmdlist"
#define SMMU_V2_ONLY "arm_smmu_global_fault"

/* Whether the built-in arm_smmu symbols are arm-smmu-v3's. */
static bool smmu_builtin_is_v3(const struct ifl_names *n, bool v3, bool v2)
{
	bool has_v3 = false, has_v2 = false;
	struct dirent *e;
	DIR *d;

	if (!v3 || !v2)
		return v3;
	d = opendir(n->iommu_class);
	if (!d)
		return false;
	while ((e = readdir(d))) {
		has_v3 |= has_prefix(e->d_name, "smmu3.");
		has_v2 |= has_prefix(e->d_name, "smmu.");
	}
	closedir(d);
	return has_v3 && !has_v2;
}

int ifl_names_resolve(struct ifl_names *n, const uint64_t *addrs, size_t count)
{
	bool smmu_v3 = false, smmu_v2 = false;
	struct ifl_sym *q = NULL;
	uint64_t *best = NULL;
	size_t nq = 0, i;
	char *line = NULL;
	size_t linecap = 0;
	FILE *f = NULL;
	int ret = 0;

	q = calloc(count ? count : 1, sizeof(*q));
	best = calloc(count ? count : 1, sizeof(*best));
	if (!q || !best) {
		ret = -ENOMEM;
		goto out;
	}
	for (i = 0; i < count; i++) {
		if (!addrs[i] || ifl_names_sym(n, addrs[i]))
			continue;
		q[nq++].addr = addrs[i];
	}
	if (!nq)
		goto out;
	qsort(q, nq, sizeof(*q), cmp_sym);
	/* unique */
	for (i = 1, count = 1; i < nq; i++)
		if (q[i].addr != q[count - 1].addr)
			q[count++] = q[i];
	nq = count;

	f = fopen(n->kallsyms, "r");
	if (!f) {
		/*
		 * Unresolved, and not cached: the names read "unknown" in this
		 * snapshot and the next one reads kallsyms again (one failed
		 * open used to name them "unknown" for the rest of the run).
		 */
		ret = -errno;
		n->read_failures++;
		goto out;
	} else {
		while (getline(&line, &linecap, f) > 0) {
			uint64_t a;
			char type, *name, *mod;
			size_t lo = 0, hi = nq;

			/* per-CPU symbols are offsets near 0, not kernel addresses */
			if (!parse_line(line, &a, &type, &name, &mod) || a < (1ULL << 63))
				continue;
			/* absolute and undefined symbols are no place in the kernel */
			if (type == 'a' || type == 'A' || type == 'U' || type == 'u')
				continue;
			if (!mod && name[0] == 'a') {
				smmu_v3 |= !strcmp(name, SMMU_V3_ONLY);
				smmu_v2 |= !strcmp(name, SMMU_V2_ONLY);
			}
			while (lo < hi) {
				size_t mid = (lo + hi) / 2;

				if (q[mid].addr < a)
					lo = mid + 1;
				else
					hi = mid;
			}
			if (lo == nq || a <= best[lo])
				continue;
			best[lo] = a;
			q[lo].found = true;
			snprintf(q[lo].name, sizeof(q[lo].name), "%s", name);
			snprintf(q[lo].module, sizeof(q[lo].module), "%s", mod ? mod : "");
		}
		/* prefix maximum: a symbol credited to a lower query also lies
		 * below every higher one */
		for (i = 1; i < nq; i++) {
			if (best[i - 1] > best[i]) {
				best[i] = best[i - 1];
				q[i].found = q[i - 1].found;
				memcpy(q[i].name, q[i - 1].name, sizeof(q[i].name));
				memcpy(q[i].module, q[i - 1].module, sizeof(q[i].module));
			}
		}
	}
	smmu_v3 = smmu_builtin_is_v3(n, smmu_v3, smmu_v2);
	for (i = 0; i < nq; i++) {
		q[i].off = q[i].found ? q[i].addr - best[i] : 0;
		if (q[i].found && !q[i].module[0] && smmu_v3 && has_prefix(q[i].name, "arm_smmu"))
			snprintf(q[i].driver, sizeof(q[i].driver), "arm-smmu-v3");
	}

	/* merge into the cache */
	if (n->nsyms + nq > n->cap) {
		size_t cap = (n->nsyms + nq) * 2;
		struct ifl_sym *s = realloc(n->syms, cap * sizeof(*s));

		if (!s) {
			ret = -ENOMEM;
			goto out;
		}
		n->syms = s;
		n->cap = cap;
	}
	memcpy(n->syms + n->nsyms, q, nq * sizeof(*q));
	n->nsyms += nq;
	qsort(n->syms, n->nsyms, sizeof(*n->syms), cmp_sym);
out:
	if (f)
		fclose(f);
	free(line);
	free(q);
	free(best);
	return ret;
}

uint64_t ifl_names_lookup(const char *kallsyms, const char *want)
{
	char *line = NULL;
	size_t cap = 0;
	uint64_t found = 0;
	FILE *f = fopen(kallsyms ? kallsyms : "/proc/kallsyms", "r");

	if (!f)
		return 0;
	while (!found && getline(&line, &cap, f) > 0) {
		uint64_t a;
		char type, *name, *mod;

		if (parse_line(line, &a, &type, &name, &mod) && !strcmp(name, want))
			found = a;
	}
	free(line);
	fclose(f);
	return found;
}

/* ---- domains -------------------------------------------------------------- */

unsigned int ifl_names_domain_id(const struct ifl_names *n, uint64_t ptr)
{
	for (size_t i = 0; i < n->ndoms; i++)
		if (n->doms[i].ptr == ptr)
			return n->doms[i].id;
	return 0;
}

/* The domain's number, given the next one on first sight (0 on ENOMEM). */
unsigned int ifl_names_number_domain(struct ifl_names *n, uint64_t ptr)
{
	unsigned int id = ifl_names_domain_id(n, ptr);

	if (id || !ptr)
		return id;
	if (n->ndoms == n->domcap) {
		size_t cap = n->domcap ? n->domcap * 2 : 16;
		struct ifl_domain_id *d = realloc(n->doms, cap * sizeof(*d));

		if (!d)
			return 0;
		n->doms = d;
		n->domcap = cap;
	}
	id = ++n->last_id;
	n->doms[n->ndoms].ptr = ptr;
	n->doms[n->ndoms].id = id;
	n->ndoms++;
	return id;
}

void ifl_names_forget_domain(struct ifl_names *n, uint64_t ptr)
{
	for (size_t i = 0; i < n->ndoms; i++)
		if (n->doms[i].ptr == ptr) {
			n->doms[i] = n->doms[--n->ndoms];
			return;
		}
}

void ifl_domain_type_name(uint32_t type, char *buf, size_t len)
{
	const char *s;

	switch (type) {
	case 0: s = "blocked"; break;
	case IFL_DOMAIN_PT: s = "identity"; break;
	case IFL_DOMAIN_PAGING: s = "unmanaged"; break;
	case IFL_DOMAIN_PAGING | IFL_DOMAIN_DMA_API: s = "DMA"; break;
	case IFL_DOMAIN_PAGING | IFL_DOMAIN_DMA_API | IFL_DOMAIN_DMA_FQ: s = "DMA-FQ"; break;
	case IFL_DOMAIN_SVA: s = "SVA"; break;
	case IFL_DOMAIN_PLATFORM: s = "platform"; break;
	case IFL_DOMAIN_NESTED: s = "nested"; break;
	default:
		snprintf(buf, len, "0x%" PRIx32, type);
		return;
	}
	snprintf(buf, len, "%s", s);
}

/* ---- drivers -------------------------------------------------------------- */

static bool has_prefix(const char *s, const char *p)
{
	return strncmp(s, p, strlen(p)) == 0;
}

/* Symbol prefixes of the IOMMU drivers' ops and callbacks. */
static const struct {
	const char *prefix, *driver;
} drivers[] = {
	{ "intel_", "intel-iommu" },
	{ "amd_iommu", "amd-iommu" },
	{ "viommu", "virtio-iommu" },
	{ "arm_smmu", "arm-smmu" },
	{ "qcom_iommu", "qcom-iommu" },
	{ "apple_dart", "apple-dart" },
	{ "s390_", "s390-iommu" },
	{ "mtk_iommu", "mtk-iommu" },
	{ "exynos_iommu", "exynos-iommu" },
	{ "rk_iommu", "rockchip-iommu" },
	{ "ipmmu", "ipmmu-vmsa" },
	{ "sun50i_iommu", "sun50i-iommu" },
	{ "sprd_iommu", "sprd-iommu" },
	{ "tegra_smmu", "tegra-smmu" },
	{ "omap_iommu", "omap-iommu" },
	{ "msm_iommu", "msm-iommu" },
	{ "riscv_iommu", "riscv-iommu" },
	{ "mock_", "iommufd-mock" },
};

/*
 * The driver behind a domain: from domain->owner (e.g. intel_iommu_ops),
 * else domain->ops, else one of its callbacks (text symbols are always in
 * kallsyms, data symbols only with CONFIG_KALLSYMS_ALL).  A module's name
 * wins over the symbol name: it tells arm-smmu-v3 from arm-smmu (and so
 * does, built in, what ifl_names_resolve() saw beside the symbol).
 */
void ifl_driver_name(const struct ifl_sym *owner, const struct ifl_sym *ops,
		     const struct ifl_sym *fn, char *buf, size_t len)
{
	const struct ifl_sym *pick[] = { owner, ops, fn };

	for (size_t i = 0; i < 3; i++) {
		const struct ifl_sym *s = pick[i];

		/* data symbols must match exactly; a callback may be any text */
		if (!s || !s->found || (i < 2 && s->off))
			continue;
		/* a name the compiler made says nothing: 6.1's intel and amd
		 * domain ops are compound literals ("__compound_literal.0"),
		 * built in (no owner); the callback names the driver then */
		if (i < 2 && !s->driver[0] && !s->module[0] && strchr(s->name, '.'))
			continue;
		if (s->driver[0]) {
			snprintf(buf, len, "%s", s->driver);
			return;
		}
		if (s->module[0]) {
			snprintf(buf, len, "%s", s->module);
			for (char *p = buf; *p; p++)
				if (*p == '_')
					*p = '-';
			return;
		}
		for (size_t d = 0; d < sizeof(drivers) / sizeof(drivers[0]); d++) {
			if (has_prefix(s->name, drivers[d].prefix)) {
				snprintf(buf, len, "%s", drivers[d].driver);
				return;
			}
		}
		snprintf(buf, len, "%s", s->name);
		if (strlen(buf) > 4 && !strcmp(buf + strlen(buf) - 4, "_ops"))
			buf[strlen(buf) - 4] = '\0';
		return;
	}
	snprintf(buf, len, "unknown");
}

/* ---- consumers ------------------------------------------------------------ */

static bool contains(const char *s, const char *w)
{
	return strstr(s, w) != NULL;
}

/*
 * Who called the IOMMU API, from the function its return address is in.
 * dma-iommu's functions (iommu_dma_*, __iommu_dma_*, dma_iova_*) are the
 * DMA API; vfio and iommufd by their names or modules.  IOMMU core and
 * driver functions (a forced sync inside a driver's unmap, the flush
 * queue's fq_flush_iotlb) are not consumers: the library gives those rows
 * the consumer of the rest of the domain's events.
 */
/* A function of an IOMMU driver or of io-pgtable, by its name, leading underscores aside. */
static bool is_iommu_code(const char *fn)
{
	while (*fn == '_')
		fn++;
	if (has_prefix(fn, "arm_lpae_") || has_prefix(fn, "io_pgtable") || has_prefix(fn, "arm_v7s_"))
		return true;
	for (size_t d = 0; d < sizeof(drivers) / sizeof(drivers[0]); d++)
		if (has_prefix(fn, drivers[d].prefix))
			return true;
	return false;
}

enum ifl_consumer_class ifl_consumer_of(const struct ifl_sym *caller, char *name, size_t len)
{
	const char *fn;

	snprintf(name, len, "unknown");
	if (!caller || !caller->found)
		return caller ? IFL_CONS_OTHER : IFL_CONS_NONE;
	fn = caller->name;
	if (contains(fn, "iommu_dma") || contains(fn, "dma_iommu") || has_prefix(fn, "dma_iova_")) {
		snprintf(name, len, "dma-iommu");
		return IFL_CONS_DMA_IOMMU;
	}
	if (contains(fn, "vfio") || has_prefix(caller->module, "vfio")) {
		snprintf(name, len, "vfio");
		return IFL_CONS_VFIO;
	}
	if (contains(fn, "iommufd") || has_prefix(fn, "iopt_") || has_prefix(caller->module, "iommufd")) {
		snprintf(name, len, "iommufd");
		return IFL_CONS_IOMMUFD;
	}
	/* an IOMMU driver or page-table module is no consumer (arm_smmu_v3 on Debian) */
	if (is_iommu_code(fn))
		return IFL_CONS_IOMMU;
	/* kallsyms lists BPF programs and trampolines as module "bpf": a stack's, not a consumer */
	if (!strcmp(caller->module, "bpf"))
		return IFL_CONS_OTHER;
	if (caller->module[0]) {
		snprintf(name, len, "%s", caller->module);
		return IFL_CONS_MODULE;
	}
	if (has_prefix(fn, "iommu_") || has_prefix(fn, "__iommu_") || has_prefix(fn, "fq_") ||
	    contains(fn, "iommu_pt") || has_prefix(fn, "pt_"))
		return IFL_CONS_IOMMU;
	for (size_t d = 0; d < sizeof(drivers) / sizeof(drivers[0]); d++)
		if (has_prefix(fn, drivers[d].prefix))
			return IFL_CONS_IOMMU;
	snprintf(name, len, "%s", fn);
	return IFL_CONS_OTHER;
}

void ifl_consumer_of_stack(const struct ifl_sym *const *frames, size_t n,
			   char *name, size_t len)
{
	char buf[IFL_NAME_LEN];

	if (len)
		name[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		switch (ifl_consumer_of(frames[i], buf, sizeof(buf))) {
		case IFL_CONS_DMA_IOMMU:
		case IFL_CONS_VFIO:
		case IFL_CONS_IOMMUFD:
		case IFL_CONS_MODULE:
			snprintf(name, len, "%s", buf);
			return;
		default:
			break;	/* core, driver, tracing, BPF, or unknown: look further out */
		}
	}
}
