# A VFIO type1 consumer in the guest (tests/progs/vfio-map.c on the e1000e
# bound to vfio-pci): its VFIO_IOMMU_MAP_DMA calls reach the IOMMU, and the
# existing iommu:map/iommu:unmap events account for exactly the bytes it
# mapped and unmapped, under intel-iommu and virtio-iommu.
source "$(dirname "$0")/../lib/test.sh"
tools=$("$TOP/scripts/build-guest-tools" "$BASE") || { notok "building guest tools"; exit 1; }
CHUNKS=8 CHUNK=65536 GAP=65536
for iommu in intel virtio; do
	out="$TMP/$iommu"
	if ! vm "$out" --iommu "$iommu" -- bash -c '
		set -e
		bdf=$(scripts/guest/bind-nic.sh vfio-pci)
		T=/sys/kernel/tracing
		echo 1 >$T/events/iommu/map/enable; echo 1 >$T/events/iommu/unmap/enable
		"$1/vfio-map" "$bdf" "$2" "$3" "$4"
		echo 0 >$T/tracing_on
		awk "/ map: / { if (match(\$0, / size=[0-9]+/)) m += substr(\$0, RSTART + 6, RLENGTH - 6) }
		     / unmap: / { if (match(\$0, / unmapped_size=[0-9]+/)) u += substr(\$0, RSTART + 15, RLENGTH - 15) }
		     END { printf \"trace_map_bytes=%d\ntrace_unmap_bytes=%d\n\", m, u }" $T/trace
		' _ "$tools" $CHUNKS $CHUNK $GAP; then
		notok "$iommu: the VM run failed"; continue
	fi
	cat "$out"
	want=$((CHUNKS * CHUNK))
	mb=$(fact mapped_bytes "$out") ub=$(fact unmapped_bytes "$out")
	tm=$(fact trace_map_bytes "$out") tu=$(fact trace_unmap_bytes "$out")
	check "$iommu: vfio mapped and unmapped $want B (got $mb, $ub)" [ "$mb" = $want -a "$ub" = $want ]
	check "$iommu: iommu:map $tm B and iommu:unmap $tu B match it" [ "$tm" = $want -a "$tu" = $want ]
done
