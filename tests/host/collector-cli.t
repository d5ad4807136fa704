# The collector on this host's own kernel, end to end through
# tests/unit/collector-dump: it refuses in one line with exit status 1 when
# it cannot work here (this host has no patched kernel, or no IOMMU), and
# as an unprivileged user it says that root or CAP_BPF+CAP_PERFMON is needed.
source "$(dirname "$0")/../lib/test.sh"
make -s -C "$TOP" build >&2 || { notok "make build failed"; exit 1; }
dump="$TOP/.output/tests/collector-dump"

rc=0
"$dump" --check >"$TMP/out" 2>"$TMP/err" || rc=$?
cat "$TMP/out" "$TMP/err"
if [ $rc = 0 ]; then
	# A host with the series (or the fallback's hooks): what it opened is
	# named, and a window around a command that maps nothing works.
	check "this host can run the collector itself: source $(fact col_source "$TMP/out"), programs $(fact col_prog_type "$TMP/out"), nothing on stderr" \
		bash -c '[[ $1 =~ ^(tracepoints|fallback)$ ]] && [[ $2 =~ ^(tp_btf|raw_tp|fentry|kprobe)$ ]] && [ ! -s "$3" ]' \
		_ "$(fact col_source "$TMP/out")" "$(fact col_prog_type "$TMP/out")" "$TMP/err"
	rc=0
	"$dump" --rows -- true >"$TMP/win" 2>"$TMP/win.err" || rc=$?
	cat "$TMP/win" "$TMP/win.err"
	check "a window around true: exit $rc, the command's status $(fact col_cmd_status "$TMP/win")" \
		[ $rc = 0 -a "$(fact col_cmd_status "$TMP/win")" = 0 ]
else
	check "on this host: exit 1 and one line, \"$(cat "$TMP/err")\"" \
		bash -c '[ "$1" = 1 ] && [ "$(wc -l <"$2")" = 1 ] && grep -q "^collector-dump: " "$2"' _ "$rc" "$TMP/err"
fi

if command -v setpriv >/dev/null; then
	rc=0
	as_nobody "$dump" --check >/dev/null 2>"$TMP/err" || rc=$?
	check "as nobody: exit 1, \"$(cat "$TMP/err")\"" \
		bash -c '[ "$1" = 1 ] && [ "$(wc -l <"$2")" = 1 ] && grep -q "CAP_BPF and CAP_PERFMON" "$2"' _ "$rc" "$TMP/err"
fi
rc=0
"$dump" --bogus >/dev/null 2>&1 || rc=$?
check "a bad option: usage, exit 2 (got $rc)" [ $rc = 2 ]
done_testing
