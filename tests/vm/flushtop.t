# iommu-flushtop in the VM, against ftrace and through a terminal.
# - JSON frames (intel-iommu, lazy) and batch frames (intel-iommu, strict)
#   of an NVMe workload, with ftrace recording the same events on the
#   frames' clock (tests/guest/flushtop-frames.sh): every frame's counts
#   equal ftrace's count of its window, give or take the events ftrace saw
#   within 100 ms of the window's edges (a snapshot reads the per-CPU maps
#   one after the other: an event that fires meanwhile can land on either
#   side); the workload lies inside the frames, so their sum must equal
#   ftrace's total exactly.  The figures: unmaps per flush-queue flush are
#   ftrace's entries per dma_fq_flush (lazy), 1 unmap per sync and the
#   unmapped pages per sync (strict).
# - No IOMMU (a boot with none): one line on stderr, exit 1, no frame.
# - Filters (strict boot): --device with the NVMe sees exactly the 256
#   unmaps of 256 dd reads, on that device's row alone; --consumer vfio, none.
# - The full-screen view driven through tmux (tests/guest/flushtop-tmux.sh):
#   header and rows, each key, a resize, quit, SIGTERM and ^C leave the
#   terminal as it was; bad input gives one line and exit 2 there too.  The
#   view runs as built under ASan/UBSan there (make sanitize), which abort
#   with a report on any memory error or leak: the exit status tells.  The
#   terminal does not depend on the kernel: first base only.
source "$(dirname "$0")/../lib/test.sh"
make -s -C "$TOP" build sanitize >&2 || { notok "building iommu-flushtop"; exit 1; }
if ! has_series; then
	skip_rest "no series for $BASE: the host test flushtop-cli checks the refusal"
fi
frames="$TOP/.output/tests/json-frames"
PAIRS="map:map unmap:unmap range_add:iotlb_gather_add sync:iotlb_sync flush_all:flush_iotlb_all
sync_map:sync_map fq_queue:dma_fq_queue fq_flush:dma_fq_flush"
f() { local v; v=$(fact "$1" "$2"); echo "${v:-0}"; }

# windows FACTS: "K START END" per frame of json-frames' facts
windows() {
	paste -d' ' <(sed -n 's/^f\([0-9]*\)_start=\(.*\)/\1 \2/p' "$1") <(sed -n 's/^f[0-9]*_end=//p' "$1")
}

# ---- lazy: JSON frames, then the terminal -------------------------------------
R="$TMP/lazy"
mkdir -p "$R"
first=$(cd "$TOP/kernel-patches" && ls -d v* | sort -rV | head -n1)
tmux=1
[ "$BASE" = "$first" ] || tmux=0
if ! vm "$TMP/lazy.out" --iommu intel --results "$R" --timeout 400 -- bash -c \
	'tests/guest/flushtop-frames.sh json 8 --json -i 1 && { [ "$1" = 0 ] ||
	 ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	 FLUSHTOP=$PWD/.output/san/bin/iommu-flushtop tests/guest/flushtop-tmux.sh; }' _ $tmux; then
	notok "lazy: the VM run failed"
	exit 1
fi
cat "$TMP/lazy.out"
J="$TMP/json.facts"
if ! "$frames" <"$R/json.out" >"$J"; then
	notok "lazy: the JSON frames parse: $(tail -n1 "$R/json.out" | cut -c1-200)"
