# arm64 under QEMU's virt machine (vm-run --arch arm64: the kernel and the
# tools cross-built, Debian's arm64 userland), against ground truth as on
# x86, on v7.2:
# - the patched kernel, SMMUv3 strict (arm64's default) and lazy, and
#   virtio-iommu strict, an O_DIRECT dd of a known size: the collector's
#   counts equal ftrace's event by event (tests/lib/collector-checks.sh),
#   the strict syncs cover one unmap each, the lazy flushes cover every
#   queued unmap; and, in the same trace, kprobe events on the driver's own
#   invalidation functions (trace-iommu.sh --kprobes): every sync and
#   flush-all the series reports reaches the driver's callback, and every
#   range invalidation the SMMUv3 driver issues is one of those or a
#   page-table walk's;
# - an unmap that frees a page table (tests/kmod/iommu_walk_test: 512 maps
#   of 4 KiB, one unmap of 2 MiB): io-pgtable's tlb_flush_walk invalidates
#   at once, with no event of the series, before the sync it does report:
#   the known limit of today's series on arm-smmu-v3 (docs/collector.md,
#   "Known limits"), asserted as it is so that series v2 has to change it;
# - the fallback source forced onto fentry on the test kernel (fentry
#   programs attach on arm64), and on Debian's own arm64 kernel (vm-run --stock),
#   SMMUv3 (strict, lazy) and virtio-iommu (strict): syncs and flush-alls
#   equal ftrace's count of the driver's callbacks, maps and unmaps its
#   iommu:map/unmap.  That kernel builds arm-smmu (SMMUv2) in beside
#   arm-smmu-v3, and their callbacks share names: an fentry program would
#   attach to SMMUv2's, so the fallback takes kprobes at each address
#   (source_fallback.c, fb_split_shared), and says so when fentry is forced.
source "$(dirname "$0")/../lib/test.sh"
source "$(dirname "$0")/../lib/collector-checks.sh"
source "$(dirname "$0")/../lib/fallback-checks.sh"
[ "$BASE" = v7.2 ] || skip_rest "arm64 runs on v7.2 only (docs/harness.md)"
has_series || skip_rest "no series for $BASE"
tools=$("$TOP/scripts/build-guest-tools" "$BASE" --arch arm64) || { notok "building the arm64 guest tools"; exit 1; }
kmod="${tools%/guest-tools}/test-kmod/iommu_walk_test.ko"
BS=65536 COUNT=256 DD_BYTES=$((65536 * 256))
DD=(dd if=/dev/nvme0n1 of=/dev/null bs=$BS count=$COUNT iflag=direct)
A=(--arch arm64)
cd "$TOP"

# The SMMUv3 driver's invalidations, as 7.2 has them out of line (inlined
# ones cannot be probed: arm_smmu_domain_inv is, into tlb_inv_context):
#   arm_smmu_iotlb_sync        the iotlb_sync callback (returns at once on
#                              a gather without a page size)
#   arm_smmu_flush_iotlb_all   the flush_iotlb_all callback
#   arm_smmu_tlb_inv_walk      io-pgtable's tlb_flush_walk (a table freed)
#   arm_smmu_tlb_inv_context   io-pgtable's tlb_flush_all: the whole ASID
#   arm_smmu_domain_inv_range  every TLBI a domain's invalidation builds
#                              (the three above call it)
#   arm_smmu_cmdq_issue_cmdlist  every batch of commands sent, CMD_SYNC
#                              included (attach and detach send some too)
SMMU_K=arm_smmu_iotlb_sync,arm_smmu_flush_iotlb_all,arm_smmu_tlb_inv_walk,arm_smmu_tlb_inv_context,arm_smmu_domain_inv_range,arm_smmu_cmdq_issue_cmdlist
VIRTIO_K=viommu_iotlb_sync,viommu_flush_iotlb_all,viommu_send_req_sync

# smmu_truth NAME: the SMMUv3 driver's own count against the events.
smmu_truth() {
	local n=$1 as af w c r
	as=$(f n_arm_smmu_iotlb_sync $n) af=$(f n_arm_smmu_flush_iotlb_all $n)
	w=$(f n_arm_smmu_tlb_inv_walk $n) c=$(f n_arm_smmu_tlb_inv_context $n) r=$(f n_arm_smmu_domain_inv_range $n)
	check "$n: the driver's iotlb_sync ran $as times, once for each of the series' $(f n_iotlb_sync $n) syncs; its flush_iotlb_all $af for $(driver_flush_alls $n) flush-alls (series $(fact series "$TMP/$n.facts"))" \
		[ "$as" = "$(f n_iotlb_sync $n)" -a "$af" = "$(driver_flush_alls $n)" ]
	# flush_iotlb_all has the whole-ASID invalidation inlined; io-pgtable
	# (and detach) call it through tlb_inv_context
	check "$n: its $r invalidations are one per sync ($as), flush-all ($af), walk ($w) and other whole-ASID flush ($c); $(f n_arm_smmu_cmdq_issue_cmdlist $n) command batches sent" \
		[ "$r" = $((as + af + w + c)) -a "$(f n_arm_smmu_cmdq_issue_cmdlist $n)" -ge "$r" ]
}
# rows NAME DRIVER TYPE: the collector's rows name the driver, the domain
# type, dma-iommu and the NVMe.
rows() {
	local bdf
	bdf=$(f nvme_bdf $1)
	check "$1: collector: rows name $2, $3, dma-iommu and the NVMe $bdf" \
		grep -q "^col_row=[0-9]*|$2|$3|dma-iommu|$bdf|" "$TMP/$1.facts"
}

