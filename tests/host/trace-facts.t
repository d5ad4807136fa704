# tests/lib/trace-facts.awk, the analyser the VM tests trust, on crafted
# traces with known answers: nested interrupt unmaps pair correctly, a sync
# too short for its unmap is caught, consumers are told apart by caller and
# by the domain's type, and in lazy mode an entry no flush covered is caught
# with the stale window measured from timestamps, and the bound on it that
# the flush queue's own timer gives (arming to flush, plus the gap from a
# queue to the arming after it) catches an entry that waited a cycle more;
# the span and domains that bound how many flushes the timer can make.
source "$(dirname "$0")/../lib/test.sh"
a() { awk -f "$TOP/tests/lib/trace-facts.awk" "$TOP/tests/fixtures/$1" >"$TMP/$1.facts"; }
g() { fact "$1" "$TMP/$2.facts"; }

a trace-strict.txt
s=trace-strict.txt
check "strict: 4 dma-iommu unmaps (one from a tail-calling block-layer caller)" [ "$(g n_unmap_dma $s)" = 4 ]
check "strict: the interrupt's nested pair and the outer pair are covered" [ "$(g strict_covered $s)" = 2 ]
check "strict: a sync whose range misses the end of its unmap is caught" [ "$(g strict_miscovered $s)" = 1 ]
check "strict: a sync with an empty range (a driver that does not gather) counted apart" [ "$(g strict_covered_ungathered $s)" = 1 ]
check "strict: no orphan sync, nothing left" [ "$(g strict_orphan_syncs $s)" = 0 -a "$(g strict_uncovered $s)" = 0 ]
check "strict: vfio's map and sync are vfio's, not dma-iommu's" [ "$(g n_map_vfio $s)" = 1 -a "$(g n_iotlb_sync_vfio $s)" = 1 -a "$(g n_iotlb_sync_dma $s)" = 4 ]
check "strict: the longest sync is 56094 ns" [ "$(g sync_ns_max $s)" = 56094 ]
check "strict: a module caller (%pS ending in \" [module]\") is the module's" [ "$(g n_map_testmod $s)" = 1 -a "$(g map_bytes_testmod $s)" = 16384 ]

a trace-lazy.txt
l=trace-lazy.txt
check "lazy: 3 queued, 2 covered by the seq-2 flush, 1 left uncovered" \
	[ "$(g fq_queued $l)" = 3 -a "$(g fq_covered $l)" = 2 -a "$(g fq_uncovered $l)" = 1 ]
check "lazy: stale window max 12.000 ms (queued at 20.000010, flushed at 20.012010)" [ "$(g stale_max_us $l)" = 12000 ]
check "lazy: the flush's entries and reason" [ "$(g fq_flush_entries $l)" = 2 -a "$(g fq_flush_reason_timer $l)" = 1 ]
check "lazy: all queued from the NVMe's device" [ "$(g fq_dev_0000:00:01.0 $l)" = 3 ]
check "lazy: the timer armed twice, fired once; arming to flush 11998 us, queue to arming at most 3 us" \
	[ "$(g fq_timer_armed $l)" = 2 -a "$(g fq_timer_fired $l)" = 1 -a "$(g fq_timer_cycles $l)" = 1 -a \
	  "$(g fq_timer_span_max_us $l)" = 11998 -a "$(g fq_timer_arm_gap_max_us $l)" = 3 ]
check "lazy: the stale window ($(g stale_max_us $l) us) within the timer's bound ($(g stale_bound_us $l) us)" \
	[ "$(g stale_bound_us $l)" = 12001 -a "$(g stale_max_us $l)" -le "$(g stale_bound_us $l)" ]
check "lazy: queueing spans $(g fq_span_us $l) us from the first queued entry to the last flush, on $(g fq_domains $l) domain: at most $(fq_flush_bound "$(g fq_span_us $l)" "$(g fq_queued $l)" "$(g fq_domains $l)") flushes of its timer" \
	[ "$(g fq_span_us $l)" = 12000 -a "$(g fq_domains $l)" = 1 -a "$(fq_flush_bound 12000 3 1)" = 2 -a "$(fq_flush_bound 7999 255 2)" = 3 ]
