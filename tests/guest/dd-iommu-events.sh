#!/bin/bash
# Runs in the test VM: reads COUNT blocks of BS bytes from the NVMe disk with
# O_DIRECT while ftrace records iommu:map and iommu:unmap, and prints what
# dd read and what the events add up to (KEY=VALUE).
set -eu
BS=${1:-65536} COUNT=${2:-256}
T=/sys/kernel/tracing
echo 0 >$T/tracing_on
echo 16384 >$T/buffer_size_kb
echo >$T/trace
echo 1 >$T/events/iommu/map/enable
echo 1 >$T/events/iommu/unmap/enable
echo 1 >$T/tracing_on
dd if=/dev/nvme0n1 of=/dev/null bs="$BS" count="$COUNT" iflag=direct 2>/tmp/dd.err
echo 0 >$T/tracing_on
echo "dd_bytes=$(sed -n 's/^\([0-9]*\) bytes.*/\1/p' /tmp/dd.err)"
awk '
	/ map: /   { n_map++;   if (match($0, / size=[0-9]+/)) map_b += substr($0, RSTART + 6, RLENGTH - 6) }
	/ unmap: / { n_unmap++; if (match($0, / unmapped_size=[0-9]+/)) unmap_b += substr($0, RSTART + 15, RLENGTH - 15) }
	END { printf "map_events=%d\nmap_bytes=%d\nunmap_events=%d\nunmapped_bytes=%d\n", n_map, map_b, n_unmap, unmap_b }
' $T/trace
# Events lost to a full buffer would make the sums meaningless.
echo "overrun=$(cat $T/per_cpu/cpu*/stats | awk '/^overrun:/ { s += $2 } END { print s + 0 }')"
