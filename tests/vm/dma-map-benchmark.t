# The kernel's dma_map_benchmark, built statically against this base's uapi
# headers, binds to the emulated e1000e and runs under intel-iommu, strict and
# lazy, in a domain of the type the mode asks for.  How much more a strict
# unmap costs than a lazy one is a performance figure: make bench measures
# it (scripts/bench-overhead, docs/performance.md), side by side in one run;
# a test asserting it failed when other work loaded the machine.
source "$(dirname "$0")/../lib/test.sh"

tools=$("$TOP/scripts/build-guest-tools" "$BASE") || { notok "building guest tools"; exit 1; }
for mode in lazy strict; do
	opts=(--iommu intel) want=DMA-FQ
	[ $mode = strict ] && opts+=(--strict) && want=DMA
	out="$TMP/$mode"
	if ! vm "$out" "${opts[@]}" -- tests/guest/dma-map-bench.sh "$tools/dma_map_benchmark"; then
		notok "$mode: the VM run failed ($(vm_why "$out"))"; continue
	fi
	cat "$out"
	drv=$(fact bound_driver "$out") m=$(fact map_us "$out") u=$(fact unmap_us "$out") t=$(fact group_type "$out")
	if [ "$drv" = dma_map_benchmark ] && awk -v m="$m" -v u="$u" 'BEGIN { exit !(m > 0 && u > 0) }'; then
		ok "$mode: bound to $drv; map $m us, unmap $u us"
	else
		notok "$mode: driver '$drv', map '$m' us, unmap '$u' us"
	fi
	check "$mode: the device's domain is $want (got $t)" [ "$t" = $want ]
done
done_testing