a trace-lazy-late.txt
z=trace-lazy-late.txt
check "lazy, an entry that missed its flush: stale window $(g stale_max_us $z) us beyond the timer's bound $(g stale_bound_us $z) us" \
	[ "$(g fq_covered $z)" = 4 -a "$(g stale_bound_us $z)" = 17000 -a "$(g stale_max_us $z)" = 29990 ]

# series v2: its iommu_* names read as v1's, no caller (consumers by the
# domain's type), the sync's range and reason, entries released by the
# first later flush whose seq is at least theirs
a trace-v2.txt
v=trace-v2.txt
check "v2: read as v2, its events under v1's names (4 syncs, 1 flush-all, 1 sync-map, 4 queued, 2 flushes)" \
	[ "$(g series $v)" = v2 -a "$(g n_iotlb_sync $v)" = 4 -a "$(g n_flush_iotlb_all $v)" = 1 -a "$(g n_sync_map $v)" = 1 -a \
	  "$(g n_dma_fq_queue $v)" = 4 -a "$(g n_dma_fq_flush $v)" = 2 ]
check "v2: no caller: a DMA-API domain's events are dma-iommu's (5 unmaps, 2 syncs), the unmanaged domain's the task's (vfio-map: vfio)" \
	[ "$(g n_unmap_dma $v)" = 5 -a "$(g n_iotlb_sync_dma $v)" = 2 -a "$(g n_iotlb_sync_vfio $v)" = 1 -a \
	  "$(g n_flush_iotlb_all_vfio $v)" = 1 -a "$(g n_iotlb_sync_other $v)" = "" -a "$(g ncaller_unmap_dma $v)" = "" ]
check "v2: a VFIO map before any iommu_* event of the trace is read as v2's (vfio by its task)" [ "$(g n_map_vfio $v)" = 1 ]
check "v2: a map on an unmanaged domain by a task of no known name is the consumer its kernel stack names (iommufd, past another CPU's record), and so is the domain's sync" \
	[ "$(g n_map_iommufd $v)" = 1 -a "$(g n_iotlb_sync_iommufd $v)" = 1 -a "$(g n_unmap_dma $v)" = 5 ]
check "v2: the sync's range from \"iova=START - END\": 1 unmap covered, 1 only half (miscovered)" \
	[ "$(g strict_covered $v)" = 1 -a "$(g strict_miscovered $v)" = 1 ]
check "v2: sync reasons 3 explicit, 1 nogaps" [ "$(g sync_reason_explicit $v)" = 3 -a "$(g sync_reason_nogaps $v)" = 1 ]
check "v2: of 4 queued, the seq-2 flush releases 2, the seq-4 flush the seq-3 entry, the seq-5 entry none ($(g fq_covered $v) covered, $(g fq_uncovered $v) not, entries $(g fq_flush_entries $v))" \
	[ "$(g fq_covered $v)" = 3 -a "$(g fq_uncovered $v)" = 1 -a "$(g fq_flush_entries $v)" = 3 ]
check "v2: stale window max 20.000 ms (the seq-3 entry, queued at 40.001010, released at 40.021010)" [ "$(g stale_max_us $v)" = 20000 ]
check "v2: no device in the queue event, none counted" [ -z "$(grep '^fq_dev_' "$TMP/$v.facts")" ]
# trace-windows.awk (flushtop.t's per-frame counts) on the same v2 trace:
# a flush's entries are those it released
printf '1 39000000000 40015000000\n2 40015000000 41000000000\n' >"$TMP/win"
awk -f "$TOP/tests/lib/trace-windows.awk" "$TMP/win" "$TOP/tests/fixtures/$v" >"$TMP/win.facts"
check "v2, per window: the seq-2 flush released 2 entries, the seq-4 flush 1; 3 and 1 queued" \
	[ "$(fact w1_fq_entries "$TMP/win.facts")" = 2 -a "$(fact w2_fq_entries "$TMP/win.facts")" = 1 -a \
	  "$(fact w1_dma_fq_queue "$TMP/win.facts")" = 3 -a "$(fact w2_dma_fq_queue "$TMP/win.facts")" = 1 ]
check "v1 traces say v1" [ "$(g series $s)" = v1 -a "$(g series $l)" = v1 ]
done_testing
