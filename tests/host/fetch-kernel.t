# fetch-kernel's refusals, each one line and a non-zero exit: a pinned version
# the archive no longer offers (naming the versions on offer), a checksum
# that does not match the cached package, an unknown base.  Uses a copy of
# scripts/ with made-up BASE files and a private cache.
source "$(dirname "$0")/../lib/test.sh"
mkdir -p "$TMP/p/kernel-patches/vgone" "$TMP/p/kernel-patches/vbadsum"
cp -r "$TOP/scripts" "$TMP/p/"
printf 'PACKAGE=linux-source-7.2\nVERSION=7.2.0-99\nSUITE=sid\nSHA256=00\n' >"$TMP/p/kernel-patches/vgone/BASE"
printf 'PACKAGE=linux-source-7.2\nVERSION=7.2.13-1\nSUITE=sid\nSHA256=%064d\n' 0 >"$TMP/p/kernel-patches/vbadsum/BASE"
export IOMMU_FLUSHTOP_CACHE="$TMP/cache"

out=$("$TMP/p/scripts/fetch-kernel" vgone 2>&1); rc=$?
echo "$out"
check "a version gone from the archive fails (exit $rc)" [ $rc -ne 0 ]
check "and says so in one line naming wanted and offered versions" \
	bash -c '[ $(echo "$1" | wc -l) = 1 ] && [[ $1 == *"7.2.0-99 is not in the archive"*"on offer: "*7.2.* ]]' _ "$out"

# A corrupt cached package: no download, the checksum check must catch it.
mkdir -p "$TMP/cache/debs"
echo corrupt >"$TMP/cache/debs/linux-source-7.2_7.2.13-1_all.deb"
out=$("$TMP/p/scripts/fetch-kernel" vbadsum 2>&1); rc=$?
echo "$out"
check "a package with the wrong sha256 is refused (exit $rc)" [ $rc -ne 0 ]
check "in one line, and removed from the cache" \
	bash -c '[ $(echo "$1" | wc -l) = 1 ] && [[ $1 == *"sha256"* ]] && [ ! -e "$2" ]' _ "$out" "$TMP/cache/debs/linux-source-7.2_7.2.13-1_all.deb"

out=$("$TMP/p/scripts/fetch-kernel" vnone 2>&1); rc=$?
check "an unknown base is refused in one line" bash -c '[ $2 -ne 0 ] && [ $(echo "$1" | wc -l) = 1 ] && [[ $1 == *"unknown base"* ]]' _ "$out" $rc
done_testing
