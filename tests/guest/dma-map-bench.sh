#!/bin/bash
# Runs in the test VM: binds the e1000e NIC to the dma_map_benchmark driver
# (scripts/guest/bind-nic.sh) and runs the kernel's
# dma_map_benchmark program ($1) for $2 seconds (default 1).
set -eu
BIN=$1 SECS=${2:-1}
bdf=$("$(dirname "$0")/../../scripts/guest/bind-nic.sh" dma_map_benchmark)
d=/sys/bus/pci/devices/$bdf
drv=$(readlink "$d/driver"); echo "bound_driver=${drv##*/}"
echo "group_type=$(cat "$d/iommu_group/type")"
"$BIN" -t 1 -s "$SECS" -g 1 >/tmp/bench.out
cat /tmp/bench.out >&2
echo "map_us=$(sed -n 's/^average map latency(us):\([0-9.]*\).*/\1/p' /tmp/bench.out)"
echo "unmap_us=$(sed -n 's/^average unmap latency(us):\([0-9.]*\).*/\1/p' /tmp/bench.out)"
