#!/bin/bash
# Runs in the test VM: iommu-flushtop's filters on a workload of known size.
# 256 O_DIRECT reads of 64 KiB from the NVMe (256 unmaps) run while
#   filter-dev.json   --json -g device --device <the NVMe>
#   filter-vfio.json  --json --consumer vfio
# record; the host asserts that the first sees exactly the 256 unmaps, on
# the NVMe's row alone, and the second nothing.
set -eu
bdf=$(basename "$(readlink -f /sys/block/nvme0n1/device/device)")
echo "nvme_bdf=$bdf"
for f in "dev -g device --device $bdf" "vfio --consumer vfio"; do
	set -- $f
	name=$1; shift
	.output/bin/iommu-flushtop --json -i 1 -n 5 "$@" >"$VM_RESULTS/filter-$name.json" &
	pid=$!
	# the first frame is out: the collector is attached (a fixed sleep was
	# a guess at how long attaching takes, and a busy host made it longer)
	for _ in $(seq 600); do [ -s "$VM_RESULTS/filter-$name.json" ] && break; sleep 0.1; done
	dd if=/dev/nvme0n1 of=/dev/null bs=64k count=256 iflag=direct 2>/dev/null
	rc=0
	wait $pid || rc=$?
	echo "filter_${name}_status=$rc"
done
