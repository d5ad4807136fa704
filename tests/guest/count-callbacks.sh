#!/bin/bash
# Runs in the test VM: ftrace's own count of the IOMMU driver callbacks and
# events the fallback source hooks, over CMD's run.  A kprobe event on each
# function named, and iommu:map/iommu:unmap, each with a hist trigger whose
# total of hits is the count; the flush queue's timer is given time to run
# before the window closes.  Prints ft_<FUNC>=N, ft_map=N, ft_unmap=N and
# ft_window_us=N, the window's length by the guest's clock.
# A name two functions share (Debian's arm64 kernel builds arm-smmu and
# arm-smmu-v3 in, and both have arm_smmu_iotlb_sync) gets a probe at each
# address, their hits summed (ft_instances_<FUNC> says how many): a driver
# with no device runs none of its callbacks.
# usage: count-callbacks.sh FUNC[,FUNC...] -- CMD...
set -eu
T=/sys/kernel/tracing
funcs=$1; shift
[ "$1" = -- ] && shift
echo 0 >$T/tracing_on
: >$T/kprobe_events
evs=()
declare -A inst=()
for f in ${funcs//,/ }; do
	addrs=$(awk -v f="$f" '$3 == f && ($2 == "t" || $2 == "T") { print $1 }' /proc/kallsyms)
	if [ "$(echo "$addrs" | grep -c .)" -le 1 ]; then
		echo "p:iflcount/$f $f" >>$T/kprobe_events
		evs+=("iflcount/$f") inst[$f]=1
		continue
	fi
	i=0
	for a in $addrs; do
		echo "p:iflcount/${f}__$i 0x$a" >>$T/kprobe_events
		evs+=("iflcount/${f}__$i")
		i=$((i + 1))
	done
	inst[$f]=$i
done
evs+=(iommu/map iommu/unmap)
for e in "${evs[@]}"; do
	echo 'hist:keys=common_pid' >$T/events/$e/trigger
	echo 1 >$T/events/$e/enable
done
w0=$(date +%s%N)
echo 1 >$T/tracing_on
"$@" >&2
# the flush queue's timeout is 10 ms (1 s only for single-queue devices:
# shadow_on_flush, s390 alone); 0.5 s is 20 times the longest stale window
# seen under TCG (25 ms)
sleep 0.5
for e in "${evs[@]}"; do echo 0 >$T/events/$e/enable; done
# the window's length by the guest's clock: what bounds the timer's flushes
echo "ft_window_us=$(( ($(date +%s%N) - w0) / 1000 ))"
declare -A hits=() drops=()
for e in "${evs[@]}"; do
	n=${e#*/} n=${n%__*}
	h=$(sed -n 's/^ *Hits: *//p' $T/events/$e/hist)
	d=$(sed -n 's/^ *Dropped: *//p' $T/events/$e/hist)
	hits[$n]=$(( ${hits[$n]:-0} + ${h:-0} )) drops[$n]=$(( ${drops[$n]:-0} + ${d:-0} ))
done
for n in "${!hits[@]}"; do
	echo "ft_$n=${hits[$n]}"
	echo "ft_dropped_$n=${drops[$n]}"
done
for f in "${!inst[@]}"; do echo "ft_instances_$f=${inst[$f]}"; done
for e in "${evs[@]}"; do echo '!hist:keys=common_pid' >$T/events/$e/trigger; done
: >$T/kprobe_events
echo "kernel=$(uname -r)"
echo "nvme_bdf=$(basename "$(readlink -f /sys/block/nvme0n1/device/device)")"
