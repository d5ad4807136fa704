#!/bin/bash
# Runs in the test VM: iommu-flushtop started and stopped $1 times (one
# batch frame each: attach, a frame, detach) with --source $2 (tracepoints
# or fallback) while DMA runs on every vCPU (an O_DIRECT reader of the NVMe
# disk pinned to each CPU).  What a user does when starting the tool on a
# busy host, many times.  Prints KEY=VALUE facts: cycles done, failed
# starts, the BPF programs, links and maps before and after (bpftool), the
# reads finished, and each kernel warning line.
set -u
N=${1:-20} SRC=${2:-tracepoints}
B=.output/bin R=${VM_RESULTS:-/tmp}
count() { bpftool -j "$1" show 2>/dev/null | tr '{' '\n' | grep -c '"id"'; }
echo "progs_before=$(count prog)"
echo "links_before=$(count link)"
echo "maps_before=$(count map)"
source "$(dirname "$0")/dma-readers.sh"
readers_start
# The counts are of something: with the tool running, its programs show.
$B/iommu-flushtop --source "$SRC" -b -n 2 -i 1 >/tmp/during.out 2>>"$R/storm.err" &
tool=$!
for _ in $(seq 600); do [ -s /tmp/during.out ] && break; sleep 0.1; done
echo "progs_during=$(count prog)"
wait $tool
ok=0 failed=0 t0=$(date +%s%N)
for i in $(seq "$N"); do
	if $B/iommu-flushtop --source "$SRC" -b -n 1 -i 0.2 >/dev/null 2>>"$R/storm.err"; then
		ok=$((ok + 1))
	else
		failed=$((failed + 1))
	fi
done
t1=$(date +%s%N)
readers_stop
echo "cycles=$ok"
echo "failed=$failed"
echo "cycle_ms=$(( (t1 - t0) / 1000000 / (N > 0 ? N : 1) ))"
echo "reads=$(readers_done)"
echo "progs_after=$(count prog)"
echo "links_after=$(count link)"
echo "maps_after=$(count map)"
dmesg | grep -E 'WARNING|BUG|Oops|soft lockup|hung task|general protection|RIP:' | sed 's/^/warning=/'
true
