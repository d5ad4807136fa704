# The fallback event source (fentry/kprobes on the IOMMU drivers' callbacks,
# tools/lib/collector/source_fallback.c) against ftrace, on the pristine kernel of
# $BASE built here and on Debian's own kernel package of that version
# (vm-run --stock: Debian's config, virtio-iommu, NVMe and 9p as modules):
# tests/unit/collector-dump --source fallback around
# tests/guest/count-callbacks.sh, which counts with kprobe events and hist
# triggers the same driver callbacks, and iommu:map/unmap, over the same
# window (the collector's snapshots enclose ftrace's).  For intel-iommu
# (fentry programs) and virtio-iommu (their kprobe twins), strict and lazy,
# and amd-iommu (fentry; on 7.2 on generic_pt's amdv1 format), strict:
# - syncs and flush-alls equal ftrace's count of the driver's iotlb_sync and
#   flush_iotlb_all, maps and unmaps its iommu:map/unmap, nothing dropped;
# - strict: every sync covered exactly 1 unmap; lazy: no sync, every unmap
#   queued, and no more flush-alls than the flush queue's timer can make in
#   the window the guest measured (tests/lib/test.sh, fq_flush_bound);
# - the rows name the driver and the NVMe's PCI address.
# On the patched kernel, the fallback forced (--source fallback) and the
# tracepoint source, nested around the same workload, give the same syncs,
# flush-alls and unmaps per sync (see the tolerance below).
# Which kernels, for the time make check may take (docs/harness.md): the
# pristine build on 7.2 only, and both stock kernels; on 7.2 each driver
# case once across its two kernels (their driver code is the same):
# intel lazy, virtio strict and amd strict on the pristine build, intel
# strict and virtio lazy on Debian's; on 6.12 all five on Debian's.  The
# patched comparison in two of the four
# cases on each base, the other two on the other, so that each case runs
# once (each base's events are checked against ftrace in flush-events.t,
# with the collector on the same boots).
source "$(dirname "$0")/../lib/test.sh"
source "$(dirname "$0")/../lib/fallback-checks.sh"
make -s -C "$TOP" build >&2 || { notok "building the collector"; exit 1; }
dump=.output/tests/collector-dump
DD=(dd if=/dev/nvme0n1 of=/dev/null bs=65536 count=256 iflag=direct)
cd "$TOP"

declare -A SYNC=([intel]=intel_iommu_tlb_sync [virtio]=viommu_iotlb_sync [amd]=amd_iommu_iotlb_sync)
declare -A FLUSH=([intel]=intel_flush_iotlb_all [virtio]=viommu_flush_iotlb_all [amd]=amd_iommu_flush_iotlb_all)

f() { local v; v=$(fact "$1" "$TMP/$2"); echo "${v:-0}"; }

kernels=stock amd_on=stock
[ "$BASE" = v7.2 ] && kernels="pristine stock" amd_on=pristine
for kernel in $kernels; do
for iommu in intel virtio amd; do
	prog=fentry popt=(--tp-btf) modes="strict lazy"
	[ $iommu = virtio ] && prog=kprobe popt=(--raw-tp)
	# QEMU's amd-iommu makes the guest strict (docs/harness.md)
	[ $iommu = amd ] && modes=strict
	[ $iommu = amd ] && [ $kernel != $amd_on ] && continue
	for mode in $modes; do
		# 7.2's two kernels share the driver cases: each once (see above)
		case $BASE:$kernel-$iommu-$mode in
		v7.2:pristine-intel-strict|v7.2:pristine-virtio-lazy|v7.2:stock-intel-lazy|v7.2:stock-virtio-strict)
			continue ;;
		esac
		n=$kernel-$iommu-$mode vopt=()
		[ $mode = strict ] && vopt=(--strict)
		fb_run $n $prog "${popt[0]}" $iommu-iommu "${SYNC[$iommu]}" "${FLUSH[$iommu]}" $mode \
			--$kernel --timeout 300 --iommu $iommu "${vopt[@]}"
	done
done
done

# Debian 12's own kernel, 6.1 (the README's platform; with the v6.12 base,
# whose stock kernel is Debian 13's): fentry cannot take its 8-argument
# intel_iommu_map_pages, so the collector falls back to kprobes; its domain
# ops are a compound literal with no owner, and the driver is named from
# the callback (intel-iommu, not "__compound_literal.0").
if [ "$BASE" = v6.12 ]; then
	for mode in lazy strict; do
		vopt=()
		[ $mode = strict ] && vopt=(--strict)
		fb_run debian12-intel-$mode kprobe - intel-iommu intel_iommu_tlb_sync intel_flush_iotlb_all $mode \
			--stock --base v6.1 --timeout 300 --iommu intel "${vopt[@]}"
	done
fi

