#!/bin/bash
# Runs in the test VM, in the project tree: two recordings of CMD by
# iommu-flushhist, each saved and then loaded back and printed again.
# - traced: ftrace records every event of the same window
#   (tests/guest/trace-iommu.sh runs inside the recording; its facts go to
#   trace-facts, its trace to trace.txt), for the host to compare counts;
# - plain: CMD alone, as a user would record it (the review-thread example).
# With --cli first (once a base: these do not depend on the IOMMU), four
# more: -d 3 of the whole system while CMD runs in a loop
# beside it (system.json), a command killed by SIGKILL (killed.json),
# -d 600 ended early by SIGINT, as Ctrl-C would (sigint.json), and a
# command that does not exist (no noexec.json may appear); then the
# output targets /dev/null, /dev/full, "-" and a closed stdout.
# Leaves in $VM_RESULTS: {traced,plain}.json, .txt (printed while
# recording), -loaded.txt (printed from the saved file), system.json,
# killed.json, sigint.json, noexec.err, dev{null,full}.err, stdout.json,
# stdout.txt, closed.json, closed.err; prints traced_rc=, plain_rc=,
# *_load_rc=, system_rc=, killed_rc=, sigint_rc=, noexec_rc=,
# dev{null,full}_rc= and _char=, stdout_rc=, closed_rc= and trace-iommu's
# facts.
set -u
tool=$PWD/.output/bin/iommu-flushhist
R=$VM_RESULTS
cli=0
[ "${1:-}" = --cli ] && { cli=1; shift; }

rc=0
"$tool" --settle 0 -o "$R/traced.json" -- \
	bash -c 'tests/guest/trace-iommu.sh "$@" >"$VM_RESULTS/trace-facts"' trace-iommu "$@" \
	>"$R/traced.txt" || rc=$?
echo "traced_rc=$rc"
cat "$R/trace-facts"

rc=0
"$tool" -o "$R/plain.json" -- "$@" >"$R/plain.txt" || rc=$?
echo "plain_rc=$rc"

for n in traced plain; do
	rc=0
	"$tool" -i "$R/$n.json" >"$R/$n-loaded.txt" || rc=$?
	echo "${n}_load_rc=$rc"
done

[ $cli = 1 ] || exit 0

# The loop starts once the tool holds its BPF links (one per event) and stops a second
# later, well inside the 3 s window: patching a tracepoint's call site
# while another CPU runs through it (attach or detach during I/O) has
# oopsed 6.12 under TCG (__iommu_sync_map, RIP inside the patched call).
links() { ls -l /proc/$1/fd 2>/dev/null | grep -c 'anon_inode:bpf[-_]link'; }
# one BPF link per event of the series: 8 on v1, 7 on v2
source "$(dirname "$0")/series-events.sh"
nlinks=$(wc -w <<<"$SERIES_EVENTS")
rc=0
"$tool" -d 3 -o "$R/system.json" >"$R/system.txt" &
pid=$!
for i in $(seq 600); do [ "$(links $pid)" -ge $nlinks ] && break; sleep 0.1; done
echo "system_links=$(links $pid)"
# at least one run, then more for a second (not bash's SECONDS: it ticks
# on whole seconds, so "SECONDS + 1" can be over at once)
end=$(($(date +%s%N) + 1000000000))
"$@" >/dev/null 2>&1
while [ "$(date +%s%N)" -lt $end ] && kill -0 $pid 2>/dev/null; do "$@" >/dev/null 2>&1; done
wait $pid || rc=$?
echo "system_rc=$rc"

rc=0
"$tool" --settle 0 -o "$R/killed.json" -- sh -c 'kill -KILL $$' >/dev/null || rc=$?
echo "killed_rc=$rc"

rc=0
"$tool" -d 600 -o "$R/sigint.json" >"$R/sigint.txt" &
pid=$!
for i in $(seq 600); do [ "$(links $pid)" -ge $nlinks ] && break; sleep 0.1; done
kill -INT $pid
wait $pid || rc=$?
echo "sigint_rc=$rc"

rc=0
"$tool" -o "$R/noexec.json" -- /nonexistent-command >/dev/null 2>"$R/noexec.err" || rc=$?
echo "noexec_rc=$rc"

# Output targets, as root on the guest's own nodes (tests/host/flushhist-output.t
# tries the rest on nodes it makes): /dev/null and /dev/full written into,
# never replaced; "-" takes the JSON on stdout, the report going to stderr;
# a closed stdout fails the report, not the recording.  The command's own
# stderr (dd's records) is kept out of the tool's.
quiet=(bash -c 'exec "$@" 2>/dev/null' quiet)
for t in null full; do
	rc=0
	"$tool" --settle 0 -o /dev/$t -- "${quiet[@]}" "$@" >/dev/null 2>"$R/dev$t.err" || rc=$?
	echo "dev${t}_rc=$rc"
	echo "dev${t}_char=$([ -c /dev/$t ] && [ ! -L /dev/$t ] && echo 1 || echo 0)"
done
rc=0
"$tool" --settle 0 -o - -- "${quiet[@]}" "$@" >"$R/stdout.json" 2>"$R/stdout.txt" || rc=$?
echo "stdout_rc=$rc"
rc=0
"$tool" --settle 0 -o "$R/closed.json" -- "${quiet[@]}" "$@" >&- 2>"$R/closed.err" || rc=$?
echo "closed_rc=$rc"

# the fallback asked for on the patched kernel
rc=0
"$tool" --source fallback -o "$R/fallback.json" -- "${quiet[@]}" "$@" >"$R/fallback.txt" 2>"$R/fallback.err" || rc=$?
echo "fallback_rc=$rc"
