# iommu-flushhist's command line on the host, as built and under
# ASan/UBSan: files that are not valid dumps (missing, a directory, empty,
# truncated, not JSON, deeply nested, huge numbers, negative counts, another
# schema version, incompatible metrics) are refused with one line on stderr,
# exit 1, nothing on stdout and no sanitizer report; usage errors exit 2 in
# one line; -i and --compare work for an unprivileged user (recording
# refuses them, so the read path cannot be opening the collector); a failed
# -o leaves no file and no partial one; -i X -o Y saves what it loaded
# (checked with python3's json, not json-c).
source "$(dirname "$0")/../lib/test.sh"
make -s -C "$TOP" build sanitize >&2 || { notok "make build sanitize failed"; exit 1; }
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
FX="$TOP/tests/fixtures/dumps"
good="$FX/handmade.json"
D="$TMP/bad"
mkdir -p "$D"

# ---- the bad files, each one fault away from a valid one ----
: >"$D/empty.json"
mkdir "$D/dir.json"
head -c 300 "$good" >"$D/truncated.json"
echo 'iommu-flushhist dump, honest' >"$D/text.json"
printf '%.0s[' $(seq 100000) >"$D/deep.json"
printf '%.0s]' $(seq 100000) >>"$D/deep.json"
sed 's/"map": 4,/"map": 123456789012345678901234567890,/' "$good" >"$D/huge.json"
sed 's/"map": 4,/"map": -4,/' "$good" >"$D/negative.json"
sed 's/"unmaps_per_sync": \[ \[ 1, 4 \] \]/"unmaps_per_sync": [ [ 1, -4 ] ]/' "$good" >"$D/negative-bucket.json"
sed 's/"version": 1,/"version": 2,/' "$good" >"$D/version2.json"
sed 's/"sync_ns": 4000,/"sync_ns": 4000.5,/' "$good" >"$D/float.json"
# a dump with one histogram more than the model: incompatible for --compare
sed -e 's/"metrics": \[ /"metrics": [ "stale_ns", /' -e 's/"hists": { /"hists": { "stale_ns": [ ], /' \
	"$good" >"$TMP/more-metrics.json"
declare -A WANT=(
	[missing.json]="No such file or directory" [dir.json]="is a directory" [empty.json]="empty file"
	[truncated.json]="truncated JSON" [text.json]="not JSON" [deep.json]="nesting too deep"
	[huge.json]="too large" [negative.json]="negative" [negative-bucket.json]="negative"
	[version2.json]="schema version 2; this iommu-flushhist reads version 1"
	[float.json]="not an integer"
)
[ "$(grep -c '"stale_ns": \[ \]' "$TMP/more-metrics.json")" = 2 ] &&
	[ "$(grep -c -- '-4' "$D/negative.json")" = 1 ] || { notok "making the bad files from $good"; exit 1; }

# refused LABEL WANT: exit 1, one line naming the problem, no output, no sanitizer report
refused() {
	local err rep
	err=$(cat "$TMP/run.err")
	rep=$(grep -m1 -E 'Sanitizer|runtime error' "$TMP/run.err")
	check "$1: exit $rc, \"$err\"" \
		bash -c '[ "$1" = 1 ] && [ "$(wc -l <"$2")" = 1 ] && [ ! -s "$3" ] && grep -q "^iommu-flushhist: " "$2" && grep -qF -- "$4" "$2" && [ -z "$5" ]' \
		_ "$rc" "$TMP/run.err" "$TMP/run.out" "$2" "$rep"
}

