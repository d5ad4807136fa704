# iommu-flush-exporter in the VM, against ftrace: tests/guest/exporter-scrape.sh
# runs it (HTTP and textfile, every 0.5 s) while the dd on the NVMe runs
# under ftrace, scraped before and after and by a loop of scrapers in both
# formats throughout, under intel-iommu strict and lazy.  For each boot:
# - the counters' increase between the two scrapes, summed over series,
#   equals ftrace's count of each event, bytes mapped and unmapped equal
#   ftrace's, and each histogram's _count increase is its events' number;
# - histogram_quantile(0.5) of the unmap sizes, computed as Prometheus does
#   from the scraped buckets, lies in the bucket of dd's 64 KiB;
# - no counter went down, promtool lints the scrape and the textfile, the
#   OpenMetrics scrape ends with # EOF, every concurrent scrape was whole,
#   and the exporter exits 0 on SIGTERM;
# - Prometheus (Debian's, in the guest) scraping it every second, and
#   node_exporter's textfile collector reading what it writes: PromQL's
#   difference of each counter's stored values across the window equals
#   ftrace's count, histogram_quantile(0.5) of the unmap sizes lies in
#   dd's bucket and that of the sync durations in the log2 bucket of
#   ftrace's median duration;
# - iommu_device_info names the NVMe ("nvme nvme0n1"); unless told, it
#   listens on 127.0.0.1:9877 alone, and with --textfile alone nowhere;
# - strict boot: a domain that disappears: VFIO maps 8 chunks into a domain
#   of its own and frees it; the counters' increase over that window equals
#   ftrace's, and later, the domain gone, vfio's series stays as it was
#   (nothing goes down) with the NIC described as vfio-pci;
# - as nobody with CAP_BPF, CAP_PERFMON and CAP_SYSLOG only, it serves the
#   figures of a root workload; with no capability it refuses in one line.
# The HTTP side against hostile clients is tests/host/exporter.t.
source "$(dirname "$0")/../lib/test.sh"
make -s -C "$TOP" build >&2 || { notok "building the tools"; exit 1; }
has_series || skip_rest "no series for $BASE"
DD=(dd if=/dev/nvme0n1 of=/dev/null bs=65536 count=256 iflag=direct)

