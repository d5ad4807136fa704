# iommu-flushhist in the VM, end to end: tests/guest/flushhist-record.sh
# records the dd on the NVMe twice per boot (once with ftrace tracing the
# same window, once alone) under intel-iommu and virtio-iommu, strict and
# lazy.  For each boot:
# - the recording's totals, read from the saved JSON with python3's json
#   (not json-c), equal ftrace's counts event by event, bytes mapped and
#   unmapped equal, and each histogram holds one sample per event it
#   describes (maps, unmaps, syncs + flush-queue flushes, syncs +
#   flush-alls, queued IOVAs ftrace saw flushed), nothing dropped;
# - record -> save -> load gives the same text, in the guest and on the
#   host, every line at most 72 columns;
# - strict: every sync covered exactly 1 unmap (the histogram is {1: N});
#   lazy: no sync, flush-queue flushes of many unmaps each;
# - once a base (intel lazy): -d records the whole system (dd's unmaps, 64 KiB each) with no command
#   status (dd runs only while the collector is attached, see the guest
#   script for why); a command killed by SIGKILL is recorded with status
#   137; -d ended early by SIGINT (Ctrl-C) still prints and saves; a
#   command that cannot run is one line, exit 1, and no file; -o /dev/null
#   and /dev/full as root leave the nodes as they are (the second fails in
#   one line), -o - puts the dump alone on stdout, and a closed stdout
#   fails the report in one line but still saves the recording.
# Then on the host, as an unprivileged user (comparing needs no root and
# no BPF): --compare strict lazy states unmaps per sync 1.00 at p50, p90
# and p99 under strict and well above 1 under lazy; intel vs virtio is
# compared as well.  The texts are kept in .output/flushhist-example/ for
# docs/review-thread-example.md.
source "$(dirname "$0")/../lib/test.sh"
make -s -C "$TOP" build >&2 || { notok "building the tools"; exit 1; }
tool="$TOP/.output/bin/iommu-flushhist"
DD=(dd if=/dev/nvme0n1 of=/dev/null bs=65536 count=256 iflag=direct)
keep="$TOP/.output/flushhist-example/$BASE"
rm -rf "$keep"
mkdir -p "$keep"

if ! has_series; then
	skip_rest "no series for $BASE"
fi

# JSON facts of a dump, through python3's own parser: n_COUNT= (summed
# over rows), h_METRIC=bucket:samples,... (merged), exit_status=
dump_facts() {
	python3 - "$1" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
tot, hist = {}, {}
for r in d["rows"]:
    for k, v in r["counts"].items():
        tot[k] = tot.get(k, 0) + v
    for k, pairs in r["hists"].items():
        h = hist.setdefault(k, {})
        for b, n in pairs:
            h[b] = h.get(b, 0) + n
for k, v in tot.items():
    print("n_%s=%d" % (k, v))
for k, h in hist.items():
    print("h_%s=%s" % (k, ",".join("%d:%d" % (b, n) for b, n in sorted(h.items()) if n)))
    print("hn_%s=%d" % (k, sum(h.values())))
for k, v in d["drops"].items():
    print("drop_%s=%d" % (k, v))
print("exit_status=%s" % d["meta"]["exit_status"])
print("workload=%s" % d["meta"]["workload"])
print("command=%s" % d["meta"]["command"])
print("duration_ns=%d" % d["meta"]["duration_ns"])
print("mode=%s" % d["meta"]["mode"])
print("drivers=%s" % d["meta"]["drivers"])
EOF
}

f() { local v; v=$(fact "$1" "$2"); echo "${v:-0}"; }
# the sum of every KEY_*=N fact (ftrace's per-consumer byte counts)
fsum() { sed -n "s/^$1_[^=]*=//p" "$2" | awk '{ s += $1 } END { print s + 0 }'; }
widest() { awk '{ if (length($0) > w) w = length($0) } END { print w + 0 }' "$@"; }

# collector count : ftrace event
PAIRS="map:map unmap:unmap range_add:iotlb_gather_add sync:iotlb_sync flush_all:flush_iotlb_all
sync_map:sync_map fq_queue:dma_fq_queue fq_flush:dma_fq_flush"