for bin in "$TOP/.output/bin/iommu-flushhist" "$TOP/.output/san/bin/iommu-flushhist"; do
	kind=plain; [[ $bin == */san/* ]] && kind=sanitized
	for f in "${!WANT[@]}"; do
		run "$kind -i $f" "$bin" -i "$D/$f"
		refused "$kind: -i $f" "${WANT[$f]}"
		run "$kind --compare good $f" "$bin" --compare "$good" "$D/$f"
		refused "$kind: --compare with $f as B" "${WANT[$f]}"
	done
	run "$kind compare other metrics" "$bin" --compare "$good" "$TMP/more-metrics.json"
	refused "$kind: --compare of dumps with other metrics" "measure different histograms: stale_ns only in $TMP/more-metrics.json"

	run "$kind -i good" "$bin" -i "$good"
	check "$kind: the model file prints (exit $rc, $(wc -l <"$TMP/run.out") lines, nothing on stderr)" \
		[ $rc = 0 -a -s "$TMP/run.out" -a ! -s "$TMP/run.err" ]
done

# ---- usage: exit 2, one line ----
bin="$TOP/.output/bin/iommu-flushhist"
usage() {
	run "usage $*" "$bin" "$@"
	check "usage error: iommu-flushhist $* (exit $rc, \"$(cat "$TMP/run.err")\")" \
		bash -c '[ "$1" = 2 ] && [ "$(wc -l <"$2")" = 1 ] && grep -q "^iommu-flushhist: " "$2"' _ "$rc" "$TMP/run.err"
}
usage
usage --bogus
usage -d
usage -d 0
usage -d soon
usage -d 1 -- true
usage --compare "$good"
usage --compare "$good" "$good" "$good"
usage --source kprobes -d 1
usage --source fallback -i "$good"
usage --source fallback --compare "$good" "$good"
usage --compare "$good" "$good" -o "$TMP/x.json"
usage -i "$good" -d 1
usage -g driver,bogus -d 1
usage -m latency -d 1
usage --settle -1 -- true
run "--help" "$bin" --help
check "--help: exit 0, with examples" bash -c '[ "$1" = 0 ] && grep -q "^EXAMPLES:" "$2"' _ "$rc" "$TMP/run.out"
run "-V" "$bin" -V
check "-V: exit 0, the version and the dump schema ($(cat "$TMP/run.out"))" \
	bash -c '[ "$1" = 0 ] && grep -q "^iommu-flushhist [0-9].*schema 1" "$2"' _ "$rc" "$TMP/run.out"

# ---- no privilege needed to read and compare; recording needs it ----
if command -v setpriv >/dev/null; then
	a=$(nobody_file "$good" a.json)
	run "nobody -i" as_nobody "$bin" -i "$a"
	check "as nobody: -i prints (exit $rc)" [ $rc = 0 -a -s "$TMP/run.out" -a ! -s "$TMP/run.err" ]
	run "nobody --compare" as_nobody "$bin" --compare "$a" "$a"
	check "as nobody: --compare prints (exit $rc)" [ $rc = 0 -a -s "$TMP/run.out" -a ! -s "$TMP/run.err" ]
	run "nobody record" as_nobody "$bin" -d 1
	check "as nobody: recording refuses in one line, exit 1 (\"$(cat "$TMP/run.err")\")" \
		bash -c '[ "$1" = 1 ] && [ "$(wc -l <"$2")" = 1 ] && grep -q "CAP_BPF" "$2"' _ "$rc" "$TMP/run.err"

	# a directory nobody may not write in
	ro="$NOBODY_DIR/ro"
	mkdir -m 755 "$ro"
	run "nobody -o ro" as_nobody "$bin" -i "$a" -o "$ro/out.json"
	check "as nobody, -o into a directory it cannot write: exit 1, one line, no file" \
		bash -c '[ "$1" = 1 ] && [ "$(wc -l <"$2")" = 1 ] && [ -z "$(ls -A "$3")" ]' _ "$rc" "$TMP/run.err" "$ro"
	run "nobody record -o ro" as_nobody "$bin" -o "$ro/out.json" -d 1
	check "recording with -o into it is refused before recording (\"$(cat "$TMP/run.err")\")" \
		bash -c '[ "$1" = 1 ] && grep -q "cannot write in" "$2" && [ -z "$(ls -A "$3")" ]' _ "$rc" "$TMP/run.err" "$ro"
fi

# ---- failed writes leave nothing partial ----
run "-o missing dir" "$bin" -i "$good" -o "$TMP/nowhere/out.json"
check "-o into a missing directory: exit 1, one line, no file (\"$(cat "$TMP/run.err")\")" \
	bash -c '[ "$1" = 1 ] && [ "$(wc -l <"$2")" = 1 ] && [ ! -e "$3" ]' _ "$rc" "$TMP/run.err" "$TMP/nowhere"
run "-o /proc" "$bin" -i "$good" -o /proc/iommu-flushhist.json
check "-o into /proc: exit 1, one line, no file" \
	bash -c '[ "$1" = 1 ] && [ "$(wc -l <"$2")" = 1 ] && [ ! -e /proc/iommu-flushhist.json ]' _ "$rc" "$TMP/run.err"
# a full disk: the file size limit makes write() fail midway (SIGXFSZ ignored)
mkdir "$TMP/full"
echo "the previous recording" >"$TMP/full/out.json"
for b in "$bin" "$TOP/.output/san/bin/iommu-flushhist"; do
	rc=0
	(trap '' XFSZ; ulimit -f 1; exec "$b" -i "$good" -o "$TMP/full/out.json") \
		>/dev/null 2>"$TMP/run.err" || rc=$?
	cat "$TMP/run.err"
	check "$(basename "$(dirname "$(dirname "$b")")"): -o when the disk fills: exit $rc, \"$(cat "$TMP/run.err")\"; the previous file intact, no partial one beside it" \
		bash -c '[ "$1" = 1 ] && [ "$(wc -l <"$2")" = 1 ] && [ "$(cat "$3/out.json")" = "the previous recording" ] && [ "$(ls -A "$3")" = out.json ]' \
		_ "$rc" "$TMP/run.err" "$TMP/full"
done

# ---- -i X -o Y saves what it loaded ----
run "resave" "$bin" -i "$good" -o "$TMP/copy.json"
cp "$TMP/run.out" "$TMP/good.txt"
check "-i X -o Y: Y holds the same JSON data as X, by python3's parser" \
	python3 -c 'import json, sys; a, b = (json.load(open(p)) for p in sys.argv[1:]); sys.exit(a != b)' "$good" "$TMP/copy.json"
run "print copy" "$bin" -i "$TMP/copy.json"
check "and prints the same text" cmp -s "$TMP/good.txt" "$TMP/run.out"
done_testing
