# Both tools on a kernel without the series (the pristine kernel of 7.2,
# Debian's stock kernel on 6.12, where nothing else needs a pristine build):
# the collector falls back to the drivers' callbacks (issue 9) and the tools
# say so: the source in iommu-flushtop's header and JSON and in
# iommu-flushhist's dump; a figure that source cannot measure (forced syncs,
# range-adds) as "-" and null, never 0; consumers from the stacks of the
# domains' first callbacks; what needs the series (a grouping by caller)
# flagged in one line.  The
# figures themselves are checked against ftrace in tests/vm/fallback.t.
source "$(dirname "$0")/../lib/test.sh"
make -s -C "$TOP" build >&2 || { notok "building the tools"; exit 1; }
res="$TMP/res"; mkdir -p "$res"
cd "$TOP"
kernel=--pristine
[ "$BASE" = v7.2 ] || kernel=--stock
if ! vm "$TMP/facts" $kernel --iommu intel --strict --results "$res" -- tests/guest/tools-fallback.sh; then
	notok "the VM run failed ($(vm_why "$TMP/facts"))"; exit 0
fi
cat "$TMP/facts" "$res"/*.err
check "iommu-flushtop runs on the fallback (exit $(fact top_rc "$TMP/facts"))" [ "$(fact top_rc "$TMP/facts")" = 0 ]
check "its header names the fallback source: $(grep -m1 -o 'events: [^(]*' "$res/top.txt")" \
	grep -q 'events: fallback' "$res/top.txt"
# the summary's rows: the intel-iommu row of the dd has syncs, each of
# strict mode's covering 1 unmap; FORCED% is "-"
row=$(sed -n '/^== summary/,$p' "$res/top.txt" | grep -m1 '^intel-iommu ')
check "a strict intel-iommu row with syncs of 1 unmap each, forced syncs '-' (not 0): $row" \
	bash -c 'set -- $1; [ "$5" != 0.0 ] && [ "$7" = 1.0 ] && [ "$9" = - ]' _ "$row"
check "JSON frames: source \"fallback\", forced_sync_pct null, never 0" \
	python3 -c '
import json, sys
fr = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
src = {json.dumps(f).count("\"source\": \"fallback\"") > 0 for f in fr}
rows = [r for f in fr for r in f.get("rows", [])]
ok = all(src) and len(fr) == 5 and rows and all(r.get("forced_sync_pct") is None for r in rows)
sys.exit(0 if ok else 1)' "$res/top.json"
# The consumer comes from the stack of each domain's first callback: the
# only DMA here is dd's, through the DMA API.
check "--consumer dma-iommu on the fallback: exit $(fact cons_rc "$TMP/facts") (want 0), rows, every one dma-iommu's: $(python3 -c 'import json,sys; print(sorted({r["consumer"] for l in open(sys.argv[1]) if l.strip() for r in json.loads(l)["rows"]}))' "$res/cons.json" 2>&1)" \
	python3 -c '
import json, sys
fr = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
rows = [r for f in fr for r in f["rows"]]
sys.exit(0 if sys.argv[2] == "0" and len(fr) == 3 and rows and all(r["consumer"] == "dma-iommu" for r in rows) else 1)' "$res/cons.json" "$(fact cons_rc "$TMP/facts")"
check "iommu-flushhist records on the fallback (exit $(fact hist_rc "$TMP/facts")), its dump names the source" \
	bash -c '[ "$1" = 0 ] && python3 -c "import json,sys; sys.exit(json.load(open(sys.argv[1]))[\"meta\"][\"source\"] != \"fallback\")" "$2"' \
	_ "$(fact hist_rc "$TMP/facts")" "$res/hist.json"
for t in top hist; do
	check "--source tracepoints on a kernel without the series: iommu-flush$t exits $(fact src_${t}_rc "$TMP/facts") (want 1), one line naming the series, nothing on stdout: $(cat "$res/src-$t.err")" \
		bash -c '[ "$1" = 1 ] && [ "$(wc -l <"$2")" = 1 ] && grep -q "lacks the IOMMU flush tracepoint series" "$2" && [ ! -s "$3" ]' \
		_ "$(fact src_${t}_rc "$TMP/facts")" "$res/src-$t.err" "$res/src-$t.txt"
done
# (dd's own lines share that stderr)
check "iommu-flushhist -g driver,consumer,caller on the fallback says in one line that the caller needs the series: $(grep '^iommu-flushhist:' "$res/hist.err")" \
	bash -c '[ "$(grep -c "^iommu-flushhist:" "$1")" = 1 ] && grep -q "caller needs the IOMMU flush tracepoint series" "$1"' _ "$res/hist.err"
check "its dump's intel-iommu rows are dma-iommu's, not unknown: $(python3 -c 'import json,sys; print(sorted({(r.get("driver"), r.get("consumer")) for r in json.load(open(sys.argv[1]))["rows"]}))' "$res/hist.json" 2>&1)" \
	python3 -c '
import json, sys
rows = [r for r in json.load(open(sys.argv[1]))["rows"] if r.get("driver") == "intel-iommu"]
sys.exit(0 if rows and all(r.get("consumer") == "dma-iommu" for r in rows) else 1)' "$res/hist.json"
done_testing