# one boot: NAME vm-run options...  The recordings of the command-line
# behaviour (-d, SIGKILL, SIGINT, no such command) on intel lazy only.
boot() {
	local n=$1; shift
	local res="$TMP/$n" F="$TMP/$n.facts" J="$TMP/$n.json-facts" bad="" seen="" p c e cli=()
	[ $n = intel-lazy ] && cli=(--cli)
	mkdir -p "$res"
	if ! "$TOP/scripts/vm-run" --base "$BASE" --results "$res" "$@" -- \
		tests/guest/flushhist-record.sh "${cli[@]}" "${DD[@]}" >"$F"; then
		notok "$n: the VM run failed"; return 1
	fi
	awk -f "$TOP/tests/lib/trace-facts.awk" "$res/trace.txt" >>"$F"
	echo "== $n"; cat "$F"
	check "$n: recorded and saved twice, loaded back twice (status $(f traced_rc "$F") $(f plain_rc "$F") $(f traced_load_rc "$F") $(f plain_load_rc "$F"))" \
		[ "$(f traced_rc "$F")$(f plain_rc "$F")$(f traced_load_rc "$F")$(f plain_load_rc "$F")" = 0000 \
		  -a -s "$res/traced.json" -a -s "$res/plain.json" ] || return 1
	cp "$res/plain.json" "$keep/$n.json"
	cp "$res/plain.txt" "$keep/$n.txt"
	dump_facts "$res/traced.json" >"$J"
	cat "$J"

	for p in $PAIRS; do
		c=${p%%:*} e=${p#*:}
		[ "$(f n_$c "$J")" = "$(f n_$e "$F")" ] || bad+=" $c: saved $(f n_$c "$J") ftrace $(f n_$e "$F");"
		seen+=" $c=$(f n_$c "$J")"
	done
	check "$n: the saved counts equal ftrace's, event by event:$seen${bad:+ MISMATCH$bad}" \
		[ -z "$bad" -a "$(f n_unmap "$J")" -ge 256 ]
	check "$n: bytes mapped $(f n_map_bytes "$J") and unmapped $(f n_unmap_bytes "$J") equal ftrace's ($(fsum map_bytes "$F"), $(fsum unmap_bytes "$F"))" \
		[ "$(f n_map_bytes "$J")" = "$(fsum map_bytes "$F")" -a "$(f n_unmap_bytes "$J")" = "$(fsum unmap_bytes "$F")" ]
	local syncs=$(( $(f n_iotlb_sync "$F") + $(f n_dma_fq_flush "$F") ))
	local durs=$(( $(f n_iotlb_sync "$F") + $(f n_flush_iotlb_all "$F") ))
	# series v2's events carry no duration: no sample, the histogram not saved
	[ "$(fact series "$F")" = v2 ] && durs=0
	check "$n: a sample per event: map sizes $(f hn_map_size "$J") of $(f n_map "$F") maps, unmap sizes $(f hn_unmap_size "$J") of $(f n_unmap "$F"), unmaps per sync $(f hn_unmaps_per_sync "$J") and pages per sync $(f hn_pages_per_sync "$J") of $syncs syncs + fq flushes, durations $(f hn_sync_ns "$J") of $durs syncs + flush-alls" \
		[ "$(f hn_map_size "$J")" = "$(f n_map "$F")" -a "$(f hn_unmap_size "$J")" = "$(f n_unmap "$F")" \
		  -a "$(f hn_unmaps_per_sync "$J")" = $syncs -a "$(f hn_pages_per_sync "$J")" = $syncs \
		  -a "$(f hn_sync_ns "$J")" = $durs ]
	check "$n: nothing dropped (ftrace overrun $(f overrun "$F"), keys $(f drop_keys "$J"), domains $(f drop_domains "$J"), fq domains $(f drop_fq_domains "$J"))" \
		[ "$(f overrun "$F")" = 0 -a "$(f drop_keys "$J")" = 0 -a "$(f drop_domains "$J")" = 0 -a "$(f drop_fq_domains "$J")" = 0 ]
	check "$n: the traced command's status 0 is in the metadata ($(f exit_status "$J"))" [ "$(f exit_status "$J")" = 0 ]

	"$tool" -i "$res/plain.json" >"$TMP/$n.host.txt" 2>&1
	check "$n: record -> save -> load: the same text in the guest and on the host ($(wc -l <"$res/plain.txt") lines)" \
		bash -c 'cmp -s "$1/traced.txt" "$1/traced-loaded.txt" && cmp -s "$1/plain.txt" "$1/plain-loaded.txt" && cmp -s "$1/plain.txt" "$2" && [ -s "$2" ]' _ "$res" "$TMP/$n.host.txt"
	local texts=("$res"/{traced,plain}{,-loaded}.txt)
	check "$n: every line the tool printed at most 72 columns ($(widest "${texts[@]}")) and plain ASCII" \
		bash -c '[ "$1" -le 72 ] && shift && ! LC_ALL=C grep -q "[^ -~]" "$@"' _ "$(widest "${texts[@]}")" "${texts[@]}"

	# -d: the whole system, dd running throughout; a killed command
	[ ${#cli[@]} = 0 ] || {
	dump_facts "$res/system.json" >"$J.system"
	dump_facts "$res/killed.json" >"$J.killed"
	local un=$(f n_unmap "$J.system") ub=$(f n_unmap_bytes "$J.system")
	check "$n: -d 3 recorded the system ($(f system_rc "$F"), $(f system_links "$F") BPF links when dd started): \"$(fact workload "$J.system")\", no command status ($(fact exit_status "$J.system")), $un unmaps of dd's 64 KiB ($ub bytes)" \
		[ "$(f system_rc "$F")" = 0 -a "$(fact workload "$J.system")" = "system-wide, -d 3" \
		  -a "$(fact exit_status "$J.system")" = None -a -z "$(fact command "$J.system")" \
		  -a "$un" -ge 1 -a "$ub" = $((un * 65536)) -a "$(f duration_ns "$J.system")" -ge 3000000000 ]
	check "$n: a command killed by SIGKILL is recorded with status 137 ($(f killed_rc "$F"), $(fact exit_status "$J.killed"), command $(fact command "$J.killed"))" \
		[ "$(f killed_rc "$F")" = 0 -a "$(fact exit_status "$J.killed")" = 137 -a "$(fact command "$J.killed")" = sh ]

	dump_facts "$res/sigint.json" >"$J.sigint"
	check "$n: -d 600 ended by SIGINT still prints and saves (exit $(f sigint_rc "$F"), $(( $(f duration_ns "$J.sigint") / 1000000 )) ms recorded, $(wc -l <"$res/sigint.txt") lines)" \
		[ "$(f sigint_rc "$F")" = 0 -a "$(fact workload "$J.sigint")" = "system-wide, -d 600" \
		  -a "$(f duration_ns "$J.sigint")" -lt 600000000000 -a -s "$res/sigint.txt" ]

	check "$n: a command that cannot run: exit $(f noexec_rc "$F"), one line, \"$(cat "$res/noexec.err")\", nothing saved" \
		bash -c '[ "$1" = 1 ] && [ "$(wc -l <"$2/noexec.err")" = 1 ] && grep -q "^iommu-flushhist: cannot run /nonexistent-command: No such file" "$2/noexec.err" && [ ! -e "$2/noexec.json" ]' \
		_ "$(f noexec_rc "$F")" "$res"

	check "$n: -o /dev/null as root: exit $(f devnull_rc "$F"), /dev/null still the character device" \
		[ "$(f devnull_rc "$F")" = 0 -a "$(f devnull_char "$F")" = 1 -a ! -s "$res/devnull.err" ]
	check "$n: -o /dev/full as root: exit $(f devfull_rc "$F"), one line (\"$(cat "$res/devfull.err")\"), /dev/full still the character device" \
		bash -c '[ "$1" = 1 ] && [ "$2" = 1 ] && [ "$(wc -l <"$3")" = 1 ] && grep -q "^iommu-flushhist: /dev/full: cannot write: No space left on device" "$3"' \
		_ "$(f devfull_rc "$F")" "$(f devfull_char "$F")" "$res/devfull.err"
	dump_facts "$res/stdout.json" >"$J.stdout" 2>&1
	check "$n: -o -: exit $(f stdout_rc "$F"), stdout holds the dump alone ($(f n_unmap "$J.stdout") unmaps, by python3's parser), the report is on stderr" \
		bash -c '[ "$1" = 0 ] && [ "$2" -ge 256 ] && head -n1 "$3" | grep -q "^iommu-flushhist: recorded"' \
		_ "$(f stdout_rc "$F")" "$(f n_unmap "$J.stdout")" "$res/stdout.txt"
	dump_facts "$res/closed.json" >"$J.closed" 2>&1
	check "$n: stdout closed: exit $(f closed_rc "$F"), one line (\"$(cat "$res/closed.err")\"), the recording still saved ($(f n_unmap "$J.closed") unmaps)" \
		bash -c '[ "$1" = 1 ] && [ "$(wc -l <"$2")" = 1 ] && grep -q "cannot write the report to standard output" "$2" && [ "$3" -ge 256 ]' \
		_ "$(f closed_rc "$F")" "$res/closed.err" "$(f n_unmap "$J.closed")"
	dump_facts "$res/fallback.json" >"$J.fallback" 2>&1
	local fsrc=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["meta"]["source"])' "$res/fallback.json" 2>/dev/null)
	check "$n: --source fallback on the patched kernel: exit $(f fallback_rc "$F"), the dump's source \"$fsrc\", $(f n_unmap "$J.fallback") unmaps of dd's $(( $(f n_unmap_bytes "$J.fallback") / 65536 )) x 64 KiB" \
		bash -c '[ "$1" = 0 ] && [ "$2" = fallback ] && [ "$3" -ge 256 ] && [ "$4" = $(( $3 * 65536 )) ]' \
		_ "$(f fallback_rc "$F")" "$fsrc" "$(f n_unmap "$J.fallback")" "$(f n_unmap_bytes "$J.fallback")"
	}

	local h=$(fact h_unmaps_per_sync "$J") s=$(f n_sync "$J") fl=$(f n_fq_flush "$J") en=$(f n_fq_flush_entries "$J")
	case $n in
	*-strict)
		check "$n: every one of the $s syncs covered exactly 1 unmap (histogram $h), mode $(fact mode "$J")" \
			[ "$h" = "1:$s" -a "$s" -ge 256 -a "$fl" = 0 -a "$(fact mode "$J")" = strict ]
		check "$n: no stale window under strict ($(f hn_stale_ns "$J") samples)" [ "$(f hn_stale_ns "$J")" = 0 ] ;;
	*-lazy)
		check "$n: no sync, $fl flush-queue flushes of $en unmaps, $((en / (fl ? fl : 1))) each on average (histogram $h), mode $(fact mode "$J")" \
			[ "$s" = 0 -a "$fl" -ge 1 -a "$en" -ge 256 -a $((en / (fl ? fl : 1))) -ge 4 -a "$(fact mode "$J")" = lazy ]
		check "$n: a stale window for each of the $(f fq_covered "$F") queued IOVAs ftrace saw flushed ($(f hn_stale_ns "$J"))" \
			[ "$(f hn_stale_ns "$J")" = "$(f fq_covered "$F")" -a "$(f fq_covered "$F")" -ge 256 ] ;;
	esac
}

