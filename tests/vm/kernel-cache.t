# build-kernel with unchanged inputs is a cache hit: same bzImage path, no
# rebuild (the image's mtime does not move), within seconds; the cache key
# changes when any input does (a fragment, a patch, --pristine's series).
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
done_testing