else
	n=$(f frames "$J")
	check "lazy: iommu-flushtop --json, stopped by SIGINT a frame after the workload, exited 0 with 8 frames or more, each a JSON object with the schema's members ($n; stderr: $(head -c 200 "$R/json.err"))" \
		[ "$(f json_status "$TMP/lazy.out")" = 0 -a "$n" -ge 8 -a "$n" = "$(f json_frames "$TMP/lazy.out")" -a ! -s "$R/json.err" ]
	windows "$J" >"$TMP/json.win"
	awk -f "$TOP/tests/lib/trace-windows.awk" "$TMP/json.win" "$R/json.trace" >>"$J"
	awk -f "$TOP/tests/lib/trace-facts.awk" "$R/json.trace" >"$TMP/json.tf"
	bad="" sums=""
	for p in $PAIRS; do
		c=${p%%:*} e=${p#*:} sum=0
		for k in $(seq "$n"); do
			got=$(f "f${k}_$c" "$J") want=$(f "w${k}_$e" "$J") edge=$(f "e${k}_$e" "$J")
			sum=$((sum + got))
			d=$((got - want)); d=${d#-}
			[ "$d" -le "$edge" ] || bad+=" frame $k $c: $got, ftrace $want (edge $edge);"
		done
		sums+=" $c $sum/$(f "t_$e" "$J")"
		[ "$sum" = "$(f "t_$e" "$J")" ] || bad+=" sum of $c: $sum, ftrace $(f "t_$e" "$J");"
	done
	check "lazy JSON: each frame's counts are ftrace's in its window, the sums ftrace's total:$sums${bad:+ MISMATCH$bad}" \
		[ -z "$bad" -a "$(f t_unmap "$J")" -ge 768 -a "$(f json_overrun "$TMP/lazy.out")" = 0 ]
	check "lazy JSON: the workload is inside the frames (first and last frames saw nothing: $(f f1_unmap "$J"), $(f "f${n}_unmap" "$J"))" \
		[ "$(f f1_unmap "$J")" = 0 -a "$(f "f${n}_unmap" "$J")" = 0 -a "$(f "f${n}_fq_flush" "$J")" = 0 ]
	# unmaps per flush: in frames where every flush is a flush-queue flush
	bad="" seen=0
	for k in $(seq "$n"); do
		fl=$(f "w${k}_dma_fq_flush" "$J")
		[ "$fl" -gt 0 -a "$(f "f${k}_sync" "$J")" = 0 -a "$(f "e${k}_dma_fq_flush" "$J")" = 0 ] || continue
		row=$(grep "^f${k}_row=intel-iommu|dma-iommu|" "$J")
		got=$(sed -n 's/.*|unmaps_per_sync=\([^|]*\).*/\1/p' <<<"$row")
		want=$(awk -v a="$(f "w${k}_fq_entries" "$J")" -v b="$fl" 'BEGIN { printf "%.6f", a / b }')
		awk -v a="$got" -v b="$want" 'BEGIN { exit !(a - b < 1e-6 && b - a < 1e-6) }' || bad+=" frame $k: $got, ftrace $want;"
		seen=$((seen + 1))
	done
	check "lazy JSON: unmaps per sync is ftrace's entries per dma_fq_flush, in the $seen frames with flushes clear of the edges${bad:+: MISMATCH$bad}" \
		[ -z "$bad" -a "$seen" -ge 1 ]
	check "lazy JSON: rows name intel-iommu / dma-iommu, the header DMA-FQ lazy" \
		bash -c 'grep -q "^f[0-9]*_row=intel-iommu|dma-iommu|" "$1" && grep -q "\"mode\":\"lazy\"" "$2"' _ "$J" "$R/json.out"
fi

# the terminal
if [ $tmux = 1 ]; then
S="$R/tmux"
scr() { cat "$S/$1.txt" 2>/dev/null; }
timeouts=$(grep '^tmux_timeout_' "$TMP/lazy.out" | tr '\n' ' ')
check "tmux: every step showed on the screen in time${timeouts:+: TIMED OUT $timeouts}" [ -z "$timeouts" ]
check "tmux: the header names the kernel, intel-iommu, DMA-FQ (lazy), the interval and the event source" \
	bash -c 'grep -qE "^iommu-flushtop .* kernel [0-9]" <<<"$1" && grep -q "^IOMMU: intel-iommu; DMA-FQ (lazy)" <<<"$1" &&
		grep -q "interval 0.5 s" <<<"$1" && grep -q "events: tracepoints" <<<"$1" && grep -q "^per second: maps" <<<"$1" &&
		grep -q "dropped keys 0" <<<"$1"' _ "$(scr view2)"
check "tmux: a row per driver and consumer under the column titles" \
	bash -c 'grep -A1 "^DRIVER *CONSUMER *MAPS/s *UNMAPS/s *SYNCS/s *FLALL/s *UNMAP/SYNC *PAGES/SYNC *FORCED% *SYNC-p50 *SYNC-p99 *STALE-p99" <<<"$1" |
		grep -qE "^intel-iommu +dma-iommu +[0-9.]+ +[0-9.]+"' _ "$(scr view2)"
check "tmux: > and < move the sort column (UNMAPS/s, then SYNCS/s, then MAPS/s)" \
	bash -c 'grep -q "sort: UNMAPS/s" <<<"$1" && grep -q "sort: SYNCS/s" <<<"$2" && grep -q "sort: MAPS/s" <<<"$3"' _ \
	"$(scr view)" "$(scr sort-right)" "$(scr sort-left)"
check "tmux: g cycles the grouping: rows per device (the NVMe's), per driver, per consumer again" \
	bash -c 'grep -q "^DRIVER *DEVICE " <<<"$1" && grep -qE "^intel-iommu +0000:00:[0-9a-f]{2}\.[0-7] " <<<"$1" &&
		grep -q "^DRIVER *MAPS/s" <<<"$2" && grep -qE "^intel-iommu +[0-9.]+ " <<<"$2" &&
		grep -q "^DRIVER *CONSUMER" <<<"$3"' _ "$(scr group-device)" "$(scr group-driver)" "$(scr group-consumer)"
check "tmux: p pauses: PAUSED, and the screen stays the same over three intervals" \
	bash -c 'grep -q PAUSED <<<"$1" && [ "$1" = "$2" ]' _ "$(scr paused)" "$(scr paused-later)"
before=$(sed -n 's/^totals over [0-9.]* s: maps \([0-9]*\) .*/\1/p' <<<"$(scr paused)")
after=$(sed -n 's/^totals over [0-9.]* s: maps \([0-9]*\) .*/\1/p' <<<"$(scr resumed)")
check "tmux: r resets the totals (maps $before, then 0, then $after since the reset), p resumes" \
	bash -c 'grep -q "^totals over 0.0 s: maps 0  unmaps 0  syncs 0  flush-all 0" <<<"$1" && ! grep -q PAUSED <<<"$2" &&
		[ "$3" -gt 0 ] && [ "$4" -lt "$3" ]' _ "$(scr reset)" "$(scr resumed)" "${before:-0}" "${after:-0}"
check "tmux: ? shows the keys, any key returns to the view" \
	bash -c 'grep -q "^  q  *quit" <<<"$1" && grep -q "^  <  >" <<<"$1" && ! grep -q "^DRIVER" <<<"$1" && grep -q "^DRIVER" <<<"$2"' _ \
	"$(scr help)" "$(scr help-closed)"
wide=$(scr small | awk '{ if (length($0) > m) m = length($0) } END { print m + 0 }')
check "tmux: resized to 90x15, the view redraws within 90 columns ($wide); back to 200, every column is there again" \
	bash -c '[ "$1" -le 90 ] && grep -q "^iommu-flushtop" <<<"$2" && grep -q "^DRIVER" <<<"$2" && ! grep -q "STALE-p99" <<<"$2" &&
		grep -q "STALE-p99" <<<"$3" && [ "$(wc -l <<<"$2")" -le 15 ]' _ "$wide" "$(scr small)" "$(scr large)"
for s in view:q term:SIGTERM int:^C; do
	n=${s%%:*} how=${s#*:}
	check "tmux: $how ends it with status 0 and the terminal as it was (stty, the view's screen gone)" \
		bash -c '[ "$1" = 0 ] && cmp -s "$2.stty-before" "$2.stty-after" && ! grep -q "DRIVER\|iommu-flushtop" "$2.after.txt"' _ \
		"$(f "tmux_${n}_exit" "$TMP/lazy.out")" "$S/$n"
done
for s in badi:"-i 0" badn:"-n abc"; do
	n=${s%%:*} opt=${s#*:}
	msg=$(grep -v '^\$' "$S/$n.after.txt" | grep -v '^$')
	check "tmux: $opt in a terminal: \"$msg\", exit 2, the terminal untouched" \
		bash -c '[ "$1" = 2 ] && [ "$(grep -c . <<<"$2")" = 1 ] && grep -q "^iommu-flushtop: " <<<"$2" && cmp -s "$3.stty-before" "$3.stty-after"' _ \
		"$(f "tmux_${n}_exit" "$TMP/lazy.out")" "$msg" "$S/$n"
done
fi

# ---- strict: batch frames -----------------------------------------------------
R="$TMP/strict"
mkdir -p "$R"
if ! vm "$TMP/strict.out" --iommu intel --strict --results "$R" -- bash -c \
	'tests/guest/flushtop-frames.sh batch 8 -b -i 1 && tests/guest/flushtop-filters.sh'; then
	notok "strict: the VM run failed"
	exit 1
fi
cat "$TMP/strict.out" "$R/batch.out"
B="$TMP/batch.facts"
awk -f "$TOP/tests/lib/trace-facts.awk" "$R/batch.trace" >"$B"
# per frame: the row's rates times the frame's length, summed
est=$(awk '
	/^iommu-flushtop / { match($0, /last [0-9.]+ s/); secs = substr($0, RSTART + 5, RLENGTH - 7) + 0; nf++ }
	/^intel-iommu +dma-iommu / && !summary {
		for (i = 3; i <= 6; i++) { v[i] += $i * secs; err[i] += 0.05 * secs + 0.0005 * $i }
	}
	/^== summary/ { summary = 1 }
	END { printf "frames=%d maps=%.1f maps_err=%.1f unmaps=%.1f unmaps_err=%.1f syncs=%.1f syncs_err=%.1f\n",
		nf, v[3], err[3], v[4], err[4], v[5], err[5] }' "$R/batch.out")
sum=$(sed -n 's/^== summary: \([0-9]*\) frames; totals over [0-9.]* s: maps \([0-9]*\)  unmaps \([0-9]*\)  syncs \([0-9]*\)  flush-all \([0-9]*\) .*/\1 \2 \3 \4 \5/p' "$R/batch.out")
read -r sframes smaps sunmaps ssyncs sfa <<<"${sum:-x x x x x}"
nb=$(f batch_frames "$TMP/strict.out")
check "strict batch: $nb frames (8 or more) and a summary whose counts are ftrace's: maps $smaps ($(f n_map "$B")), unmaps $sunmaps ($(f n_unmap "$B")), syncs $ssyncs ($(f n_iotlb_sync "$B")), flush-all $sfa ($(f n_flush_iotlb_all "$B"))" \
	[ "$(f batch_status "$TMP/strict.out")" = 0 -a "$sframes" = "$nb" -a "$nb" -ge 8 -a "$smaps" = "$(f n_map "$B")" -a "$sunmaps" = "$(f n_unmap "$B")" \
	  -a "$ssyncs" = "$(f n_iotlb_sync "$B")" -a "$sfa" = "$(f n_flush_iotlb_all "$B")" -a "$ssyncs" -ge 768 ]
check "strict batch: the frames' rates times their lengths add up to ftrace's counts within the printed precision ($est)" \
	awk -v e="$est" -v nb="$nb" -v m="$(f n_map "$B")" -v u="$(f n_unmap "$B")" -v s="$(f n_iotlb_sync "$B")" 'BEGIN {
		n = split(e, kv, " "); for (i = 1; i <= n; i++) { split(kv[i], p, "="); x[p[1]] = p[2] }
		d = x["maps"] - m; if (d < 0) d = -d; if (d > x["maps_err"] + 0.5) exit 1
		d = x["unmaps"] - u; if (d < 0) d = -d; if (d > x["unmaps_err"] + 0.5) exit 1
		d = x["syncs"] - s; if (d < 0) d = -d; if (d > x["syncs_err"] + 0.5) exit 1
		exit x["frames"] != nb }'
row=$(sed -n '/^== summary/,$p' "$R/batch.out" | grep -E '^intel-iommu +dma-iommu ')
pages=$(awk -v b="$(f unmap_bytes_dma "$B")" -v s="$(f n_iotlb_sync_dma "$B")" 'BEGIN { if (s) printf "%.1f", b / 4096 / s }')
check "strict batch: the summary's dma-iommu row: 1.0 unmap per sync, ftrace's $pages pages per sync, 0.0% forced: $row" \
	bash -c 'p=$2; set -- $1; [ "$7" = 1.0 ] && [ -n "$p" ] && [ "$8" = "$p" ] && [ "$9" = 0.0 ]' _ "$row" "$pages"

# filters
bdf=$(f nvme_bdf "$TMP/strict.out")
"$frames" <"$R/filter-dev.json" >"$TMP/fdev.facts" && "$frames" <"$R/filter-vfio.json" >"$TMP/fvfio.facts" ||
	notok "filters: the JSON frames parse"
unm=$(grep '^f[0-9]*_unmap=' "$TMP/fdev.facts" | awk -F= '{ s += $2 } END { print s + 0 }')
others=$(grep '^f[0-9]*_row=' "$TMP/fdev.facts" | grep -vc "^f[0-9]*_row=intel-iommu|\*|$bdf|")
check "filters: --device $bdf -g device: the 256 unmaps of 256 dd reads ($unm), no other row ($others)" \
	[ "$(f filter_dev_status "$TMP/strict.out")" = 0 -a "$unm" = 256 -a "$others" = 0 ]
vu=$(grep -E '^f[0-9]*_(unmap|map)=' "$TMP/fvfio.facts" | awk -F= '{ s += $2 } END { print s + 0 }')
check "filters: --consumer vfio over the same reads: no row, no map or unmap ($vu)" \
	[ "$(f filter_vfio_status "$TMP/strict.out")" = 0 -a "$vu" = 0 -a "$(grep -c '_row=' "$TMP/fvfio.facts")" = 0 \
	  -a "$(f frames "$TMP/fvfio.facts")" = 5 ]

# no IOMMU: the environment refuses, in one line
rc=0
mkdir -p "$TMP/none"
vm "$TMP/none.out" --iommu none --results "$TMP/none" -- \
	bash -c '.output/bin/iommu-flushtop -b -n 1 2>"$VM_RESULTS/err"; echo "status=$?"' || rc=$?
err=$(cat "$TMP/none/err" 2>/dev/null)
check "no IOMMU: exit $(f status "$TMP/none.out") (want 1), no frame, one line: \"$err\"" \
	bash -c '[ "$1" = 0 ] && [ "$2" = 1 ] && [ "$(grep -c . <<<"$3")" = 1 ] && grep -q "^iommu-flushtop: no IOMMU" <<<"$3" &&
		[ "$(grep -c "^iommu-flushtop " "$4")" = 0 ]' _ "$rc" "$(f status "$TMP/none.out")" "$err" "$TMP/none.out"
done_testing
