# scripts/ab-patch without kernels or VMs: build-kernel, build-guest-tools
# and vm-run are the fakes of tests/host/fake-ab (AB_PATCH_SCRIPTS), whose
# vm-run "records" fixture dumps and fails the calls it is told to.  A run
# that fails once is run again and the report says so; a second failure of
# the same run stops the A/B with one line naming its log, which is kept;
# a run that exits 0 without a recording counts as failed; the default run
# count and the rule are stated; identical kernels show no difference and
# different dumps do; both modes share the 5% (--blocks); every line of the
# report is within 72 columns; --help is the usage and exits 0.
source "$(dirname "$0")/../lib/test.sh"
make -s -C "$TOP" build >&2 || { notok "make build failed"; exit 1; }
AB="$TOP/scripts/ab-patch"
PATCH="$TOP/tests/ab/comment-only.patch"
W=nvme-seqread-64k
export AB_PATCH_SCRIPTS="$TOP/tests/host/fake-ab"

# ab NAME [ab-patch args...]: run it in a fresh state; rc in $rc, output in $TMP/NAME/
ab() {
	local name=$1; shift
	D="$TMP/$name"
	mkdir -p "$D/state"
	rc=0
	FAKE_VM_STATE="$D/state" "$AB" -o "$D/out" "$@" "$PATCH" >"$D/stdout" 2>"$D/stderr" || rc=$?
	calls=$(cat "$D/state/calls" 2>/dev/null || echo 0)
	sed 's/^/  /' "$D/stderr" | tail -n 5
}
width() { awk '{ if (length($0) > m) m = length($0) } END { print m + 0 }' "$1"; }

# ---- no failure, defaults but the mode --------------------------------------------
ab clean --mode lazy
check "no failure: exit $rc, 14 calls of vm-run ($calls), 14 recordings kept" \
	bash -c '[ "$1" = 0 ] && [ "$2" = 14 ] && [ "$(ls "$3"/lazy-'$W'-[AB]*.json | wc -l)" = 14 ]' _ "$rc" "$calls" "$D/out"
check "no failure: the runs interleave A, B, A, B" \
	bash -c '[ "$(head -n 4 "$1" | cut -d" " -f1 | tr "\n" " ")" = "/fake/kernel-A /fake/kernel-B /fake/kernel-A /fake/kernel-B " ]' _ "$D/state/runs"
check "no failure: 7 runs per side by default, no retry in the report" \
	bash -c 'grep -q "^base v7.2, intel-iommu, QEMU/TCG, 7 runs per side" "$1" && ! grep -q "ran again" "$1"' _ "$D/out/report.txt"
check "no failure: the rule and its family-wise rate in the block's header" \
	bash -c 'tr "\n" " " <"$1" | grep -q "exact rank test (Mann-Whitney, all 3432 splits of the runs) gives p <= 5%/k, Holm over the [0-9]* figures compared: two kernels that behave the same show a difference on any figure in at most 5% of comparisons"' _ "$D/out/report.txt"
check "no failure: identical kernels, no difference shown" \
	bash -c 'grep -q "^no difference shown on any of the [0-9]* figures" "$1" && ! grep -q " shown$" <(grep -v "not shown$" "$1")' _ "$D/out/report.txt"
check "no failure: the report on stdout too" cmp -s "$D/stdout" "$D/out/report.txt"
check "no failure: within 72 columns ($(width "$D/out/report.txt"))" [ "$(width "$D/out/report.txt")" -le 72 ]

# ---- one failure: run again, said in the report -----------------------------------
FAKE_VM_FAIL=3 ab once --mode lazy --runs 3
r="$D/out/report.txt"
cat "$r" 2>/dev/null | head -n 8
check "one failure (call 3, run A 2): exit $rc, 7 calls ($calls), all 6 recordings" \
	bash -c '[ "$1" = 0 ] && [ "$2" = 7 ] && [ "$(ls "$3"/lazy-'$W'-[AB]*.json | wc -l)" = 6 ]' _ "$rc" "$calls" "$D/out"
check "one failure: the report names the run, the kernel and why" \
	bash -c 'grep -q "^run 3 of 6 (A 2, lazy, '$W') failed, ran again:$" "$1" &&
		grep -q "^  vm-run exit 124: timed out after 300 s" "$1"' _ "$r"
check "one failure: the first try's log is kept beside the second's" \
	bash -c 'grep -q "fake guest output of call 3" "$1/lazy-'$W'-A2.try1.log" && [ -f "$1/lazy-'$W'-A2.log" ] &&
		! grep -q "timed out" "$1/lazy-'$W'-A2.log"' _ "$D/out"
check "one failure: within 72 columns ($(width "$r"))" [ "$(width "$r")" -le 72 ]

# ---- two failures of different runs: both run again -------------------------------
FAKE_VM_FAIL="2 5" ab twice-apart --mode lazy --runs 3
check "failures of two different runs: exit $rc, 8 calls ($calls), both in the report" \
	bash -c '[ "$1" = 0 ] && [ "$2" = 8 ] && grep -q "^run 2 of 6 (B 1, lazy" "$3" && grep -q "^run 4 of 6 (B 2, lazy" "$3"' \
	_ "$rc" "$calls" "$D/out/report.txt"

