# iommu-flush-exporter's output and HTTP side on the host, where no event
# source exists (the VM tests run the exporter itself under a workload):
# the text of both formats as promtool and a real Prometheus read it, the
# node_exporter textfile path, and the server against what a fleet throws
# at it: content negotiation, HEAD, wrong paths and methods, malformed and
# oversized requests, idle connections held open, 100 concurrent scrapes.
# The server runs in tests/unit/metrics-fixture (serve.c, metrics.c and the
# textfile writer on made-up figures of known totals), built with ASan and
# UBSan: any report fails the test.
source "$(dirname "$0")/../lib/test.sh"
source "$(dirname "$0")/../lib/prometheus.sh"
cd "$TOP"
make -s build sanitize >&2 || { notok "make build sanitize failed"; exit 1; }
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
exp=.output/bin/iommu-flush-exporter

# ---- bad input: one line, non-zero, before anything is attached -------------
bad() {   # bad NAME WANT-STATUS ARGS...
	local name=$1 want=$2; shift 2
	local rc=0
	timeout 20 $exp "$@" >"$TMP/out" 2>"$TMP/err" || rc=$?
	check "$name: exit $rc, \"$(head -c 140 "$TMP/err")\"" \
		bash -c '[ "$1" = "$2" ] && [ "$(wc -l <"$3")" = 1 ] && [ ! -s "$4" ] && grep -q "^iommu-flush-exporter: " "$3"' \
		_ "$rc" "$want" "$TMP/err" "$TMP/out"
}
bad "-l without a port" 2 -l 127.0.0.1
bad "-l a host name" 2 -l localhost:9877
bad "-l port 65536" 2 -l 127.0.0.1:65536
bad "-l [::1 unclosed" 2 -l '[::1:9877'
bad "-i 0" 2 -i 0
bad "-i abc" 2 -i abc
bad "--max-series 0" 2 --max-series 0
bad "--source bogus" 2 --source bogus
bad "an argument" 2 foo
bad "--textfile a missing directory" 1 --textfile "$TMP/missing"
touch "$TMP/plain"
bad "--textfile a file" 1 --textfile "$TMP/plain"
# this host has no IOMMU events the exporter could attach to
bad "no event source here" 1 -l 127.0.0.1:0 -d 1

# ---- the text: promtool's linter, sample by sample in test-metrics ------------
mkdir -p "$TMP/text"
.output/tests/test-metrics "$TMP/text" >"$TMP/tm" 2>&1
rc=0; promtool check metrics <"$TMP/text/prom.txt" >"$TMP/lint" 2>&1 || rc=$?
check "promtool check metrics: the Prometheus text of test-metrics lints clean (exit $rc, $(grep -c . "$TMP/text/prom.txt") lines${rc:+: $(head -c 200 "$TMP/lint")})" \
	bash -c '[ "$1" = 0 ] && [ ! -s "$2" ]' _ "$rc" "$TMP/lint"

# ---- the server ---------------------------------------------------------------
mkdir -p "$TMP/tf"
STEPS=5
.output/san/tests/metrics-fixture 127.0.0.1:0 "$TMP/tf" $STEPS 300 >"$TMP/fx.out" 2>"$TMP/fx.err" &
fx=$!
for i in $(seq 100); do grep -q frozen "$TMP/fx.out" && break; sleep 0.1; done
port=$(sed -n 's/^port //p' "$TMP/fx.out")
check "the fixture listens (port $port) and adds its $STEPS steps" grep -q frozen "$TMP/fx.out"
url=http://127.0.0.1:$port
om_accept='application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1'

ctype() { curl -s -o /dev/null -w '%{content_type}' "$@"; }
check "no Accept: Prometheus text ($(ctype $url/metrics))" \
	[ "$(ctype $url/metrics)" = "text/plain; version=0.0.4; charset=utf-8" ]
check "Prometheus 2.42's Accept: OpenMetrics ($(ctype -H "Accept: $om_accept" $url/metrics))" \
	[ "$(ctype -H "Accept: $om_accept" $url/metrics)" = "application/openmetrics-text; version=1.0.0; charset=utf-8" ]
