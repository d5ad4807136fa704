# iommu-flushhist's text from fixed recordings (tests/fixtures/dumps/):
# handmade.json, whose figures are worked out by hand below, and four real
# recordings of dd on the NVMe made in the VM by tests/vm/flushhist.t
# (intel-iommu and virtio-iommu, strict and lazy).  Each case's output,
# as built and under ASan/UBSan, must equal its .txt file byte for byte,
# and every line must be plain ASCII of at most 72 columns.
# FLUSHHIST_GOLDEN_UPDATE=1 rewrites the .txt files (then read the diff).
source "$(dirname "$0")/../lib/test.sh"
make -s -C "$TOP" build sanitize >&2 || { notok "make build sanitize failed"; exit 1; }
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
FX="$TOP/tests/fixtures/dumps"
cd "$FX" || exit 1

# expected-file  arguments (run in tests/fixtures/dumps, so names are short)
CASES=(
	"handmade.txt|-i handmade.json"
	"handmade-all-unmaps-map.txt|-i handmade.json -g none -m unmaps,map"
	"handmade-compare.txt|--compare handmade.json handmade.json -g driver,consumer"
	"intel-lazy.txt|-i intel-lazy.json"
	"intel-strict-by-caller.txt|-i intel-strict.json -g driver,type,device,caller -m unmaps,pages"
	"compare-intel-strict-lazy.txt|--compare intel-strict.json intel-lazy.json"
	"compare-virtio-strict-lazy.txt|--compare virtio-strict.json virtio-lazy.json"
	"compare-intel-virtio-lazy.txt|--compare intel-lazy.json virtio-lazy.json"
)

