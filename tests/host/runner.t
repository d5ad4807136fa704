# tests/run itself, on a tree of crafted test files (a copy of the runner
# and of tests/lib, its own cache): a file that passes with its plan, one
# that skips the rest with its plan, one that fails an assertion, and three
# that the runner must fail although none printed "not ok": one that exits
# 0 halfway (no plan), one whose plan is not its results, one that exits 1.
# The last line is "N passed, N failed", the skip counted on the line before.
source "$(dirname "$0")/../lib/test.sh"
t="$TMP/tree"
mkdir -p "$t/tests/host" "$t/tests/vm" "$t/scripts/lib" "$t/kernel-patches/v0"
cp "$TOP/tests/run" "$t/tests/"
cp -r "$TOP/tests/lib" "$t/tests/"
cp "$TOP/scripts/lib/common.sh" "$t/scripts/lib/"
hdr='source "$(dirname "$0")/../lib/test.sh"'
printf '%s\nok "one"\ncheck "two" true\ndone_testing\n' "$hdr" >"$t/tests/host/a-good.t"
printf '%s\nok "one"\nskip_rest "not here"\nok "never"\n' "$hdr" >"$t/tests/host/b-skips.t"
printf '%s\nok "one"\ncheck "two" false\ndone_testing\n' "$hdr" >"$t/tests/host/c-fails.t"
printf '%s\nok "one"\nexit 0\nok "two"\ndone_testing\n' "$hdr" >"$t/tests/host/d-halfway.t"
printf '%s\nok "one"\necho 1..3\n' "$hdr" >"$t/tests/host/e-badplan.t"
printf '%s\nok "one"\n(ok "in a subshell")\ndone_testing\n' "$hdr" >"$t/tests/host/f-subshell.t"
printf '%s\nok "one"\nexit 1\n' "$hdr" >"$t/tests/host/g-exit1.t"
rc=0
IOMMU_FLUSHTOP_CACHE="$TMP/cache" TEST_LOGDIR="$TMP/logs" "$t/tests/run" --host >"$TMP/out" 2>"$TMP/err" || rc=$?
cat "$TMP/out" >&2
last=$(tail -n 1 "$TMP/out")
check "the runner's last line: \"$last\" (want 9 passed, 4 failed), exit $rc" \
	[ "$last" = "9 passed, 4 failed" -a $rc = 1 ]
check "the skip is counted apart: \"$(grep '^# .*skipped' "$TMP/out")\"" grep -q '^# 1 skipped' "$TMP/out"
check "a file that exits 0 halfway fails: no plan" grep -q '^not ok host/d-halfway: exited 0 without its plan' "$TMP/out"
check "a plan that is not the results fails" grep -q '^not ok host/e-badplan: exited 0 with the plan 1..3 but after 1 results' "$TMP/out"
check "results printed in a subshell count towards the plan" bash -c '! grep -q "host/f-subshell.*plan" "$1"' _ "$TMP/out"
check "a file that exits 1 with no failure printed fails once" \
	bash -c '[ "$(grep -c "^not ok host/g-exit1" "$1")" = 1 ] && grep -q "^not ok host/g-exit1: exited 1" "$1"' _ "$TMP/out"
check "prove reads the same files as TAP: the good file passes, the halfway one does not" \
	bash -c 'cd "$1" && prove -e bash tests/host/a-good.t tests/host/f-subshell.t >/dev/null 2>&1 &&
		! prove -e bash tests/host/d-halfway.t >/dev/null 2>&1' _ "$t"
done_testing
