# The suite's privilege-dropping helper (tests/lib/test.sh: as_nobody,
# nobody_file) from a checkout only root can traverse, as a fresh clone
# under /root or a Debian 12 home is: a copy of tests/lib and of the built
# iommu-flushhist below a 0700 directory.  First the trap itself (nobody
# cannot exec the binary where it is: the test would catch the bug), then
# the helper from that copy: it runs as 65534, reads its input, prints what
# root's run prints, and leaves no directory behind.
source "$(dirname "$0")/../lib/test.sh"
make -s -C "$TOP" build >&2 || { notok "make build failed"; exit 1; }
command -v setpriv >/dev/null || skip_rest "no setpriv"

priv=$(mktemp -d)	# 0700, root's
clone="$priv/clone"
mkdir -p "$clone/tests/lib" "$clone/.output/bin" "$clone/tests/fixtures/dumps"
cp "$TOP/tests/lib/test.sh" "$clone/tests/lib/"
cp "$TOP/.output/bin/iommu-flushhist" "$clone/.output/bin/"
cp "$TOP/tests/fixtures/dumps/handmade.json" "$clone/tests/fixtures/dumps/"
cp "$(command -v id)" "$clone/id"
trap 'rm -rf "$TMP" "$NOBODY_DIR" "$priv"' EXIT
check "the copy sits below a directory of mode 0700 ($(stat -c %a "$priv"))" [ "$(stat -c %a "$priv")" = 700 ]

rc=0
setpriv --reuid=65534 --regid=65534 --clear-groups "$clone/.output/bin/iommu-flushhist" \
	-i "$clone/tests/fixtures/dumps/handmade.json" >/dev/null 2>"$TMP/inplace.err" || rc=$?
check "run in place as nobody, the binary cannot even start (exit $rc: \"$(head -c 120 "$TMP/inplace.err")\")" \
	bash -c '[ "$1" != 0 ] && grep -q "Permission denied" "$2"' _ "$rc" "$TMP/inplace.err"

# The helper, sourced from the private copy, in a shell of its own.
rc=0
bash -c '
	source "$1/tests/lib/test.sh"
	echo "dir=$NOBODY_DIR"
	echo "uid=$(as_nobody "$1/id" -u)"
	f=$(nobody_file "$1/tests/fixtures/dumps/handmade.json") || exit 3
	as_nobody "$1/.output/bin/iommu-flushhist" -i "$f" >"$2/nobody.out" 2>"$2/nobody.err"
' _ "$clone" "$TMP" >"$TMP/helper.out" 2>"$TMP/helper.err" || rc=$?
cat "$TMP/helper.out" "$TMP/helper.err" "$TMP/nobody.err" 2>/dev/null
"$TOP/.output/bin/iommu-flushhist" -i "$TOP/tests/fixtures/dumps/handmade.json" >"$TMP/root.out" 2>&1
check "as_nobody from the private copy runs as uid $(fact uid "$TMP/helper.out") (want 65534)" \
	[ "$(fact uid "$TMP/helper.out")" = 65534 ]
check "as_nobody ran iommu-flushhist -i on a nobody_file copy: exit $rc, no error, root's text" \
	bash -c '[ "$1" = 0 ] && [ ! -s "$2/nobody.err" ] && [ -s "$2/nobody.out" ] && cmp -s "$2/nobody.out" "$2/root.out"' _ "$rc" "$TMP"
d=$(fact dir "$TMP/helper.out")
check "its directory (${d:-none}) was under /tmp, and is gone once the shell exited" \
	bash -c '[[ $1 == /tmp/iommu-flushtop-nobody.* ]] && [ ! -e "$1" ]' _ "$d"
done_testing
