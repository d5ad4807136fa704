#!/bin/bash
# Runs in the test VM: records every iommu event of the series with ftrace
# while CMD runs, waits for the flush queue's timer to flush what is queued,
# and leaves the trace in $VM_RESULTS/trace.txt.  Exits 3 when an event is
# missing (a kernel without the series).
set -eu
T=/sys/kernel/tracing
EVENTS="map unmap iotlb_gather_add iotlb_sync flush_iotlb_all sync_map dma_fq_queue dma_fq_flush"
echo 0 >$T/tracing_on
echo 32768 >$T/buffer_size_kb
echo >$T/trace
for e in $EVENTS; do
	[ -e $T/events/iommu/$e/enable ] || { echo "trace-iommu: no event iommu:$e on this kernel" >&2; exit 3; }
	echo 1 >$T/events/iommu/$e/enable
done
echo 1 >$T/tracing_on
"$@" >&2
# The flush queue's timeout is 10 ms (1 s only for single-queue devices:
# shadow_on_flush, s390 alone): wait long enough for its timer to flush
# every queued entry inside the window; 0.5 s is 20 times the longest
# stale window seen under TCG (25 ms).
sleep 0.5
echo 0 >$T/tracing_on
cp $T/trace "$VM_RESULTS/trace.txt"
echo "overrun=$(cat $T/per_cpu/cpu*/stats | awk '/^overrun:/ { s += $2 } END { print s + 0 }')"
echo "nvme_bdf=$(basename "$(readlink -f /sys/block/nvme0n1/device/device)")"
