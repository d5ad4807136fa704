#!/bin/bash
# Runs in the test VM: hands the emulated e1000e NIC to DRIVER (vfio-pci,
# dma_map_benchmark, or e1000e again) through driver_override, unbind, bind,
# and prints its PCI address.
set -eu
drv=${1:?usage: bind-nic.sh DRIVER}
bdf=
for d in /sys/bus/pci/devices/*; do
	[ "$(cat "$d/class")" = 0x020000 ] && [ "$(cat "$d/vendor")" = 0x8086 ] && { bdf=$(basename "$d"); break; }
done
[ -n "$bdf" ] || { echo "bind-nic: no e1000e in this VM" >&2; exit 1; }
d=/sys/bus/pci/devices/$bdf
echo "$drv" >"$d/driver_override"
[ -e "$d/driver" ] && echo "$bdf" >"$d/driver/unbind"
echo "$bdf" >"/sys/bus/pci/drivers/$drv/bind"
echo "$bdf"
