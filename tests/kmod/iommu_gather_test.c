// SPDX-License-Identifier: GPL-2.0
/*
 * iommu_gather_test: drives the IOMMU API the way no in-tree consumer of the
 * emulated devices does, so the tests can check the gather tracepoints
 * against a known sequence.
 *
 * On load it takes the PCI device named by bdf= (which must have no driver
 * bound), attaches a fresh paging domain to it, maps NR_RANGES ranges of
 * RANGE_SIZE bytes GAP bytes apart, and unmaps them all into ONE gather
 * followed by one explicit iommu_iotlb_sync().  Where the IOMMU driver keeps
 * gathers free of gaps (in 7.2, generic_pt page tables with
 * PT_FEAT_FLUSH_RANGE_NO_GAPS: amd-iommu when the IOMMU caches non-present
 * entries, as QEMU's does), each disjoint range forces a sync first:
 * NR_RANGES - 1 forced syncs with the reason "disjoint".  Elsewhere the
 * gather grows over the gaps and only the explicit sync happens.  The work
 * is done at load; the module keeps nothing and can be removed at once.
 */
#include <linux/iommu.h>
#include <linux/module.h>
#include <linux/pci.h>
#include <linux/sizes.h>

#define NR_RANGES	4
#define RANGE_SIZE	SZ_16K
#define GAP		SZ_64K
#define IOVA_BASE	SZ_16M

static char *bdf;
module_param(bdf, charp, 0444);
MODULE_PARM_DESC(bdf, "PCI device (domain:bus:dev.fn) with no driver bound");

/*
 * Not __init: the events record the caller's address, and ftrace resolves it
 * with kallsyms when the trace is read, after the init section is freed.
 */
static noinline int iommu_gather_test_run(void)
{
	struct iommu_iotlb_gather gather;
	struct iommu_domain *domain;
	unsigned int dom, bus, slot, fn;
	struct pci_dev *pdev;
	struct page *pages;
	size_t unmapped = 0;
	int i, ret;

	if (!bdf || sscanf(bdf, "%x:%x:%x.%x", &dom, &bus, &slot, &fn) != 4)
		return -EINVAL;
	pdev = pci_get_domain_bus_and_slot(dom, bus, PCI_DEVFN(slot, fn));
	if (!pdev)
		return -ENODEV;
	if (pdev->dev.driver) {
		ret = -EBUSY;
		goto put_pdev;
	}

	pages = alloc_pages(GFP_KERNEL, get_order(RANGE_SIZE));
	if (!pages) {
		ret = -ENOMEM;
		goto put_pdev;
	}
	domain = iommu_paging_domain_alloc(&pdev->dev);
	if (IS_ERR(domain)) {
		ret = PTR_ERR(domain);
		goto free_pages;
	}
	ret = iommu_attach_device(domain, &pdev->dev);
	if (ret)
		goto free_domain;

	for (i = 0; i < NR_RANGES; i++) {
		ret = iommu_map(domain, IOVA_BASE + i * (RANGE_SIZE + GAP),
				page_to_phys(pages), RANGE_SIZE,
				IOMMU_READ | IOMMU_WRITE, GFP_KERNEL);
		if (ret)
			goto unmap;
	}

	iommu_iotlb_gather_init(&gather);
	for (i = 0; i < NR_RANGES; i++)
		unmapped += iommu_unmap_fast(domain,
					     IOVA_BASE + i * (RANGE_SIZE + GAP),
					     RANGE_SIZE, &gather);
	iommu_iotlb_sync(domain, &gather);
	pr_info("iommu_gather_test: %s: unmapped %zu bytes in %d disjoint ranges, one gather\n",
		bdf, unmapped, NR_RANGES);
	i = 0;
unmap:
	/* Only reached with i > 0 when a map failed: undo what was mapped. */
	while (i-- > 0)
		iommu_unmap(domain, IOVA_BASE + i * (RANGE_SIZE + GAP),
			    RANGE_SIZE);
	iommu_detach_device(domain, &pdev->dev);
free_domain:
	iommu_domain_free(domain);
free_pages:
	__free_pages(pages, get_order(RANGE_SIZE));
put_pdev:
	pci_dev_put(pdev);
	return ret;
}

static int __init iommu_gather_test_init(void)
{
	return iommu_gather_test_run();
}

static void __exit iommu_gather_test_exit(void)
{
}

module_init(iommu_gather_test_init);
module_exit(iommu_gather_test_exit);
MODULE_DESCRIPTION("Drives one IOTLB gather over disjoint ranges, for iommu-flushtop's tests");
MODULE_LICENSE("GPL");
