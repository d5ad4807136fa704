#!/bin/bash
# Runs in the test VM on a kernel without the series: both tools on the
# fallback source, while an O_DIRECT dd keeps the NVMe busy.  Prints
# KEY=VALUE facts; the tools' outputs go to $VM_RESULTS.
set -u
B=.output/bin R=$VM_RESULTS
DD="dd if=/dev/nvme0n1 of=/dev/null bs=65536 count=256 iflag=direct"

# iommu-flushtop: batch frames and JSON frames over the dd, which starts
# once the first frame is out (the programs are attached by then: on a
# stock kernel, reading its modules' BTF makes the start take seconds).
top() {   # OUT ERR OPTIONS...
	local out=$1 err=$2 pid rc=0; shift 2
	$B/iommu-flushtop "$@" >$out 2>$err &
	pid=$!
	for _ in $(seq 600); do [ -s $out ] && break; sleep 0.1; done
	$DD 2>/dev/null
	wait $pid || rc=$?
	return $rc
}
top $R/top.txt $R/top.err -b -i 1 -n 5; echo "top_rc=$?"
top $R/top.json $R/top-json.err --json -i 1 -n 5; echo "top_json_rc=$?"
# consumers, from the stack of each domain's first callback: dd's are the DMA API's
top $R/cons.json $R/cons.err --consumer dma-iommu --json -i 1 -n 3; echo "cons_rc=$?"
# iommu-flushhist, grouped by consumer and caller: recorded, a one-line notice for the caller
$B/iommu-flushhist -g driver,consumer,caller -o $R/hist.json -- $DD >$R/hist.txt 2>$R/hist.err; echo "hist_rc=$?"
# the series' source asked for where there is none: refused in one line
$B/iommu-flushtop --source tracepoints -b -n 1 >$R/src-top.txt 2>$R/src-top.err; echo "src_top_rc=$?"
$B/iommu-flushhist --source tracepoints -d 1 >$R/src-hist.txt 2>$R/src-hist.err; echo "src_hist_rc=$?"
exit 0
