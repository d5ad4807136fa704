#!/bin/bash
# Runs in the test VM: records every iommu event of the series (v1 or v2) with ftrace
# while CMD runs, waits for the flush queue's timer to flush what is queued,
# and leaves the trace in $VM_RESULTS/trace.txt.  Exits 3 when an event is
# missing (a kernel without the series).
# usage: trace-iommu.sh [--kprobes FUNC[,FUNC...]] CMD...
# --kprobes: a kprobe event on each function, in the same trace (the
# driver's own invalidation functions: trace-facts.awk counts them as
# n_FUNC, on the events' timeline).
set -eu
T=/sys/kernel/tracing
source "$(dirname "$0")/series-events.sh"
EVENTS=$SERIES_EVENTS
kprobes=
if [ "${1:-}" = --kprobes ]; then kprobes=${2//,/ }; shift 2; fi
echo 0 >$T/tracing_on
echo 32768 >$T/buffer_size_kb
echo >$T/trace
for e in $EVENTS; do
	[ -e $T/events/iommu/$e/enable ] || { echo "trace-iommu: no event iommu:$e on this kernel" >&2; exit 3; }
	echo 1 >$T/events/iommu/$e/enable
done
# v2's events carry no caller: the kernel's own stack of each map and unmap
# on a domain that is not the DMA API's (DMA 0x3, DMA-FQ 0xb) says whose
# it is (trace-facts.awk reads it: VFIO, iommufd, a module)
if [ $SERIES_VERSION = v2 ]; then
	for e in map unmap; do
		echo 'stacktrace if domain_type != 3 && domain_type != 11' >$T/events/iommu/$e/trigger
	done
fi
if [ -n "$kprobes" ]; then
	: >$T/kprobe_events
	for f in $kprobes; do
		echo "p:ifltrace/$f $f" >>$T/kprobe_events || { echo "trace-iommu: cannot probe $f (inlined, or not on this kernel)" >&2; exit 3; }
	done
	echo 1 >$T/events/ifltrace/enable
fi
# The flush queue's own timer (dma-iommu's fq_flush_timeout): when it was
# armed and when it fired, so that the stale windows can be held against
# what the timer itself took in this guest (trace-facts.awk, fq_timer_*),
# not against a guess at TCG's timer slack.  The ".function" filter needs
# 6.3 or later; without it the facts say so (fq_timer_traced=0).
timer_traced=1
for e in timer_start timer_expire_entry; do
	if [ -e $T/events/timer/$e/filter ] &&
	   echo 'function.function == fq_flush_timeout' >$T/events/timer/$e/filter 2>/dev/null; then
		echo 1 >$T/events/timer/$e/enable
	else
		timer_traced=0
	fi
done
echo "fq_timer_traced=$timer_traced"
echo 1 >$T/tracing_on
"$@" >&2
# Wait for the flush queue's timer to flush what the command queued: until
# no timer's last event is an arming and each firing has its dma_fq_flush.
# Strict mode arms nothing: no wait.  A deadline of 10 s (the timeout is
# 10 ms; 1 s only for single-queue devices, s390's shadow_on_flush) ends a
# wait the timer never ends; what is left queued then shows as uncovered.
waited=0
while [ $timer_traced = 1 ] && [ $waited -lt 200 ]; do
	c=$(awk 'match($0, / timer_(start|expire_entry): timer=[0-9a-f]+ function=fq_flush_timeout /) {
			split(substr($0, RSTART, RLENGTH), w, /[ =]/)
			armed[w[4]] = w[2] == "timer_start:"
			if (!armed[w[4]]) e++
		}
		/ (iommu_)?dma_fq_flush: .*reason=timer/ { f++ }
		END { p = 0; for (t in armed) p += armed[t]; print (p == 0 && f + 0 >= e + 0) ? "done" : "wait" }' $T/trace)
	[ "$c" = done ] && break
	sleep 0.05
	waited=$((waited + 1))
done
[ $timer_traced = 1 ] || sleep 0.5
echo "fq_wait_ms=$((waited * 50))"
echo 0 >$T/tracing_on
for e in timer_start timer_expire_entry; do
	[ -e $T/events/timer/$e/enable ] && echo 0 >$T/events/timer/$e/enable && echo 0 >$T/events/timer/$e/filter
done
cp $T/trace "$VM_RESULTS/trace.txt"
for e in map unmap; do
	grep -q '^stacktrace' $T/events/iommu/$e/trigger 2>/dev/null &&
		echo '!stacktrace if domain_type != 3 && domain_type != 11' >$T/events/iommu/$e/trigger
done
# Only now: removing a kprobe event resets the ring buffer.
if [ -n "$kprobes" ]; then
	echo 0 >$T/events/ifltrace/enable
	: >$T/kprobe_events
fi
echo "overrun=$(cat $T/per_cpu/cpu*/stats | awk '/^overrun:/ { s += $2 } END { print s + 0 }')"
echo "nvme_bdf=$(basename "$(readlink -f /sys/block/nvme0n1/device/device)")"
