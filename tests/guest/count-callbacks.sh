#!/bin/bash
# Runs in the test VM: ftrace's own count of the IOMMU driver callbacks and
# events the fallback source hooks, over CMD's run.  A kprobe event on each
# function named, and iommu:map/iommu:unmap, each with a hist trigger whose
# total of hits is the count; the flush queue's timer is given time to run
# before the window closes.  Prints ft_<FUNC>=N, ft_map=N, ft_unmap=N.
# usage: count-callbacks.sh FUNC[,FUNC...] -- CMD...
set -eu
T=/sys/kernel/tracing
funcs=$1; shift
[ "$1" = -- ] && shift
echo 0 >$T/tracing_on
: >$T/kprobe_events
evs=()
for f in ${funcs//,/ }; do
	echo "p:iflcount/$f $f" >>$T/kprobe_events
	evs+=("iflcount/$f")
done
evs+=(iommu/map iommu/unmap)
for e in "${evs[@]}"; do
	echo 'hist:keys=common_pid' >$T/events/$e/trigger
	echo 1 >$T/events/$e/enable
done
echo 1 >$T/tracing_on
"$@" >&2
# the flush queue's timeout is 10 ms (1 s only for single-queue devices:
# shadow_on_flush, s390 alone); 0.5 s is 20 times the longest stale window
# seen under TCG (25 ms)
sleep 0.5
for e in "${evs[@]}"; do echo 0 >$T/events/$e/enable; done
for e in "${evs[@]}"; do
	hits=$(sed -n 's/^ *Hits: *//p' $T/events/$e/hist)
	drop=$(sed -n 's/^ *Dropped: *//p' $T/events/$e/hist)
	echo "ft_${e#*/}=${hits:-0}"
	echo "ft_dropped_${e#*/}=${drop:-0}"
done
for e in "${evs[@]}"; do echo '!hist:keys=common_pid' >$T/events/$e/trigger; done
: >$T/kprobe_events
echo "kernel=$(uname -r)"
echo "nvme_bdf=$(basename "$(readlink -f /sys/block/nvme0n1/device/device)")"
