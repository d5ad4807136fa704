# Domain churn with iommu-flushtop attached (the bounded part of issue 19's
# churn; `make soak` runs DOMAIN_CHURN_CYCLES=20000): VFIO type1 and
# iommufd programs alternate on the e1000e, each allocating, using and
# freeing a domain, often at the address the other just freed, while
# iommu-flushtop --json -i 1 runs from before the first to after the last
# (tests/guest/domain-churn.sh).  Against the workload's known sizes and
# what the guest itself measured:
# - every cycle ran, and each consumer's bytes mapped and unmapped, summed
#   over the frames, are exactly its programs' (cycles x chunk + the
#   consumer's own probe): a freed domain's counts stay its consumer's,
#   and none is lost or counted twice between frames;
# - nothing dropped in any frame;
# - the collector's statistics and domain maps stay bounded: at most what
#   they held at the start plus 4 rows (1 domain) for each domain freed in
#   the busiest of the guest's sampling intervals (a sample takes 2-3 s
#   under TCG), plus one: retired keys live until the next frame reads
#   them.  Without the retirement both grow by one a cycle;
# - the tool's RSS grows by at most 1 MiB after the first quarter of the
#   run, and its CPU per second in the last third is at most twice that of
#   the first third, plus 2 ticks;
# - no kernel warning, and the tool exits 0 on SIGINT.
source "$(dirname "$0")/../lib/test.sh"
has_series || skip_rest "$BASE has no series"
make -s -C "$TOP" build >&2 || { notok "building the tools"; exit 1; }
tools=$("$TOP/scripts/build-guest-tools" "$BASE") || { notok "building guest tools"; exit 1; }
frames="$TOP/.output/tests/json-frames"
N=${DOMAIN_CHURN_CYCLES:-200} CH=4
res="$TMP/res"
mkdir -p "$res"
# a cycle is about 0.3 s under TCG here; the budget is generous
to=$(( 300 + N ))
if ! vm "$TMP/facts" --iommu intel --strict --timeout $to --results "$res" -- \
	tests/guest/domain-churn.sh "$tools" $N $CH; then
	notok "intel strict: the guest did not finish ($(vm_why "$TMP/facts"))"
	done_testing; exit 0
fi
F=$TMP/facts
grep -v '^sample=' "$F"
v=$(fact vfio_cycles $F) i=$(fact iommufd_cycles $F) cb=$(fact chunk_bytes $F)
check "intel strict: $N of $N cycles ran ($v VFIO, $i iommufd, $(fact failed $F) failed, $(fact cycle_ms $F) ms each)" \
	[ "$((v + i))" = $N -a "$(fact failed $F)" = 0 ]
check "intel strict: iommu-flushtop exits 0 on SIGINT ($(fact tool_status $F); stderr: $(head -c 200 "$res/churn.err"))" \
	[ "$(fact tool_status $F)" = 0 ]
"$frames" <"$res/churn.json" >"$TMP/frames" || notok "intel strict: the frames do not parse"
nf=$(fact frames "$TMP/frames")
# sums over the frames: per consumer (rows are driver|consumer|device|...), and the drops
sum() {   # CONSUMER COUNT
	awk -F'|' -v c="$1" -v k="$2" '/^f[0-9]+_row=/ && $2 == c { for (i = 4; i <= NF; i++) if (split($i, kv, "=") == 2 && kv[1] == k) s += kv[2] } END { printf "%d\n", s }' "$TMP/frames"
}
for c in vfio iommufd; do
	n=$v; [ $c = iommufd ] && n=$i
	want=$(( n * (cb + $(probe_bytes "$BASE" $c)) ))
	check "intel strict: $c's bytes over $nf frames: mapped $(sum $c map_bytes), unmapped $(sum $c unmap_bytes), its $n programs' $want" \
		[ "$(sum $c map_bytes)" = $want -a "$(sum $c unmap_bytes)" = $want -a $want -gt 0 ]
done
drops=$(awk -F= '/^f[0-9]+_drop_/ { sub(/^f[0-9]+_drop_/, "", $1); s[$1] += $2 } END { for (k in s) printf "%s %d, ", k, s[k] }' "$TMP/frames")
check "intel strict: nothing dropped in any frame ($drops)" \
	bash -c '! grep -q "^f[0-9]*_drop_.*=[1-9]" "$1"' _ "$TMP/frames"
# the samples: SECONDS RSS_KB CPU_TICKS STATS DOMAINS CYCLES_DONE
# (only while the tool ran: /proc gives nothing once it exited)
grep '^sample=' "$F" | sed 's/^sample=//' | awk '$2 > 0 && $3 > 0' >"$TMP/samples"
ns=$(wc -l <"$TMP/samples")
read -r smax dmax rate <<<"$(awk 'NR > 1 { r = $6 - prev; if (r > rate) rate = r } { prev = $6; if ($4 > s) s = $4; if ($5 > d) d = $5 } END { print s + 0, d + 0, rate + 0 }' "$TMP/samples")"
s0=$(fact stats_start $F) d0=$(fact domains_start $F)
bs=$(( s0 + 4 * (rate + 1) )) bd=$(( d0 + rate + 1 ))
check "intel strict: the statistics map stays bounded: at most $smax keys in $ns samples, start $s0 + 4 x ($rate cycles in the busiest sampling interval + 1) = $bs" \
	[ "$ns" -ge 3 -a "$smax" -le "$bs" ]
check "intel strict: the domains map stays bounded: at most $dmax, start $d0 + $rate + 1 = $bd" [ "$dmax" -le "$bd" ]
read -r rw rmax <<<"$(awk '{ r[NR] = $2 } END { w = int(NR / 4) + 1; m = 0; for (k = w; k <= NR; k++) if (r[k] > m) m = r[k]; print r[w] + 0, m + 0 }' "$TMP/samples")"
check "intel strict: RSS after the first quarter $rw kB, at most $rmax kB later (within 1024 kB)" \
	[ "$rw" -gt 0 -a $((rmax - rw)) -le 1024 ]
read -r c1 c3 <<<"$(awk '{ t[NR] = $1; c[NR] = $3 } END { a = int(NR / 3); if (a < 1) a = 1; b = NR - a; if (b < 1) b = 1; d1 = t[a+1] - t[1]; d3 = t[NR] - t[b]; r1 = (c[a+1] - c[1]) / (d1 > 0 ? d1 : 1); r3 = (c[NR] - c[b]) / (d3 > 0 ? d3 : 1); printf "%.1f %.1f\n", r1, r3 }' "$TMP/samples")"
check "intel strict: CPU per second in the last third $c3 ticks, at most 2 x the first third's $c1 + 2" \
	awk -v a="$c1" -v b="$c3" 'BEGIN { exit !(b <= 2 * a + 2) }'
check "intel strict: no kernel warning ($(grep -c '^warning=' $F)$(grep -m1 '^warning=' $F | cut -c1-120 | sed 's/^/: /'))" \
	[ "$(grep -c '^warning=' $F)" = 0 ]
done_testing
