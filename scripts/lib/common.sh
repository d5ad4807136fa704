# Shared shell helpers for scripts/: cache location, messages, base metadata,
# progress ticker.  Sourced, never run.

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
CACHE=${IOMMU_FLUSHTOP_CACHE:-$HOME/.cache/iommu-flushtop}
PROG=$(basename "$0")

die() { echo "$PROG: $*" >&2; exit 1; }
say() { echo "$PROG: $*" >&2; }

# header_help "$@": -h or --help first prints the script's header comment
# (its usage) on stdout and exits 0, before anything is built or booted.
header_help() {
	case ${1:-} in
	-h|--help) sed -n '2,/^[^#]/{/^#/{s/^# \{0,1\}//;p}}' "$0"; exit 0 ;;
	esac
}
# no_args "$@": for the scripts that take none.
no_args() {
	header_help "$@"
	[ $# -eq 0 ] || { echo "usage: $PROG   (no arguments; see --help)" >&2; exit 2; }
}

# base_var BASE KEY: one KEY=VALUE line of kernel-patches/BASE/BASE.
base_var() {
	local f="$TOP/kernel-patches/$1/BASE"
	[ -f "$f" ] || die "unknown base '$1' (no $f); bases: $(cd "$TOP/kernel-patches" && ls -d v* | tr '\n' ' ')"
	sed -n "s/^$2=//p" "$f"
}

# cache_lock NAME: hold an exclusive lock on $CACHE/locks/NAME.lock until
# the calling script exits.  For what several callers may write at once
# into the cache: the private apt state, the fetched packages, guest tools
# (tests run in parallel, tests/run -j; both bases built at once).
cache_lock() {
	local fd
	mkdir -p "$CACHE/locks"
	exec {fd}>"$CACHE/locks/$1.lock"
	flock "$fd"
}

# Pristine tree of a base, as extracted by fetch-kernel.
pristine_dir() { echo "$CACHE/src/$1-$(base_var "$1" VERSION)/linux"; }

# with_progress LABEL CMD...: run CMD, printing LABEL and the elapsed time at
# least once a minute so a CI log never goes silent during long steps.  The
# command's own output goes to a log whose tail is shown on failure.
with_progress() {
	local label=$1; shift
	# One log per step, named after its label, so parallel builds of two
	# bases never write into the same file.
	local log="$CACHE/logs/$(echo "$label" | tr -c 'A-Za-z0-9.\n-' '_' ).log"
	mkdir -p "$(dirname "$log")"
	local t0=$SECONDS rc=0
	say "$label ..."
	"$@" >"$log" 2>&1 &
	local pid=$!
	# Kill the child if we are interrupted, so no build is left behind.
	trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; exit 130' INT TERM
	while kill -0 "$pid" 2>/dev/null; do
		local i
		for i in $(seq 1 30); do
			sleep 1
			kill -0 "$pid" 2>/dev/null || break
		done
		kill -0 "$pid" 2>/dev/null && say "$label: $((SECONDS - t0)) s elapsed"
	done
	wait "$pid" || rc=$?
	trap - INT TERM
	if [ $rc -ne 0 ]; then
		tail -n 30 "$log" >&2
		die "$label failed (exit $rc) after $((SECONDS - t0)) s; full log: $log"
	fi
	say "$label: done in $((SECONDS - t0)) s"
}