# --- strict: SMMUv3, virtio-iommu -------------------------------------------
for iommu in smmuv3 virtio; do
	n=arm64-$iommu-strict kp=$SMMU_K drv=arm-smmu-v3
	[ $iommu = virtio ] && kp=$VIRTIO_K drv=virtio-iommu
	trace $n $iommu "${A[@]}" -- --kprobes $kp "${DD[@]}" || continue
	u=$(f n_unmap_dma $n) ub=$(f unmap_bytes_dma $n) s=$(f n_iotlb_sync_dma $n)
	check "$n: dma-iommu unmapped $ub B of dd's $DD_BYTES B in $u unmaps" [ "$ub" -ge $DD_BYTES -a "$u" -ge $COUNT ]
	cov=$(( $(f strict_covered $n) + $(f strict_covered_ungathered $n) ))
	check "$n: each of the $u unmaps covered by exactly one sync (covered $cov, wrong $(f strict_miscovered $n), orphan syncs $(f strict_orphan_syncs $n), left $(f strict_uncovered $n))" \
		[ "$cov" = "$u" -a "$(f strict_miscovered $n)" = 0 -a "$(f strict_orphan_syncs $n)" = 0 -a "$(f strict_uncovered $n)" = 0 ]
	check "$n: dma-iommu syncs $s == its unmaps $u, nothing queued ($(f n_dma_fq_queue $n))" [ "$s" = "$u" -a "$(f n_dma_fq_queue $n)" = 0 ]
	prog=$(col_prog $iommu)
	check "$n: collector: $prog programs attached ($(f col_prog_type $n))" [ "$(f col_prog_type $n)" = $prog ]
	col_compare $n dma-iommu dma
	h=$(f col_cons_dma-iommu_hist_unmaps_per_sync $n) cs=$(f col_n_sync $n)
	check "$n: collector: every one of the $cs syncs covered exactly 1 unmap (histogram $h)" [ "$h" = "1:$cs" -a "$cs" -ge $COUNT ]
	rows $n $drv DMA
	if [ $iommu = smmuv3 ]; then
		smmu_truth $n
		check "$n: no page-table walk invalidated ($(f n_arm_smmu_tlb_inv_walk $n)): dd frees no table" [ "$(f n_arm_smmu_tlb_inv_walk $n)" = 0 ]
	else
		check "$n: the driver's iotlb_sync ran $(f n_viommu_iotlb_sync $n) times for the series' $(f n_iotlb_sync $n) syncs (and viommu_send_req_sync, for attach and probe requests, $(f n_viommu_send_req_sync $n))" \
			[ "$(f n_viommu_iotlb_sync $n)" = "$(f n_iotlb_sync $n)" ]
	fi
done

# --- lazy: SMMUv3 -----------------------------------------------------------
n=arm64-smmuv3-lazy
if trace $n smmuv3 "${A[@]}" --lazy -- --kprobes $SMMU_K "${DD[@]}"; then
	u=$(f n_unmap_dma $n) q=$(f fq_queued $n) fl=$(f n_dma_fq_flush $n) fa=$(driver_flush_alls $n)
	check "$n: all $u dma-iommu unmaps queued ($q), none synced ($(f n_iotlb_sync_dma $n))" \
		[ "$q" = "$u" -a "$u" -ge $COUNT -a "$(f n_iotlb_sync_dma $n)" = 0 ]
	b=$(fq_flush_bound "$(f fq_span_us $n)" "$q" "$(f fq_domains $n)")
	check "$n: $fl flush-queue flushes, $fa flush-alls for $u unmaps, at most the $b the timer and full rings can make in ftrace's $(f fq_span_us $n) us on $(f fq_domains $n) domain(s)" \
		[ "$fl" -ge 1 -a "$fa" -ge "$fl" -a "$fl" -le "$b" ]
	check "$n: every queued entry covered by a later flush with its seq ($(f fq_covered $n)/$q, uncovered $(f fq_uncovered $n))" \
		[ "$(f fq_covered $n)" = "$q" -a "$(f fq_uncovered $n)" = 0 -a "$(f fq_flush_before_queue $n)" = 0 ]
	check "$n: stale window max $(f stale_max_us $n) us within the flush queue timer's own span in this run ($(f stale_bound_us $n) us)" \
		[ "$(fact fq_timer_traced "$TMP/$n.facts")" = 1 -a "$(f fq_timer_cycles $n)" -ge 1 -a "$(f stale_max_us $n)" -le "$(f stale_bound_us $n)" ]
	check "$n: collector: tp_btf programs attached ($(f col_prog_type $n))" [ "$(f col_prog_type $n)" = tp_btf ]
	col_compare $n dma-iommu dma
	cfl=$(f col_n_fq_flush $n) en=$(f col_n_fq_flush_entries $n) cq=$(f col_n_fq_queue $n)
	check "$n: collector: $cfl flush-queue flushes cover $en unmaps, all $cq queued, at most the $b of the timer and full rings" \
		[ "$cfl" -ge 1 -a "$en" = "$cq" -a "$cfl" -le "$b" -a "$(f col_n_sync $n)" = 0 ]
	rows $n arm-smmu-v3 DMA-FQ
	smmu_truth $n
