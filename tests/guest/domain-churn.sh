#!/bin/bash
# Runs in the test VM: domain churn with iommu-flushtop attached for the
# whole run (docs/reliability.md, "Domains that come and go").  The e1000e
# is handed to vfio-pci, then N programs alternate, VFIO type1 and iommufd
# (tests/progs/vfio-map, iommufd-map: each allocates a domain, maps and
# unmaps CHUNKS pages of 4 KiB and frees it on exit), while
# iommu-flushtop --json -i 1 runs from before the first to after the last.
# Once a second it samples the entries of the collector's statistics and
# domain maps (bpftool), the tool's RSS and CPU time, and the cycles done.
# Prints KEY=VALUE facts; the frames go to $VM_RESULTS/churn.json.
#
# Usage: domain-churn.sh TOOLS_DIR N [CHUNKS] [SOURCE]
set -u
T=${1:?usage: domain-churn.sh TOOLS_DIR N [CHUNKS] [SOURCE]} N=${2:?N} CH=${3:-4} SRC=${4:-tracepoints}
B=.output/bin R=${VM_RESULTS:-/tmp}
b=$(scripts/guest/bind-nic.sh vfio-pci) || { echo "failed=bind"; exit 0; }
echo "bdf=$b"
entries() { bpftool -j map dump name "$1" 2>/dev/null | grep -o '"key":' | wc -l; }
$B/iommu-flushtop --source "$SRC" --json -i 1 >"$R/churn.json" 2>"$R/churn.err" &
tool=$!
for _ in $(seq 600); do [ -s "$R/churn.json" ] && break; sleep 0.1; done
[ -s "$R/churn.json" ] || { echo "failed=no-first-frame"; kill $tool; exit 0; }
echo "stats_start=$(entries stats)"
echo "domains_start=$(entries domains)"
: >/tmp/churn.done
# the samples: seconds, RSS, CPU ticks, then the map entries and cycles done
source "$(dirname "$0")/tool-sampler.sh"
churn_extra() { echo "$(entries stats) $(entries domains) $(wc -l </tmp/churn.done)"; }
SAMPLE_INTERVAL=1 sampler_start $tool churn_extra
sampler=$SAMPLER_PID
vfio=0 iommufd=0 failed=0 t0=$(date +%s%N)
for i in $(seq "$N"); do
	if [ $((i % 2)) = 1 ]; then p=vfio-map; else p=iommufd-map; fi
	if "$T/$p" "$b" "$CH" 4096 4096 >/dev/null 2>>"$R/churn-progs.err"; then
		[ $p = vfio-map ] && vfio=$((vfio + 1)) || iommufd=$((iommufd + 1))
		echo "$i" >>/tmp/churn.done
	else
		failed=$((failed + 1))
	fi
done
t1=$(date +%s%N)
sleep 2.5	# two more frames: the last cycles' events are in a frame
kill -INT $tool
wait $tool
echo "tool_status=$?"
wait $sampler 2>/dev/null
echo "vfio_cycles=$vfio"
echo "iommufd_cycles=$iommufd"
echo "failed=$failed"
echo "cycle_ms=$(( (t1 - t0) / 1000000 / (N > 0 ? N : 1) ))"
echo "chunk_bytes=$((CH * 4096))"
echo "stats_end=$(entries stats)"
dmesg | grep -E 'WARNING|BUG|Oops|soft lockup|hung task|general protection|RIP:' | sed 's/^/warning=/'
true
