#!/bin/bash
# Sourced in the test VM: SERIES_EVENTS, the iommu trace events of the series
# this kernel has, v1's or v2's (kernel-patches/BASE/v2/: no range-add
# event, iommu_* names), and SERIES_VERSION.
if [ -e /sys/kernel/tracing/events/iommu/iommu_iotlb_sync ]; then
	SERIES_VERSION=v2
	SERIES_EVENTS="map unmap iommu_iotlb_sync iommu_flush_iotlb_all iommu_sync_map iommu_dma_fq_queue iommu_dma_fq_flush"
else
	SERIES_VERSION=v1
	SERIES_EVENTS="map unmap iotlb_gather_add iotlb_sync flush_iotlb_all sync_map dma_fq_queue dma_fq_flush"
fi
