# scripts/lib/hotpath-diff, the zero-cost gate of patches-check, on a kernel
# in miniature (tests/fixtures/hotpath/mini-kernel.c) built both ways: a
# jump-label site alone passes and is counted; a call, an instruction or a
# stack frame on the path with the event off fails, and says which; bad
# input is refused in one line.  x86_64 always, arm64 with Debian's cross
# compiler.
source "$(dirname "$0")/../lib/test.sh"
hd="$TOP/scripts/lib/hotpath-diff"
src="$TOP/tests/fixtures/hotpath/mini-kernel.c"
for arch in x86_64 arm64; do
	cc=gcc
	[ $arch = arm64 ] && cc=aarch64-linux-gnu-gcc
	if ! command -v $cc >/dev/null; then skip "$arch: no $cc"; continue; fi
	for v in pristine: site:-DSITE call:"-DSITE -DEXTRA_CALL" insn:"-DSITE -DEXTRA_INSN" frame:"-DSITE -DEXTRA_FRAME"; do
		# -fno-stack-protector: the frame case must differ in its frame only
		$cc -O2 -fno-pie -no-pie -nostdlib -static -fno-stack-protector ${v#*:} -o "$TMP/$arch-${v%%:*}" "$src" ||
			notok "$arch: $cc ${v#*:} failed"
	done
	# variant, exit status, what the line says, the case
	while IFS='|' read -r v want pat what; do
		out=$("$hd" "$TMP/$arch-pristine" "$TMP/$arch-$v" hot); rc=$?
		check "$arch: $what: exit $want" [ $rc = "$want" ]
		check "$arch: $what: '$pat'" grep -q -- "$pat" <<<"$out"
	done <<'T'
site|0|^ok hot: .*+1 jump-label NOP|a jump-label site alone passes, counted
call|1|^not ok hot: .*new call(s) helper|a call with the event off fails, callee named
insn|1|^not ok hot: +2 insns|two instructions more fail, counted
frame|1|frame [0-9]* -> [0-9]* bytes|a stack frame fails, with its size
T
	out=$("$hd" "$TMP/$arch-pristine" "$TMP/$arch-site" hot nosuch); rc=$?
	check "$arch: a function in neither is skipped, not failed" [ $rc = 0 ]
	check "$arch: and said so" grep -q '^skip nosuch: in neither' <<<"$out"
	printf '# comment\nhot a fix, on purpose\n' >"$TMP/exempt"
	out=$("$hd" -x "$TMP/exempt" "$TMP/$arch-pristine" "$TMP/$arch-call" hot); rc=$?
	check "$arch: a function exempt by name (-x) passes" [ $rc = 0 ]
	check "$arch: said so, with its reason and what it would have failed on" grep -q '^exempt hot: a fix, on purpose (.*new call(s) helper)' <<<"$out"
	echo "hot only_site" >"$TMP/names"
	out=$("$hd" -a "$TMP/names" "$TMP/$arch-pristine" "$TMP/$arch-site"); rc=$?
	check "$arch: a new function of a names file (-a) is reported, not failed" [ $rc = 0 ]
	check "$arch: as new" grep -q '^new only_site: only in the patched' <<<"$out"
	out=$("$hd" "$TMP/$arch-pristine" "$TMP/$arch-site" only_site); rc=$?
	check "$arch: named on the command line, it fails" [ $rc = 1 ]
done
echo junk >"$TMP/junk"
err=$("$hd" "$TMP/junk" "$TMP/junk" hot 2>&1); rc=$?
check "a file that is not ELF: exit 2" [ $rc = 2 ]
check "in one line" [ "$(echo "$err" | wc -l)" = 1 ]
err=$("$hd" "$TMP/none" "$TMP/none" hot 2>&1); rc=$?
check "a missing file: exit 2" [ $rc = 2 ]
check "in one line, naming it" [ "$(echo "$err" | grep -c "$TMP/none")" = 1 ]
"$hd" >/dev/null 2>&1; rc=$?
check "no arguments: usage, exit 2" [ $rc = 2 ]
done_testing
