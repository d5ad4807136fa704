# Bad options to the scripts: a one-line error and exit status 2, before any
# kernel is built or VM booted.
source "$(dirname "$0")/../lib/test.sh"
try() {   # try NAME CMD...: expect exit 2 and a short error
	local name=$1; shift
	local err rc=0
	err=$("$@" 2>&1 >/dev/null) || rc=$?
	check "$name (exit $rc)" bash -c '[ $1 = 2 ] && [ -n "$2" ] && [ $(echo "$2" | wc -l) -le 12 ]' _ $rc "$err"
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
