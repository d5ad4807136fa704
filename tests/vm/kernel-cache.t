# build-kernel with unchanged inputs is a cache hit: same bzImage path, no
# rebuild (the image's mtime does not move), within seconds; the cache key
# changes when any input does (a fragment, a patch, --pristine's series).
# A build seeded from another (an A/B kernel: the series' build plus one
# patch) recompiles only what the patch changes, and what it changes is in
# the image.
source "$(dirname "$0")/../lib/test.sh"
bk="$TOP/scripts/build-kernel"
img1=$("$bk" "$BASE" 2>"$TMP/err1") || { notok "first build-kernel $BASE failed"; exit 1; }
m1=$(stat -c %Y "$img1")
t0=$(date +%s%N)
img2=$("$bk" "$BASE" 2>"$TMP/err2")
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
check "second build-kernel $BASE is a cache hit (${ms} ms)" \
	bash -c '[ "$1" = "$2" ] && grep -q "cache hit" "$3" && [ "$4" -lt 10000 ]' _ "$img1" "$img2" "$TMP/err2" "$ms"
check "the cached image was not rebuilt" [ "$(stat -c %Y "$img2")" = "$m1" ]
check "the image is a bzImage of $BASE" bash -c 'file "$1" | grep -q "Linux kernel x86 boot executable"' _ "$img2"

# --- seeded: a patch on top of the series --------------------------------------------
# A line that puts a string in dma-iommu.o, unique to this run so that the
# build is never a cache hit; the build is removed afterwards.  On the
# first base only: seeding does not depend on the base, and the build
# costs a minute of make check each time.
[ "$BASE" = "$(cd "$TOP/kernel-patches" && ls -d v* | sort -rV | head -n1)" ] || { done_testing; exit 0; }
cache=${IOMMU_FLUSHTOP_CACHE:-$HOME/.cache/iommu-flushtop}
mark="ifl-seed-$$-$(date +%s%N)"
src="$cache/git/$BASE"
n=$(git -C "$src" show pristine:drivers/iommu/dma-iommu.c | wc -l)
{
	printf 'From: iommu-flushtop tests <tests@localhost>\nSubject: [PATCH] kernel-cache.t: %s\n\n---\n' "$mark"
	printf 'diff --git a/drivers/iommu/dma-iommu.c b/drivers/iommu/dma-iommu.c\n'
	printf -- '--- a/drivers/iommu/dma-iommu.c\n+++ b/drivers/iommu/dma-iommu.c\n'
	printf '@@ -%d,3 +%d,4 @@\n' $((n - 2)) $((n - 2))
	git -C "$src" show pristine:drivers/iommu/dma-iommu.c | tail -n 3 | sed 's/^/ /'
	printf '+static const char ifl_seed_mark[] __used = "%s";\n' "$mark"
} >"$TMP/mark.patch"
key=$("$bk" "$BASE" --extra "$TMP/mark.patch" --key); key=${key##*-}
if img3=$("$bk" "$BASE" --extra "$TMP/mark.patch" 2>"$TMP/err3"); then
	out3=${img3%/arch/*}
	log=$(ls "$cache"/logs/building_"$BASE"_*_key_"$key"_.log 2>/dev/null | head -n1)
	# Kernel objects only: what the host tools (objtool, resolve_btfids)
	# compile is listed apart.
	cc=$(sed -n 's/^  CC  *\([^ ]*\.o\)$/\1/p' "$log" 2>/dev/null | grep -v "^$out3/tools/\|^/" | sort | tr '\n' ' ')
	tools=$(sed -n 's/^  CC  *\([^ ]*\.o\)$/\1/p' "$log" 2>/dev/null | grep -c "/tools/")
	check "seeded build: seeded from the series' build" grep -q "seeding from $BASE-default-" "$TMP/err3"
	check "seeded build: dma-iommu.o recompiled, at most 5 other objects, no host tool (${cc:-none}; $tools tools)" \
		bash -c 'grep -qw "drivers/iommu/dma-iommu.o" <<<"$1" && [ $(wc -w <<<"$1") -le 6 ] && [ "$2" = 0 ]' _ "$cc" "$tools"
	check "seeded build: the patch's string is in vmlinux" grep -qa "$mark" "$out3/vmlinux"
	rm -rf "$out3"
else
	notok "seeded build: build-kernel $BASE --extra failed: $(tail -n1 "$TMP/err3")"
fi
done_testing
