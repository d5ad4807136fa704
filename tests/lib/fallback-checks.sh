# The fallback source's run against ftrace (sourced by tests/vm/fallback.t
# and tests/vm/arm64.t): tests/unit/collector-dump --source fallback around
# tests/guest/count-callbacks.sh, which counts the driver's iotlb_sync and
# flush_iotlb_all callbacks and iommu:map/unmap with kprobe events and hist
# triggers over the same window, around an O_DIRECT dd of the NVMe ($DD).
# The checks: the programs that ran; syncs, flush-alls, maps and unmaps
# equal ftrace's; nothing dropped; strict, every sync covered 1 unmap;
# lazy, no sync, every unmap queued, no more flush-alls than the flush
# queue's timer can make in the window, a stale window per queued unmap; the rows name the driver, the domain type
# and the NVMe's PCI address.  Facts in $TMP/NAME.

fb_f() { local v; v=$(fact "$1" "$TMP/$2"); echo "${v:-0}"; }

# fb_run NAME PROG POPT DRIVER SYNC_FN FLUSH_FN MODE [vm-run options]:
# PROG the program kind expected (fentry, kprobe), POPT the collector's
# option forcing it ("-": the collector chooses), MODE strict or lazy.
fb_run() {
	local n=$1 prog=$2 popt=$3 drv=$4 sfn=$5 ffn=$6 mode=$7; shift 7
	local po=() s fs a fa m fm u fu h q k sh type bdf nd b
	[ "$popt" = - ] || po=("$popt")
	if ! vm "$TMP/$n" "$@" -- "$TOP/.output/tests/collector-dump" --rows --source fallback "${po[@]}" -- \
		tests/guest/count-callbacks.sh "$sfn,$ffn" -- "${DD[@]}"; then
		notok "$n: the VM run failed ($(vm_why "$TMP/$n"))"; return 1
	fi
	echo "== $n"; cat "$TMP/$n"
	check "$n: $(fb_f kernel $n) ($(fb_f ft_instances_$sfn $n) function(s) named $sfn): the fallback source runs its $prog programs ($(fb_f col_source $n), $(fb_f col_prog_type $n))" \
		[ "$(fb_f col_source $n)" = fallback -a "$(fb_f col_prog_type $n)" = $prog -a "$(fb_f col_cmd_status $n)" = 0 ]
	s=$(fb_f col_n_sync $n) fs=$(fb_f ft_$sfn $n) a=$(fb_f col_n_flush_all $n) fa=$(fb_f ft_$ffn $n)
	m=$(fb_f col_n_map $n) fm=$(fb_f ft_map $n) u=$(fb_f col_n_unmap $n) fu=$(fb_f ft_unmap $n)
	check "$n: syncs $s = ftrace's $sfn $fs, flush-alls $a = $ffn $fa, maps $m = $fm, unmaps $u = $fu" \
		[ "$s" = "$fs" -a "$a" = "$fa" -a "$m" = "$fm" -a "$u" = "$fu" -a "$u" -ge 256 ]
	check "$n: nothing dropped (ftrace $(fb_f ft_dropped_$sfn $n)/$(fb_f ft_dropped_$ffn $n)/$(fb_f ft_dropped_unmap $n), collector keys $(fb_f col_drop_keys $n), domains $(fb_f col_drop_domains $n))" \
		[ "$(fb_f ft_dropped_$sfn $n)$(fb_f ft_dropped_$ffn $n)$(fb_f ft_dropped_unmap $n)" = 000 \
		  -a "$(fb_f col_drop_keys $n)" = 0 -a "$(fb_f col_drop_domains $n)" = 0 ]
	h=$(fb_f col_n_hist_unmaps_per_sync $n)
	if [ "$mode" = strict ]; then
		check "$n: strict: each of the $s syncs covered exactly 1 unmap (histogram $h)" \
			[ "$h" = "1:$s" -a "$s" -ge 256 ]
		type=DMA
	else
		q=$(fb_f col_n_unmap_unsynced $n) k=$(sum_hist "$h")
		# the flush-alls are the flush queue's: no more than its timer
		# and full rings can make in the guest-measured window, on as
		# many domains as have DMA-FQ rows
		nd=$(grep -c "^col_row=[0-9]*|$drv|DMA-FQ|" "$TMP/$n")
		b=$(fq_flush_bound "$(fb_f ft_window_us $n)" "$q" "$nd")
		check "$n: lazy: no sync ($s), all $u unmaps queued ($q), $k of the $a flush-alls cover them, at most the $b the flush queue's timer can make in the $(fb_f ft_window_us $n) us window on $nd domain(s) (histogram $h)" \
			[ "$s" = 0 -a "$q" = "$u" -a "$k" -ge 1 -a "$k" -le "$a" -a "$a" -le "$b" -a "$nd" -ge 1 ]
		sh=$(fb_f col_n_hist_stale_ns $n)
		check "$n: lazy: a stale window for each of the $q queued unmaps ($(sum_hist "$sh"), histogram $sh), none unmeasured ($(fb_f col_n_stale_unmeasured $n))" \
			[ "$(sum_hist "$sh")" = "$q" -a "$(fb_f col_n_stale_unmeasured $n)" = 0 ]
		type=DMA-FQ
	fi
	bdf=$(fb_f nvme_bdf $n)
	check "$n: rows name $drv, $type and the NVMe $bdf" \
		grep -q "^col_row=[0-9]*|$drv|$type|dma-iommu|$bdf|" "$TMP/$n"
}