curl -s $url/metrics >"$TMP/m.prom"
curl -s -H "Accept: $om_accept" $url/metrics >"$TMP/m.om"
check "the Prometheus text served is the textfile written ($(wc -c <"$TMP/m.prom") bytes)" \
	cmp -s "$TMP/m.prom" "$TMP/tf/iommu_flush.prom"
check "the totals are the fixture's: $STEPS x 10 maps" \
	grep -qx "iommu_maps_total{driver=\"intel-iommu\",consumer=\"dma-iommu\",device=\"0000:00:04.0\"} $((STEPS * 10))" "$TMP/m.prom"
check "the OpenMetrics text ends with # EOF" bash -c '[ "$(tail -n1 "$1")" = "# EOF" ]' _ "$TMP/m.om"
rc=0; promtool check metrics <"$TMP/m.prom" >"$TMP/lint" 2>&1 || rc=$?
check "promtool check metrics on a scrape: clean (exit $rc)" bash -c '[ "$1" = 0 ] && [ ! -s "$2" ]' _ "$rc" "$TMP/lint"
hdr=$(curl -sI $url/metrics | tr -d '\r')
len=$(sed -n 's/^Content-Length: //Ip' <<<"$hdr")
check "HEAD: 200, the GET's length ($len), no body" \
	bash -c 'grep -q "^HTTP/1.1 200" <<<"$1" && [ "$2" = "$(wc -c <"$3")" ] && [ -z "$(curl -s --head "$4" | sed -n "/^\r$/,\$p" | tail -n +2)" ]' \
	_ "$hdr" "$len" "$TMP/m.prom" "$url/metrics"
code() { curl -s -o /dev/null -w '%{http_code}' "$@"; }
check "/ is an index page (200), /nope 404, /metrics?x=1 200" \
	[ "$(code $url/)" = 200 -a "$(code $url/nope)" = 404 -a "$(code "$url/metrics?x=1")" = 200 ]
check "POST and DELETE: 405 with Allow: GET, HEAD" \
	bash -c '[ "$(curl -s -o /dev/null -w "%{http_code}" -X POST -d x=1 "$1/metrics")" = 405 ] &&
		[ "$(curl -s -o /dev/null -w "%{http_code}" -X DELETE "$1/metrics")" = 405 ] &&
		curl -si -X POST "$1/metrics" | tr -d "\r" | grep -qx "Allow: GET, HEAD"' _ "$url"

# raw requests: REQ is sent as is, the status line read back (5 s at most)
raw() {   # raw REQUEST-BYTES -> the first line answered
	timeout 5 bash -c 'exec 3<>/dev/tcp/127.0.0.1/$1; printf "%b" "$2" >&3; head -n1 <&3 | tr -d "\r"' _ "$port" "$1" || true
}
t0=$(date +%s%N); r=$(raw 'GARBAGE\r\n\r\n'); ms=$(( ($(date +%s%N) - t0) / 1000000 ))
check "a malformed request line: 400, or closed at once (${r:-closed} after $ms ms; libmicrohttpd closes)" \
	bash -c 'grep -q "^HTTP/1.[01] 400" <<<"$1" || { [ -z "$1" ] && [ "$2" -lt 4000 ]; }' _ "$r" "$ms"
r=$(raw 'GET /metrics HTTP/9.9\r\n\r\n'); check "an unknown HTTP version: refused with 505 or 400 ($r)" grep -qE "^HTTP/1.[01] (400|505)" <<<"$r"
big=$(head -c 40000 /dev/zero | tr '\0' a)
r=$(raw "GET /metrics HTTP/1.1\r\nHost: x\r\nX-Big: $big\r\n\r\n")
check "a 40 KB header: refused with a 4xx (${r:-connection closed})" bash -c '[ -z "$1" ] || grep -qE "^HTTP/1.[01] 4[0-9][0-9]" <<<"$1"' _ "$r"
check "and the server still serves" [ "$(code $url/metrics)" = 200 ]

