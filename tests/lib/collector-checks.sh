# The boots of tests/vm/collector.t and tests/vm/flush-events.t (sourced by
# both), and the collector's checks against ftrace over the same window:
# each boot runs tests/unit/collector-dump around tests/guest/trace-iommu.sh,
# so that one boot serves both the series' checks and the collector's.  The
# checks read the facts of run NAME through f() ($TMP/NAME.facts): col_*
# from the collector's delta, the rest from tests/lib/trace-facts.awk.

dump="$TOP/.output/tests/collector-dump"

# trace NAME IOMMU [vm-run options] -- CMD...: one boot under IOMMU; CMD
# runs under trace-iommu.sh (ftrace records the series' events) inside the
# collector's window, tp_btf programs (their raw_tp twins under
# virtio-iommu); facts from the trace, the guest and the collector go to
# $TMP/NAME.facts.
trace() {
	local name=$1 iommu=$2; shift 2
	local res="$TMP/$name"
	mkdir -p "$res"
	local opts=()
	while [ "$1" != -- ]; do opts+=("$1"); shift; done
	shift
	if ! vm "$TMP/$name.facts" --results "$res" --iommu "$iommu" "${opts[@]}" -- \
		"$dump" --rows --stats "$(col_popt "$iommu")" -- tests/guest/trace-iommu.sh "$@"; then
		notok "$name: the VM run failed ($(vm_why "$TMP/$name.facts"))"; return 1
	fi
	awk -f "$TOP/tests/lib/trace-facts.awk" "$res/trace.txt" >>"$TMP/$name.facts"
	echo "== $name"; cat "$TMP/$name.facts"
	[ "$(fact col_cmd_status "$TMP/$name.facts")" = 0 ] || { notok "$name: the traced command failed"; return 1; }
	[ "$(fact overrun "$TMP/$name.facts")" = 0 ] || { notok "$name: ftrace lost events"; return 1; }
}
f() { local v; v=$(fact "$1" "$TMP/$2.facts"); echo "${v:-0}"; }
# driver_flush_alls NAME: the flush-alls the driver ran per ftrace's
# events: v1's dma-iommu flushed its queues through iommu_flush_iotlb_all()
# (an event each), v2's calls ->flush_iotlb_all() itself after which its
# dma_fq_flush event comes
driver_flush_alls() {
	if [ "$(f series $1)" = v2 ]; then echo $(( $(f n_flush_iotlb_all $1) + $(f n_dma_fq_flush $1) ))
	else f n_flush_iotlb_all $1; fi
}

# collector count name : ftrace event name
PAIRS="map:map unmap:unmap range_add:iotlb_gather_add sync:iotlb_sync flush_all:flush_iotlb_all
sync_map:sync_map fq_queue:dma_fq_queue fq_flush:dma_fq_flush"

