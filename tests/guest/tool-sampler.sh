# Sourced by the long-run scripts in the test VM: sampler_start PID [CMD]
# prints, about every INTERVAL (2 s) while PID lives, a line
# "sample=SECONDS RSS_KB CPU_TICKS [CMD's output]": the process's resident
# set and user + system time (/proc), for checks that they stay flat.
sampler_start() {
	local pid=$1 extra=${2:-true}
	(
		t0=$(date +%s)
		while kill -0 "$pid" 2>/dev/null; do
			rss=$(awk '/^VmRSS:/ { print $2 }' /proc/$pid/status 2>/dev/null)
			cpu=$(awk '{ print $14 + $15 }' /proc/$pid/stat 2>/dev/null)
			echo "sample=$(( $(date +%s) - t0 )) ${rss:-0} ${cpu:-0} $($extra)"
			sleep "${SAMPLE_INTERVAL:-2}"
		done
	) &
	SAMPLER_PID=$!
}
