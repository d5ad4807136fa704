# scripts/ab-patch end to end on the primary base, with a patch that changes
# nothing the kernel runs (tests/ab/comment-only.patch, a comment) as the
# review thread's patch, at 6 runs a side (one block: the fewest at which a
# difference could be shown, as in tests/vm/ab-patch.t): no figure may be
# shown to differ.  With identical kernels that happens on any figure of a
# block in at most 5% of A/Bs (the rule's family-wise rate, measured in
# tests/unit/test-ab-report.c), so this check fails wrongly about once in
# 20 runs at worst.
source "$(dirname "$0")/../lib/test.sh"
[ "$BASE" = v7.2 ] || skip_rest "the A/B test patches are written for v7.2"
AB="$TOP/scripts/ab-patch"

# --- a patch without one ---------------------------------------------------------------
out="$TMP/ab-comment"
if "$AB" --mode lazy --runs 6 --workload nvme-randread-4k -o "$out" "$TOP/tests/ab/comment-only.patch" >"$TMP/comment.txt"; then
	cat "$TMP/comment.txt"
	shown=$(grep -c ' shown$' "$out/report.txt" | tr -d ' ') notshown=$(grep -c ' not shown$' "$out/report.txt")
	check "comment only: no figure shown to differ ($notshown not shown, $((shown - notshown)) shown)" \
		[ "$shown" = "$notshown" -a "$notshown" -ge 5 ]
	check "comment only: the report says no difference was shown" grep -q "^no difference shown" "$out/report.txt"
else
	notok "comment only: ab-patch failed"
fi
done_testing
