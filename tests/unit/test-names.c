// SPDX-License-Identifier: GPL-2.0
#define _DEFAULT_SOURCE
/* tools/lib/names.c against a fake kallsyms (tests/unit/fake-kallsyms). */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"
#include "check.h"

#define KSYMS "tests/unit/fake-kallsyms"

static const struct ifl_sym *res(struct ifl_names *n, uint64_t a)
{
	ifl_names_resolve(n, &a, 1);
	return ifl_names_sym(n, a);
}

int main(void)
{
	struct ifl_names n;
	const struct ifl_sym *s, *o, *f;
	char buf[IFL_NAME_LEN];
	uint64_t batch[] = { 0xffffffff81100014, 0xffffffff81200010, 0xffffffffc0000042,
			     0xffffffff82000000, 0xffffffff81100014, 0 };

	ifl_names_init(&n, KSYMS);
	CHECK(ifl_names_resolve(&n, batch, sizeof(batch) / sizeof(batch[0])) == 0 && n.nsyms == 4,
	      "one pass resolves a batch, duplicates and 0 skipped (%zu cached)", n.nsyms);
	s = ifl_names_sym(&n, 0xffffffff81100014);
	CHECK(s && s->found && !strcmp(s->name, "__iommu_dma_unmap") && s->off == 0x14 && !s->module[0],
	      "a caller inside a function: __iommu_dma_unmap+0x14 (got %s+0x%llx)",
	      s ? s->name : "?", s ? (unsigned long long)s->off : 0ULL);
	s = ifl_names_sym(&n, 0xffffffffc0000042);
	CHECK(s && !strcmp(s->name, "gather_test_run") && !strcmp(s->module, "iommu_gather_test"),
	      "a module symbol carries its module (%s [%s])", s ? s->name : "?", s ? s->module : "?");
	s = res(&n, 0xffffffff80000000);
	CHECK(s && !s->found, "an address below every kernel symbol is not resolved to a per-CPU one");
	s = res(&n, 0xffffffff81100000);
	CHECK(s && s->found && s->off == 0 && !strcmp(s->name, "__iommu_dma_unmap"),
	      "an address at a symbol's start has offset 0");
	CHECK(ifl_names_lookup(KSYMS, "iommu_group_kset") == 0xffffffff82002000ULL &&
	      ifl_names_lookup(KSYMS, "no_such_symbol") == 0,
	      "lookup by name finds iommu_group_kset, and nothing for an absent name");

	/* drivers */
	o = res(&n, 0xffffffff82000000);
	ifl_driver_name(o, NULL, NULL, buf, sizeof(buf));
	CHECK(!strcmp(buf, "intel-iommu"), "owner intel_iommu_ops -> %s", buf);
	o = res(&n, 0xffffffff82001000);
	ifl_driver_name(o, NULL, NULL, buf, sizeof(buf));
	CHECK(!strcmp(buf, "virtio-iommu"), "owner viommu_ops -> %s", buf);
	o = res(&n, 0xffffffffc0100400);
	ifl_driver_name(o, NULL, NULL, buf, sizeof(buf));
	CHECK(!strcmp(buf, "arm-smmu-v3"), "an owner in module arm_smmu_v3 -> %s", buf);
	o = res(&n, 0xffffffff82000010);	/* not the start of a data symbol */
	f = res(&n, 0xffffffff81400000);
	ifl_driver_name(o, NULL, f, buf, sizeof(buf));
	CHECK(!strcmp(buf, "intel-iommu"),
	      "an owner off any data symbol is skipped, the callback intel_iommu_tlb_sync names it (%s)", buf);
	o = res(&n, 0xffffffff82003000);
	ifl_driver_name(o, NULL, NULL, buf, sizeof(buf));
	CHECK(!strcmp(buf, "mystery_iommu"), "an unknown driver is named by its ops symbol (%s)", buf);
	/* 6.1: no owner, the ops a compound literal of intel/iommu.c */
	o = res(&n, 0xffffffff82003400);
	f = res(&n, 0xffffffff81400000);
	ifl_driver_name(NULL, o, f, buf, sizeof(buf));
	CHECK(!strcmp(buf, "intel-iommu"),
	      "ops named by the compiler (__compound_literal.0) are skipped, the callback names it (%s)", buf);
	ifl_driver_name(NULL, o, NULL, buf, sizeof(buf));
	CHECK(!strcmp(buf, "unknown"), "and with no callback: unknown, not the compiler's name (%s)", buf);
	ifl_driver_name(NULL, NULL, NULL, buf, sizeof(buf));
	CHECK(!strcmp(buf, "unknown"), "no symbol at all -> unknown");
	/* arm-smmu-v3 built in (Debian's arm64 kernel): arm_smmu_ops alone
	 * cannot tell it from SMMUv2; a function only v3 has can. */
	{
		struct ifl_names m;

		ifl_names_init(&m, "tests/unit/fake-kallsyms-smmuv3");
		o = res(&m, 0xffff800081200000);
		ifl_driver_name(o, NULL, NULL, buf, sizeof(buf));
		CHECK(!strcmp(buf, "arm-smmu-v3"), "built-in arm_smmu_ops beside v3's command queue -> %s", buf);
		f = res(&m, 0xffff800080601010);	/* (moves the cache: o is gone) */
		ifl_driver_name(NULL, NULL, f, buf, sizeof(buf));
		CHECK(!strcmp(buf, "arm-smmu-v3"), "and its callback arm_smmu_iotlb_sync -> %s", buf);
		ifl_names_free(&m);
		/* both built in: the IOMMUs that exist tell */
		char cls[] = "/tmp/test-names.XXXXXX", sub[64];
		const char *names[] = { "smmu3.0x0000000009050000", "smmu.0x0000000009060000" };

		CHECK(mkdtemp(cls) != NULL, "a scratch /sys/class/iommu");
		for (int k = 0; k < 3; k++) {
			/* k 0: an SMMUv2 instance; 1: an SMMUv3 one; 2: both */
			const char *want = k == 1 ? "arm-smmu-v3" : "arm-smmu";

			snprintf(sub, sizeof(sub), "%s/%s", cls, names[1]);
			if (k == 1)
				rmdir(sub);
			else
				mkdir(sub, 0755);
			snprintf(sub, sizeof(sub), "%s/%s", cls, names[0]);
			if (k == 1)
				mkdir(sub, 0755);
			ifl_names_init(&m, "tests/unit/fake-kallsyms-smmu-both");
			m.iommu_class = cls;
			o = res(&m, 0xffff800081200000);
			ifl_driver_name(o, NULL, NULL, buf, sizeof(buf));
			CHECK(!strcmp(buf, want), "both SMMU drivers built in, %s: %s (got %s)",
			      k == 0 ? "only an SMMUv2 instance" : k == 1 ? "only an SMMUv3 instance" : "an instance of each",
			      want, buf);
			ifl_names_free(&m);
		}
		snprintf(sub, sizeof(sub), "%s/%s", cls, names[0]);
		rmdir(sub);
		snprintf(sub, sizeof(sub), "%s/%s", cls, names[1]);
		rmdir(sub);
		rmdir(cls);
	}

	/* consumers */
	{
		static const struct {
			uint64_t addr;
			enum ifl_consumer_class cls;
			const char *name;
		} cases[] = {
			{ 0xffffffff81100014, IFL_CONS_DMA_IOMMU, "dma-iommu" },
			{ 0xffffffff81100810, IFL_CONS_DMA_IOMMU, "dma-iommu" },
			{ 0xffffffff81200010, IFL_CONS_VFIO, "vfio" },
			{ 0xffffffff81500010, IFL_CONS_IOMMUFD, "iommufd" },
			{ 0xffffffffc0000042, IFL_CONS_MODULE, "iommu_gather_test" },
			{ 0xffffffff81101010, IFL_CONS_IOMMU, "unknown" },
			{ 0xffffffff81400410, IFL_CONS_IOMMU, "unknown" },
			{ 0xffffffff81400010, IFL_CONS_IOMMU, "unknown" },
			{ 0xffffffff81300010, IFL_CONS_OTHER, "blk_rq_dma_map_iter_start" },
			{ 0xffffffff81600010, IFL_CONS_OTHER, "some_gpu_driver_unmap" },
		};
		unsigned int bad = 0;

		for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
			enum ifl_consumer_class cls = ifl_consumer_of(res(&n, cases[i].addr), buf, sizeof(buf));

			if (cls != cases[i].cls || strcmp(buf, cases[i].name)) {
				printf("# 0x%llx: class %d name %s, want %d %s\n",
				       (unsigned long long)cases[i].addr, cls, buf, cases[i].cls, cases[i].name);
				bad++;
			}
		}
		CHECK(bad == 0, "consumers: dma-iommu, vfio, iommufd, a module, IOMMU-internal and other "
		      "functions told apart (%u of %zu wrong)", bad, sizeof(cases) / sizeof(cases[0]));
		CHECK(ifl_consumer_of(NULL, buf, sizeof(buf)) == IFL_CONS_NONE, "no caller: class none");
		CHECK(ifl_consumer_of(res(&n, 0xffffffffc0100010), buf, sizeof(buf)) == IFL_CONS_IOMMU,
		      "a callback of an IOMMU driver module (arm_smmu_v3) is no consumer");
	}

	/* consumers from a domain's first stack, innermost frame first */
	{
		static const struct {
			uint64_t frames[6];
			const char *want;
		} stacks[] = {
			/* kprobe on a driver module's callback, from the DMA API */
			{ { 0xffffffffc0100010, 0xffffffff81400410, 0xffffffff81100014, 0xffffffff81300010 }, "dma-iommu" },
			/* a BPF program (kallsyms' module "bpf"), the core, then VFIO */
			{ { 0xffffffffc0200010, 0xffffffff81101010, 0xffffffff81400010, 0xffffffff81200010 }, "vfio" },
			/* a test module's domain */
			{ { 0xffffffff81400410, 0xffffffffc0000042, 0xffffffff81500010 }, "iommu_gather_test" },
			/* unknown and other functions only: none */
			{ { 0xffffffff80000000, 0xffffffff81600010, 0xffffffff81300010 }, "" },
			{ { 0 }, "" },
		};
		unsigned int bad = 0;

		for (size_t i = 0; i < sizeof(stacks) / sizeof(stacks[0]); i++) {
			const struct ifl_sym *f[6];
			size_t nf = 0;

			while (nf < 6 && stacks[i].frames[nf]) {
				f[nf] = res(&n, stacks[i].frames[nf]);
				nf++;
			}
			ifl_consumer_of_stack(f, nf, buf, sizeof(buf));
			if (strcmp(buf, stacks[i].want)) {
				printf("# stack %zu: consumer '%s', want '%s'\n", i, buf, stacks[i].want);
				bad++;
			}
		}
		CHECK(bad == 0, "consumers from stacks: the first consumer frame past drivers, modules "
		      "of drivers, the core and unknown code (%u of %zu wrong)", bad,
		      sizeof(stacks) / sizeof(stacks[0]));
	}

	/* domain types and numbering */
	{
		static const struct { uint32_t t; const char *s; } types[] = {
			{ 0, "blocked" }, { 4, "identity" }, { 1, "unmanaged" }, { 3, "DMA" },
			{ 11, "DMA-FQ" }, { 16, "SVA" }, { 0x80, "0x80" },
		};
		unsigned int bad = 0;

		for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
			ifl_domain_type_name(types[i].t, buf, sizeof(buf));
			bad += strcmp(buf, types[i].s) != 0;
		}
		CHECK(bad == 0, "domain type names as sysfs prints them (%u wrong)", bad);
	}
	CHECK(ifl_names_number_domain(&n, 0xffff888000001000) == 1 &&
	      ifl_names_number_domain(&n, 0xffff888000002000) == 2 &&
	      ifl_names_number_domain(&n, 0xffff888000001000) == 1 &&
	      ifl_names_domain_id(&n, 0xffff888000003000) == 0 &&
	      ifl_names_number_domain(&n, 0) == 0,
	      "domains are numbered 1, 2, ... in order of first sight, stably; NULL has none");

	ifl_names_free(&n);
	{
		char path[] = "/tmp/test-names.XXXXXX";
		int fd = mkstemp(path);
		FILE *src = fopen(KSYMS, "r"), *dst;
		int ch;

		CHECK(fd >= 0 && src && !unlink(path), "a temporary kallsyms path");
		ifl_names_init(&n, path);
		s = res(&n, 0xffffffff81100014);
		CHECK(!s && n.read_failures == 1,
		      "an unreadable kallsyms leaves the address unresolved and not cached, counted");
		/* the file appears: the next snapshot's read finds the name */
		dst = fopen(path, "w");
		while (src && dst && (ch = fgetc(src)) != EOF)
			fputc(ch, dst);
		if (dst)
			fclose(dst);
		if (src)
			fclose(src);
		s = res(&n, 0xffffffff81100014);
		CHECK(s && s->found && !strcmp(s->name, "__iommu_dma_unmap") && n.read_failures == 1,
		      "read again once it can be, the address resolves (retried, not \"unknown\" for the run)");
		ifl_names_free(&n);
		unlink(path);
		if (fd >= 0)
			close(fd);
	}
	CHECK_EXIT();
}
