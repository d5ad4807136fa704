# vm-run itself: a command's stdout and stderr come back apart, its exit status
# becomes vm-run's, the results share is writable, and a hung command is cut
# by the timeout with no QEMU process left behind.  Base-independent: runs for
# the first base only.
source "$(dirname "$0")/../lib/test.sh"
first=$(cd "$TOP/kernel-patches" && ls -d v* | sort -rV | head -n1)
[ "$BASE" = "$first" ] || { done_testing; exit 0; }

res="$TMP/results"
mkdir -p "$res"
rc=0
"$TOP/scripts/vm-run" --base "$BASE" --iommu none --results "$res" -- \
	bash -c 'echo to-stdout; echo to-stderr >&2; echo written >"$VM_RESULTS/file"; exit 7' \
	>"$TMP/out" 2>"$TMP/err" || rc=$?
check "exit status 7 passes through (got $rc)" [ $rc = 7 ]
check "stdout comes back alone" [ "$(cat "$TMP/out")" = to-stdout ]
check "stderr comes back on stderr" grep -qx to-stderr "$TMP/err"
check "the results share is writable" [ "$(cat "$res/file" 2>/dev/null)" = written ]

rc=0 t0=$SECONDS
"$TOP/scripts/vm-run" --base "$BASE" --iommu none --timeout 15 --results "$res" -- \
	bash -c 'echo started; sleep 1000' >"$TMP/out" 2>"$TMP/err" || rc=$?
el=$((SECONDS - t0))
check "a hung command is cut by the timeout (exit $rc, ${el}s)" test $rc = 124 -a $el -lt 40
check "the timeout is reported in one line" grep -q 'timed out after 15 s' "$TMP/err"
check "the command's output before the hang came back" grep -qx started "$TMP/out"
check "no QEMU process is left behind" bash -c "! pgrep -f '[q]emu-system.*path=$res' >/dev/null"

# A boot stuck before vm-init runs the command is killed and booted once
# more: a boot limit of 1 s makes every first boot "stuck" (none reaches
# init that fast under TCG), so the second one, without a limit, runs the
# command exactly once.
rc=0
IOMMU_FLUSHTOP_BOOT_LIMIT=1 "$TOP/scripts/vm-run" --base "$BASE" --iommu none --results "$res" -- \
	bash -c 'echo run >>"$VM_RESULTS/runs"; echo once; exit 3' >"$TMP/out" 2>"$TMP/err" || rc=$?
check "a boot stuck before init is retried once, said in one line ($(grep -c 'did not reach its init' "$TMP/err")), the command run once ($(grep -c . "$res/runs" 2>/dev/null)), its status 3 ($rc) and output kept" \
	bash -c '[ "$(grep -c "did not reach its init within 1 s" "$1")" = 1 ] && [ "$(grep -c . "$2/runs")" = 1 ] && [ "$3" = 3 ] && [ "$(cat "$4")" = once ]' \
	_ "$TMP/err" "$res" "$rc" "$TMP/out"
# A guest that stops before its init (a panic while the kernel boots) is
# booted once more, and only once: here both boots panic ("Requested init
# failed"), so vm-run says so once, then fails with 125; the command never ran.
rc=0
rm -f "$res/runs"
"$TOP/scripts/vm-run" --base "$BASE" --iommu none --results "$res" --append "rdinit=/nonexistent init=/nonexistent" -- \
	bash -c 'echo run >>"$VM_RESULTS/runs"' >"$TMP/out" 2>"$TMP/err" || rc=$?
check "a guest that stops before its init is booted once more, said in one line ($(grep -c 'stopped before its init' "$TMP/err")); a second such stop ends with 125 ($rc), the command never run ($(grep -c . "$res/runs" 2>/dev/null || echo 0))" \
	bash -c '[ "$(grep -c "stopped before its init" "$1")" = 1 ] && [ "$2" = 125 ] && [ ! -s "$3/runs" ] && grep -q "stopped without the command" "$1"' \
	_ "$TMP/err" "$rc" "$res"
kept=$(sed -n 's/.*whole console: \([^;]*\);.*/\1/p' "$TMP/err" | tail -n1)
check "the whole console of a guest that died is kept ($kept) and in the results" \
	bash -c '[ -s "$1" ] && grep -q "Requested init .* failed\|No working init found\|Kernel panic" "$1" && cmp -s "$1" "$2/console.log"' _ "$kept" "$res"

# The same on arm64 (vm-run --arch arm64: its stdout and stderr are virtio
# consoles, whose line discipline would turn every newline into CR LF if
# /init let go of them), and a hang cut there too.
res64="$TMP/results64"
mkdir -p "$res64"
"$TOP/scripts/build-guest-tools" "$BASE" --arch arm64 >/dev/null || notok "arm64: building the guest tools"
rc=0
"$TOP/scripts/vm-run" --arch arm64 --base "$BASE" --iommu none --results "$res64" -- \
	bash -c 'printf "to-stdout\nline 2\n"; echo to-stderr >&2; echo "$VM_ARCH $(uname -m)" >"$VM_RESULTS/file"; exit 7' \
	>"$TMP/out64" 2>"$TMP/err64" || rc=$?
check "arm64: exit status 7 passes through (got $rc)" [ $rc = 7 ]
check "arm64: stdout comes back alone, byte for byte ($(od -c "$TMP/out64" | head -n 2 | tr -s ' ' | tr '\n' ' '))" \
	[ "$(cat "$TMP/out64")" = "$(printf 'to-stdout\nline 2')" -a "$(tr -d -c '\r' <"$TMP/out64" | wc -c)" = 0 ]
check "arm64: stderr comes back on stderr" grep -qx to-stderr "$TMP/err64"
check "arm64: the results share is writable, the guest is arm64 ($(cat "$res64/file" 2>/dev/null))" \
	[ "$(cat "$res64/file" 2>/dev/null)" = "arm64 aarch64" ]
rc=0 t0=$SECONDS
"$TOP/scripts/vm-run" --arch arm64 --base "$BASE" --iommu none --timeout 15 --results "$res64" -- \
	bash -c 'echo started; sleep 1000' >"$TMP/out64" 2>"$TMP/err64" || rc=$?
el=$((SECONDS - t0))
check "arm64: a hung command is cut by the timeout (exit $rc, ${el}s), its output kept, no QEMU left" \
	bash -c '[ "$1" = 124 ] && [ "$2" -lt 40 ] && grep -qx started "$3" && ! pgrep -f "[q]emu-system.*path=$4" >/dev/null' \
	_ "$rc" "$el" "$TMP/out64" "$res64"
done_testing
