# The debug kernel (issue 19): the v7.2 series kernel with KASAN, lockdep
# (PROVE_LOCKING), DEBUG_ATOMIC_SLEEP, DEBUG_PREEMPT and list debugging on
# top of the test configuration (KFENCE and the lockup and hung-task
# detectors are in every test kernel, as in Debian's), booted under the
# workloads with every iommu event enabled in ftrace and the tools
# attached: an attach storm under DMA on every vCPU, then domain churn
# with iommu-flushtop attached throughout, under virtio-iommu strict and
# intel-iommu lazy.  Any splat (BUG, WARNING, KASAN, lockdep, a sleep in
# atomic context, a lockup) fails it.
#
# Not in `make check`: a third full kernel build (KASAN's instrumentation
# on top: about 15 minutes on 2 cores) that a cold CI run has no room for;
# `make soak` runs it (DEBUG_KERNEL=1), as does `DEBUG_KERNEL=1
# tests/run --vm debug-kernel`.
source "$(dirname "$0")/../lib/test.sh"
[ "${DEBUG_KERNEL:-0}" = 1 ] || skip_rest "the debug kernel runs in make soak (DEBUG_KERNEL=1)"
[ "$BASE" = v7.2 ] || skip_rest "DEBUG_PREEMPT needs a preemptible kernel: v7.2's PREEMPT_LAZY, not $BASE's voluntary model"
make -s -C "$TOP" build >&2 || { notok "building the tools"; exit 1; }
tools=$("$TOP/scripts/build-guest-tools" "$BASE") || { notok "building guest tools"; exit 1; }
kernel=$("$TOP/scripts/build-kernel" "$BASE" --variant debug | tail -n 1) && [ -f "$kernel" ] ||
	{ notok "building the debug kernel"; exit 1; }
TP=${DEBUG_STORM_CYCLES:-4} N=${DEBUG_CHURN_CYCLES:-100}
for mode in "virtio --strict" "intel --lazy"; do
	set -- $mode
	n="$1 ${2#--}" res="$TMP/res-$1"
	mkdir -p "$res"
	if ! vm "$TMP/$1" --kernel "$kernel" --iommu $1 $2 --timeout $((1200 + 60 * TP + 3 * N)) --results "$res" -- \
		bash -c 'echo 1 >/sys/kernel/tracing/events/iommu/enable && echo 1 >/sys/kernel/tracing/tracing_on || exit 1
			tests/guest/attach-storm.sh $2 tracepoints | sed "s/^/storm_/"
			tests/guest/domain-churn.sh "$1" $3 | sed "s/^/churn_/"' _ "$tools" $TP $N; then
		notok "$n: the debug guest did not finish ($(vm_why "$TMP/$1"))"
		continue
	fi
	F=$TMP/$1
	grep -v '^churn_sample=' "$F"
	check "$n: $TP of $TP tool cycles under DMA, every event on ($(fact storm_cycles $F) ok, $(fact storm_failed $F) failed, $(fact storm_cycle_ms $F) ms each)" \
		[ "$(fact storm_cycles $F)" = $TP -a "$(fact storm_failed $F)" = 0 ]
	check "$n: $N of $N VFIO/iommufd domain cycles with iommu-flushtop attached ($(fact churn_vfio_cycles $F) + $(fact churn_iommufd_cycles $F), $(fact churn_failed $F) failed, tool exit $(fact churn_tool_status $F))" \
		[ "$(( $(fact churn_vfio_cycles $F) + $(fact churn_iommufd_cycles $F) ))" = $N -a "$(fact churn_failed $F)" = 0 -a "$(fact churn_tool_status $F)" = 0 ]
	for o in progs links maps; do
		check "$n: no BPF $o left behind by the storm ($(fact storm_${o}_before $F) before, $(fact storm_${o}_after $F) after)" \
			[ "$(fact storm_${o}_before $F)" = "$(fact storm_${o}_after $F)" ]
	done
	# both scripts print dmesg's warnings at their end: the second sees the first's too
	w=$(grep -E '^(storm|churn)_warning=' "$F" | sort -u)
	check "$n: 0 splats from KASAN, lockdep, atomic sleep, preempt or lockup checks ($(grep -c . <<<"$w" | sed 's/^0$//')${w:+: $(head -n1 <<<"$w" | cut -c1-160)})" \
		[ -z "$w" ]
done
done_testing
