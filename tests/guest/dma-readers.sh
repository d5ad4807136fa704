# Sourced by the storm scripts in the test VM: DMA on every vCPU, one
# O_DIRECT reader of the NVMe disk pinned to each CPU (niced, so that what
# the storm starts still gets the CPU), each finished read of 4 MiB a line
# in /tmp/reads.  readers_start, then readers_stop; readers_done counts.
readers_start() {
	: >/tmp/reads
	READER_PIDS=()
	local cpu
	for cpu in $(seq 0 $(($(nproc) - 1))); do
		taskset -c "$cpu" nice -n 19 bash -c 'while :; do dd if=/dev/nvme0n1 of=/dev/null bs=64k count=64 iflag=direct status=none && echo >>/tmp/reads; done' &
		READER_PIDS+=($!)
	done
	sleep 1
}
readers_stop() {
	kill "${READER_PIDS[@]}" 2>/dev/null
	wait "${READER_PIDS[@]}" 2>/dev/null
}
readers_done() { wc -l </tmp/reads; }