# The patched kernel: the fallback forced, and inside its window the
# tracepoint source, around the same dd.  Both watch the same calls, so
# syncs, flush-alls and unmaps are equal; the tolerance is for what happens
# between the two collectors' snapshots (the inner one loads and unloads
# its programs inside the outer one's window): nothing of the workload,
# and the flush queue's timer has flushed everything before the inner one
# closes, so at most 2 flush-alls of the kernel's own may fall outside the
# inner window.  Unmaps per sync: strict, the same histogram; lazy, the
# fallback's per flush-all (the queued unmaps before it began) and the
# series' per flush-queue flush (its entries) cover the same unmaps: the
# totals are equal and the means within 25% (a flush-all on one CPU and
# the flush-queue flush of another CPU's queue can split the same entries
# differently).  Stale window: one per queued IOVA in both; the fallback's
# ends at the end of the flush-all, the series' at its dma_fq_flush event
# just after it, so the longest falls in the same log2 bucket or a
# neighbour.
if ! has_series; then
	skip_rest "no series for $BASE: nothing to compare the fallback with"
fi
cases="intel-strict virtio-lazy"
[ "$BASE" = v7.2 ] || cases="intel-lazy virtio-strict"
for iommu in intel virtio; do
	for mode in strict lazy; do
		[[ " $cases " == *" $iommu-$mode "* ]] || continue
		n=patched-$iommu-$mode vopt=() res="$TMP/res-$iommu-$mode"
		[ $mode = strict ] && vopt=(--strict)
		mkdir -p "$res"
		if ! vm "$TMP/$n" --iommu $iommu "${vopt[@]}" --results "$res" -- \
			"$dump" --source fallback -- bash -c '"$1" --source tracepoints -- "${@:2}" >"$VM_RESULTS/tp.txt"' _ \
			"$dump" bash -c '"$@"; sleep 0.5' _ "${DD[@]}"; then
			notok "$n: the VM run failed ($(vm_why "$TMP/$n"))"; continue
		fi
		sed 's/^col_/tp_/' "$res/tp.txt" >>"$TMP/$n"
		echo "== $n"; cat "$TMP/$n"
		check "$n: the fallback forced ($(f col_source $n)) beside the tracepoints ($(f tp_source $n)) on the patched kernel" \
			[ "$(f col_source $n)" = fallback -a "$(f tp_source $n)" = tracepoints -a "$(f tp_cmd_status $n)" = 0 ]
		bad=""
		# v1's dma-iommu flushed its queues through iommu_flush_iotlb_all()
		# (a flush-all event each); v2's calls the driver itself: its
		# flush-queue flushes are the driver's other flush-alls
		v2=0 tpfa=$(f tp_n_flush_all $n)
		case $(fact tp_source_desc "$TMP/$n") in *v2*) v2=1 tpfa=$(( tpfa + $(f tp_n_fq_flush $n) )) ;; esac
		for c in sync flush_all unmap; do
			x=$(f col_n_$c $n) y=$(f tp_n_$c $n) tol=0
			[ $c = flush_all ] && tol=2 y=$tpfa
			[ $((x - y)) -le $tol -a $((y - x)) -le 0 ] || bad+=" $c $x vs $y;"
		done
		check "$n: fallback and tracepoints: syncs $(f col_n_sync $n)/$(f tp_n_sync $n), flush-alls $(f col_n_flush_all $n)/$tpfa$([ $v2 = 1 ] && echo " (v2: its flush-alls and flush-queue flushes)") (fallback up to 2 more), unmaps $(f col_n_unmap $n)/$(f tp_n_unmap $n)${bad:+ MISMATCH$bad}" \
			[ -z "$bad" -a "$(f col_n_unmap $n)" -ge 256 ]
		hc=$(f col_n_hist_unmaps_per_sync $n) ht=$(f tp_n_hist_unmaps_per_sync $n)
		if [ $mode = strict ]; then
			check "$n: strict: unmaps per sync, fallback $hc, tracepoints $ht" [ "$hc" = "$ht" -a -n "$hc" ]
		else
			q=$(f col_n_unmap_unsynced $n) kc=$(sum_hist "$hc") e=$(f tp_n_fq_flush_entries $n) kt=$(sum_hist "$ht")
			check "$n: lazy: unmaps per flush, fallback $q over $kc flush-alls ($hc), tracepoints $e over $kt flush-queue flushes ($ht), within 25%" \
				awk -v q="$q" -v kc="$kc" -v e="$e" -v kt="$kt" 'BEGIN { if (!kc || !kt || q != e) exit 1
					a = q / kc; b = e / kt; exit (a > 1.25 * b || b > 1.25 * a) }'
			sc=$(f col_n_hist_stale_ns $n) st=$(f tp_n_hist_stale_ns $n)
			bc=$(top_bucket "$sc") bt=$(top_bucket "$st")
			check "$n: lazy: stale windows, fallback $(sum_hist "$sc") (longest in bucket $bc), tracepoints $(sum_hist "$st") (bucket $bt)" \
				[ "$(sum_hist "$sc")" = "$(sum_hist "$st")" -a "$(sum_hist "$sc")" -ge 256 -a -n "$bc" -a -n "$bt" \
				  -a "${bc:-0}" -ge $((${bt:-0} - 1)) -a "${bc:-0}" -le $((${bt:-0} + 1)) ]
		fi
	done
done
done_testing