# increases between two scrapes, summed over series: NAME[{reason}]=N lines
deltas() {
	python3 - "$1" "$2" <<'PY'
import re, sys
def parse(p):
    d = {}
    for line in open(p):
        if line.startswith("#") or not line.strip():
            continue
        name, rest = re.match(r'([a-zA-Z_:][a-zA-Z0-9_:]*)(\{.*\})? (\S+)$', line.strip()).group(1, 2), line.split()[-1]
        d[(name[0], name[1] or "")] = float(rest)
    return d
a, b = parse(sys.argv[1]), parse(sys.argv[2])
sums, down = {}, 0
for k, v in b.items():
    dv = v - a.get(k, 0)
    name, labels = k
    if (name.endswith("_total") or name.endswith("_bucket") or name.endswith("_count")) and dv < 0:
        down += 1
    key = name
    m = re.search(r'reason="([^"]*)"', labels)
    if m and name.startswith("iommu_") and not name.startswith("iommu_exporter"):
        sums[name + "{" + m.group(1) + "}"] = sums.get(name + "{" + m.group(1) + "}", 0) + dv
    m = re.search(r'le="([^"]*)"', labels)
    if m:
        key = name + "{le=" + m.group(1) + "}"
    sums[key] = sums.get(key, 0) + dv
for k, v in sorted(sums.items()):
    print("%s=%s" % (k, repr(v) if v != int(v) else int(v)))
print("went_down=%d" % down)
# histogram_quantile(0.5) of the unmap sizes, as Prometheus computes it
bk = sorted(((float("inf") if k.split("le=")[1][:-1] == "+Inf" else float(k.split("le=")[1][:-1]), v)
             for k, v in sums.items() if k.startswith("iommu_unmap_size_bytes_bucket{")))
if bk and bk[-1][1] > 0:
    rank, lo, prev = 0.5 * bk[-1][1], 0.0, 0.0
    for le, c in bk:
        if c >= rank:
            q = le if le == float("inf") else lo + (le - lo) * (rank - prev) / (c - prev)
            break
        lo, prev = le, c
    print("unmap_size_p50=%g" % q)
PY
}
f() { local v; v=$(fact "$1" "$2"); echo "${v:-0}"; }
fsum() { sed -n "s/^$1_[^=]*=//p" "$2" | awk '{ s += $1 } END { print s + 0 }'; }
# vs_ftrace PAIRS FILE PREFIX DEFAULT FACTS: for each METRIC:EVENT of
# PAIRS, PREFIX-METRIC's value in FILE (DEFAULT when absent) against
# ftrace's count of EVENT in FACTS; SEEN gets "EVENT=value" for each, BAD
# what differs (empty when all agree)
vs_ftrace() {
	local p m e v
	SEEN="" BAD=""
	for p in $1; do
		m=${p%%:*} e=${p#*:}
		v=$(fact "$3$m" "$2")
		v=${v:-$4}
		[ "$v" = "$(f n_$e "$5")" ] || BAD+=" $m: $v ftrace $(f n_$e "$5");"
		SEEN+=" ${e}=$v"
	done
}

# exporter metric : ftrace event
PAIRS="iommu_maps_total:map iommu_unmaps_total:unmap iommu_gather_range_adds_total:iotlb_gather_add
iommu_iotlb_syncs_total:iotlb_sync iommu_iotlb_flush_alls_total:flush_iotlb_all iommu_sync_maps_total:sync_map
iommu_dma_fq_queued_total:dma_fq_queue iommu_dma_fq_flushes_total:dma_fq_flush"

boot() {
	local n=$1 vfio=; shift
	[ "$1" = --vfio ] && { vfio=$tools; shift; }
	local res="$TMP/$n" F="$TMP/$n.facts" D="$TMP/$n.deltas"
	mkdir -p "$res"
	if ! "$TOP/scripts/vm-run" --base "$BASE" --timeout 900 --results "$res" "$@" -- \
		env EXPORTER_VFIO="$vfio" tests/guest/exporter-scrape.sh "${DD[@]}" >"$F"; then
		notok "$n: the VM run failed ($(tail -n1 "$res/exporter.err" 2>/dev/null))"; return 1
	fi
	awk -f "$TOP/tests/lib/trace-facts.awk" "$res/trace.txt" >>"$F"
	echo "== $n"; cat "$F"; cat "$res/exporter.err"
	check "$n: served, traced and stopped (port $(f port "$F"), trace $(f trace_rc "$F"), exit $(f exporter_rc "$F"))" \
		[ -n "$(fact port "$F")" -a "$(f trace_rc "$F")" = 0 -a "$(f exporter_rc "$F")" = 0 -a -s "$res/after.prom" ] || return 1
	deltas "$res/before.prom" "$res/after.prom" >"$D"
	cat "$D"
	vs_ftrace "$PAIRS" "$D" "" 0 "$F"
	check "$n: each counter's increase between the scrapes equals ftrace's count:$SEEN${BAD:+ MISMATCH$BAD}" \
		[ -z "$BAD" -a "$(f iommu_unmaps_total "$D")" -ge 256 ]
	check "$n: bytes mapped +$(f iommu_mapped_bytes_total "$D") and unmapped +$(f iommu_unmapped_bytes_total "$D") equal ftrace's ($(fsum map_bytes "$F"), $(fsum unmap_bytes "$F"))" \
		[ "$(f iommu_mapped_bytes_total "$D")" = "$(fsum map_bytes "$F")" -a "$(f iommu_unmapped_bytes_total "$D")" = "$(fsum unmap_bytes "$F")" ]
	local syncs=$(( $(f n_iotlb_sync "$F") + $(f n_dma_fq_flush "$F") ))
	local durs=$(( $(f n_iotlb_sync "$F") + $(f n_flush_iotlb_all "$F") ))
	# series v2's events carry no duration: the histogram is not served
	[ "$(fact series "$F")" = v2 ] && durs=0
	check "$n: a histogram sample per event: map sizes +$(f iommu_map_size_bytes_count "$D") of $(f n_map "$F"), unmap sizes +$(f iommu_unmap_size_bytes_count "$D") of $(f n_unmap "$F"), unmaps per flush +$(f iommu_unmaps_per_flush_count "$D") of $syncs, durations +$(f iommu_iotlb_sync_duration_seconds_count "$D") of $durs" \
		[ "$(f iommu_map_size_bytes_count "$D")" = "$(f n_map "$F")" -a "$(f iommu_unmap_size_bytes_count "$D")" = "$(f n_unmap "$F")" \
		  -a "$(f iommu_unmaps_per_flush_count "$D")" = $syncs -a "$(f iommu_iotlb_sync_duration_seconds_count "$D")" = $durs ]
	check "$n: histogram_quantile(0.5) of the unmap sizes, $(f unmap_size_p50 "$D"), lies in dd's 64 KiB bucket (65535, 131071]" \
		awk -v v="$(f unmap_size_p50 "$D")" 'BEGIN { exit !(v > 65535 && v <= 131071) }'
	check "$n: no counter or bucket went down ($(f went_down "$D"))" [ "$(f went_down "$D")" = 0 ]
	local lint=""
	for t in after.prom textfile.prom; do
		promtool check metrics <"$res/$t" >"$TMP/lint" 2>&1 || lint+=" $t: $(head -c 160 "$TMP/lint")"
		[ -s "$TMP/lint" ] && lint+=" $t: $(head -c 160 "$TMP/lint")"
	done
	check "$n: promtool lints the scrape and the textfile clean${lint:+:$lint}; the OpenMetrics scrape ends with # EOF" \
		bash -c '[ -z "$1" ] && [ "$(tail -n1 "$2")" = "# EOF" ]' _ "$lint" "$res/after.om"
	check "$n: $(f hammer_scrapes "$F") scrapes during the workload, $(f hammer_bad "$F") not whole" \
		[ "$(f hammer_scrapes "$F")" -gt 0 -a "$(f hammer_bad "$F")" = 0 ]
	check "$n: the exporter said nothing but where it serves ($(grep -v 'serving\|writing' "$res/exporter.err" | head -c 200))" \
		bash -c '! grep -qv "serving http\|writing .* every" "$1"' _ "$res/exporter.err"
	# Prometheus' own view, direct and through node_exporter's textfile
	check "$n: Prometheus in the guest scraped both targets ($(f prom_up "$F") up, $(f prom_scrape_errors "$F") scrape errors logged)" \
		[ "$(f prom_up "$F")" = 2 -a "$(f prom_scrape_errors "$F")" = 0 ]
	local med lo hi j
	med=$(awk '/ (iotlb_sync|flush_iotlb_all): / { for (i = 1; i <= NF; i++) if ($i ~ /^duration_ns=/) { sub(/duration_ns=/, "", $i); print $i } }' \
		"$res/trace.txt" | sort -n | awk '{ v[NR] = $1 } END { if (NR) print v[int((NR + 1) / 2)] }')
	read -r lo hi < <(awk -v v="${med:-0}" 'BEGIN { b = 0; while (v >= 1) { b++; v = int(v / 2) } if (b <= 8) print 0, 255; else print 2^(b-1) - 1, 2^b - 1 }')
	for j in direct textfile; do
		# absent is not 0 here: the query must have found the series
		vs_ftrace "maps:map unmaps:unmap iotlb_syncs:iotlb_sync iotlb_flush_alls:flush_iotlb_all dma_fq_flushes:dma_fq_flush" \
			"$F" "prom_${j}_" "" "$F"
		check "$n: PromQL ($j) sum(M @ t1) - sum(M @ t0) equals ftrace's count:$SEEN${BAD:+ MISMATCH$BAD}" \
			[ -z "$BAD" -a "$(fact prom_${j}_unmaps "$F")" -ge 256 ]
		check "$n: PromQL ($j) bytes mapped $(fact prom_${j}_mapped_bytes "$F"), unmapped $(fact prom_${j}_unmapped_bytes "$F"): ftrace's" \
			[ "$(fact prom_${j}_mapped_bytes "$F")" = "$(fsum map_bytes "$F")" -a "$(fact prom_${j}_unmapped_bytes "$F")" = "$(fsum unmap_bytes "$F")" ]
		check "$n: PromQL ($j) histogram_quantile(0.5) of unmap sizes $(fact prom_${j}_unmap_size_p50 "$F") in dd's bucket (65535, 131071]" \
			awk -v v="$(fact prom_${j}_unmap_size_p50 "$F")" 'BEGIN { exit !(v != "" && v > 65535 && v <= 131071) }'
		if [ "$(fact series "$F")" = v2 ]; then
			check "$n: PromQL ($j): no sync duration series on v2, whose events carry none (\"$(fact prom_${j}_sync_p50 "$F")\", ftrace's median ${med:-none})" \
				[ -z "$(fact prom_${j}_sync_p50 "$F")" -a -z "$med" -a -z "$(grep '^iommu_iotlb_sync_duration_seconds' "$res/after.prom")" ]
			continue
		fi
		check "$n: PromQL ($j) histogram_quantile(0.5) of sync durations, $(fact prom_${j}_sync_p50 "$F") s, in the log2 bucket of ftrace's median ${med:-none} ns: ($lo, $hi] ns" \
			awk -v v="$(fact prom_${j}_sync_p50 "$F")" -v lo="$lo" -v hi="$hi" -v m="${med:-}" \
				'BEGIN { exit !(m != "" && v != "" && v * 1e9 > lo - 1e-3 && v * 1e9 <= hi + 1e-3) }'
	done
	# what each device is: the NVMe as its driver and namespace
	local nv=$(fact nvme_bdf "$F")
	check "$n: iommu_device_info names the NVMe $nv: $(grep "^iommu_device_info{device=\"$nv\"" "$res/after.prom")" \
		grep -q "^iommu_device_info{device=\"$nv\",description=\"nvme nvme0n1\"} 1$" "$res/after.prom"
	check "$n: unless told, it listens on 127.0.0.1:9877 alone ($(fact default_listen "$F")); with --textfile alone, nowhere (\"$(fact textfile_only_listen "$F")\", written $(f textfile_only_written "$F"))" \
		[ "$(fact default_listen "$F")" = 127.0.0.1:9877 -a -z "$(fact textfile_only_listen "$F")" -a "$(f textfile_only_written "$F")" = 1 ]
	[ -n "$vfio" ] && vfio_gone "$n" "$res" "$F"
	check "$n: as nobody with CAP_BPF, CAP_PERFMON, CAP_SYSLOG: exit $(f nobody_rc "$F"), $(f nobody_maps "$F") maps of a root dd served ($(head -c 160 "$res/nobody.err"))" \
		[ "$(f nobody_rc "$F")" = 0 -a "$(f nobody_maps "$F")" -ge 1 ]
	check "$n: as nobody with no capability: exit $(f nocaps_rc "$F"), one line ($(head -c 160 "$res/nocaps.err"))" \
		[ "$(f nocaps_rc "$F")" = 1 -a "$(wc -l <"$res/nocaps.err")" = 1 ]
}

# A domain that disappears (exporter-scrape.sh with EXPORTER_VFIO): the
# scrapes around VFIO's map and unmap of 8 chunks in a domain of its own,
# freed when it closes, against ftrace's trace of that window; then the
# vfio series later, with the domain gone.
vfio_gone() {
	local n=$1 res=$2 F=$3 V="$TMP/$1.vfio" D1="$TMP/$1.vd1" D2="$TMP/$1.vd2" vb
	echo "== $n: VFIO"; cat "$res/vfio/facts"
	awk -f "$TOP/tests/lib/trace-facts.awk" "$res/vfio/trace.txt" >"$V" 2>/dev/null
	deltas "$res/vfio-before.prom" "$res/vfio-after.prom" >"$D1"
	deltas "$res/vfio-after.prom" "$res/vfio-later.prom" >"$D2"
	vs_ftrace "$PAIRS" "$D1" "" 0 "$V"
	check "$n: VFIO's domain ($(f vfio_rc "$F")): each counter's increase over its window equals ftrace's:$SEEN${BAD:+ MISMATCH$BAD}" \
		[ "$(f vfio_rc "$F")" = 0 -a -z "$BAD" -a "$(f n_map_vfio "$V")" -ge 8 ]
	vb=$(fact vfio_bdf "$F")
	local sel="{driver=\"intel-iommu\",consumer=\"vfio\",device=\"$vb\"}" ma ml ua ul
	val() { grep -F "$1$sel " "$2" | awk '{ print $NF }'; }
	ma=$(val iommu_maps_total "$res/vfio-after.prom") ml=$(val iommu_maps_total "$res/vfio-later.prom")
	ua=$(val iommu_unmaps_total "$res/vfio-after.prom") ul=$(val iommu_unmaps_total "$res/vfio-later.prom")
	check "$n: with VFIO's domain freed, its series stays as it was: maps $ma then $ml (ftrace $(f n_map_vfio "$V")), unmaps $ua then $ul ($(f n_unmap_vfio "$V")); nothing went down ($(f went_down "$D1"), $(f went_down "$D2")); the NIC described as vfio-pci" \
		bash -c '[ -n "$1" ] && [ "$1" = "$2" ] && [ "$1" = "$3" ] && [ -n "$4" ] && [ "$4" = "$5" ] && [ "$4" = "$6" ] &&
			[ "$7" = 0 ] && [ "$8" = 0 ] && grep -qF "iommu_device_info{device=\"$9\",description=\"vfio-pci\"} 1" "${10}"' \
		_ "$ma" "$ml" "$(f n_map_vfio "$V")" "$ua" "$ul" "$(f n_unmap_vfio "$V")" "$(f went_down "$D1")" "$(f went_down "$D2")" "$vb" "$res/vfio-later.prom"
}

tools=$("$TOP/scripts/build-guest-tools" "$BASE") || { notok "building guest tools"; exit 1; }
boot intel-strict --vfio --iommu intel --strict
boot intel-lazy --iommu intel
done_testing
