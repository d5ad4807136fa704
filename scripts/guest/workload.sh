#!/bin/bash
# Runs in the test VM: one named workload of fixed size (docs/workloads.md),
# so that runs on two kernels (scripts/ab-patch) do the same DMA.
# usage: workload.sh NAME GUEST-TOOLS-DIR
#        workload.sh --list
set -eu
here=$(cd "$(dirname "$0")" && pwd)
NAMES="nvme-seqread-4k nvme-seqread-64k nvme-randread-4k nvme-randread-64k nvme-write-fsync
net-virtio net-e1000e dmabench vfio"
if [ "${1:-}" = --list ]; then echo $NAMES; exit 0; fi
name=${1:?usage: workload.sh NAME GUEST-TOOLS-DIR}
tools=${2:?usage: workload.sh NAME GUEST-TOOLS-DIR}
DISK=/dev/nvme0n1

# ping COUNT times over the NIC of DRIVER, 1400-byte payloads, to QEMU's
# user-network gateway: traffic that never leaves the machine.
ping_over() {
	local i
	i=$("$here/nics-up.sh" | awk -v d="$1" '$1 == d { print $2 }')
	[ -n "$i" ] || { echo "workload: no $1 interface" >&2; exit 1; }
	ping -I "$i" -c "$2" -i 0.01 -s 1400 -q 10.0.2.2 >&2
}

case $name in
nvme-seqread-4k) dd if=$DISK of=/dev/null bs=4k count=4096 iflag=direct ;;
nvme-seqread-64k) dd if=$DISK of=/dev/null bs=64k count=1024 iflag=direct ;;
nvme-randread-4k) "$tools/randread" $DISK 4096 4096 ;;
nvme-randread-64k) "$tools/randread" $DISK 65536 512 ;;
nvme-write-fsync) dd if=/dev/zero of=$DISK bs=64k count=256 conv=fsync ;;
net-virtio) ping_over virtio_net 300 ;;
net-e1000e) ping_over e1000e 300 ;;
dmabench)
	"$here/bind-nic.sh" dma_map_benchmark >/dev/null
	"$tools/dma_map_benchmark" -t 1 -s 2 -g 1 >&2 ;;
vfio)
	bdf=$("$here/bind-nic.sh" vfio-pci)
	"$tools/vfio-map" "$bdf" 64 65536 65536 >&2 ;;
*) echo "workload: unknown workload '$name' (one of: $(echo $NAMES))" >&2; exit 2 ;;
esac >&2
