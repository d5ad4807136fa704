#!/bin/bash
# Runs in the test VM on a kernel without the series: both tools on the
# fallback source, while an O_DIRECT dd keeps the NVMe busy.  Prints
# KEY=VALUE facts; the tools' outputs go to $VM_RESULTS.
set -u
B=.output/bin R=$VM_RESULTS
DD="dd if=/dev/nvme0n1 of=/dev/null bs=65536 count=256 iflag=direct"

# iommu-flushtop: batch frames and JSON frames over the dd
( sleep 2; $DD 2>/dev/null ) &
$B/iommu-flushtop -b -i 1 -n 5 >$R/top.txt 2>$R/top.err; echo "top_rc=$?"
wait
( sleep 2; $DD 2>/dev/null ) &
$B/iommu-flushtop --json -i 1 -n 5 >$R/top.json 2>$R/top-json.err; echo "top_json_rc=$?"
wait
# a filter the fallback cannot serve
$B/iommu-flushtop -b -n 1 --consumer vfio >$R/cons.txt 2>$R/cons.err; echo "cons_rc=$?"
# iommu-flushhist, grouped by consumer: recorded, with a one-line notice
$B/iommu-flushhist -g driver,consumer -o $R/hist.json -- $DD >$R/hist.txt 2>$R/hist.err; echo "hist_rc=$?"
exit 0
