#!/bin/bash
# Runs in the test VM for `make demo-live`: iommu-flushtop's full-screen view
# on /dev/ttyS1, which vm-run --interactive connects to the host's terminal,
# over a mixed DMA workload that loops in the background (NVMe reads and
# writes, pings over virtio-net and the e1000e).  q quits; the VM then
# powers off.  The terminal's size is the host's when the VM started.
set -u
here=$(cd "$(dirname "$0")" && pwd)
nics=$("$here/nics-up.sh")
(
	while :; do
		dd if=/dev/nvme0n1 of=/dev/null bs=64k count=256 iflag=direct 2>/dev/null
		dd if=/dev/zero of=/dev/nvme0n1 bs=4k count=256 oflag=direct 2>/dev/null
		while read -r _ i; do
			ping -I "$i" -c 20 -i 0.05 -s 1400 -q 10.0.2.2 >/dev/null 2>&1
		done <<<"$nics"
		sleep 0.5
	done
) &
load=$!
# vm-init left the port raw for streaming; a terminal wants the usual modes
stty -F /dev/ttyS1 sane rows "${VM_ROWS:-24}" cols "${VM_COLS:-80}"
# its controlling terminal, so that ^C is a signal to it
setsid -c -w "$here/../../.output/bin/iommu-flushtop" <>/dev/ttyS1 >&0 2>&0
rc=$?
kill $load 2>/dev/null
exit $rc
