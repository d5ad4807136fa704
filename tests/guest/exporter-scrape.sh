#!/bin/bash
# Runs in the test VM, in the project tree: iommu-flush-exporter serving
# /metrics and writing its textfile every 0.5 s while CMD runs under ftrace
# (tests/guest/trace-iommu.sh: its facts on stdout, its trace in
# trace.txt), scraped before and after, by a loop of scrapers in both
# formats throughout, and by Prometheus every second, directly and through
# node_exporter's textfile collector (tests/lib/prometheus.sh; prom_JOB_METRIC=: the stored values'
# difference over the window; prom_JOB_*_p50=: histogram_quantile of it); then a least-privilege run as nobody with CAP_BPF,
# CAP_PERFMON and CAP_SYSLOG only, and one with none of them.
# Leaves in $VM_RESULTS: before.prom, after.prom, after.om, textfile.prom,
# nobody.prom, exporter.err, nobody.err, nocaps.err (with $EXPORTER_VFIO:
# vfio-before/after/later.prom, vfio/trace.txt); prints port=,
# trace_rc=, hammer_scrapes=, hammer_bad=, exporter_rc=, nobody_rc=,
# nobody_maps=, nocaps_rc=, default_listen=, textfile_only_listen=,
# textfile_only_written=, vfio_rc=, vfio_bdf= and trace-iommu's facts.
set -u
tool=$PWD/.output/bin/iommu-flush-exporter
R=$VM_RESULTS
TF=/tmp/exporter-tf   # local: a 9p share races rename() against readers
mkdir -p "$TF"

# serving: the port from the exporter's "serving http://ADDR:PORT/metrics" line
serving() {   # serving ERRFILE PID
	local i
	for i in $(seq 600); do
		grep -q 'serving http' "$1" && break
		kill -0 "$2" 2>/dev/null || break
		sleep 0.1
	done
	sed -n 's#.*serving http://127.0.0.1:\([0-9]*\)/metrics.*#\1#p' "$1"
}
stamp() { curl -s -m 10 "http://127.0.0.1:$1/metrics" | sed -n 's/^iommu_exporter_last_update_timestamp_seconds //p'; }
# wait for N more updates (at most 30 s)
updates() {   # updates PORT N
	local s t n=0 i
	s=$(stamp "$1")
	for i in $(seq 150); do
		[ $n -ge "$2" ] && return 0
		sleep 0.2
		t=$(stamp "$1")
		[ -n "$t" ] && [ "$t" != "$s" ] && { n=$((n + 1)); s=$t; }
	done
	return 1
}

"$tool" -l 127.0.0.1:0 --textfile "$TF" -i 0.5 2>"$R/exporter.err" &
pid=$!
port=$(serving "$R/exporter.err" $pid)
echo "port=$port"
[ -n "$port" ] || { cat "$R/exporter.err" >&2; exit 1; }
updates "$port" 2

# Prometheus (Debian's) scraping the exporter every second, and
# node_exporter's textfile collector reading what it writes
source "$(dirname "$0")/../lib/prometheus.sh"
mkdir -p /tmp/prom
prom_start "$port" "$TF" /tmp/prom
prom_wait_up 120
echo "prom_up=$(q 'count(up == 1)')"
sleep 2
t0=$(date +%s.%N)
curl -s -m 10 "http://127.0.0.1:$port/metrics" >"$R/before.prom"

