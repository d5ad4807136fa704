# A week in an hour, bounded (issue 19; `make soak` runs LONG_RUN_SECONDS=3600):
# iommu-flushtop --json -i 1 through a mixed workload (tests/guest/long-run.sh:
# NVMe readers on every vCPU, VFIO and iommufd domains created and freed),
# intel-iommu lazy.  Against the workload's known sizes and the guest's own
# clock:
# - frames on schedule: each frame's window starts where the last one
#   ended, and frame k ends within one interval of k intervals after the
#   first (no drift beyond one interval);
# - no count lost or counted twice between frames: summed over the frames,
#   dma-iommu's bytes on the NVMe are exactly the readers' whole reads of
#   4 MiB, and vfio's and iommufd's their programs';
# - RSS within 1 MiB after the first quarter, CPU per second in the last
#   third at most twice the first third's plus 2 ticks; no kernel warning.
source "$(dirname "$0")/../lib/test.sh"
has_series || skip_rest "$BASE has no series"
# one base in make check (the newest); every base when asked for a duration
[ -n "${LONG_RUN_SECONDS:-}" ] || [ "$BASE" = "$(cd "$TOP/kernel-patches" && ls -d v* | sort -rV | head -n1)" ] ||
	skip_rest "make check runs the long run on the newest base only"
make -s -C "$TOP" build >&2 || { notok "building the tools"; exit 1; }
tools=$("$TOP/scripts/build-guest-tools" "$BASE") || { notok "building guest tools"; exit 1; }
frames="$TOP/.output/tests/json-frames"
S=${LONG_RUN_SECONDS:-45}
res="$TMP/res"
mkdir -p "$res"
if ! vm "$TMP/facts" --iommu intel --timeout $((300 + 2 * S)) --results "$res" -- tests/guest/long-run.sh "$tools" $S; then
	notok "the guest did not finish ($(vm_why "$TMP/facts"))"
	done_testing; exit 0
fi
F=$TMP/facts
grep -v '^sample=' "$F"
check "iommu-flushtop exits 0 on SIGINT ($(fact tool_status $F); stderr: $(head -c 200 "$res/long.err"))" [ "$(fact tool_status $F)" = 0 ]
"$frames" <"$res/long.json" >"$TMP/frames" || notok "the frames do not parse"
nf=$(fact frames "$TMP/frames")
# frame K's window: K START END
sed -n 's/^f\([0-9]*\)_start=/\1 /p' "$TMP/frames" >"$TMP/starts"
sed -n 's/^f\([0-9]*\)_end=/\1 /p' "$TMP/frames" >"$TMP/ends"
read -r gaps drift <<<"$(join "$TMP/starts" "$TMP/ends" | sort -n | awk '
	NR == 1 { e1 = $3 } NR > 1 && $2 != pe { g++ }
	NR > 1 { d = ($3 - e1) - (NR - 1) * 1e9; if (d < 0) d = -d; if (d > m) m = d }
	{ pe = $3 } END { printf "%d %d\n", g, m / 1e6 }')"
check "$nf frames for $S s: each window starts where the last ended ($gaps gaps), frame k ends within one interval of k s after the first (largest drift $drift ms)" \
	[ "$nf" -ge $((S / 2)) -a "$gaps" = 0 -a "$drift" -le 1000 ]
