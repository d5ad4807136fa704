# Helpers for test files (sourced).  A test prints "ok NAME" / "not ok NAME:
# why" lines; everything else it prints goes to its log.
TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BASE=${BASE:-v7.2}

# TAP: a result line per assertion group, and the plan ("1..N", N the
# results printed) at the end, from done_testing: a file that stops early,
# even with status 0, has no plan, and tests/run (or prove) fails it.  The
# results are counted in a file, so that those printed in a subshell count.
TEST_NAME=${TEST_NAME:-$(basename "$(dirname "$0")")/$(basename "$0" .t)}
result() { echo "$1"; echo >>"$TAP_RESULTS"; }
ok() { result "ok $TEST_NAME: $*"; }
notok() { result "not ok $TEST_NAME: $*"; }
skip() { result "ok $TEST_NAME # SKIP $*"; }
done_testing() { echo "1..$(wc -l <"$TAP_RESULTS")"; }
# skip_rest WHY: the rest of the file does not apply here (no series for
# this base, say): one skip, the plan, exit 0.
skip_rest() { skip "$*"; done_testing; exit 0; }

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

# run LABEL PROGRAM ARGS...: its exit status in rc, stdout and stderr in
# $TMP/run.out and run.err; the label, the status and stderr in the log.
run() {
	local label=$1; shift
	rc=0
	"$@" >"$TMP/run.out" 2>"$TMP/run.err" || rc=$?
	echo "== $label: exit $rc"; cat "$TMP/run.err"
}

# fact KEY FILE: the value of a "KEY=VALUE" line a guest script printed.
# Histograms as facts carry them, "bucket:count,...", log2 buckets:
# sum_hist the samples, top_bucket the highest non-empty bucket, bucket_of
# the bucket a value falls in.
sum_hist() { echo "$1" | tr ',' '\n' | awk -F: '$2 { s += $2 } END { print s + 0 }'; }
top_bucket() { echo "$1" | tr ',' '\n' | sed -n 's/:.*//p' | sort -n | tail -n1; }
# fq_flush_bound SPAN_US Q DOMAINS: the most flush-queue flushes SPAN_US
# of queueing can hold, Q entries queued on DOMAINS domains (a timer
# each): per domain, the timer's, one per 8 ms (IOVA_DEFAULT_FQ_TIMEOUT is
# 10 ms, msecs_to_jiffies(10) = 3 ticks at HZ=250, Debian's HZ and the test
# kernels'; the timer is re-armed only after it fired, and fires at the
# earliest two whole ticks after its arming; jiffies never run ahead of
# the clock, however late a busy host lets the guest run), plus one per
# full per-CPU ring (256 slots, 255 entries).  A bound from what the guest
# measured: on a busy host dd's unmaps come slower, each flush covers
# fewer, and the bound widens with the span instead of failing.
fq_flush_bound() { echo $(( ${3:-1} * ($1 / 8000 + 1) + $2 / 255 )); }
bucket_of() { awk -v v="$1" 'BEGIN { b = 0; while (v >= 1) { b++; v /= 2 } print (b > 31 ? 31 : b) }'; }
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
TAP_RESULTS="$TMP/.tap-results"
: >"$TAP_RESULTS"
# Unprivileged runs.  The checkout may sit below a directory only root can
# traverse (/root, a Debian 12 home, what mktemp -d gives are 0700), and so
# may $TMPDIR: nobody could then exec the binary or open its inputs where
# they are.  So what nobody runs and reads is copied into NOBODY_DIR, a
# root-owned 0755 directory under /tmp (world-traversable by definition),
# removed at exit with $TMP.
NOBODY_DIR=$(mktemp -d /tmp/iommu-flushtop-nobody.XXXXXX) && chmod 0755 "$NOBODY_DIR" &&
	mkdir -m 0755 "$NOBODY_DIR/bin" || { echo "not ok ${TEST_NAME:-test}: no directory for nobody under /tmp"; exit 1; }
trap 'rm -rf "$TMP" "$NOBODY_DIR"' EXIT

# nobody_file FILE [NAME]: a world-readable copy of FILE in NOBODY_DIR, by
# default under its own base name (a tool that prints the name prints the
# same); prints the copy's path.
nobody_file() {
	local copy="$NOBODY_DIR/${2:-$(basename "$1")}"
	cp "$1" "$copy" && chmod 0644 "$copy" && echo "$copy"
}

# as_nobody PROGRAM ARGS...: PROGRAM copied into NOBODY_DIR/bin and run as
# uid and gid 65534 with no groups, from NOBODY_DIR (relative paths in ARGS
# are relative to it).
as_nobody() {
	local prog=$1 copy
	shift
	copy="$NOBODY_DIR/bin/$(basename "$prog")"
	cp "$prog" "$copy.$$" && chmod 0755 "$copy.$$" && mv -f "$copy.$$" "$copy" || return 1
	(cd "$NOBODY_DIR" && exec setpriv --reuid=65534 --regid=65534 --clear-groups "$copy" "$@")
}
