# Debian's Prometheus and node_exporter around an exporter under test
# (sourced by tests/host/exporter.t and tests/guest/exporter-scrape.sh):
# prom_start PORT TFDIR WORKDIR starts node_exporter's textfile collector
# on TFDIR and a Prometheus scraping every second both the exporter on
# 127.0.0.1:PORT (job "direct") and node_exporter (job "textfile"), its
# files in WORKDIR; q PROMQL [TIME] asks it; prom_wait_up waits until both
# targets are up and scraped twice; prom_stop ends both.  PROM_LOG is
# Prometheus' log, PROM_NE_PID and PROM_NE_PORT node_exporter's.  PROM_INTERVAL
# (default 1s) sets the scrape interval; NE_ALL=1 runs node_exporter with
# its default collectors too, as a fleet does (scripts/bench-exporter-vm).

freeport() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

prom_start() {   # prom_start PORT TFDIR WORKDIR
	local port=$1 tf=$2 w=$3 nport
	PROM_PORT=$(freeport) nport=$(freeport) PROM_LOG=$w/prom.log
	local iv=${PROM_INTERVAL:-1s} ne=(--collector.disable-defaults)
	[ "${NE_ALL:-0}" = 1 ] && ne=()
	cat >"$w/prom.yml" <<YML
global: { scrape_interval: $iv, scrape_timeout: $iv }
scrape_configs:
  - job_name: direct
    static_configs: [ { targets: ["127.0.0.1:$port"] } ]
  - job_name: textfile
    static_configs: [ { targets: ["127.0.0.1:$nport"] } ]
YML
	prometheus-node-exporter "${ne[@]}" --collector.textfile \
		--collector.textfile.directory="$tf" --web.listen-address=127.0.0.1:$nport >"$w/ne.log" 2>&1 &
	PROM_NE_PID=$! PROM_NE_PORT=$nport PROM_PIDS=$!
	prometheus --config.file="$w/prom.yml" --storage.tsdb.path="$w/tsdb" \
		--web.listen-address=127.0.0.1:$PROM_PORT >"$PROM_LOG" 2>&1 &
	PROM_PIDS+=" $!"
}

q() {   # q PROMQL [TIME]: the first result's value, or nothing
	curl -s -m 20 --data-urlencode "query=$1" ${2:+--data-urlencode "time=$2"} \
		"http://127.0.0.1:$PROM_PORT/api/v1/query" | python3 -c 'import json,sys
try:
    r = json.load(sys.stdin)["data"]["result"]
    print(r[0]["value"][1] if r else "")
except Exception:
    print("")'
}

prom_wait_up() {   # prom_wait_up SECONDS
	local i
	for i in $(seq "$1"); do
		[ "$(q 'count(up{job=~"direct|textfile"} == 1)')" = 2 ] &&
			[ "$(q 'min(count_over_time(up[1m]))')" -ge 2 ] 2>/dev/null && return 0
		sleep 1
	done
	return 1
}

prom_stop() {
	# shellcheck disable=SC2086
	kill $PROM_PIDS 2>/dev/null
	wait $PROM_PIDS 2>/dev/null
}
