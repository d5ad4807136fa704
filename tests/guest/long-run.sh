#!/bin/bash
# Runs in the test VM: iommu-flushtop --json -i 1 for SECONDS of mixed
# workload, started before it and stopped after it: an O_DIRECT reader of
# the NVMe on every vCPU (whole reads of 4 MiB, counted) and, on the
# e1000e handed to vfio-pci, VFIO and iommufd programs alternating (a
# domain created, used and freed each; counted).  The tool's RSS and CPU
# time are sampled about every 2 s.  Prints KEY=VALUE facts; the frames go
# to $VM_RESULTS/long.json.  (docs/reliability.md, "A week in an hour".)
#
# Usage: long-run.sh TOOLS_DIR SECONDS
set -u
T=${1:?usage: long-run.sh TOOLS_DIR SECONDS} S=${2:?SECONDS}
B=.output/bin R=${VM_RESULTS:-/tmp}
b=$(scripts/guest/bind-nic.sh vfio-pci) || { echo "failed=bind"; exit 0; }
nvme=$(basename "$(readlink -f /sys/block/nvme0n1/device/device)")
echo "nvme_bdf=$nvme"
$B/iommu-flushtop --json -i 1 >"$R/long.json" 2>"$R/long.err" &
tool=$!
for _ in $(seq 600); do [ -s "$R/long.json" ] && break; sleep 0.1; done
[ -s "$R/long.json" ] || { echo "failed=no-first-frame"; kill $tool; exit 0; }
source "$(dirname "$0")/tool-sampler.sh"
sampler_start $tool
sampler=$SAMPLER_PID
end=$(( $(date +%s) + S ))
: >/tmp/long.reads
pids=()
for cpu in $(seq 0 $(($(nproc) - 1))); do
	taskset -c "$cpu" nice -n 10 bash -c 'while [ $(date +%s) -lt $1 ]; do
		dd if=/dev/nvme0n1 of=/dev/null bs=64k count=64 iflag=direct status=none && echo >>/tmp/long.reads
	done' _ $end &
	pids+=($!)
done
vfio=0 iommufd=0 failed=0 i=0
while [ "$(date +%s)" -lt $end ]; do
	i=$((i + 1))
	if [ $((i % 2)) = 1 ]; then p=vfio-map; else p=iommufd-map; fi
	if "$T/$p" "$b" 4 4096 4096 >/dev/null 2>>"$R/long-progs.err"; then
		[ $p = vfio-map ] && vfio=$((vfio + 1)) || iommufd=$((iommufd + 1))
	else
		failed=$((failed + 1))
	fi
	sleep 0.5
done
wait "${pids[@]}"
sleep 2.5	# the last events into a frame
# runs of our programs the kernel skipped (recursion protection), per program
bpftool -j prog show 2>/dev/null | tr '{' '\n' | sed -n 's/.*"name":"\([^"]*\)".*"recursion_misses":\([0-9]*\).*/misses_\1=\2/p'
kill -INT $tool
wait $tool
echo "tool_status=$?"
wait $sampler 2>/dev/null
echo "reads=$(wc -l </tmp/long.reads)"
echo "vfio_cycles=$vfio"
echo "iommufd_cycles=$iommufd"
echo "failed=$failed"
dmesg | grep -E 'WARNING|BUG|Oops|soft lockup|hung task|general protection|RIP:' | sed 's/^/warning=/'
true