# the p50 (or another column) of one side's line in the "unmaps per sync"
# block of a comparison: col 3 = p50 (label, count, p50, p90, p99, mean)
cmp_col() {   # FILE SIDE COLUMN
	awk -v side="$2" -v col="$3" '
		/^--- / { grp = 1 } /^unmaps per sync$/ && grp { inb = 1; next }
		inb && $1 == side { print $col; exit }' "$1"
}

# compare NAME A B: as nobody, to show that it needs no privilege
compare() {
	local n=$1 a="$keep/$2.json" b="$keep/$3.json" out="$keep/$1.txt" rc=0
	a=$(nobody_file "$a") && b=$(nobody_file "$b") || { notok "$n: copying the dumps for nobody"; return; }
	as_nobody "$tool" --compare "$a" "$b" >"$out" 2>"$TMP/$n.err" || rc=$?
	cat "$out" "$TMP/$n.err"
	check "$n: compared as an unprivileged user (exit $rc), $(wc -l <"$out") lines of at most 72 columns ($(widest "$out"))" \
		[ $rc = 0 -a -s "$out" -a "$(widest "$out")" -le 72 ]
}

for iommu in intel virtio; do
	boot $iommu-strict --iommu $iommu --strict
	boot $iommu-lazy --iommu $iommu
	if [ -s "$keep/$iommu-strict.json" -a -s "$keep/$iommu-lazy.json" ]; then
		compare $iommu-strict-vs-lazy $iommu-strict $iommu-lazy
		c="$keep/$iommu-strict-vs-lazy.txt"
		a50=$(cmp_col "$c" A 3) a90=$(cmp_col "$c" A 4) a99=$(cmp_col "$c" A 5)
		b50=$(cmp_col "$c" B 3) r50=$(cmp_col "$c" B/A 3)
		check "$iommu strict vs lazy: unmaps per sync p50/p90/p99 $a50/$a90/$a99 under strict" \
			[ "$a50" = 1.00 -a "$a90" = 1.00 -a "$a99" = 1.00 ]
		check "$iommu strict vs lazy: unmaps per sync p50 $b50 under lazy, $r50 of strict's: well above 1" \
			awk -v b="$b50" 'BEGIN { exit !(b + 0 >= 4) }'
	fi
