# Helpers for test files (sourced).  A test prints "ok NAME" / "not ok NAME:
# why" lines; everything else it prints goes to its log.
TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BASE=${BASE:-v7.2}

ok() { echo "ok $TEST_NAME: $*"; }
notok() { echo "not ok $TEST_NAME: $*"; }
skip() { echo "skip $TEST_NAME: $*"; }

# probe_bytes BASE CONSUMER: what a consumer maps (and unmaps) of its own
# accord when a test program attaches a domain.  On 6.12, VFIO type1 probes
# each new domain for fine-grained superpages (vfio_iommu_type1.c
# vfio_test_domain_fgsp: maps 2 pages, unmaps them one by one); 7.2 has no
# such probe.
probe_bytes() {
	case $1:$2 in
	v6.12:vfio) echo 8192 ;;
	*) echo 0 ;;
	esac
}

# has_series: whether $BASE has a patch series (tests of its events need it).
has_series() { [ -s "$TOP/kernel-patches/$BASE/series" ]; }

# check NAME CONDITION-COMMAND...: ok/not ok on the command's status.
check() {
	local name=$1; shift
	if "$@"; then ok "$name"; else notok "$name"; fi
}

# fact KEY FILE: the value of a "KEY=VALUE" line a guest script printed.
fact() { sed -n "s/^$1=//p" "$2" | tail -n 1; }

# vm OUTFILE [vm-run options] -- CMD...: run CMD in a VM of $BASE, its stdout
# into OUTFILE, its stderr to the log and to OUTFILE.err; returns vm-run's
# status.  After a failure, vm_why OUTFILE says why in a few words.
vm() {
	local out=$1 rc=0; shift
	"$TOP/scripts/vm-run" --base "$BASE" "$@" >"$out" 2> >(tee "$out.err" >&2) || rc=$?
	wait $! 2>/dev/null
	VM_RC=$rc
	return $rc
}
vm_why() {
	local line
	line=$(grep -a '^vm-run: ' "$1.err" 2>/dev/null | grep -v 'booting\|cache hit' | tail -n 1)
	echo "vm-run exit $VM_RC${line:+: ${line#vm-run: }}"
}

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