sum() {   # CONSUMER DEVICE COUNT: over the frames' rows (driver|consumer|device|...)
	awk -F'|' -v c="$1" -v d="$2" -v k="$3" '/^f[0-9]+_row=/ && $2 == c && (d == "" || $3 == d) { for (i = 4; i <= NF; i++) if (split($i, kv, "=") == 2 && kv[1] == k) s += kv[2] } END { printf "%d\n", s }' "$TMP/frames"
}
# every consumer's sums, for the record
echo "# per consumer over the frames (map_bytes unmap_bytes): $(awk -F'|' '/^f[0-9]+_row=/ { for (i = 4; i <= NF; i++) { split($i, kv, "="); if (kv[1] == "map_bytes") m[$2] += kv[2]; if (kv[1] == "unmap_bytes") u[$2] += kv[2] } } END { for (c in m) printf "%s %d %d; ", c, m[c], u[c] }' "$TMP/frames")"
# The rows are per driver and consumer (the default): the NVMe is the one
# device dma-iommu serves here (the e1000e is vfio-pci's, 9p is not behind
# the IOMMU), so dma-iommu's bytes are the readers'.
reads=$(fact reads $F) nvme=$(fact nvme_bdf $F)
want=$((reads * 4194304))
# The kernel skips a BPF program's run nested in another run of it on the
# same CPU (recursion protection, counted per program): blk-mq can dispatch
# a queued request from the NVMe's completion interrupt, whose maps then
# nest in the task's map program.  The bytes are exact where no run was
# skipped, else short by at most the skipped runs' 64 KiB requests.
# (the completion interrupt's unmaps can nest in a task's unmap program too)
within() {   # GOT WANT SKIPPED: exact if none skipped, else short by at most 64 KiB each
	[ "$1" = "$2" -a "$3" = 0 ] || [ "$3" -gt 0 -a "$1" -lt "$2" -a $(( $2 - $1 )) -le $(( $3 * 65536 )) ]
}
for k in map unmap; do
	got=$(sum dma-iommu "" ${k}_bytes) miss=$(fact misses_tp2_$k $F)
	miss=${miss:-0}
	check "dma-iommu (the NVMe $nvme): ${k}ped $got B over $nf frames: the readers' $reads reads of 4 MiB ($want B) exactly where the kernel skipped no $k program run ($miss skipped), else short by at most 64 KiB a skipped run ($((want - got)) B short)" \
		within "$got" "$want" "$miss"
done
for c in vfio iommufd; do
	n=$(fact ${c}_cycles $F) w=$(( $(fact ${c}_cycles $F) * (16384 + $(probe_bytes "$BASE" $c)) ))
	check "$c: mapped $(sum $c "" map_bytes) B and unmapped $(sum $c "" unmap_bytes) B, its $n programs' $w" \
		[ "$(sum $c "" map_bytes)" = $w -a "$(sum $c "" unmap_bytes)" = $w -a "$n" -ge 1 -a "$(fact failed $F)" = 0 ]
done
grep '^sample=' "$F" | sed 's/^sample=//' | awk '$2 > 0 && $3 > 0' >"$TMP/samples"
read -r rw rmax <<<"$(awk '{ r[NR] = $2 } END { w = int(NR / 4) + 1; m = 0; for (k = w; k <= NR; k++) if (r[k] > m) m = r[k]; print r[w] + 0, m + 0 }' "$TMP/samples")"
check "RSS after the first quarter $rw kB, at most $rmax kB later (within 1024 kB; $(wc -l <"$TMP/samples") samples)" \
	[ "$rw" -gt 0 -a $((rmax - rw)) -le 1024 ]
read -r c1 c3 <<<"$(awk '{ t[NR] = $1; c[NR] = $3 } END { a = int(NR / 3); if (a < 1) a = 1; b = NR - a; if (b < 1) b = 1; d1 = t[a+1] - t[1]; d3 = t[NR] - t[b]; printf "%.1f %.1f\n", (c[a+1] - c[1]) / (d1 > 0 ? d1 : 1), (c[NR] - c[b]) / (d3 > 0 ? d3 : 1) }' "$TMP/samples")"
check "CPU per second in the last third $c3 ticks, at most 2 x the first third's $c1 + 2" \
	awk -v a="$c1" -v b="$c3" 'BEGIN { exit !(b <= 2 * a + 2) }'
check "no kernel warning ($(grep -c '^warning=' $F)$(grep -m1 '^warning=' $F | cut -c1-120 | sed 's/^/: /'))" [ "$(grep -c '^warning=' $F)" = 0 ]
done_testing