fi

# --- an unmap that frees a page table -----------------------------------------
# The module's domain is its own (unmanaged): strict whatever the boot
# says; the lazy boot shows that nothing of the flush queue comes into it.
for mode in strict lazy; do
n=arm64-smmuv3-walk-$mode mo=()
[ $mode = lazy ] && mo=(--lazy)
if trace $n smmuv3 "${A[@]}" "${mo[@]}" -- --kprobes $SMMU_K bash -c 'b=$(scripts/guest/bind-nic.sh e1000e) &&
	echo "$b" >/sys/bus/pci/drivers/e1000e/unbind && insmod "$1" bdf=$b' _ "$kmod"; then
	check "$n: the module mapped 512 x 4 KiB ($(f n_map_testmod $n) maps, $(f map_bytes_testmod $n) B) and unmapped 2 MiB in $(f n_unmap_testmod $n) call ($(f unmap_bytes_testmod $n) B)" \
		[ "$(f n_map_testmod $n)" = 512 -a "$(f map_bytes_testmod $n)" = 2097152 -a "$(f n_unmap_testmod $n)" = 1 -a "$(f unmap_bytes_testmod $n)" = 2097152 ]
	col_compare $n iommu_walk_test testmod
	smmu_truth $n
	w=$(f n_arm_smmu_tlb_inv_walk $n) cs=$(f col_cons_iommu_walk_test_sync $n) cf=$(f col_cons_iommu_walk_test_flush_all $n)
	# The known limit (docs/collector.md): the walk's invalidation has no
	# event; the series (and so the collector) shows the one sync after it.
	check "$n: known limit: the table's walk invalidation ($w) ran with no event; the collector shows $cs sync and $cf flush-alls for the module, as ftrace's events do ($(f n_iotlb_sync_testmod $n))" \
		[ "$w" = 1 -a "$cs" = 1 -a "$cf" = 0 -a "$(f n_iotlb_sync_testmod $n)" = 1 ]
fi
done

# fentry on arm64: the fallback forced onto fentry on the test kernel,
# where arm-smmu-v3 alone has the arm_smmu_ names (BPF trampolines on
# ftrace's direct calls)
fb_run arm64-fallback-fentry fentry --tp-btf arm-smmu-v3 arm_smmu_iotlb_sync arm_smmu_flush_iotlb_all strict \
	"${A[@]}" --timeout 300 --iommu smmuv3

# --- the fallback on Debian's arm64 kernel ------------------------------------
fb_run arm64-stock-smmuv3-strict kprobe - arm-smmu-v3 arm_smmu_iotlb_sync arm_smmu_flush_iotlb_all strict \
	"${A[@]}" --stock --timeout 300 --iommu smmuv3
fb_run arm64-stock-smmuv3-lazy kprobe - arm-smmu-v3 arm_smmu_iotlb_sync arm_smmu_flush_iotlb_all lazy \
	"${A[@]}" --stock --timeout 300 --iommu smmuv3 --lazy
fb_run arm64-stock-virtio-strict kprobe --raw-tp virtio-iommu viommu_iotlb_sync viommu_flush_iotlb_all strict \
	"${A[@]}" --stock --timeout 300 --iommu virtio
# fentry forced where the callbacks' names are shared: the one-line refusal
n=arm64-stock-fentry
if vm "$TMP/$n" "${A[@]}" --stock --timeout 300 -- bash -c \
	'.output/tests/collector-dump --source fallback --tp-btf -- true; echo "rc=$?"'; then
	check "$n: fentry forced on Debian's arm64 kernel: exit $(fact rc "$TMP/$n"), one line: $(head -c 300 "$TMP/$n.err" | grep -v '^vm-run\|^build-kernel' | head -n 2)" \
		[ "$(fact rc "$TMP/$n")" != 0 -a "$(grep -c 'fentry cannot hook arm_smmu_' "$TMP/$n.err")" = 1 ]
else
	notok "$n: the VM run failed ($(vm_why "$TMP/$n"))"
fi
done_testing
