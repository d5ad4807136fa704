#!/bin/bash
# Runs in the test VM: brings the virtio-net and e1000e NICs up on QEMU's
# user network (each its own, both 10.0.2.15/24; the gateway 10.0.2.2
# answers pings) and prints "DRIVER INTERFACE" for each, so a workload can
# ping through one NIC with ping -I INTERFACE.
set -u
for drv in virtio_net e1000e; do
	for n in /sys/class/net/*; do
		[ "$(basename "$(readlink -f "$n/device/driver" 2>/dev/null)")" = "$drv" ] || continue
		i=$(basename "$n")
		ip link set "$i" up && ip addr add 10.0.2.15/24 dev "$i" 2>/dev/null
		echo "$drv $i"
	done
done
sleep 1	# carrier, and the first ARP
