#!/bin/bash
# Runs in the test VM: DMA on every vCPU (O_DIRECT reads of the NVMe disk,
# one reader pinned to each CPU) while the iommu trace events are enabled
# and disabled through tracefs $1 times (default 200): the kernel patching
# the events' jump labels and static calls while other CPUs run through
# them, with no BPF program and none of the project's code.  Prints
# cycles=, reads= (dd runs finished), and each kernel warning line.
set -u
N=${1:-200}
T=/sys/kernel/tracing
[ -d $T/events ] || mount -t tracefs nodev $T
[ -d $T/events/iommu ] || { echo "no iommu events in $T" >&2; exit 1; }
source "$(dirname "$0")/dma-readers.sh"
readers_start
i=0
while [ $i -lt "$N" ]; do
	echo 1 >$T/events/iommu/enable
	echo 0 >$T/events/iommu/enable
	i=$((i + 1))
done
readers_stop
echo "cycles=$i"
echo "reads=$(readers_done)"
dmesg | grep -E 'WARNING|BUG|Oops|soft lockup|hung task|general protection|int3' | sed 's/^/warning: /'
true
