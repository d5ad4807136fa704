#!/bin/bash
# Runs in the test VM: prints KEY=VALUE facts about the IOMMU as the guest
# kernel sees it, for the NVMe disk and the e1000e NIC.
set -u
pci_by_class() {   # first PCI device whose class starts with $1
	local d
	for d in /sys/bus/pci/devices/*; do
		case $(cat "$d/class") in "$1"*) basename "$d"; return ;; esac
	done
}
echo "iommu_class=$(ls /sys/class/iommu | tr '\n' ' ')"
for dev in nvme:0x010802 e1000e:0x020000; do
	name=${dev%%:*}
	bdf=$(pci_by_class "${dev#*:}")
	echo "${name}_bdf=$bdf"
	[ -n "$bdf" ] || continue
	d=/sys/bus/pci/devices/$bdf
	if [ -e "$d/iommu_group" ]; then
		g=$(readlink "$d/iommu_group"); echo "${name}_group=${g##*/}"
		echo "${name}_group_type=$(cat "$d/iommu_group/type")"
	fi
	if [ -e "$d/iommu" ]; then
		i=$(readlink -f "$d/iommu"); echo "${name}_iommu=${i##*/}"
		# The driver behind that IOMMU: intel-iommu's DMAR units have no
		# parent device; virtio-iommu's is a virtio device bound to virtio_iommu.
		if [ -e "$i/device/driver" ]; then
			drv=$(readlink "$i/device/driver"); echo "${name}_iommu_driver=${drv##*/}"
		fi
	fi
done
echo "group_types=$(cat /sys/kernel/iommu_groups/*/type 2>/dev/null | sort | uniq -c | awk '{printf "%s:%s ", $2, $1}')"
echo "dmesg_dmar=$(dmesg | grep -c 'DMAR: Intel(R) Virtualization Technology for Directed I/O')"
echo "cmdline=$(cat /proc/cmdline)"
