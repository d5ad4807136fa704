#!/bin/bash
# Runs in the test VM, in the project tree: two recordings of CMD by
# iommu-flushhist, each saved and then loaded back and printed again.
# - traced: ftrace records every event of the same window
#   (tests/guest/trace-iommu.sh runs inside the recording; its facts go to
#   trace-facts, its trace to trace.txt), for the host to compare counts;
# - plain: CMD alone, as a user would record it (the review-thread example).
# Then two more: -d 2 of the whole system while CMD runs in a loop beside
# it for the whole window (system.json), and a command killed by SIGKILL
# (killed.json).
# Leaves in $VM_RESULTS: {traced,plain}.json, .txt (printed while
# recording), -loaded.txt (printed from the saved file), system.json,
# killed.json; prints traced_rc=, plain_rc=, *_load_rc=, system_rc=,
# killed_rc= and trace-iommu's facts.
set -u
tool=$PWD/.output/bin/iommu-flushhist
R=$VM_RESULTS

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

rc=0
"$tool" -d 2 -o "$R/system.json" >"$R/system.txt" &
pid=$!
while kill -0 $pid 2>/dev/null; do "$@" >/dev/null 2>&1; done
wait $pid || rc=$?
echo "system_rc=$rc"

rc=0
"$tool" --settle 0 -o "$R/killed.json" -- sh -c 'kill -KILL $$' >/dev/null || rc=$?
echo "killed_rc=$rc"
