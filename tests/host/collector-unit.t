# The collector's C tests (tests/unit/test-*.c), no VM and no patched kernel:
# log2 histograms (hist), kallsyms naming against a fake kallsyms (names),
# the BPF programs' raw_tp twins driven with BPF_PROG_TEST_RUN in crafted
# event sequences, asserted through the library's snapshots (collector),
# ifl_open()'s one-line refusals (errors), and every other tests/unit/test-*.c.  Each program runs as built,
# one line per assertion, then again under ASan/UBSan (make sanitize),
# where any sanitizer report or failed assertion fails it.
source "$(dirname "$0")/../lib/test.sh"
make -s -C "$TOP" build sanitize >&2 || { notok "make build sanitize failed"; exit 1; }
export TOP ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
for src in "$TOP"/tests/unit/test-*.c; do
	t=${src##*/test-}; t=${t%.c}
	rc=0
	(cd "$TOP" && ".output/tests/test-$t") >"$TMP/$t" 2>"$TMP/$t.err" || rc=$?
	cat "$TMP/$t.err" >&2
	while IFS= read -r line; do
		case $line in
		"ok "*) ok "$t: ${line#ok }" ;;
		"not ok "*) notok "$t: ${line#not ok }" ;;
		*) echo "$line" ;;
		esac
	done <"$TMP/$t"
	[ $rc = 0 ] || grep -q '^not ok' "$TMP/$t" || notok "$t: exited $rc ($(tail -n1 "$TMP/$t.err"))"

	rc=0
	(cd "$TOP" && ".output/san/tests/test-$t") >"$TMP/san-$t" 2>"$TMP/san-$t.err" || rc=$?
	cat "$TMP/san-$t" "$TMP/san-$t.err" >&2
	n=$(grep -c '^ok' "$TMP/san-$t") bad=$(grep -c '^not ok' "$TMP/san-$t")
	rep=$(grep -m1 -E 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$TMP/san-$t.err")
	check "$t under ASan/UBSan: $n assertions hold, $bad fail, exit $rc${rep:+, $rep}" \
		[ $rc = 0 -a "$bad" = 0 -a "$n" -gt 0 -a -z "$rep" ]
done
done_testing