for bin in "$TOP/.output/bin/iommu-flushhist" "$TOP/.output/san/bin/iommu-flushhist"; do
	kind=plain; [[ $bin == */san/* ]] && kind=sanitized
	for c in "${CASES[@]}"; do
		want=${c%%|*} args=${c#*|} rc=0
		# shellcheck disable=SC2086 # the arguments are words
		"$bin" $args >"$TMP/out" 2>"$TMP/err" || rc=$?
		cat "$TMP/err"
		if [ "${FLUSHHIST_GOLDEN_UPDATE:-}" = 1 ] && [ $kind = plain ] && [ $rc = 0 ]; then
			cp "$TMP/out" "$FX/$want"
		fi
		w=$(awk '{ if (length($0) > w) w = length($0) } END { print w + 0 }' "$TMP/out")
		check "$kind: iommu-flushhist $args: exit $rc, nothing on stderr, equals $want${w:+, widest line $w}" \
			bash -c '[ "$1" = 0 ] && [ ! -s "$2" ] && diff -u "$4" "$3" >&2' _ "$rc" "$TMP/err" "$TMP/out" "$FX/$want"
		check "$kind: iommu-flushhist $args: every line plain ASCII, at most 72 columns" \
			bash -c '[ "$1" -le 72 ] && ! LC_ALL=C grep -q "[^ -~]" "$2"' _ "$w" "$TMP/out"
	done
done

# The golden files, checked against figures worked out by hand from
# handmade.json, so that an update cannot slip a wrong number in.
has() {   # has FILE TEXT...: every TEXT is a line of FILE (trailing spaces aside)
	local f=$1; shift
	for t in "$@"; do sed 's/ *$//' "$FX/$f" | grep -qxF -- "$t" || { echo "missing in $f: $t" >&2; return 1; }; done
}
check "handmade: the header: exit status 3, 2.5 s, totals 4+8 maps of 16 KiB + 512 KiB, 4+1 unmaps, syncs" \
	has handmade.txt "workload: a hand-made recording whose every figure is worked out in" \
	"          tests/host/flushhist-golden.t" "duration: 2.50 s, exit status 3" \
	"totals:   12 maps (528 KiB), 5 unmaps (528 KiB), 5 syncs, 0 flush-queue"
# dma-iommu: 4 syncs of 1 unmap; 4000 ns over 4 syncs in 512..1023: mean
# exactly 1000, p50 interpolated 512 + 511 * 2/4 = 767.5 (printed 768);
# 4 maps of 4 KiB: the bytes (16384) equal 4 low ends, so every one is 4096
check "handmade: dma-iommu: unmaps per sync 1; sync mean 1000 exact, p50 767.5; maps all 4096" \
	has handmade.txt "  count 4         mean 1.00    p50 1.00    p90 1.00    p99 1.00" \
	"  count 4         mean 1000    p50 768     p90 1023    p99 1023" \
	"  count 4         mean 4096    p50 4096    p90 4096    p99 4096"
# vfio: one sync of 5000 ns (a single sample is its sum); 8 maps of 64 KiB
# (524288 B = 8 low ends of 65536); one unmap of 512 KiB; one sync of 128
# pages in 128..255 with no unmap_unsynced counter: interpolated, rank 1 of
# 1 at the bucket's top 255, midpoint mean (128 + 255) / 2 = 191.5
check "handmade: vfio: sync 5000 exact, maps 65536, unmap 524288, pages interpolated" \
	has handmade.txt "  count 1         mean 5000    p50 5000    p90 5000    p99 5000" \
	"  count 8         mean 65536   p50 65536   p90 65536   p99 65536" \
	"  count 1         mean 524288  p50 524288  p90 524288  p99 524288" \
	"  count 1         mean 192     p50 255     p90 255     p99 255"
check "handmade: the stale window, which its source did not measure, reads unavailable, twice" \
	bash -c '[ "$(grep -c "^  unavailable: the event source does not measure it$" "$1")" = 2 ]' _ "$FX/handmade.txt"
# all rows in one group: 12 maps, 4 of 4096 and 8 of 65536 = 540672 B,
# mean 45056; p50 is rank 6 of 12, past the 4 in bucket 4096: 65536
check "handmade, one group: 12 maps, mean 45056, p50 65536; 5 syncs of 1 unmap" \
	has handmade-all-unmaps-map.txt "--- all ----------------------------------------------------------------" \
	"  count 12        mean 45056   p50 65536   p90 65536   p99 65536" \
	"  count 5         mean 1.00    p50 1.00    p90 1.00    p99 1.00"
check "handmade compared with itself: B/A 1.00x in every column of every measured metric (10)" \
	bash -c '[ "$(grep -c "^  B/A  *1.00x  *1.00x  *1.00x  *1.00x  *1.00x$" "$1")" = 10 ]' _ "$FX/handmade-compare.txt"
# the real ones: strict, every sync covered 1 unmap; lazy, flushes of many
check "intel strict vs lazy: unmaps per sync 1.00 for A at p50, p90, p99, mean; B's p50 above 4" \
	awk '/^unmaps per sync$/ { u = 1; next } u && $1 == "A" { a = ($3 $4 $5 $6 == "1.001.001.001.00") }
	     u && $1 == "B" { b = ($3 + 0 > 4); u = 0 } END { exit !(a && b) }' "$FX/compare-intel-strict-lazy.txt"

# docs/review-thread-example.md shows real output: its comparison blocks
# are the golden files of the VM's recordings, byte for byte, and what it
# would paste into a reply (inside ``` blocks) keeps to 72 columns too.
doc="$TOP/docs/review-thread-example.md"
check "docs/review-thread-example.md holds the three golden comparisons byte for byte" \
	python3 -c 'import sys; d = open(sys.argv[1]).read(); sys.exit(any(open(g).read() not in d for g in sys.argv[2:]))' \
	"$doc" "$FX"/compare-{intel-strict-lazy,virtio-strict-lazy,intel-virtio-lazy}.txt
check "docs/review-thread-example.md: every pasted line at most 72 columns, plain ASCII" \
	awk '/^```/ { c = !c; next } c && (length($0) > 72 || $0 ~ /[^ -~]/) { bad = 1 } END { exit bad }' "$doc"
done_testing
