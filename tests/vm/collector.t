# The collector (bpf/, tools/lib/) against ftrace, over the same window: the
# collector is attached and snapshotted around tests/guest/trace-iommu.sh,
# which records every event of the series with ftrace while the workload
# runs (tests/unit/collector-dump prints the collector's delta, the host
# analyses the trace with tests/lib/trace-facts.awk).  For each run:
# - counts equal event type by event type, and per consumer, with nothing
#   dropped on either side (ftrace overruns, collector drops);
# - bytes mapped and unmapped equal;
# - strict: every sync covered exactly 1 unmap; lazy: the flush-queue
#   flushes cover many unmaps each, their entries add up to the queued
#   IOVAs, and the stale window was measured for each of them, its largest
#   value in the log2 bucket of ftrace's (or a neighbour: the two clocks
#   are read a few instructions apart);
# - the rows name the IOMMU driver and the NVMe's PCI address.
# dd on the NVMe under intel-iommu (tp_btf programs) and virtio-iommu (their
# raw_tp twins), strict and lazy; forced syncs of the gather test module
# (amd-iommu); a VFIO consumer; dma_map_benchmark.  On a base without the
# series the collector must refuse with its one-line error naming it.
source "$(dirname "$0")/../lib/test.sh"
make -s -C "$TOP" build >&2 || { notok "building the collector"; exit 1; }
dump="$TOP/.output/tests/collector-dump"
tools=$("$TOP/scripts/build-guest-tools" "$BASE") || { notok "building guest tools"; exit 1; }
kmod="${tools%/guest-tools}/test-kmod/iommu_gather_test.ko"
DD=(dd if=/dev/nvme0n1 of=/dev/null bs=65536 count=256 iflag=direct)

if [ ! -s "$TOP/kernel-patches/$BASE/series" ]; then
	rc=0
	vm "$TMP/out" --iommu intel -- "$dump" --check 2>"$TMP/err" || rc=$?
	cat "$TMP/err"
	# vm-run's own lines are on stderr too; the collector's start with its name
	msg=$(grep '^collector-dump: ' "$TMP/err")
	check "no series for $BASE: the collector refuses in one line naming it (exit $rc): $msg" \
		bash -c '[ "$1" = 1 ] && [ "$(grep -c . <<<"$2")" = 1 ] && grep -q "flush tracepoint series" <<<"$2"' _ "$rc" "$msg"
	exit 0
fi

# run NAME [collector-dump options] -- [vm-run options] -- CMD...
run() {
	local name=$1; shift
	local res="$TMP/$name" dopts=() vopts=()
	while [ "$1" != -- ]; do dopts+=("$1"); shift; done
	shift
	while [ "$1" != -- ]; do vopts+=("$1"); shift; done
	shift
	mkdir -p "$res"
	if ! vm "$TMP/$name.facts" --results "$res" "${vopts[@]}" -- \
		"$dump" --rows --stats "${dopts[@]}" -- tests/guest/trace-iommu.sh "$@"; then
		notok "$name: the VM run failed ($(vm_why "$TMP/$name.facts"))"; return 1
	fi
	awk -f "$TOP/tests/lib/trace-facts.awk" "$res/trace.txt" >>"$TMP/$name.facts"
	echo "== $name"; cat "$TMP/$name.facts"
	[ "$(fact col_cmd_status "$TMP/$name.facts")" = 0 ] || { notok "$name: the traced command failed"; return 1; }
}
f() { local v; v=$(fact "$1" "$TMP/$2.facts"); echo "${v:-0}"; }

# collector count name : ftrace event name
PAIRS="map:map unmap:unmap range_add:iotlb_gather_add sync:iotlb_sync flush_all:flush_iotlb_all
sync_map:sync_map fq_queue:dma_fq_queue fq_flush:dma_fq_flush"

