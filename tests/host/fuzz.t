# The libFuzzer harnesses of tests/fuzz/ (docs/reliability.md, "Fuzzing"),
# bounded: each runs 10 s from its seed corpus and what earlier runs of
# this checkout found, then its regression inputs (crashes found before,
# fixed since) once.  A crash, a leak, a hang (10 s on one input) or a
# broken invariant of the harness (a refusal on two lines, a dump that
# loads but does not save and load again the same) fails the harness and
# leaves its input in .output/fuzz/crashes/.  `make soak-fuzz` runs each
# for 10^6 executions.
source "$(dirname "$0")/../lib/test.sh"
cd "$TOP"
make -s fuzz >&2 || { notok "make fuzz failed"; exit 1; }
scripts/fuzz --seconds 10 >"$TMP/fuzz.out" 2>"$TMP/fuzz.err"
rc=$?
cat "$TMP/fuzz.out" "$TMP/fuzz.err"
for h in $(ls tests/fuzz/*.c | xargs -n1 basename | sed 's/\.c$//'); do
	line=$(grep "^$h: " "$TMP/fuzz.out")
	execs=$(sed -n 's/^[^:]*: \([0-9]*\) executions.*/\1/p' <<<"$line")
	cov=$(sed -n 's/.*coverage \([0-9]*\),.*/\1/p' <<<"$line")
	nreg=$(ls tests/fuzz/regressions/$h 2>/dev/null | wc -l)
	# the seeds alone are a few; 100 executions more is a fuzzer that ran
	# (some thousands a second on an idle host)
	check "$h: no crash, leak or hang, regression inputs passing (${line:-no line})" \
		bash -c '[[ $1 = *"exit 0; $2 regression inputs, exit 0" ]] && [ "${3:-0}" -ge 100 ] && [ "${4:-0}" -ge 50 ]' \
		_ "$line" "$nreg" "$execs" "$cov"
done
check "scripts/fuzz: exit $rc, no input left in .output/fuzz/crashes/" \
	bash -c '[ "$1" = 0 ] && [ -z "$(ls -A .output/fuzz/crashes 2>/dev/null)" ]' _ "$rc"
done_testing
