#!/bin/bash
# Runs in the test VM for `make demo`: iommu-flushtop's batch frames,
# streamed to the host terminal, over a mixed DMA workload: NVMe O_DIRECT
# reads and writes, pings over virtio-net and the e1000e, dma_map_benchmark
# on the e1000e, then the VFIO test program on it.  Each step is announced
# on a "--" line between the frames; at the end iommu-flushtop is stopped
# (SIGINT) and prints its summary of the whole run.
# usage: demo-workload.sh GUEST-TOOLS-DIR
set -eu
tools=${1:?usage: demo-workload.sh GUEST-TOOLS-DIR}
here=$(cd "$(dirname "$0")" && pwd)
TOOL=$here/../../.output/bin/iommu-flushtop
step() { echo "-- $(date +%T) $*"; }

nics=$("$here/nics-up.sh")
"$TOOL" -b -i 1 &
top=$!
sleep 3
step "NVMe: 512 x 64 KiB reads, 1024 x 4 KiB writes, 512 x 4 KiB reads (O_DIRECT)"
dd if=/dev/nvme0n1 of=/dev/null bs=64k count=512 iflag=direct 2>/dev/null
dd if=/dev/zero of=/dev/nvme0n1 bs=4k count=1024 oflag=direct 2>/dev/null
dd if=/dev/nvme0n1 of=/dev/null bs=4k count=512 iflag=direct 2>/dev/null
while read -r drv i; do
	step "network: 200 pings of 1400 bytes over $drv ($i)"
	ping -I "$i" -c 200 -i 0.01 -s 1400 -q 10.0.2.2 2>&1 | grep -E 'packets|round-trip' | sed 's/^/   /' || true
done <<<"$nics"
sleep 1
step "dma_map_benchmark on the e1000e: 1 thread, 2 s, 1 page each"
"$here/bind-nic.sh" dma_map_benchmark >/dev/null
"$tools/dma_map_benchmark" -t 1 -s 2 -g 1 | tail -n 2 | sed 's/^/   /'
step "VFIO: the e1000e to vfio-pci, 8 chunks of 64 KiB mapped and unmapped"
bdf=$("$here/bind-nic.sh" vfio-pci)
"$tools/vfio-map" "$bdf" 8 65536 65536 >/dev/null
sleep 2	# the flush queue's timer, and a quiet frame
kill -INT $top
wait $top || true
