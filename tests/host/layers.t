# The library's layers (docs/design.md, "Shape"): model/, report/ and top/
# compile without libbpf and without the skeleton, only the objects that
# include the skeleton wait for it, and a program on report/ alone (what
# `iommu-flushhist -i` runs: tests/unit/report-print.c) links no libbpf,
# is small, and prints what the tool prints.
source "$(dirname "$0")/../lib/test.sh"
cd "$TOP"
make -s build >&2 || { notok "make build failed"; exit 1; }

# the flags a layer's object is compiled with, from make's own command line
flags_of() {   # flags_of SRC OBJ
	make --no-print-directory V=1 -W "$1" "$2" 2>&1 | grep -- "-c $1 -o $2" | head -n1 | sed "s# -c $1 -o $2##"
}
for layer in model report top cli export; do
	src=$(ls tools/lib/$layer/*.c | head -n1)
	obj=.output/lib/$layer/$(basename "${src%.c}").o
	flags=$(flags_of "$src" "$obj")
	check "$layer/ compiles without the skeleton's directory or collector/ ($obj)" \
		bash -c '[ -n "$1" ] && ! grep -qE -- "-I\.output( |$)|-Itools/lib/collector" <<<"$1"' _ "$flags"
	for inc in '<bpf/libbpf.h>' '<bpf/bpf.h>' '"iommu_flush.skel.h"' '"collector.h"' '"internal.h"'; do
		printf '#include %s\nint x;\n' "$inc" >"$TMP/x.c"
		check "$layer/ cannot include $inc" \
			bash -c '[ -n "$1" ] && ! $1 -c "$2" -o "$3" 2>"$4" && grep -qE "#error|No such file" "$4"' \
			_ "$flags" "$TMP/x.c" "$TMP/x.o" "$TMP/x.err"
	done
	printf '#include "snapshot.h"\n#include "hist.h"\nint x;\n' >"$TMP/x.c"
	check "$layer/ includes model/ headers" bash -c '[ -n "$1" ] && $1 -c "$2" -o "$3"' _ "$flags" "$TMP/x.c" "$TMP/x.o"
done

# as if the skeleton were new: only its includers are compiled again
rebuilt=$(make -n -W .output/iommu_flush.skel.h build | grep -o -- '-c [^ ]*\.c' | sed 's/^-c //' | sort -u)
includers=$(grep -l '"iommu_flush.skel.h"' tools/lib/*/*.c tests/lib/*.c | sort -u)
check "a new skeleton recompiles its includers only ($(echo $rebuilt))" \
	bash -c '[ -n "$1" ] && [ "$1" = "$2" ]' _ "$rebuilt" "$includers"

# report-only programs: no libbpf, no BPF object, small
for p in report-print test-dump-text test-ab-report test-topframe; do
	bin=.output/tests/$p
	size=$(stat -c %s "$bin")
	check "$p links no libbpf and embeds no BPF object ($size bytes)" \
		bash -c '! ldd "$1" | grep -q libbpf && ! nm "$1" | grep -qE "bpf_object|iommu_flush_bpf" && [ "$2" -lt 524288 ]' _ "$bin" "$size"
done
check "iommu-flushtop, by contrast, links libbpf (the check can fail)" bash -c 'ldd .output/bin/iommu-flushtop | grep -q libbpf'

# report-print is iommu-flushhist -i: the same output, byte for byte
for f in tests/fixtures/dumps/*.json; do
	.output/tests/report-print "$f" >"$TMP/a" 2>&1; rc1=$?
	.output/bin/iommu-flushhist -i "$f" >"$TMP/b" 2>&1; rc2=$?
	check "report-print $(basename "$f") prints what iommu-flushhist -i prints (exit $rc1, $(wc -l <"$TMP/a") lines)" \
		bash -c '[ "$1" = 0 ] && [ "$2" = 0 ] && [ -s "$3" ] && cmp -s "$3" "$4"' _ "$rc1" "$rc2" "$TMP/a" "$TMP/b"
done
f=tests/fixtures/dumps/intel-lazy.json
.output/tests/report-print "$f" "$TMP/copy-a.json" >/dev/null 2>&1; rc1=$?
.output/bin/iommu-flushhist -i "$f" -o "$TMP/copy-b.json" >/dev/null 2>&1; rc2=$?
check "report-print FILE COPY saves what iommu-flushhist -i FILE -o COPY saves" \
	bash -c '[ "$1" = 0 ] && [ "$2" = 0 ] && [ -s "$3" ] && cmp -s "$3" "$4"' _ "$rc1" "$rc2" "$TMP/copy-a.json" "$TMP/copy-b.json"
.output/tests/report-print tests/fixtures/dumps/handmade.txt >"$TMP/a" 2>"$TMP/a.err"; rc1=$?
.output/bin/iommu-flushhist -i tests/fixtures/dumps/handmade.txt >"$TMP/b" 2>"$TMP/b.err"; rc2=$?
check "and refuses what it refuses, with the same reason ($(cat "$TMP/b.err"))" \
	bash -c '[ "$1" = 1 ] && [ "$2" = 1 ] && [ ! -s "$3" ] && [ "$(sed "s/^[a-z-]*: //" "$4")" = "$(sed "s/^[a-z-]*: //" "$5")" ]' \
	_ "$rc1" "$rc2" "$TMP/a" "$TMP/a.err" "$TMP/b.err"
done_testing
