#!/bin/bash
# Runs in the test VM: what iommu-flushtop costs (docs/performance.md).
#   load_attach_ms   exec of tests/unit/collector-dump --check to its first
#                    line, which it prints right after ifl_open() (BPF load
#                    and attach), line-buffered through stdbuf
#   first_frame_ms   exec of iommu-flushtop -b -n 1 to its first line, which
#                    comes with the whole first frame (one fflush a frame)
#   each the median of RUNS runs, interleaved; then, over SECS seconds with
#   an NVMe read loop running, iommu-flushtop -b -i 1 and top -b -d 1 side
#   by side: their CPU time (utime + stime) in % of one CPU, and
#   iommu-flushtop's peak RSS (VmHWM); then the full-screen view and top's
#   own, each in a 160x50 tmux pane, side by side over SECS: CPU and peak RSS.
# usage: flushtop-perf.sh [RUNS] [SECS]
set -eu
runs=${1:-7} secs=${2:-30}
TOOL=.output/bin/iommu-flushtop
DUMP=.output/tests/collector-dump
now_ns() { date +%s%N; }
first_line_ms() {	# CMD...: ms from exec to its first line of output
	local t0 t1
	t0=$(now_ns)
	"$@" | head -n 1 >/dev/null
	t1=$(now_ns)
	echo $(( (t1 - t0) / 1000000 ))
}
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
echo "accel=$(grep -q hypervisor /proc/cpuinfo && echo guest) cpus=$(nproc)"
echo "nprocs_online=$(nproc)"
la=() ff=()
for _ in $(seq "$runs"); do
	la+=("$(first_line_ms stdbuf -oL "$DUMP" --check)")
	ff+=("$(first_line_ms "$TOOL" -b -n 1)")
	sleep 0.5
done
echo "load_attach_ms_runs=${la[*]}"
echo "first_frame_ms_runs=${ff[*]}"
echo "load_attach_ms=$(printf '%s\n' "${la[@]}" | median)"
echo "first_frame_ms=$(printf '%s\n' "${ff[@]}" | median)"

# steady state, under load
( while :; do dd if=/dev/nvme0n1 of=/dev/null bs=64k count=64 iflag=direct 2>/dev/null; sleep 0.05; done ) &
load=$!
"$TOOL" -b -i 1 >/dev/null &
tp=$!
top -b -d 1 >/dev/null &
pp=$!
sleep 5	# past the start: steady state only
cpu() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
a1=$(cpu $tp) b1=$(cpu $pp) t0=$(now_ns)
sleep "$secs"
a2=$(cpu $tp) b2=$(cpu $pp) t1=$(now_ns)
hz=$(getconf CLK_TCK)
echo "window_s=$(( (t1 - t0) / 1000000000 ))"
echo "flushtop_cpu_pct=$(awk -v d=$((a2 - a1)) -v hz="$hz" -v ns=$((t1 - t0)) 'BEGIN { printf "%.2f", 100 * d / hz / (ns / 1e9) }')"
echo "top_cpu_pct=$(awk -v d=$((b2 - b1)) -v hz="$hz" -v ns=$((t1 - t0)) 'BEGIN { printf "%.2f", 100 * d / hz / (ns / 1e9) }')"
echo "flushtop_rss_peak_kib=$(awk '/^VmHWM:/ { print $2 }' /proc/$tp/status)"
echo "top_rss_peak_kib=$(awk '/^VmHWM:/ { print $2 }' /proc/$pp/status)"
kill $tp $pp
wait $tp $pp 2>/dev/null || true

# the full-screen view, drawn into tmux
export TMUX_TMPDIR=/tmp
tmux -f /dev/null new-session -d -s perf -x 160 -y 50 "$PWD/$TOOL -i 1"
tmux -f /dev/null new-session -d -s perftop -x 160 -y 50 "top -d 1"
sleep 5
vp=$(pidof iommu-flushtop) tp=$(pidof -s top)
a1=$(cpu "$vp") b1=$(cpu "$tp") t0=$(now_ns)
sleep "$secs"
a2=$(cpu "$vp") b2=$(cpu "$tp") t1=$(now_ns)
echo "screen_cpu_pct=$(awk -v d=$((a2 - a1)) -v hz="$hz" -v ns=$((t1 - t0)) 'BEGIN { printf "%.2f", 100 * d / hz / (ns / 1e9) }')"
echo "screen_top_cpu_pct=$(awk -v d=$((b2 - b1)) -v hz="$hz" -v ns=$((t1 - t0)) 'BEGIN { printf "%.2f", 100 * d / hz / (ns / 1e9) }')"
echo "screen_rss_peak_kib=$(awk '/^VmHWM:/ { print $2 }' "/proc/$vp/status")"
tmux -f /dev/null kill-server
kill $load
wait 2>/dev/null || true