# ---- the same run failing twice: stop, one line naming its log ---------------------
FAKE_VM_FAIL="3 4" ab same-twice --mode lazy --runs 3
log="$D/out/lazy-$W-A2.log"
last=$(tail -n 1 "$D/stderr")
check "the same run failing twice: exit $rc (want 1), no run after it ($calls calls), no report" \
	bash -c '[ "$1" = 1 ] && [ "$2" = 4 ] && [ ! -e "$3/report.txt" ] && [ ! -s "$4" ]' _ "$rc" "$calls" "$D/out" "$D/stdout"
check "the same run failing twice: one line, the run, why, its log: $last" \
	bash -c '[ "$(grep -c "failed twice" "$2")" = 1 ] &&
		[[ $1 == "ab-patch: run A 2 (lazy, '$W') failed twice (vm-run exit 124: timed out after 300 s"*"): see $3 (first try: "* ]]' \
	_ "$last" "$D/stderr" "$log"
check "the same run failing twice: the log it names is kept, with vm-run's output" \
	bash -c 'grep -q "fake guest output of call 4" "$1" && grep -q "timed out" "$1"' _ "$log"

# ---- exit 0 without a recording is a failure too ----------------------------------
FAKE_VM_NOJSON=1 ab nojson --mode lazy --runs 2
check "no recording from a run: exit $rc, run again, said why" \
	bash -c '[ "$1" = 0 ] && grep -A1 "^run 1 of 4 (A 1, lazy" "$2" | grep -q "no recording"' _ "$rc" "$D/out/report.txt"

# ---- different kernels, both modes: shown, the 5% shared ---------------------------
FAKE_VM_B=virtio ab differ
r="$D/out/report.txt"
cat "$r" 2>/dev/null | sed -n '1,12p'
check "different dumps, both modes: exit $rc, 28 calls ($calls), two blocks" \
	bash -c '[ "$1" = 0 ] && [ "$2" = 28 ] && grep -q "^== '$W', strict$" "$3" && grep -q "^== '$W', lazy$" "$3"' \
	_ "$rc" "$calls" "$r"
check "different dumps, both modes: the 2 blocks share 5%, each at 2.5%" \
	bash -c 'tr "\n" " " <"$1" | grep -q "The 2 blocks below share 5%" &&
		[ "$(tr "\n" " " <"$1" | grep -o "p <= 2.5%/k" | wc -l)" = 2 ]' _ "$r"
check "different dumps: some figures shown to differ" grep -q "figures shown to differ (at most 2.5% by chance)" "$r"
check "different dumps: within 72 columns ($(width "$r"))" [ "$(width "$r")" -le 72 ]

# ---- too few runs: said ------------------------------------------------------------
FAKE_VM_B=virtio ab few --mode lazy --runs 3
check "3 runs a side: no difference can be shown, and how many runs can" \
	bash -c 'tr "\n" " " <"$1" | grep -q "no difference can be shown ([67] runs a side can)"' _ "$D/out/report.txt"

# ---- does not apply, no conflict line: the file from git am -3's own words ----------
printf '%s\n' 'error: sha1 information is lacking or useless (drivers/iommu/dma-iommu.c).' \
	'error: could not build fake ancestor' >"$TMP/am.log"
export IOMMU_FLUSHTOP_CACHE="$TMP/cache"
FAKE_APPLY_LOG="$TMP/am.log" ab noapply --mode lazy
check "does not apply, blob unknown to the tree: exit $rc (want 1), one line naming the file" \
	bash -c '[ "$1" = 1 ] && [ "$(wc -l <"$2")" = 1 ] &&
		grep -qx "ab-patch: comment-only.patch does not apply on v7.2 with its series: drivers/iommu/dma-iommu.c" "$2"' _ "$rc" "$D/stderr"
check "does not apply: nothing run, no output folder left" bash -c '[ "$1" = 0 ] && [ ! -e "$2" ]' _ "$calls" "$D/out"
unset IOMMU_FLUSHTOP_CACHE

# ---- usage -------------------------------------------------------------------------
out=$("$AB" --help 2>&1) && rc=0 || rc=$?
check "--help: exit $rc, the default runs and the rule, within 72 columns ($(awk '{ if (length > w) w = length } END { print w + 0 }' <<<"$out"))" \
	bash -c '[ "$1" = 0 ] && grep -q "default 7" <<<"$2" && grep -q "Holm" <<<"$2" && grep -q "run once more" <<<"$2" &&
		[ "$(awk "{ if (length > w) w = length } END { print w + 0 }" <<<"$2")" -le 72 ]' _ "$rc" "$out"

# ---- iommu-flushhist --blocks: bad values refused in one line ----------------------
hist="$TOP/.output/bin/iommu-flushhist" FX="$TOP/tests/fixtures/dumps"
for v in 0 x 1001 -1; do
	rc=0; err=$("$hist" --compare --blocks "$v" "$FX/intel-lazy.json," "$FX/intel-lazy.json," 2>&1 >/dev/null) || rc=$?
	check "--blocks $v: exit $rc (want 2), one line: $err" \
		bash -c '[ "$1" = 2 ] && [ "$(echo "$2" | wc -l)" = 1 ] && grep -q "blocks" <<<"$2"' _ "$rc" "$err"
done
done_testing