# compare NAME CONSUMER AWK-CONSUMER [AWK-CONSUMER-OF-RANGE-ADDS]: every event
# type, in total and for one consumer.  iotlb_gather_add carries no caller:
# trace-facts.awk and the collector both give it (and syncs forced inside
# the driver) to the consumer of the domain's other events.
compare() {
	local n=$1 cons=$2 acons=$3 gcons=${4:-$3} p c e a bad="" seen="" cbad="" total=0
	for p in $PAIRS; do
		c=${p%%:*} e=${p#*:} a=$acons
		[ $c = range_add ] && a=$gcons
		[ "$(f col_n_$c $n)" = "$(f n_$e $n)" ] || bad+=" $c: collector $(f col_n_$c $n) ftrace $(f n_$e $n);"
		[ "$(f col_cons_${cons}_$c $n)" = "$(f n_${e}_$a $n)" ] ||
			cbad+=" $c: $(f col_cons_${cons}_$c $n) vs $(f n_${e}_$a $n);"
		seen+=" $c=$(f col_n_$c $n)"
		total=$((total + $(f col_n_$c $n)))
	done
	check "$n: the collector's counts equal ftrace's, event by event:$seen${bad:+ MISMATCH$bad}" \
		[ -z "$bad" -a "$total" -gt 0 ]
	check "$n: and for consumer $cons${cbad:+: MISMATCH$cbad}" [ -z "$cbad" ]
	check "$n: nothing dropped (ftrace overrun $(f overrun $n), collector keys $(f col_drop_keys $n), domains $(f col_drop_domains $n), fq domains $(f col_drop_fq_domains $n), stale unmeasured $(f col_n_stale_unmeasured $n))" \
		[ "$(f overrun $n)" = 0 -a "$(f col_drop_keys $n)" = 0 -a "$(f col_drop_domains $n)" = 0 \
		  -a "$(f col_drop_fq_domains $n)" = 0 -a "$(f col_n_stale_unmeasured $n)" = 0 ]
	check "$n: bytes mapped $(f col_n_map_bytes $n) and unmapped $(f col_n_unmap_bytes $n) equal ftrace's ($(f map_bytes_$acons $n), $(f unmap_bytes_$acons $n))" \
		[ "$(f col_n_map_bytes $n)" = "$(f map_bytes_$acons $n)" -a "$(f col_n_unmap_bytes $n)" = "$(f unmap_bytes_$acons $n)" ]
}

# the highest non-empty bucket of a "b:c,b:c" histogram
top_bucket() { echo "$1" | tr ',' '\n' | sed -n 's/:.*//p' | sort -n | tail -n1; }
sum_hist() { echo "$1" | tr ',' '\n' | awk -F: '$2 { s += $2 } END { print s + 0 }'; }
bucket_of() { awk -v v="$1" 'BEGIN { b = 0; while (v >= 1) { b++; v /= 2 } print (b > 31 ? 31 : b) }'; }

for iommu in intel virtio; do
	prog=tp_btf; [ $iommu = virtio ] && prog=raw_tp
	popt=(--tp-btf); [ $prog = raw_tp ] && popt=(--raw-tp)
	drv=$iommu-iommu

	n=$iommu-strict
	if run $n "${popt[@]}" -- --iommu $iommu --strict -- "${DD[@]}"; then
		check "$n: $prog programs attached ($(f col_prog_type $n))" [ "$(f col_prog_type $n)" = $prog ]
		compare $n dma-iommu dma
		h=$(f col_cons_dma-iommu_hist_unmaps_per_sync $n) s=$(f col_n_sync $n)
		check "$n: every one of the $s syncs covered exactly 1 unmap (unmaps-per-sync histogram $h)" \
			[ "$h" = "1:$s" -a "$s" -ge 256 ]
		bdf=$(f nvme_bdf $n)
		check "$n: rows name $drv, DMA and the NVMe $bdf" \
			grep -q "^col_row=[0-9]*|$drv|DMA|dma-iommu|$bdf|" "$TMP/$n.facts"
	fi

	n=$iommu-lazy
	if run $n "${popt[@]}" -- --iommu $iommu -- "${DD[@]}"; then
		compare $n dma-iommu dma
		fl=$(f col_n_fq_flush $n) en=$(f col_n_fq_flush_entries $n) q=$(f col_n_fq_queue $n)
		h=$(f col_cons_dma-iommu_hist_unmaps_per_sync $n)
		check "$n: $fl flush-queue flushes cover $en unmaps, many each (histogram $h), all $q queued" \
			[ "$fl" -ge 1 -a "$en" = "$q" -a $((en / fl)) -ge 4 -a "$(f col_n_sync $n)" = 0 ]
		sh=$(f col_cons_dma-iommu_hist_stale_ns $n) smax=$(f stale_max_us $n)
		tb=$(top_bucket "$sh") want=$(bucket_of $((smax * 1000)))
		check "$n: a stale window for each of the $(f fq_covered $n) queued IOVAs ($(sum_hist "$sh")), the longest in bucket $tb, ftrace's $smax us in bucket $want" \
			[ "$(sum_hist "$sh")" = "$(f fq_covered $n)" -a "$tb" -ge $((want - 1)) -a "$tb" -le $((want + 1)) ]
		bdf=$(f nvme_bdf $n)
		check "$n: rows name $drv, DMA-FQ and the NVMe $bdf" \
			grep -q "^col_row=[0-9]*|$drv|DMA-FQ|dma-iommu|$bdf|" "$TMP/$n.facts"
	fi
done

# forced syncs: the test module gathers 4 disjoint ranges into one gather
# (see flush-events.t: amd-iommu forces a sync before each disjoint range);
# every sync on its domain is the module's, including those the driver
# forces from inside its unmap path.
n=amd-gather
if run $n -- --iommu amd -- bash -c 'b=$(scripts/guest/bind-nic.sh e1000e) && echo "$b" >/sys/bus/pci/drivers/e1000e/unbind && insmod "$1" bdf=$b' _ "$kmod"; then
	fd=$(f col_n_forced_disjoint $n) fp=$(f col_n_forced_pgsize $n)
	check "$n: forced syncs by reason equal ftrace's: disjoint $fd ($(f forced_disjoint $n)), page size $fp ($(f forced_pgsize $n))" \
		[ "$fd" = "$(f forced_disjoint $n)" -a "$fp" = "$(f forced_pgsize $n)" ]
	# ftrace reads the module's callers after its init text is freed: they
	# are "other" there; the syncs not dma-iommu's are the module's.
	ms=$(( $(f n_iotlb_sync $n) - $(f n_iotlb_sync_dma $n) ))
	check "$n: the module is the consumer of all $ms syncs on its domain ($(f col_cons_iommu_gather_test_sync $n))" \
		[ "$(f col_cons_iommu_gather_test_sync $n)" = "$ms" -a "$ms" -ge 1 ]
	# 4 unmaps: one sync covering all 4, or 3 forced syncs of 1 and the last of 1
	h=$(f col_cons_iommu_gather_test_hist_unmaps_per_sync $n) want=3:1
	[ "$fd" = 3 ] && want=1:4
	check "$n: the module's 4 unmaps per sync: histogram $h (want $want with $fd forced)" [ "$h" = "$want" ]
fi

# a VFIO consumer (tests/progs/vfio-map: 8 chunks of 64 KiB).  Neither
# emulated IOMMU remaps interrupts (intremap=off), which VFIO type1 refuses
# unless told that unsafe interrupts are acceptable: they are in a test VM.
n=intel-vfio
if run $n -- --iommu intel -- bash -c 'b=$(scripts/guest/bind-nic.sh vfio-pci) && "$1/vfio-map" "$b" 8 65536 65536' _ "$tools"; then
	compare $n vfio vfio
	want=$((524288 + $(probe_bytes "$BASE" vfio)))
	check "$n: vfio's maps $(f col_cons_vfio_map_bytes $n) B and unmaps $(f col_cons_vfio_unmap_bytes $n) B are the program's 524288 B + vfio's own probe" \
		[ "$(f col_cons_vfio_map_bytes $n)" = $want -a "$(f col_cons_vfio_unmap_bytes $n)" = $want ]
	check "$n: vfio's rows name the e1000e's device" \
		bash -c 'grep "^col_row=.*|vfio|" "$1" | grep -qv "|vfio|-|"' _ "$TMP/$n.facts"
fi

# dma_map_benchmark (tests/guest/dma-map-bench.sh: one thread maps and
# unmaps a page through the DMA API for 1 s) on the e1000e: a consumer that
# is dma-iommu on a device other than the NVMe.  Lazy under intel-iommu, the
# raw_tp twins in strict mode under virtio-iommu, where every sync must cover
# the benchmark's one unmap.
for iommu in intel virtio; do
	n=$iommu-dmabench vopt=() popt=(--tp-btf) type=DMA-FQ
	[ $iommu = virtio ] && vopt=(--strict) popt=(--raw-tp) type=DMA
	if run $n "${popt[@]}" -- --iommu $iommu "${vopt[@]}" -- tests/guest/dma-map-bench.sh "$tools/dma_map_benchmark" 1; then
		compare $n dma-iommu dma
		nvme=$(f nvme_bdf $n)
		rows=$(grep "^col_row=[0-9]*|$iommu-iommu|$type|dma-iommu|0000:" "$TMP/$n.facts" | grep -v "|$nvme|")
		check "$n: a $type row names the benchmark's device, not the NVMe $nvme: ${rows:-none}" [ -n "$rows" ]
		if [ $iommu = virtio ]; then
			h=$(f col_cons_dma-iommu_hist_unmaps_per_sync $n) s=$(f col_n_sync $n)
			check "$n: strict: each of the $s syncs covered exactly 1 unmap (histogram $h)" \
				[ "$h" = "1:$s" -a "$s" -ge 100 ]
		else
			fl=$(f col_n_fq_flush $n) en=$(f col_n_fq_flush_entries $n)
			check "$n: lazy: $fl flush-queue flushes cover $en unmaps, many each" \
				[ "$fl" -ge 1 -a $((en / fl)) -ge 4 ]
		fi
	fi
done
