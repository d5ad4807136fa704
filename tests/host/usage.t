# Bad options to the scripts: a one-line error on stderr naming the script
# ("NAME: ..." or "usage: NAME ..."), nothing on stdout, and exit status 2,
# before any kernel is built or VM booted.
source "$(dirname "$0")/../lib/test.sh"
try() {   # try NAME CMD...: expect exit 2 and one line naming the script
	local name=$1; shift
	local rc=0 script=${1##*/}
	"$@" >"$TMP/out" 2>"$TMP/err" || rc=$?
	check "$name: exit $rc, \"$(head -c 160 "$TMP/err")\"" \
		bash -c '[ "$1" = 2 ] && [ "$(wc -l <"$2")" = 1 ] && [ ! -s "$3" ] && grep -qE "^(usage: )?$4[: ]" "$2"' \
		_ "$rc" "$TMP/err" "$TMP/out" "$script"
}
try "vm-run without a command" "$TOP/scripts/vm-run"
try "vm-run --iommu bogus" "$TOP/scripts/vm-run" --iommu bogus -- true
try "vm-run --timeout 0" "$TOP/scripts/vm-run" --timeout 0 -- true
try "vm-run --timeout abc" "$TOP/scripts/vm-run" --timeout abc -- true
try "vm-run unknown option" "$TOP/scripts/vm-run" --frobnicate -- true
try "build-kernel without a base" "$TOP/scripts/build-kernel"
try "build-kernel bad option" "$TOP/scripts/build-kernel" v7.2 --bogus
try "fetch-kernel without a base" "$TOP/scripts/fetch-kernel"
try "fetch-stock-kernel without a base" "$TOP/scripts/fetch-stock-kernel"
try "vm-run --stock with --kernel" "$TOP/scripts/vm-run" --stock --kernel /nonexistent -- true
try "bench-sources-vm bad option" "$TOP/scripts/bench-sources-vm" --bogus
try "bench-exporter-vm bad option" "$TOP/scripts/bench-exporter-vm" --bogus
try "bench-exporter-vm --seconds 0" "$TOP/scripts/bench-exporter-vm" --seconds 0
try "build-guest-tools without a base" "$TOP/scripts/build-guest-tools"
try "bench-overhead bad option" "$TOP/scripts/bench-overhead" --bogus
try "bench-insns bad option" "$TOP/scripts/bench-insns" --bogus
try "bench-insns --runs 0" "$TOP/scripts/bench-insns" --runs 0
try "debian-config without an arch" "$TOP/scripts/debian-config" v7.2
try "bench-handlers-vm bad option" "$TOP/scripts/bench-handlers-vm" --bogus
try "ab-patch bad option" "$TOP/scripts/ab-patch" --bogus
try "demo with an argument" "$TOP/scripts/demo" --bogus
try "deps with an argument" "$TOP/scripts/deps" now
# --help on every script: its usage on stdout, exit 0, and nothing fetched,
# built or booted (the cache it would use is never created)
for s in "$TOP"/scripts/*; do
	[ -f "$s" ] && [ -x "$s" ] || continue
	rc=0
	IOMMU_FLUSHTOP_CACHE=$TMP/cache timeout 20 "$s" --help >"$TMP/out" 2>"$TMP/err" || rc=$?
	check "${s##*/} --help: exit $rc, usage on stdout ($(wc -l <"$TMP/out") lines: $(head -n1 "$TMP/out" | cut -c1-60)), nothing on stderr, no cache made" \
		bash -c '[ "$1" = 0 ] && grep -q "${2##*/}" "$3" && [ ! -s "$4" ] && [ ! -e "$5" ]' _ "$rc" "$s" "$TMP/out" "$TMP/err" "$TMP/cache"
done
done_testing
