# trace-facts.awk: reads ftrace text output (the `trace` file) holding the
# iommu events of the series, prints KEY=VALUE facts the tests assert on.
#
# Consumers are told apart by the caller each event carries (%pS, resolved
# by the kernel's kallsyms): dma-iommu, vfio, iommufd, the test module; an
# event on a DMA-API domain with another caller is dma-iommu's.
#
# Strict-mode coverage: on each CPU, an unmap by dma-iommu is pushed on a
# stack and the next iotlb_sync by dma-iommu on that CPU pops it; it is
# covered when the sync is on the same domain and its gathered range holds
# the unmapped range.  Interrupts nest, so a stack pairs them correctly.  A
# sync with an empty range (start > end: the driver does not gather, as
# virtio-iommu on 6.12) is counted apart as "covered_ungathered".
#
# Lazy mode: a dma_fq_queue entry with (domain, seq) is covered by the
# dma_fq_flush of the same domain reporting that seq, later in time; the
# stale window is the time between the two.
#
# The flush queue's timer (timer:timer_start and timer_expire_entry of
# fq_flush_timeout, when trace-iommu.sh could filter them): an entry waits
# at most for the timer pending when it was queued, or for the one it arms
# itself, just after its dma_fq_queue on the same CPU.  So its stale window
# is at most the longest span from an arming to the dma_fq_flush its firing
# made (fq_timer_span_max_us) plus the longest gap from a dma_fq_queue to
# the arming right after it on its CPU (fq_timer_arm_gap_max_us): their sum
# is stale_bound_us, what the guest's own timer took in this trace.  A
# firing whose arming predates the trace counts from the trace's start.
# fq_span_us, from the first dma_fq_queue to the last dma_fq_flush, is the
# window the timer's flushes fall in.
#
# Series v2 (kernel-patches/BASE/v2/) names its new events iommu_*: they are
# read as v1's (iommu_iotlb_sync as iotlb_sync, ...; series=v2 says which).
# Its events carry no caller: a domain's consumer is dma-iommu by its type;
# otherwise the kernel's stack of the map or unmap says it (trace-iommu.sh
# asks ftrace for one after each on such a domain: a "<stack trace>" entry
# on the same CPU, whose first frame that names a consumer decides, read in
# a first pass over the file), else the task's name, for the tests' own
# workloads (tests/progs' vfio-map and iommufd-map, insmod of the test
# modules); the domain's other events (syncs) take the consumer its maps
# and unmaps had last; "other" for the rest.  Its sync prints the range as "iova=START - END" and
# a reason (sync_reason_*); its flush carries no entries: an entry is
# released by the first flush of its domain, after it, whose seq is at
# least its own, and fq_flush_entries counts the entries so released.