# col_compare NAME CONSUMER AWK-CONSUMER [AWK-CONSUMER-OF-RANGE-ADDS]: every
# event type, in total and for one consumer (CONSUMER "-": in total only).  iotlb_gather_add carries no
# caller: trace-facts.awk and the collector both give it (and syncs forced
# inside the driver) to the consumer of the domain's other events.
col_compare() {
	local n=$1 cons=$2 acons=$3 gcons=${4:-$3} p c e a bad="" seen="" cbad="" total=0
	for p in $PAIRS; do
		c=${p%%:*} e=${p#*:} a=$acons
		[ $c = range_add ] && a=$gcons
		[ "$(f col_n_$c $n)" = "$(f n_$e $n)" ] || bad+=" $c: collector $(f col_n_$c $n) ftrace $(f n_$e $n);"
		[ "$cons" = - ] || [ "$(f col_cons_${cons}_$c $n)" = "$(f n_${e}_$a $n)" ] ||
			cbad+=" $c: $(f col_cons_${cons}_$c $n) vs $(f n_${e}_$a $n);"
		seen+=" $c=$(f col_n_$c $n)"
		total=$((total + $(f col_n_$c $n)))
	done
	check "$n: collector: counts equal ftrace's, event by event:$seen${bad:+ MISMATCH$bad}" \
		[ -z "$bad" -a "$total" -gt 0 ]
	[ "$cons" = - ] || check "$n: collector: and for consumer $cons${cbad:+: MISMATCH$cbad}" [ -z "$cbad" ]
	check "$n: collector: nothing dropped (ftrace overrun $(f overrun $n), collector keys $(f col_drop_keys $n), domains $(f col_drop_domains $n), fq domains $(f col_drop_fq_domains $n), stale unmeasured $(f col_n_stale_unmeasured $n), locked-out flushes $(f col_drop_fq_locked $n), unpaired exits $(f col_drop_fb_unpaired $n), group walks $(f col_drop_group_walks $n))" \
		[ "$(f overrun $n)" = 0 -a "$(f col_drop_keys $n)" = 0 -a "$(f col_drop_domains $n)" = 0 \
		  -a "$(f col_drop_fq_domains $n)" = 0 -a "$(f col_n_stale_unmeasured $n)" = 0 \
		  -a "$(f col_drop_fq_locked $n)" = 0 -a "$(f col_drop_fb_unpaired $n)" = 0 -a "$(f col_drop_group_walks $n)" = 0 ]
	local fm fu
	fm=$(fsum map_bytes $n) fu=$(fsum unmap_bytes $n)
	if [ "$cons" = - ]; then
		check "$n: collector: bytes mapped $(f col_n_map_bytes $n) and unmapped $(f col_n_unmap_bytes $n) equal ftrace's ($fm, $fu)" \
			[ "$(f col_n_map_bytes $n)" = "$fm" -a "$(f col_n_unmap_bytes $n)" = "$fu" -a "$fm" -gt 0 ]
		return
	fi
	check "$n: collector: bytes mapped $(f col_n_map_bytes $n) and unmapped $(f col_n_unmap_bytes $n) equal ftrace's ($fm, $fu), and $cons's $(f col_cons_${cons}_map_bytes $n) and $(f col_cons_${cons}_unmap_bytes $n) ($(f map_bytes_$acons $n), $(f unmap_bytes_$acons $n))" \
		[ "$(f col_n_map_bytes $n)" = "$fm" -a "$(f col_n_unmap_bytes $n)" = "$fu" -a "$fm" -gt 0 \
		  -a "$(f col_cons_${cons}_map_bytes $n)" = "$(f map_bytes_$acons $n)" \
		  -a "$(f col_cons_${cons}_unmap_bytes $n)" = "$(f unmap_bytes_$acons $n)" ]
}
# fsum KEY NAME: the sum of ftrace's KEY_<consumer>=N facts of run NAME
fsum() { sed -n "s/^$1_[^=]*=//p" "$TMP/$2.facts" | awk '{ s += $1 } END { print s + 0 }'; }


# col_prog IOMMU: the program type the runs use under IOMMU (virtio-iommu
# runs test the raw_tp twins, the others tp_btf) and its collector option.
col_prog() { [ "$1" = virtio ] && echo raw_tp || echo tp_btf; }
col_popt() { [ "$1" = virtio ] && echo --raw-tp || echo --tp-btf; }

# col_dd_strict NAME IOMMU / col_dd_lazy NAME IOMMU: dd on the NVMe.
col_dd_strict() {
	local n=$1 drv=$2-iommu prog h s bdf
	prog=$(col_prog $2)
	check "$n: collector: $prog programs attached ($(f col_prog_type $n))" [ "$(f col_prog_type $n)" = $prog ]
	col_compare $n dma-iommu dma
	h=$(f col_cons_dma-iommu_hist_unmaps_per_sync $n) s=$(f col_n_sync $n)
	check "$n: collector: every one of the $s syncs covered exactly 1 unmap (unmaps-per-sync histogram $h)" \
		[ "$h" = "1:$s" -a "$s" -ge 256 ]
	bdf=$(f nvme_bdf $n)
	check "$n: collector: rows name $drv, DMA and the NVMe $bdf" \
		grep -q "^col_row=[0-9]*|$drv|DMA|dma-iommu|$bdf|" "$TMP/$n.facts"
}
col_dd_lazy() {
	local n=$1 drv=$2-iommu prog fl en q h sh smax tb want bdf b
	prog=$(col_prog $2)
	check "$n: collector: $prog programs attached ($(f col_prog_type $n))" [ "$(f col_prog_type $n)" = $prog ]
	col_compare $n dma-iommu dma
	fl=$(f col_n_fq_flush $n) en=$(f col_n_fq_flush_entries $n) q=$(f col_n_fq_queue $n)
	h=$(f col_cons_dma-iommu_hist_unmaps_per_sync $n)
	b=$(fq_flush_bound "$(f fq_span_us $n)" "$q" "$(f fq_domains $n)")
	check "$n: collector: $fl flush-queue flushes cover $en unmaps (histogram $h), all $q queued, at most the $b its timer and full rings can make in ftrace's $(f fq_span_us $n) us on $(f fq_domains $n) domain(s)" \
		[ "$fl" -ge 1 -a "$en" = "$q" -a "$fl" -le "$b" -a "$(f col_n_sync $n)" = 0 ]
	sh=$(f col_cons_dma-iommu_hist_stale_ns $n) smax=$(f stale_max_us $n)
	tb=$(top_bucket "$sh") want=$(bucket_of $((smax * 1000)))
	check "$n: collector: a stale window for each of the $(f fq_covered $n) queued IOVAs ($(sum_hist "$sh")), the longest in bucket $tb, ftrace's $smax us in bucket $want" \
		[ "$(sum_hist "$sh")" = "$(f fq_covered $n)" -a "${tb:-0}" -ge $((want - 1)) -a "${tb:-0}" -le $((want + 1)) ]
	bdf=$(f nvme_bdf $n)
	check "$n: collector: rows name $drv, DMA-FQ and the NVMe $bdf" \
		grep -q "^col_row=[0-9]*|$drv|DMA-FQ|dma-iommu|$bdf|" "$TMP/$n.facts"
}

# col_gather NAME: the test module's 4 disjoint ranges in one gather; every
# sync on its domain is the module's, including those the driver forces
# from inside its unmap path.
col_gather() {
	local n=$1 fd fp ms h want
	if [ "$(f series $n)" = v2 ]; then
		fd=$(f col_n_sync_forced $n) want=$(( $(f sync_reason_gather $n) + $(f sync_reason_nogaps $n) ))
		check "$n: collector: forced syncs $fd equal ftrace's syncs of reason gather or nogaps ($want)" [ "$fd" = "$want" ]
	else
		fd=$(f col_n_forced_disjoint $n) fp=$(f col_n_forced_pgsize $n)
		check "$n: collector: forced syncs by reason equal ftrace's: disjoint $fd ($(f forced_disjoint $n)), page size $fp ($(f forced_pgsize $n))" \
			[ "$fd" = "$(f forced_disjoint $n)" -a "$fp" = "$(f forced_pgsize $n)" ]
	fi
	# ftrace reads the module's callers after its init text is freed: they
	# are "other" there; the syncs not dma-iommu's are the module's.
	ms=$(( $(f n_iotlb_sync $n) - $(f n_iotlb_sync_dma $n) ))
	check "$n: collector: the module is the consumer of all $ms syncs on its domain ($(f col_cons_iommu_gather_test_sync $n))" \
		[ "$(f col_cons_iommu_gather_test_sync $n)" = "$ms" -a "$ms" -ge 1 ]
	# 4 unmaps: one sync covering all 4 (log2 bucket 3), or 3 forced syncs of 1
	# and the last of 1 (bucket 1, 4 samples)
	h=$(f col_cons_iommu_gather_test_hist_unmaps_per_sync $n) want=3:1
	[ "$fd" = 3 ] && want=1:4
	check "$n: collector: the module's 4 unmaps per sync: histogram $h (want $want with $fd forced)" [ "$h" = "$want" ]
}

# col_vfio NAME: tests/progs/vfio-map's 8 chunks of 64 KiB, alone in its
# window.
col_vfio() {
	local n=$1 want
	col_compare $n vfio vfio
	want=$((524288 + $(probe_bytes "$BASE" vfio)))
	check "$n: collector: vfio's maps $(f col_cons_vfio_map_bytes $n) B and unmaps $(f col_cons_vfio_unmap_bytes $n) B are the program's 524288 B + vfio's own probe" \
		[ "$(f col_cons_vfio_map_bytes $n)" = $want -a "$(f col_cons_vfio_unmap_bytes $n)" = $want ]
	check "$n: collector: vfio's rows name the e1000e's device" \
		bash -c 'grep "^col_row=.*|vfio|" "$1" | grep -qv "|vfio|-|"' _ "$TMP/$n.facts"
}
