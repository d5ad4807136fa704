# Where iommu-flushhist's output goes (tools/lib/report/outfile.h), as
# built and under ASan/UBSan, through -i FILE -o TARGET (the writer a
# recording uses): a device node and a FIFO are written into and stay what
# they are; a symlink's target is replaced, the link stays; "-", /dev/stdout
# and /dev/fd/N write into the descriptor (a pipe, an append), the report
# then going to stderr; a directory, a read-only or a full file system and
# a descriptor not open for writing are refused in one line, and when
# recording, before it (the line names the output, not the collector's
# refusal this host would give); a report or a --compare that cannot reach
# stdout (closed, /dev/full) exits 1 in one line, as --help and -V do.
# The device nodes are made in $TMP with mknod (the host's own /dev/null is
# never a target here: tests/vm/flushhist.t writes onto the guest's);
# the mounts are made in a mount namespace of their own.
source "$(dirname "$0")/../lib/test.sh"
make -s -C "$TOP" build sanitize >&2 || { notok "make build sanitize failed"; exit 1; }
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
good="$TOP/tests/fixtures/dumps/intel-lazy.json"
[ "$(id -u)" = 0 ] || skip_rest "needs root (mknod, mounts)"

# one_line WANT: exit 1, one line on stderr naming the tool and WANT, no sanitizer report
one_line() {
	bash -c '[ "$1" = 1 ] && [ "$(wc -l <"$2")" = 1 ] && grep -q "^iommu-flushhist: " "$2" && grep -qF -- "$3" "$2" && ! grep -qE "Sanitizer|runtime error" "$2"' \
		_ "$rc" "$TMP/run.err" "$1"
}
same_json() { python3 -c 'import json, sys; a, b = (json.load(open(p)) for p in sys.argv[1:]); sys.exit(a != b)' "$1" "$2"; }
# for the checks' bash -c: the status and the helpers
export TMP rc=0
export -f one_line same_json

