# The kernel cache key (scripts/build-kernel --key), computed without
# fetching or building anything: stable, independent of where the checkout
# is, and changed by the recipe itself (the script, what it sources), a
# config fragment, the series, --pristine and the variant.
source "$(dirname "$0")/../lib/test.sh"
export IOMMU_FLUSHTOP_CACHE=$TMP/cache
key() { "$1/scripts/build-kernel" "${@:2}" --key 2>"$TMP/key.err"; }

k1=$(key "$TOP" v7.2) k2=$(key "$TOP" v7.2)
check "build-kernel v7.2 --key: a name BASE-default-KEY, twice the same ($k1), nothing on stderr, no cache made" \
	bash -c '[[ $1 =~ ^v7\.2-default-[0-9a-f]{12}$ ]] && [ "$1" = "$2" ] && [ ! -s "$3" ] && [ ! -e "$4" ]' \
	_ "$k1" "$k2" "$TMP/key.err" "$IOMMU_FLUSHTOP_CACHE"

# a copy of what the key reads, elsewhere: the same key, until one input changes
copy=$TMP/tree
mkdir -p "$copy"
cp -a "$TOP/scripts" "$TOP/kernel-patches" "$copy/"
check "a copy of the tree elsewhere has the same key" [ "$(key "$copy" v7.2)" = "$k1" ]
differs() {   # differs WHAT FILE: appending a comment line to FILE changes the key
	cp -a "$copy/$2" "$TMP/saved"
	echo "# $1" >>"$copy/$2"
	local k
	k=$(key "$copy" v7.2)
	cp -a "$TMP/saved" "$copy/$2"
	check "$1 changes the key ($k1 -> $k)" bash -c '[[ $1 =~ ^v7\.2-default-[0-9a-f]{12}$ ]] && [ "$1" != "$2" ]' _ "$k" "$k1"
}
differs "an edit to build-kernel itself" scripts/build-kernel
differs "an edit to scripts/lib/common.sh, which it sources" scripts/lib/common.sh
differs "an edit to a config fragment" kernel-patches/config/iommu.config
series_patch=$(grep -v '^#' "$TOP/kernel-patches/v7.2/series" | head -n1)
[ -n "$series_patch" ] && differs "an edit to a patch of the series" "kernel-patches/v7.2/$series_patch"
check "and back: the same key again" [ "$(key "$copy" v7.2)" = "$k1" ]
kp=$(key "$TOP" v7.2 --pristine) kd=$(key "$TOP" v7.2 --variant debug)
check "--pristine and --variant debug have keys of their own ($kp, $kd)" \
	bash -c '[ "$1" != "$3" ] && [ "$2" != "$3" ] && [ "$1" != "$2" ] && [[ $2 =~ ^v7\.2-debug- ]]' _ "$kp" "$kd" "$k1"
done_testing
