#!/bin/bash
# Runs in the test VM for `make demo`: a small mixed DMA workload (NVMe
# O_DIRECT reads of two sizes, dma_map_benchmark on the e1000e) while ftrace's
# existing iommu:map/iommu:unmap events are aggregated in the kernel by hist
# triggers; prints what the IOMMU saw.  Stand-in for iommu-flushtop until
# the tool exists.
set -eu
BENCH=${1:-}
T=/sys/kernel/tracing
for e in map unmap; do
	echo 'hist:keys=size:vals=hitcount:sort=size' >$T/events/iommu/$e/trigger
done
echo "== $(uname -r), $(cat /sys/kernel/iommu_groups/*/type | sort | uniq -c | awk '{printf "%s %s group(s)  ", $2, $1}')"
t0=$(date +%s%N)
echo "-- NVMe: 512 x 64 KiB and 512 x 4 KiB O_DIRECT reads"
dd if=/dev/nvme0n1 of=/dev/null bs=64k count=512 iflag=direct 2>&1 | tail -n1
dd if=/dev/nvme0n1 of=/dev/null bs=4k count=512 iflag=direct 2>&1 | tail -n1
if [ -n "$BENCH" ]; then
	echo "-- dma_map_benchmark on the e1000e, 1 thread, 2 s"
	"$(dirname "$0")/bind-nic.sh" dma_map_benchmark >/dev/null
	"$BENCH" -t 1 -s 2 -g 1 | tail -n 2
fi
t1=$(date +%s%N)
for e in map unmap; do
	echo "-- iommu:$e by size (ftrace hist trigger)"
	grep -E '^\{|^Totals|Hits:' $T/events/iommu/$e/hist | sed 's/^/   /'
done
echo "-- $(( (t1 - t0) / 1000000 )) ms of workload"