# scrapers throughout the workload, both formats, each answer checked whole
(
	n=0 bad=0
	while [ ! -e "$R/.stop" ]; do
		for a in 'text/plain' 'application/openmetrics-text'; do
			out=$(curl -s -m 10 -H "Accept: $a" "http://127.0.0.1:$port/metrics") || bad=$((bad + 1))
			case $a:$out in
			application/*:*"# EOF") ;;
			text/*:*iommu_exporter_series*) ;;
			*) bad=$((bad + 1)) ;;
			esac
			n=$((n + 1))
		done
	done
	echo "hammer_scrapes=$n hammer_bad=$bad" >"$R/hammer"
) &
hammer=$!
rc=0
tests/guest/trace-iommu.sh "$@" >"$R/trace-facts" || rc=$?
echo "trace_rc=$rc"
touch "$R/.stop"
wait $hammer
tr ' ' '\n' <"$R/hammer"
updates "$port" 2
curl -s -m 10 "http://127.0.0.1:$port/metrics" >"$R/after.prom"
curl -s -m 10 -H 'Accept: application/openmetrics-text' "http://127.0.0.1:$port/metrics" >"$R/after.om"
cp "$TF/iommu_flush.prom" "$R/textfile.prom"
# Prometheus' view of the same window: the difference of each metric's
# stored value at t1 and at t0 (both idle moments, the workload between).
# Not increase(): it extrapolates to the window's edges.
sleep 2
t1=$(date +%s.%N)
sleep 3
for job in direct textfile; do
	for m in maps unmaps iotlb_syncs iotlb_flush_alls dma_fq_flushes mapped_bytes unmapped_bytes; do
		sel="iommu_${m}_total{job=\"$job\"}"
		# no series before the first event: absent at t0 counts as 0
		echo "prom_${job}_$m=$(q "sum($sel @ $t1) - (sum($sel @ $t0) or vector(0))" "$t1")"
	done
	b="iommu_unmap_size_bytes_bucket{job=\"$job\"}"
	echo "prom_${job}_unmap_size_p50=$(q "histogram_quantile(0.5, (sum by (le) ($b @ $t1) - sum by (le) ($b @ $t0)) or sum by (le) ($b @ $t1))" "$t1")"
	b="iommu_iotlb_sync_duration_seconds_bucket{job=\"$job\"}"
	echo "prom_${job}_sync_p50=$(q "histogram_quantile(0.5, (sum by (le) ($b @ $t1) - sum by (le) ($b @ $t0)) or sum by (le) ($b @ $t1))" "$t1")"
done
echo "prom_scrape_errors=$(grep -ciE 'append failed|invalid|parse error' "$PROM_LOG")"
prom_stop

# A domain that disappears: with $EXPORTER_VFIO (the guest tools'
# directory), VFIO takes the e1000e (vfio-pci), maps 8 chunks of 64 KiB
# into a domain of its own under ftrace (trace in $R/vfio/), unmaps them and
# closes it, which frees the domain; scraped before, after and later.
if [ -n "${EXPORTER_VFIO:-}" ]; then
	curl -s -m 10 "http://127.0.0.1:$port/metrics" >"$R/vfio-before.prom"
	mkdir -p "$R/vfio"
	rc=0
	VM_RESULTS=$R/vfio tests/guest/trace-iommu.sh bash -c \
		'b=$(scripts/guest/bind-nic.sh vfio-pci) && echo "vfio_bdf=$b" && "$1/vfio-map" "$b" 8 65536 65536' \
		_ "$EXPORTER_VFIO" >"$R/vfio/facts" 2>&1 || rc=$?
	echo "vfio_rc=$rc"
	sed -n 's/^vfio_bdf=/vfio_bdf=/p' "$R/vfio/facts"
	updates "$port" 2
	curl -s -m 10 "http://127.0.0.1:$port/metrics" >"$R/vfio-after.prom"
	updates "$port" 3
	curl -s -m 10 "http://127.0.0.1:$port/metrics" >"$R/vfio-later.prom"
fi
kill -TERM $pid
rc=0; wait $pid || rc=$?
echo "exporter_rc=$rc"
cat "$R/trace-facts"

# Least privilege: nobody, the three capabilities in its ambient set and
# nothing else in its bounding set.  The workload runs as root beside it.
caps=+bpf,+perfmon,+syslog
setpriv --reuid=nobody --regid=nogroup --clear-groups --inh-caps=-all,$caps --ambient-caps=-all,$caps \
	--bounding-set=-all,$caps "$tool" -l 127.0.0.1:0 -i 0.5 -d 30 2>"$R/nobody.err" &
pid=$!
port=$(serving "$R/nobody.err" $pid)
if [ -n "$port" ]; then
	"$@" >/dev/null 2>&1
	updates "$port" 2
	curl -s -m 10 "http://127.0.0.1:$port/metrics" >"$R/nobody.prom"
	kill -TERM $pid
fi
rc=0; wait $pid || rc=$?
echo "nobody_rc=$rc"
echo "nobody_maps=$(sed -n 's/^iommu_maps_total{[^}]*} //p' "$R/nobody.prom" 2>/dev/null | awk '{ s += $1 } END { print s + 0 }')"
rc=0
setpriv --reuid=nobody --regid=nogroup --clear-groups --inh-caps=-all --bounding-set=-all \
	"$tool" -d 1 >/dev/null 2>"$R/nocaps.err" || rc=$?
echo "nocaps_rc=$rc"

# Where it listens unless told: 127.0.0.1:9877 alone; with --textfile
# alone, nowhere.  What the process listens on: its sockets' inodes among
# /proc/net/tcp{,6}'s listening ones (no ss: sock_diag is not in every
# test kernel).
listening() {
	python3 - "$1" <<'PY'
import os, socket, struct, sys
pid = sys.argv[1]
inodes = set()
for fd in os.listdir("/proc/%s/fd" % pid):
    try:
        t = os.readlink("/proc/%s/fd/%s" % (pid, fd))
    except OSError:
        continue
    if t.startswith("socket:["):
        inodes.add(t[8:-1])
out = []
for f, fam in (("/proc/net/tcp", socket.AF_INET), ("/proc/net/tcp6", socket.AF_INET6)):
    try:
        lines = open(f).read().splitlines()[1:]
    except OSError:
        continue
    for l in lines:
        w = l.split()
        if w[3] != "0A" or w[9] not in inodes:
            continue
        a, p = w[1].split(":")
        raw = bytes.fromhex(a)
        raw = b"".join(raw[i:i + 4][::-1] for i in range(0, len(raw), 4))
        host = socket.inet_ntop(fam, raw)
        out.append(("%s:%d" if fam == socket.AF_INET else "[%s]:%d") % (host, int(p, 16)))
print(",".join(sorted(out)))
PY
}
"$tool" -i 0.5 -d 60 2>"$R/default.err" &
pid=$!
serving "$R/default.err" $pid >/dev/null
echo "default_listen=$(listening $pid)"
kill -TERM $pid; wait $pid
mkdir -p /tmp/tf-only
"$tool" --textfile /tmp/tf-only -i 0.5 -d 60 2>"$R/tf-only.err" &
pid=$!
for i in $(seq 600); do [ -s /tmp/tf-only/iommu_flush.prom ] && break; sleep 0.1; done
echo "textfile_only_listen=$(listening $pid)"
echo "textfile_only_written=$([ -s /tmp/tf-only/iommu_flush.prom ] && echo 1 || echo 0)"
kill -TERM $pid; wait $pid
