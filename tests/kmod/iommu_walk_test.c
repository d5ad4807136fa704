// SPDX-License-Identifier: GPL-2.0
/*
 * iommu_walk_test: an unmap that frees a page table, for the tests of
 * io-pgtable's tlb_flush_walk (arm-smmu-v3: arm_smmu_tlb_inv_walk).
 *
 * On load it takes the PCI device named by bdf= (which must have no driver
 * bound), attaches a fresh paging domain to it, maps one 2 MiB-aligned
 * 2 MiB range in NR_PAGES calls of 4 KiB each, so that the range is a
 * last-level table of 4 KiB entries and not a block, and unmaps it with
 * one iommu_unmap() of 2 MiB.  io-pgtable-arm then clears the table entry,
 * invalidates the walk caches at once through tlb_flush_walk (with no
 * gather: nothing reaches iotlb_sync) and frees the table; the core's
 * iommu_unmap() then syncs a gather that holds no page.  The work is done
 * at load; the module keeps nothing and can be removed at once.
 */
#include <linux/iommu.h>
#include <linux/module.h>
#include <linux/pci.h>
#include <linux/sizes.h>

#define RANGE		SZ_2M
#define PAGE_4K		SZ_4K
#define NR_PAGES	(RANGE / PAGE_4K)
#define IOVA_BASE	SZ_32M

static char *bdf;
module_param(bdf, charp, 0444);
MODULE_PARM_DESC(bdf, "PCI device (domain:bus:dev.fn) with no driver bound");

/* Not __init: the events record the caller, resolved after init is freed. */
static noinline int iommu_walk_test_run(void)
{
	struct iommu_domain *domain;
	unsigned int dom, bus, slot, fn;
	struct pci_dev *pdev;
	struct page *page;
	size_t unmapped;
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
	page = alloc_page(GFP_KERNEL);
	if (!page) {
		ret = -ENOMEM;
		goto put_pdev;
	}
	domain = iommu_paging_domain_alloc(&pdev->dev);
	if (IS_ERR(domain)) {
		ret = PTR_ERR(domain);
		goto free_page;
	}
	if (!(domain->pgsize_bitmap & PAGE_4K)) {
		ret = -EOPNOTSUPP;
		goto free_domain;
	}
	ret = iommu_attach_device(domain, &pdev->dev);
	if (ret)
		goto free_domain;

	/* One page behind every 4 KiB of the range: a table, not a block. */
	for (i = 0; i < NR_PAGES; i++) {
		ret = iommu_map(domain, IOVA_BASE + i * PAGE_4K, page_to_phys(page),
				PAGE_4K, IOMMU_READ | IOMMU_WRITE, GFP_KERNEL);
		if (ret)
			break;
	}
	if (ret) {
		while (i-- > 0)
			iommu_unmap(domain, IOVA_BASE + i * PAGE_4K, PAGE_4K);
		goto detach;
	}
	unmapped = iommu_unmap(domain, IOVA_BASE, RANGE);
	pr_info("iommu_walk_test: %s: mapped %lu pages of 4 KiB, unmapped %zu bytes in one call\n",
		bdf, (unsigned long)NR_PAGES, unmapped);
	if (unmapped != RANGE)
		ret = -EIO;
detach:
	iommu_detach_device(domain, &pdev->dev);
free_domain:
	iommu_domain_free(domain);
free_page:
	__free_page(page);
put_pdev:
	pci_dev_put(pdev);
	return ret;
}

static int __init iommu_walk_test_init(void)
{
	return iommu_walk_test_run();
}

static void __exit iommu_walk_test_exit(void)
{
}

module_init(iommu_walk_test_init);
module_exit(iommu_walk_test_exit);
MODULE_DESCRIPTION("Frees an IOMMU page table with one unmap, for iommu-flushtop's tests");
MODULE_LICENSE("GPL");