function consumer(c) {
	if (c ~ /\[iommu_(gather|walk)_test\]/) return "testmod"
	if (c ~ /iommu_dma|dma_iommu/) return "dma"
	if (c ~ /vfio/) return "vfio"
	# iommufd's callers of the IOMMU API live in drivers/iommu/iommufd/
	# (pages.c: batch_to_domain, batch_iommu_map_small, ...).
	if (c ~ /iommufd|iopt_|^batch_/) return "iommufd"
	return "other"
}
# v2: the consumer of the task (the comm before "-PID" of the record)
function task_consumer(t) {
	if (t ~ /^vfio-map/) return "vfio"
	if (t ~ /^iommufd-map/) return "iommufd"
	if (t ~ /^(insmod|rmmod)$/) return "testmod"
	return "other"
}
# Is this event name (or "TS: NAME: " header) one of v2's own events?
function v2_event(ev) {
	sub(/^[0-9.]+: /, "", ev); sub(/: $/, "", ev)
	return ev ~ /^iommu_(iotlb_sync|flush_iotlb_all|sync_map|dma_fq_queue|dma_fq_flush)$/
}
# The first pass: for the line of each map or unmap followed by a stack
# on its CPU, the consumer that stack names (stack_cons[line]); and
# whether the trace is v2's.
function read_stacks(file,   line, nr, cpu, cur, c, fr) {
	nr = 0; cur = -1
	while ((getline line < file) > 0) {
		nr++
		if (line ~ /^ => /) {
			if (cur < 0 || !(cur in pend) || (pend[cur] in stack_cons)) continue
			fr = substr(line, 5)
			if ((c = consumer(fr)) != "other") stack_cons[pend[cur]] = c
			continue
		}
		if (!match(line, /\[[0-9]+\]/)) { cur = -1; continue }
		cpu = substr(line, RSTART + 1, RLENGTH - 2) + 0
		if (line ~ /: <stack trace>/) { cur = cpu; continue }
		cur = -1
		# v2 from the start: its first maps come before any iommu_* event
		if (match(line, /[0-9]+\.[0-9]+: [a-z_]+: /) && v2_event(substr(line, RSTART, RLENGTH))) v2 = 1
		if (line ~ /[0-9]+\.[0-9]+: (map|unmap): /) pend[cpu] = nr
		else delete pend[cpu]
	}
	close(file)
}
BEGIN { if (ARGC > 1) read_stacks(ARGV[1]) }
function hex(s,   n, i, c) {
	s = tolower(s); sub(/^0x/, "", s); n = 0
	for (i = 1; i <= length(s); i++) { c = index("0123456789abcdef", substr(s, i, 1)); n = n * 16 + c - 1 }
	return n
}
{
	if ($0 ~ /^#/) next
	if (!match($0, /\[[0-9]+\]/)) next
	cpu = substr($0, RSTART + 1, RLENGTH - 2) + 0
	rest = substr($0, RSTART + RLENGTH)
	# "<flags> <timestamp>: <event>: <fields>"
	if (!match(rest, /[0-9]+\.[0-9]+: [a-z_]+: /)) next
	hdr = substr(rest, RSTART, RLENGTH)
	body = substr(rest, RSTART + RLENGTH)
	split(hdr, h, ": ")
	ts = h[1] + 0; ev = h[2]
	if (v2_event(ev)) {
		ev = substr(ev, 7); v2 = 1
	}
	if (!started) { first_ts = ts; started = 1 }
	delete f
	n = split(body, tok, " ")
	last = ""
	for (i = 1; i <= n; i++) {
		if ((p = index(tok[i], "=")) > 0) { last = substr(tok[i], 1, p - 1); f[last] = substr(tok[i], p + 1) }
		# %pS of a module symbol ends in " [module]": part of the value.
		else if (tok[i] ~ /^\[.*\]$/ && last != "") f[last] = f[last] " " tok[i]
	}
	# v2's sync: "iova=START - END"
	if (v2 && ev == "iotlb_sync" && match(body, /iova=0x[0-9a-f]+ - 0x[0-9a-f]+/)) {
		split(substr(body, RSTART + 5, RLENGTH - 5), rg, " - ")
		f["start"] = rg[1]; f["end"] = rg[2]
	}
	if (ev == "timer_start" || ev == "timer_expire_entry") {
		if (f["function"] != "fq_flush_timeout") next
		if (ev == "timer_start") {
			arm_ts[f["timer"]] = ts; timer_armed++
			if ((cpu in lastq_ts) && ts - lastq_ts[cpu] > arm_gap_max) arm_gap_max = ts - lastq_ts[cpu]
		} else {
			firing[cpu] = (f["timer"] in arm_ts) ? arm_ts[f["timer"]] : first_ts
			delete arm_ts[f["timer"]]
			timer_fired++
		}
		next
	}
	# A domain whose type has __IOMMU_DOMAIN_DMA_API (bit 1) belongs to
	# dma-iommu, whoever called: callers that tail-call the API entry (the
	# block layer's dma_iova_link path) leave their own caller's address.
	if ("domain_type" in f) dma_api[f["domain"]] = int(hex(f["domain_type"]) / 2) % 2
	cons = consumer(f["caller"])
	bycaller[ev "_" cons]++
	if (cons == "other" && dma_api[f["domain"]] == 1) cons = "dma"
	if (cons == "other" && v2 && (NR in stack_cons)) cons = stack_cons[NR]
	if (cons == "other" && v2 && match($0, /^ *[^ ].*-[0-9]+ +\[/)) {
		task = substr($0, RSTART, RLENGTH); sub(/^ */, "", task); sub(/-[0-9]+ +\[$/, "", task)
		cons = task_consumer(task)
	}
	# A sync forced inside the IOMMU driver (the gather helpers inlined into
	# its unmap_pages) belongs to the consumer whose gather it is: the one
	# the domain's other events name.  The collector counts it the same way.
	# An address whose events name one consumer, then another: a domain
	# freed and another allocated there (reused_domains below).
	if (cons != "other" && f["domain"] != "" && (f["domain"] in dom_cons) && dom_cons[f["domain"]] != cons &&
	    !(f["domain"] in reused)) { reused[f["domain"]] = 1; n_reused++ }
	if (cons != "other" && f["domain"] != "") dom_cons[f["domain"]] = cons
	else if (cons == "other" && (f["domain"] in dom_cons)) cons = dom_cons[f["domain"]]
	if (cons == "testmod") testdom = f["domain"]
	count[ev]++
	bycons[ev "_" cons]++

	if (ev == "map") map_bytes[cons] += f["size"]
	else if (ev == "unmap") {
		unmap_bytes[cons] += f["unmapped_size"]
		if (cons == "dma") { sp[cpu]++; st_dom[cpu, sp[cpu]] = f["domain"]; st_lo[cpu, sp[cpu]] = hex(f["iova"]); st_hi[cpu, sp[cpu]] = hex(f["iova"]) + f["size"] - 1 }
	} else if (ev == "iotlb_sync") {
		if (cons == "dma") {
			if (sp[cpu] > 0) {
				k = sp[cpu]--
				if (st_dom[cpu, k] == f["domain"] && hex(f["start"]) > hex(f["end"])) covered_ungathered++
				else if (st_dom[cpu, k] == f["domain"] && hex(f["start"]) <= st_lo[cpu, k] && hex(f["end"]) >= st_hi[cpu, k]) covered++
				else miscovered++
			} else orphan_sync++
		}
		if (f["duration_ns"] + 0 > sync_ns_max) sync_ns_max = f["duration_ns"] + 0
		dom_sync[f["domain"]]++
		if ("reason" in f) { sync_reason[f["reason"]]++; dom_sreason[f["domain"], f["reason"]]++ }
	} else if (ev == "iotlb_gather_add") {
		forced[f["forced"]]++
		dom_forced[f["domain"], f["forced"]]++
	} else if (ev == "dma_fq_queue") {
		k = f["domain"] SUBSEP f["seq"]
		q_n[k]++; if (!(k in q_first)) q_first[k] = ts
		q_ts[k, q_n[k]] = ts
		if ("dev" in f) q_dev[f["dev"]]++
		queued++
		lastq_ts[cpu] = ts
		if (!q_any) { q_any = 1; q_ts0 = ts }
		if (!(f["domain"] in q_doms)) { q_doms[f["domain"]] = 1; n_qdoms++ }
		if (v2) {
			d = f["domain"]; pn[d]++
			p_seq[d, pn[d]] = f["seq"] + 0; p_ts[d, pn[d]] = ts
		}
	} else if (ev == "dma_fq_flush" && v2) {
		# release what this flush covers: pending entries of the domain
		# with a seq up to its own, whatever their order across CPUs
		d = f["domain"]; s2 = f["seq"] + 0; rel = 0
		for (i = ph[d] + 1; i <= pn[d]; i++) {
			if ((d, i) in p_done || p_seq[d, i] > s2) continue
			p_done[d, i] = 1; rel++; v2_cov++
			if (ts - p_ts[d, i] > smax) smax = ts - p_ts[d, i]
		}
		while (ph[d] < pn[d] && ((d, ph[d] + 1) in p_done)) ph[d]++
		fl_entries += rel
		fl_last = ts
		if (f["reason"] == "timer" && (cpu in firing)) {
			if (ts - firing[cpu] > span_max) span_max = ts - firing[cpu]
			timer_cycles++
			delete firing[cpu]
		}
		reason[f["reason"]]++
	} else if (ev == "dma_fq_flush") {
		k = f["domain"] SUBSEP f["seq"]
		fl_ts[k] = ts
		fl_last = ts
		# the timer's flush, on the CPU its firing ran on
		if (f["reason"] == "timer" && (cpu in firing)) {
			if (ts - firing[cpu] > span_max) span_max = ts - firing[cpu]
			timer_cycles++
			delete firing[cpu]
		}
		fl_entries += f["entries"]
		reason[f["reason"]]++
	}
}
END {
	for (e in count) printf "n_%s=%d\n", e, count[e]
	for (k in bycons) printf "n_%s=%d\n", k, bycons[k]
	# By the caller's own symbol alone, before the domain rules.
	for (k in bycaller) printf "ncaller_%s=%d\n", k, bycaller[k]
	for (c in map_bytes) printf "map_bytes_%s=%d\n", c, map_bytes[c]
	for (c in unmap_bytes) printf "unmap_bytes_%s=%d\n", c, unmap_bytes[c]
	for (r in forced) printf "forced_%s=%d\n", r, forced[r]
	# The test module's domain: what its gather did, whoever called the sync.
	if (testdom != "") {
		printf "testdom_syncs=%d\n", dom_sync[testdom]
		printf "testdom_forced_disjoint=%d\ntestdom_forced_pgsize=%d\n", dom_forced[testdom, "disjoint"], dom_forced[testdom, "pgsize"]
		# v2: the syncs its gather forced (either kind), and its own
		printf "testdom_sync_forced=%d\ntestdom_sync_explicit=%d\n", dom_sreason[testdom, "gather"] + dom_sreason[testdom, "nogaps"], dom_sreason[testdom, "explicit"]
	}
	for (r in reason) printf "fq_flush_reason_%s=%d\n", r, reason[r]
	for (r in sync_reason) printf "sync_reason_%s=%d\n", r, sync_reason[r]
	printf "series=%s\n", v2 ? "v2" : "v1"
	printf "reused_domains=%d\n", n_reused
	left = 0
	for (c in sp) left += sp[c]
	printf "strict_covered_ungathered=%d\n", covered_ungathered
	printf "strict_covered=%d\nstrict_miscovered=%d\nstrict_orphan_syncs=%d\nstrict_uncovered=%d\n", covered, miscovered, orphan_sync, left
	printf "sync_ns_max=%d\n", sync_ns_max
	# Lazy: each queued entry against the flush that reports its seq (v2:
	# released as they came, above).
	cov = 0; unc = 0; early = 0
	if (v2) { cov = v2_cov; unc = queued - v2_cov; delete q_n }
	for (k in q_n) {
		for (i = 1; i <= q_n[k]; i++) {
			if (!(k in fl_ts)) { unc++; continue }
			d = fl_ts[k] - q_ts[k, i]
			if (d < 0) { early++; continue }
			cov++
			if (d > smax) smax = d
		}
	}
	printf "fq_queued=%d\nfq_covered=%d\nfq_uncovered=%d\nfq_flush_before_queue=%d\n", queued, cov, unc, early
	printf "fq_flush_entries=%d\nstale_max_us=%d\n", fl_entries, int(smax * 1000000 + 0.5)
	for (d in q_dev) printf "fq_dev_%s=%d\n", d, q_dev[d]
	printf "fq_timer_armed=%d\nfq_timer_fired=%d\nfq_timer_cycles=%d\n", timer_armed, timer_fired, timer_cycles
	printf "fq_timer_span_max_us=%d\nfq_timer_arm_gap_max_us=%d\n", int(span_max * 1000000 + 0.5), int(arm_gap_max * 1000000 + 0.5)
	printf "stale_bound_us=%d\n", int((span_max + arm_gap_max) * 1000000 + 0.5)
	# from the first queued entry to the last flush: what bounds how many
	# flushes the timer can have made (tests/lib/test.sh, fq_flush_bound)
	printf "fq_domains=%d\n", n_qdoms
	printf "fq_span_us=%d\n", (q_any && fl_last > q_ts0) ? int((fl_last - q_ts0) * 1000000 + 0.5) : 0
}
