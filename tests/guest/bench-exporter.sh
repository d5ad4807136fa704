#!/bin/bash
# Runs in the test VM (scripts/bench-exporter-vm): iommu-flush-exporter at
# its default interval and node_exporter with its default collectors, side
# by side, both scraped by Prometheus every 15 s while CMD runs in a loop.
# After both have been scraped, each one's CPU time (utime + stime) and RSS
# over SECONDS.  Prints KEY=VALUE facts: window_s, and for exp_ (the
# exporter) and ne_ (node_exporter): cpu_ms, rss_kb, hwm_kb, scrapes,
# scrape_ms (Prometheus' mean scrape_duration_seconds), bytes (a scrape's
# size); unmaps (what the exporter counted over the window).
# usage: bench-exporter.sh SECONDS CMD...
set -u
secs=$1; shift
tool=$PWD/.output/bin/iommu-flush-exporter
source "$(dirname "$0")/../lib/prometheus.sh"

"$tool" -l 127.0.0.1:0 2>/tmp/exp.err &
ex=$!
for i in $(seq 600); do grep -q 'serving http' /tmp/exp.err && break; sleep 0.1; done
port=$(sed -n 's#.*serving http://127.0.0.1:\([0-9]*\)/metrics.*#\1#p' /tmp/exp.err)
[ -n "$port" ] || { cat /tmp/exp.err >&2; exit 1; }
( while [ ! -e /tmp/stop ]; do "$@" >/dev/null 2>&1; done ) &
wl=$!
mkdir -p /tmp/tf /tmp/prom
PROM_INTERVAL=15s NE_ALL=1 prom_start "$port" /tmp/tf /tmp/prom
prom_wait_up 120 || { echo "bench-exporter: Prometheus did not scrape both" >&2; exit 1; }

# utime + stime, in ms (fields 14 and 15, counted after the ")" of comm)
cpu() { sed 's/.*) //' "/proc/$1/stat" | awk -v hz="$(getconf CLK_TCK)" '{ print int(($12 + $13) * 1000 / hz) }'; }
kb() { awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status"; }
unmaps() { curl -s -m 10 "http://127.0.0.1:$port/metrics" | awk '/^iommu_unmaps_total\{/ { s += $NF } END { print s + 0 }'; }
e0=$(cpu $ex) n0=$(cpu $PROM_NE_PID) u0=$(unmaps) t0=$(date +%s%N)
sleep "$secs"
e1=$(cpu $ex) n1=$(cpu $PROM_NE_PID) u1=$(unmaps) t1=$(date +%s%N)
w=$(( (t1 - t0) / 1000000000 ))
echo "window_s=$w"
echo "exp_cpu_ms=$((e1 - e0))"
echo "ne_cpu_ms=$((n1 - n0))"
echo "exp_rss_kb=$(kb $ex VmRSS)"
echo "exp_hwm_kb=$(kb $ex VmHWM)"
echo "ne_rss_kb=$(kb $PROM_NE_PID VmRSS)"
echo "ne_hwm_kb=$(kb $PROM_NE_PID VmHWM)"
echo "unmaps=$((u1 - u0))"
for j in direct:exp textfile:ne; do
	echo "${j#*:}_scrapes=$(q "count_over_time(up{job=\"${j%%:*}\"}[${w}s])")"
	echo "${j#*:}_scrape_ms=$(q "avg_over_time(scrape_duration_seconds{job=\"${j%%:*}\"}[${w}s]) * 1000")"
done
echo "exp_bytes=$(curl -s -m 10 "http://127.0.0.1:$port/metrics" | wc -c)"
echo "ne_bytes=$(curl -s -m 10 "http://127.0.0.1:$PROM_NE_PORT/metrics" | wc -c)"
touch /tmp/stop
wait $wl
prom_stop
kill -TERM $ex; wait $ex