for bin in "$TOP/.output/bin/iommu-flushhist" "$TOP/.output/san/bin/iommu-flushhist"; do
	b=plain; [[ $bin = */san/* ]] && b=san
	D="$TMP/$b"
	mkdir -p "$D/dir"
	"$bin" -i "$good" >"$D/report.txt" 2>/dev/null || { notok "$b: -i $good"; continue; }

	# ---- device nodes and FIFOs: written into, never replaced ----
	mknod "$D/null" c 1 3 && mknod "$D/full" c 1 7 && mkfifo "$D/fifo" || { notok "$b: mknod, mkfifo"; continue; }
	run "$b -o null" "$bin" -i "$good" -o "$D/null"
	check "$b: -o onto a null device node: exit $rc, the report printed, still the device (1,3), nothing beside it" \
		bash -c '[ "$1" = 0 ] && cmp -s "$2" "$3" && [ "$(stat -c "%F %t,%T" "$4")" = "character special file 1,3" ] && [ -z "$(ls -A "$5" | grep "^\.")" ]' \
		_ "$rc" "$TMP/run.out" "$D/report.txt" "$D/null" "$D"
	run "$b -o full" "$bin" -i "$good" -o "$D/full"
	check "$b: -o onto a full device node (1,7): one line with the reason, still the device" \
		bash -c 'one_line "No space left on device" && [ "$(stat -c "%F %t,%T" "$1")" = "character special file 1,7" ]' _ "$D/full"
	cat "$D/fifo" >"$D/fifo.out" &
	reader=$!
	run "$b -o fifo" timeout 60 "$bin" -i "$good" -o "$D/fifo"
	wait $reader
	check "$b: -o onto a FIFO: exit $rc, its reader got the whole dump (the same JSON as the input), still a FIFO" \
		bash -c '[ "$1" = 0 ] && [ "$(stat -c %F "$2")" = fifo ] && same_json "$3" "$4"' _ "$rc" "$D/fifo" "$good" "$D/fifo.out"

	# ---- symlinks: the file they lead to is replaced, the links stay ----
	mkdir -p "$D/real" && echo old >"$D/real/a.json" && ln -s real "$D/reallink" &&
		ln -s reallink/a.json "$D/link1.json" && ln -s "$D/link1.json" "$D/link2.json" &&
		ln -s real/new.json "$D/dangling.json" || { notok "$b: symlinks"; continue; }
	run "$b -o link2" "$bin" -i "$good" -o "$D/link2.json"
	check "$b: -o onto a symlink to a symlink (relative, through a linked directory): exit $rc, both links stay, the file they lead to holds the dump, nothing left beside it" \
		bash -c '[ "$1" = 0 ] && [ -L "$2/link1.json" ] && [ -L "$2/link2.json" ] && [ "$(ls -A "$2/real")" = a.json ] && same_json "$3" "$2/real/a.json"' _ "$rc" "$D" "$good"
	run "$b -o dangling" "$bin" -i "$good" -o "$D/dangling.json"
	check "$b: -o onto a dangling symlink: exit $rc, the link stays and its target is created" \
		bash -c '[ "$1" = 0 ] && [ -L "$2/dangling.json" ] && [ -f "$2/real/new.json" ] && same_json "$3" "$2/real/new.json"' _ "$rc" "$D" "$good"
	ln -s loop2 "$D/loop1" && ln -s loop1 "$D/loop2"
	run "$b -o loop" "$bin" -i "$good" -o "$D/loop1"
	check "$b: -o onto a symlink loop: one line" one_line "Too many levels of symbolic links"

	# ---- descriptors: "-", /dev/stdout, /dev/fd/N ----
	rc=0; "$bin" -i "$good" -o - >"$D/dash.json" 2>"$D/dash.err" || rc=$?
	check "$b: -o -: exit $rc, stdout holds the dump alone, the report is on stderr" \
		bash -c '[ "$1" = 0 ] && cmp -s "$2" "$3" && same_json "$4" "$5"' _ "$rc" "$D/dash.err" "$D/report.txt" "$good" "$D/dash.json"
	rc=0; "$bin" -i "$good" -o /dev/stdout 2>/dev/null | cat >"$D/pipe.json" || rc=$?
	check "$b: -o /dev/stdout into a pipe: the same bytes as -o -" cmp -s "$D/pipe.json" "$D/dash.json"
	echo "an earlier line" >"$D/append.json"
	"$bin" -i "$good" -o /dev/stdout >>"$D/append.json" 2>/dev/null
	check "$b: -o /dev/stdout on a file opened for appending: appended after what it held" \
		bash -c '[ "$(head -n1 "$1")" = "an earlier line" ] && tail -n +2 "$1" | cmp -s - "$2"' _ "$D/append.json" "$D/dash.json"
	rc=0; "$bin" -i "$good" -o /dev/fd/9 9>"$D/fd9.json" >/dev/null 2>"$TMP/run.err" || rc=$?
	check "$b: -o /dev/fd/9: exit $rc, written into descriptor 9" bash -c '[ "$1" = 0 ] && same_json "$2" "$3"' _ "$rc" "$good" "$D/fd9.json"
	rc=0; "$bin" -i "$good" -o /dev/fd/7 7<"$good" >/dev/null 2>"$TMP/run.err" || rc=$?
	check "$b: -o /dev/fd/7 open for reading only: one line ($(cat "$TMP/run.err"))" one_line "not open for writing"
	rc=0; "$bin" -i "$good" -o - >&- 2>"$TMP/run.err" || rc=$?
	check "$b: -o - with stdout closed: one line ($(cat "$TMP/run.err"))" one_line "descriptor 1 is not open"

	# ---- refused, and when recording, before the recording ----
	run "$b -o dir" "$bin" -i "$good" -o "$D/dir"
	check "$b: -o onto a directory: one line, nothing in it" bash -c 'one_line "is a directory" && [ -z "$(ls -A "$1")" ]' _ "$D/dir"
	run "$b record -o dir" "$bin" -o "$D/dir/" -d 1
	check "$b: recording -o onto a directory is refused before recording ($(cat "$TMP/run.err"))" one_line "is a directory"
	run "$b record -o missing" "$bin" -o "$D/nowhere/x.json" -d 1
	check "$b: recording -o into a missing directory is refused before recording" one_line "cannot write in $D/nowhere"

	# ---- stdout that does not take the report: one line, exit 1 ----
	rc=0; "$bin" -i "$good" >&- 2>"$TMP/run.err" || rc=$?
	check "$b: the report with stdout closed: one line ($(cat "$TMP/run.err"))" one_line "cannot write the report to standard output"
	rc=0; "$bin" -i "$good" >"$D/full" 2>"$TMP/run.err" || rc=$?
	check "$b: the report onto a full device: one line ($(cat "$TMP/run.err"))" one_line "No space left on device"
	rc=0; "$bin" --compare "$good" "$good" >"$D/full" 2>"$TMP/run.err" || rc=$?
	check "$b: --compare onto a full device: one line" one_line "No space left on device"
	rc=0; "$bin" --compare "$good,$good" "$good,$good" >"$D/full" 2>"$TMP/run.err" || rc=$?
	check "$b: --compare of runs onto a full device: one line" one_line "No space left on device"
	for o in --help -V; do
		rc=0; "$bin" $o >"$D/full" 2>"$TMP/run.err" || rc=$?
		check "$b: $o onto a full device: one line" one_line "cannot write to standard output"
	done
done

# ---- a read-only and a full file system, in a mount namespace of their own ----
if unshare -m true 2>/dev/null; then
	bin="$TOP/.output/bin/iommu-flushhist"
	M="$TMP/mnt"
	mkdir -p "$M/ro" "$M/full"
	unshare -m bash -c '
		mount -t tmpfs -o ro,size=1m tmpfs "$1/ro" && mount -t tmpfs -o size=64k tmpfs "$1/full" || exit 9
		dd if=/dev/zero of="$1/full/fill" bs=4k 2>/dev/null
		for d in ro full; do
			rc=0; "$2" -o "$1/$d/x.json" -d 1 2>"$1/$d.err" || rc=$?; echo $rc >"$1/$d.rc"
			rc=0; "$2" -i "$3" -o "$1/$d/x.json" >/dev/null 2>"$1/$d-i.err" || rc=$?; echo $rc >"$1/$d-i.rc"
			ls -A "$1/$d" >"$1/$d.ls"
		done' _ "$M" "$bin" "$good"
	for d in ro full; do
		want="Read-only file system"; [ $d = full ] && want="No space left on device"
		for m in "" -i; do
			rc=$(cat "$M/$d$m.rc" 2>/dev/null); cp "$M/$d$m.err" "$TMP/run.err" 2>/dev/null
			check "-o onto a $d file system${m:+ with -i}$([ -z "$m" ] && echo ", recording: refused before recording"): one line ($(cat "$TMP/run.err" 2>/dev/null))" \
				bash -c 'one_line "$1" && ! grep -q x.json "$2"' _ "$want" "$M/$d.ls"
		done
	done
else
	skip "no mount namespace here (unshare -m): read-only and full file systems untried"
fi

# ---- iommu-flushtop's help and version onto a full device (argp's own) ----
mknod "$TMP/full" c 1 7
for o in --help -h --version; do
	rc=0; "$TOP/.output/bin/iommu-flushtop" $o >"$TMP/full" 2>"$TMP/run.err" || rc=$?
	check "iommu-flushtop $o onto a full device: exit $rc, one line ($(cat "$TMP/run.err"))" \
		bash -c '[ "$1" = 1 ] && [ "$(wc -l <"$2")" = 1 ] && grep -q "^iommu-flushtop: cannot write to standard output" "$2"' _ "$rc" "$TMP/run.err"
done
rc=0; "$TOP/.output/bin/iommu-flushtop" --help >"$TMP/help.out" 2>"$TMP/run.err" || rc=$?
check "iommu-flushtop --help onto a file: exit $rc, nothing on stderr" bash -c '[ "$1" = 0 ] && [ -s "$2" ] && [ ! -s "$3" ]' _ "$rc" "$TMP/help.out" "$TMP/run.err"
done_testing
