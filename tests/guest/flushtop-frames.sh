#!/bin/bash
# Runs in the test VM: iommu-flushtop's frames beside ftrace's record of the
# same events.  ftrace stamps events with CLOCK_MONOTONIC (trace_clock mono),
# the clock of the frames' windows, so the host can count ftrace's events
# inside each frame's window.  The workload (NVMe reads and writes) starts
# after the first frame is out and the tool is stopped (SIGINT) only after
# a frame that saw none of it, so every event ftrace records falls inside
# the frames: their sum must equal it.  The frame count follows the
# workload (a busy host makes the dd's slower), MIN frames at least.
# usage: flushtop-frames.sh NAME MIN TOOL-OPTION...   (output in $VM_RESULTS/NAME.*)
set -eu
name=$1 min=$2; shift 2
T=/sys/kernel/tracing
source "$(dirname "$0")/series-events.sh"
EVENTS=$SERIES_EVENTS
out=$VM_RESULTS/$name.out
echo 0 >$T/tracing_on
echo mono >$T/trace_clock
echo 32768 >$T/buffer_size_kb
echo >$T/trace
for e in $EVENTS; do echo 1 >$T/events/iommu/$e/enable; done
echo 1 >$T/tracing_on
.output/bin/iommu-flushtop "$@" -n 600 >"$out" 2>"$VM_RESULTS/$name.err" &
pid=$!
# frames_out: the frames written so far (JSON: a line each; batch: a header
# line each).  wait_frame N: until N are out, 60 s at most.
frames_out() { grep -cE '^(\{|iommu-flushtop )' "$out" 2>/dev/null || true; }
wait_frame() { for _ in $(seq 600); do [ "$(frames_out)" -ge "$1" ] && return; sleep 0.1; done; }
# the first frame is out: the collector is attached.  Then the three dd's,
# each in a frame after the last one's: spread over several frames by the
# tool's own intervals, not by sleeps, so a slow guest only moves them
wait_frame 1
dd if=/dev/nvme0n1 of=/dev/null bs=64k count=256 iflag=direct 2>/dev/null
wait_frame $(($(frames_out) + 1))
dd if=/dev/zero of=/dev/nvme0n1 bs=4k count=256 oflag=direct 2>/dev/null
wait_frame $(($(frames_out) + 1))
dd if=/dev/nvme0n1 of=/dev/null bs=4k count=256 iflag=direct 2>/dev/null
end=$(($(frames_out) + 1))
echo "${name}_workload_end_frame=$end"
# the frame the workload ended in, then one that saw nothing of it
wait_frame $((end + 1 > min ? end + 1 : min))
kill -INT $pid 2>/dev/null || true
rc=0
wait $pid || rc=$?
echo "${name}_frames=$(frames_out)"
echo 0 >$T/tracing_on
echo "${name}_status=$rc"
cp $T/trace "$VM_RESULTS/$name.trace"
echo "${name}_overrun=$(cat $T/per_cpu/cpu*/stats | awk '/^overrun:/ { s += $2 } END { print s + 0 }')"
for e in $EVENTS; do echo 0 >$T/events/iommu/$e/enable; done
echo local >$T/trace_clock
