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
: >/tmp/reads
pids=()
for cpu in $(seq 0 $(($(nproc) - 1))); do
	taskset -c "$cpu" nice -n 19 bash -c 'while :; do dd if=/dev/nvme0n1 of=/dev/null bs=64k count=64 iflag=direct status=none && echo >>/tmp/reads; done' &
	pids+=($!)
done
sleep 1
i=0
while [ $i -lt "$N" ]; do
	echo 1 >$T/events/iommu/enable
	echo 0 >$T/events/iommu/enable
	i=$((i + 1))
done
kill "${pids[@]}" 2>/dev/null
wait 2>/dev/null
echo "cycles=$i"
echo "reads=$(wc -l </tmp/reads)"
dmesg | grep -E 'WARNING|BUG|Oops|soft lockup|hung task|general protection|int3' | sed 's/^/warning: /'
true
