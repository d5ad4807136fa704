#!/bin/bash
# Runs in the test VM: hands the emulated e1000e NIC to the dma_map_benchmark
# driver (driver_override, unbind, bind) and prints its PCI address.
set -eu
bdf=
for d in /sys/bus/pci/devices/*; do
	[ "$(cat "$d/class")" = 0x020000 ] && [ "$(cat "$d/vendor")" = 0x8086 ] && { bdf=$(basename "$d"); break; }
done
[ -n "$bdf" ] || { echo "bind-dma-map-benchmark: no e1000e in this VM" >&2; exit 1; }
d=/sys/bus/pci/devices/$bdf
echo dma_map_benchmark >"$d/driver_override"
[ -e "$d/driver" ] && echo "$bdf" >"$d/driver/unbind"
echo "$bdf" >/sys/bus/pci/drivers/dma_map_benchmark/bind
echo "$bdf"
