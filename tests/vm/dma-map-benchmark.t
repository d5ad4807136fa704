# The kernel's dma_map_benchmark, built statically against this base's uapi
# headers, binds to the emulated e1000e and runs under intel-iommu, strict and
# lazy; a strict unmap costs more than a lazy one (it waits for the IOTLB
# invalidation instead of queueing it).
source "$(dirname "$0")/../lib/test.sh"

tools=$("$TOP/scripts/build-guest-tools" "$BASE") || { notok "building guest tools"; exit 1; }
declare -A unmap
for mode in lazy strict; do
	opts=(--iommu intel)
	[ $mode = strict ] && opts+=(--strict)
	out="$TMP/$mode"
	if ! vm "$out" "${opts[@]}" -- tests/guest/dma-map-bench.sh "$tools/dma_map_benchmark"; then
		notok "$mode: the VM run failed ($(vm_why "$out"))"; continue
	fi
	cat "$out"
	drv=$(fact bound_driver "$out") m=$(fact map_us "$out") u=$(fact unmap_us "$out")
	unmap[$mode]=$u
	if [ "$drv" = dma_map_benchmark ] && awk -v m="$m" -v u="$u" 'BEGIN { exit !(m > 0 && u > 0) }'; then
		ok "$mode: bound to $drv; map $m us, unmap $u us"
	else
		notok "$mode: driver '$drv', map '$m' us, unmap '$u' us"
	fi
done
if [ -n "${unmap[lazy]:-}" ] && [ -n "${unmap[strict]:-}" ]; then
	check "strict unmap ${unmap[strict]} us > lazy unmap ${unmap[lazy]} us" \
		awk -v s="${unmap[strict]}" -v l="${unmap[lazy]}" 'BEGIN { exit !(s > l) }'
fi