# idle connections (a stalled scraper, a port scan): 50 held open, sending
# nothing, while 100 scrapes run at once; every one is the whole text
for i in $(seq 50); do
	( exec 3<>/dev/tcp/127.0.0.1/$port; sleep 8 ) 2>/dev/null &
	idle="$idle $!"
done
sleep 0.5
t0=$(date +%s%N)
for i in $(seq 100); do
	curl -s -m 20 -o "$TMP/c.$i" -w '%{http_code}\n' $url/metrics >"$TMP/c.$i.code" &
	pids="$pids $!"
done
wait $pids
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
good=0
for i in $(seq 100); do
	[ "$(cat "$TMP/c.$i.code")" = 200 ] && cmp -s "$TMP/c.$i" "$TMP/m.prom" && good=$((good + 1))
done
check "100 concurrent scrapes beside 50 idle connections: $good whole and identical, in $ms ms" [ $good = 100 ]
kill $idle 2>/dev/null; wait $idle 2>/dev/null

# ---- Prometheus and node_exporter ----------------------------------------------
prom_start "$port" "$TMP/tf" "$TMP"
prom_wait_up 60
up=$(q 'count(up == 1)')
check "Prometheus scrapes the server (OpenMetrics, as it negotiates) and node_exporter's textfile: $up of 2 targets up" [ "$up" = 2 ]
for job in direct textfile; do
	v=$(q "iommu_maps_total{job=\"$job\",driver=\"intel-iommu\"}")
	check "$job: iommu_maps_total as Prometheus stored it is the fixture's $((STEPS * 10)) (got ${v:-none})" [ "$v" = $((STEPS * 10)) ]
	v=$(q "iommu_mapped_bytes_total{job=\"$job\",driver=\"virtio-iommu\",consumer=\"vfio\"}")
	check "$job: 2 MiB maps, bytes $((STEPS * 2097152)) (got ${v:-none})" [ "$v" = $((STEPS * 2097152)) ]
	v=$(q "histogram_quantile(0.5, iommu_map_size_bytes_bucket{job=\"$job\",driver=\"intel-iommu\"})")
	check "$job: histogram_quantile(0.5) of 4096-byte maps lies in their bucket (4095, 8191] (got ${v:-none})" \
		awk -v v="$v" 'BEGIN { exit !(v != "" && v > 4095 && v <= 8191) }'
	# one driver's: the virtio series has no syncs, and the quantile of an empty histogram is NaN
	v=$(q "histogram_quantile(0.9, iommu_iotlb_sync_duration_seconds_bucket{job=\"$job\",driver=\"intel-iommu\"})")
	check "$job: histogram_quantile(0.9) of 1500 ns syncs lies in (1023, 2047] ns (got ${v:-none} s)" \
		awk -v v="$v" 'BEGIN { exit !(v != "" && v > 1023e-9 && v <= 2047e-9) }'
	v=$(q "iommu_iotlb_sync_seconds_total{job=\"$job\",driver=\"intel-iommu\"}")
	check "$job: sync time, exact seconds: $STEPS x 3000 ns (got ${v:-none})" \
		awk -v v="$v" -v w=$((STEPS * 3000)) 'BEGIN { exit !(v != "" && v * 1e9 > w - 0.5 && v * 1e9 < w + 0.5) }'
done
check "Prometheus logged no scrape error" bash -c '! grep -qiE "append failed|invalid|parse error|scrape.*error" "$1"' _ "$PROM_LOG"
prom_stop

# ---- the fixture's end: clean under the sanitizers ------------------------------
kill -TERM $fx; rc=0; wait $fx || rc=$?
cat "$TMP/fx.err" >&2
rep=$(grep -m1 -E 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$TMP/fx.err")
check "the server stops on SIGTERM: exit $rc, no sanitizer report${rep:+ ($rep)}" [ $rc = 0 -a -z "$rep" ]
done_testing
