# Starting the tools on a busy host, many times (the bounded part of the
# attach storm, docs/reliability.md):
# iommu-flushtop started and stopped while an O_DIRECT reader runs on every
# vCPU, on the series' events and on the fallback's kprobes/fentry, and the
# same text patching without any of our code (the iommu events enabled and
# disabled through tracefs).  On the kernels with Debian's hot-path options
# every attach patches jump labels and static calls under the DMA.  Each
# boot must finish (no panic), every cycle start and stop, the DMA go on,
# no kernel warning appear, and no BPF program, link or map be left.
source "$(dirname "$0")/../lib/test.sh"
has_series || skip_rest "$BASE has no series"
res="$TMP/res"
# Cycles on the tracepoints and on the fallback; `make soak` raises them.
TP=${ATTACH_STORM_TP:-8} FB=${ATTACH_STORM_FB:-4}
storm_checks() {   # NAME FACTS N
	local n=$1 f=$2 want=$3
	check "$n: $want of $want cycles started and stopped ($(fact cycles "$f") ok, $(fact failed "$f") failed, $(fact cycle_ms "$f") ms each)" \
		[ "$(fact cycles "$f")" = "$want" -a "$(fact failed "$f")" = 0 ]
	check "$n: the DMA went on throughout ($(fact reads "$f") reads of 4 MiB)" [ "$(fact reads "$f")" -ge 1 ]
	check "$n: bpftool counts the tool's programs while it runs ($(fact progs_during "$f"))" [ "$(fact progs_during "$f")" -ge 1 ]
	for o in progs links maps; do
		check "$n: no BPF $o left behind ($(fact ${o}_before "$f") before, $(fact ${o}_after "$f") after)" \
			[ "$(fact ${o}_before "$f")" = "$(fact ${o}_after "$f")" ]
	done
	check "$n: no kernel warning ($(grep -c '^warning=' "$f")$(grep -m1 '^warning=' "$f" | cut -c1-120 | sed 's/^/: /'))" \
		[ "$(grep -c '^warning=' "$f")" = 0 ]
}
# virtio-iommu strict: where 7.2 once panicked in __iommu_sync_map during
# an attach (docs/harness.md); first tracefs alone, then the tool.
mkdir -p "$res/virtio"
# Each cycle takes 10-12 s here (TCG, single-threaded: one host thread
# for both vCPUs, one of them reading), so the bounded part is small.
if vm "$TMP/virtio" --iommu virtio --strict --timeout $((600 + 30 * TP)) --results "$res/virtio" -- bash -c \
	'tests/guest/toggle-storm.sh 100 | sed "s/^warning: /toggle_warning=/; s/^cycles=/toggle_cycles=/; s/^reads=/toggle_reads=/"; tests/guest/attach-storm.sh $1 tracepoints' _ $TP; then
	check "virtio strict: tracefs enabled and disabled the iommu events 100 times under DMA ($(fact toggle_cycles "$TMP/virtio"), $(fact toggle_reads "$TMP/virtio") reads)" \
		[ "$(fact toggle_cycles "$TMP/virtio")" = 100 -a "$(fact toggle_reads "$TMP/virtio")" -ge 1 ]
	check "virtio strict: no kernel warning from it ($(grep -c '^toggle_warning=' "$TMP/virtio"))" [ "$(grep -c '^toggle_warning=' "$TMP/virtio")" = 0 ]
	storm_checks "virtio strict, tracepoints" "$TMP/virtio" $TP
else
	notok "virtio strict: the guest did not finish ($(vm_why "$TMP/virtio"))"
fi
# intel lazy, the fallback's kprobes and fentry on the same patched kernel
mkdir -p "$res/intel"
if vm "$TMP/intel" --iommu intel --timeout $((600 + 60 * FB)) --results "$res/intel" -- tests/guest/attach-storm.sh $FB fallback; then
	storm_checks "intel lazy, fallback" "$TMP/intel" $FB
else
	notok "intel lazy: the guest did not finish ($(vm_why "$TMP/intel"))"
fi
done_testing