done
if [ -s "$keep/intel-lazy.json" -a -s "$keep/virtio-lazy.json" ]; then
	compare intel-vs-virtio-lazy intel-lazy virtio-lazy
	check "intel vs virtio: both sides have unmaps per sync ($(cmp_col "$keep/intel-vs-virtio-lazy.txt" A 2), $(cmp_col "$keep/intel-vs-virtio-lazy.txt" B 2) flushes)" \
		[ "$(cmp_col "$keep/intel-vs-virtio-lazy.txt" A 2)" -gt 0 -a "$(cmp_col "$keep/intel-vs-virtio-lazy.txt" B 2)" -gt 0 ]
fi
if [ -s "$keep/intel-strict.json" -a -s "$keep/virtio-strict.json" ]; then
	compare intel-vs-virtio-strict intel-strict virtio-strict
fi

# The comparisons once more, in a VM without an IOMMU (reading needs none):
# the text is the same there, so what docs/review-thread-example.md shows
# is what the guest printed.
pairs=""
for p in intel-strict:intel-lazy virtio-strict:virtio-lazy intel-lazy:virtio-lazy intel-strict:virtio-strict; do
	# a boot that failed has said so above; compare what there is
	[ -s "$keep/${p%%:*}.json" -a -s "$keep/${p#*:}.json" ] && pairs+=" $p"
done
rm -rf "$keep/guest"
mkdir -p "$keep/guest"
if "$TOP/scripts/vm-run" --base "$BASE" --iommu none --results "$keep/guest" -- bash -c '
	cd "$1" && for p in $2; do
		"$3" --compare "${p%%:*}.json" "${p#*:}.json" >"$VM_RESULTS/${p%%:*}-vs-${p#*:}.txt" || exit 1
	done' _ "$keep" "$pairs" "$tool" >&2; then
	bad=""
	for p in $pairs; do
		(cd "$keep" && "$tool" --compare "${p%%:*}.json" "${p#*:}.json") >"$TMP/host-cmp.txt"
		cmp -s "$TMP/host-cmp.txt" "$keep/guest/${p%%:*}-vs-${p#*:}.txt" || bad+=" $p"
	done
	check "the comparisons printed in a VM without an IOMMU equal the host's${bad:+; differ:$bad}" [ -z "$bad" ]
else
	notok "the VM that compares the recordings failed"
fi
done_testing
