# trace-windows.awk WINDOWS TRACE: counts ftrace's iommu events per window.
# WINDOWS has a line "K START_NS END_NS" per frame (CLOCK_MONOTONIC); TRACE
# is ftrace text output recorded with trace_clock mono.  Prints
#   t_EVENT=N      every event of that type in the trace
#   wK_EVENT=N     those with START < time <= END
#   wK_fq_entries=N  the entries of the window's dma_fq_flush events
#                  (series v2, whose iommu_* events are read under v1's
#                  names and whose flush has no entries: those it released,
#                  the pending entries of its domain with a seq up to its own)
#   eK_EVENT=N     those within EDGE_NS (-v edge=..., default 100 ms) of
#                  START or END: a snapshot is not taken in an instant (the
#                  per-CPU maps are read one after the other), so an event
#                  that fires while it is read can land on either side.
BEGIN { if (edge == "") edge = 100e6 }
NR == FNR { start[$1] = $2; end[$1] = $3; nwin++; next }
{
	if ($0 ~ /^#/) next
	if (!match($0, /\[[0-9]+\]/)) next
	rest = substr($0, RSTART + RLENGTH)
	if (!match(rest, /[0-9]+\.[0-9]+: [a-z_]+: /)) next
	split(substr(rest, RSTART, RLENGTH), h, ": ")
	# seconds.microseconds, to ns: the fraction alone keeps its precision
	split(h[1], p, ".")
	ts = p[1] * 1e9 + p[2] * 1000
	ev = h[2]
	v2 = ev ~ /^iommu_(iotlb_sync|flush_iotlb_all|sync_map|dma_fq_queue|dma_fq_flush)$/
	if (v2) ev = substr(ev, 7)
	entries = 0
	if (!v2 && ev == "dma_fq_flush" && match($0, /entries=[0-9]+/))
		entries = substr($0, RSTART + 8, RLENGTH - 8) + 0
	if (v2 && (ev == "dma_fq_queue" || ev == "dma_fq_flush") &&
	    match($0, /domain=[0-9a-f]+/) && (d = substr($0, RSTART + 7, RLENGTH - 7)) != "" &&
	    match($0, /seq=[0-9]+/)) {
		seq = substr($0, RSTART + 4, RLENGTH - 4) + 0
		if (ev == "dma_fq_queue") { pn[d]++; pseq[d, pn[d]] = seq }
		else {
			for (i = ph[d] + 1; i <= pn[d]; i++)
				if (!((d, i) in pdone) && pseq[d, i] <= seq) { pdone[d, i] = 1; entries++ }
			while (ph[d] < pn[d] && ((d, ph[d] + 1) in pdone)) ph[d]++
		}
	}
	total[ev]++
	seen[ev] = 1
	for (k in start) {
		if (ts > start[k] && ts <= end[k]) { win[k, ev]++; fq_entries[k] += entries }
		if ((ts >= start[k] - edge && ts <= start[k] + edge) || (ts >= end[k] - edge && ts <= end[k] + edge))
			near[k, ev]++
	}
}
END {
	for (ev in seen) {
		print "t_" ev "=" total[ev]
		for (k in start) print "w" k "_" ev "=" (win[k, ev] + 0) "\ne" k "_" ev "=" (near[k, ev] + 0)
	}
	for (k in start) print "w" k "_fq_entries=" (fq_entries[k] + 0)
}
