# The collector (bpf/, tools/lib/) against ftrace, over the same window: the
# collector is attached and snapshotted around tests/guest/trace-iommu.sh,
# which records every event of the series with ftrace while the workload
# runs (tests/unit/collector-dump prints the collector's delta, the host
# analyses the trace with tests/lib/trace-facts.awk).  The checks are in
# tests/lib/collector-checks.sh; for each run:
# - counts equal event type by event type, and per consumer, with nothing
#   dropped on either side (ftrace overruns, collector drops);
# - bytes mapped and unmapped equal;
# - strict: every sync covered exactly 1 unmap; lazy: the flush-queue
#   flushes cover many unmaps each, their entries add up to the queued
#   IOVAs, and the stale window was measured for each of them, its largest
#   value in the log2 bucket of ftrace's (or a neighbour: the two clocks
#   are read a few instructions apart);
# - the rows name the IOMMU driver and the device.
# The runs of dd on the NVMe (intel-iommu with tp_btf programs, virtio-iommu
# with their raw_tp twins, strict and lazy), of the gather test module and
# of the VFIO and iommufd programs are flush-events.t's boots, which serve
# both.  Here: VFIO alone; dma_map_benchmark, a dma-iommu consumer other
# than the NVMe; and on a base without the series, the collector's one-line
# refusal.
source "$(dirname "$0")/../lib/test.sh"
source "$(dirname "$0")/../lib/collector-checks.sh"
make -s -C "$TOP" build >&2 || { notok "building the collector"; exit 1; }
tools=$("$TOP/scripts/build-guest-tools" "$BASE") || { notok "building guest tools"; exit 1; }

if [ ! -s "$TOP/kernel-patches/$BASE/series" ]; then
	rc=0
	vm "$TMP/out" --iommu intel -- "$dump" --check 2>"$TMP/err" || rc=$?
	cat "$TMP/err"
	# vm-run's own lines are on stderr too; the collector's start with its name
	msg=$(grep '^collector-dump: ' "$TMP/err")
	check "no series for $BASE: the collector refuses in one line naming it (exit $rc): $msg" \
		bash -c '[ "$1" = 1 ] && [ "$(grep -c . <<<"$2")" = 1 ] && grep -q "flush tracepoint series" <<<"$2"' _ "$rc" "$msg"
	done_testing
	exit 0
fi


# a VFIO consumer alone in its window (tests/progs/vfio-map: 8 chunks of
# 64 KiB); flush-events.t's boot runs it with iommufd, which may be given
# the domain VFIO freed (docs/collector.md, "Known limits").
n=intel-vfio
if trace $n intel -- bash -c 'b=$(scripts/guest/bind-nic.sh vfio-pci) && "$1/vfio-map" "$b" 8 65536 65536' _ "$tools"; then
	col_vfio $n
fi

# dma_map_benchmark (tests/guest/dma-map-bench.sh: one thread maps and
# unmaps a page through the DMA API for 1 s) on the e1000e: a consumer that
# is dma-iommu on a device other than the NVMe.  Lazy under intel-iommu, the
# raw_tp twins in strict mode under virtio-iommu, where every sync must cover
# the benchmark's one unmap.
for iommu in intel virtio; do
	n=$iommu-dmabench vopt=() type=DMA-FQ
	[ $iommu = virtio ] && vopt=(--strict) type=DMA
	if trace $n $iommu "${vopt[@]}" -- tests/guest/dma-map-bench.sh "$tools/dma_map_benchmark" 1; then
		col_compare $n dma-iommu dma
		nvme=$(f nvme_bdf $n)
		rows=$(grep "^col_row=[0-9]*|$iommu-iommu|$type|dma-iommu|0000:" "$TMP/$n.facts" | grep -v "|$nvme|")
		check "$n: a $type row names the benchmark's device, not the NVMe $nvme: ${rows:-none}" [ -n "$rows" ]
		if [ $iommu = virtio ]; then
			h=$(f col_cons_dma-iommu_hist_unmaps_per_sync $n) s=$(f col_n_sync $n)
			check "$n: strict: each of the $s syncs covered exactly 1 unmap (histogram $h)" \
				[ "$h" = "1:$s" -a "$s" -ge 100 ]
		else
			fl=$(f col_n_fq_flush $n) en=$(f col_n_fq_flush_entries $n)
			b=$(fq_flush_bound "$(f fq_span_us $n)" "$(f fq_queued $n)" "$(f fq_domains $n)")
			check "$n: lazy: $fl flush-queue flushes cover $en unmaps, at most the $b its timer and full rings can make in ftrace's $(f fq_span_us $n) us on $(f fq_domains $n) domain(s)" \
				[ "$fl" -ge 1 -a "$en" -ge 1 -a "$fl" -le "$b" ]
		fi
	fi
done
done_testing
