# The Debian package (debian/, make deb) as a user gets it: built by
# dpkg-buildpackage, lintian clean of errors and warnings (make deb fails
# otherwise), its contents; then, in the VM booted on Debian's own kernels
# (7.2, Debian 14's, with the v7.2 base; 6.12 and 6.1, Debian 13's and
# 12's, with v6.12: no series, so the fallback source), under intel-iommu,
# `apt-get install ./iommu-flushtop_*.deb` into a writable root (an
# overlay of the host's Debian 12 root: tests/guest/package-install.sh):
# - installed, the three tools, man pages (man finds them), bash completion
#   (bash-completion loads it for each tool), the exporter's unit, which
#   systemd-analyze verify accepts and which is not enabled;
# - the installed tools run on a dd of the NVMe: iommu-flushtop's frames
#   name the fallback source and the NVMe's row, described ("nvme nvme0n1"); iommu-flushhist's dump holds at
#   least dd's 256 unmaps of 64 KiB, and no more than ftrace's iommu:unmap
#   count over a window around it; the exporter's textfile passes promtool
#   and counts dd's unmaps;
# - on Debian 12's kernel (the README's platform), apt-get purge then
#   removes every file it installed.
source "$(dirname "$0")/../lib/test.sh"
cd "$TOP"
# a directory of this run's own (the other base's run builds at the same
# time), in the tree: the guest reads the .deb from there
out=.output/deb-$BASE
make -s deb DEB_OUT="$out" >"$TMP/deb.log" 2>&1 ||
	{ notok "make deb: $(grep -v 'root privileges' "$TMP/deb.log" | tail -n 3 | tr '\n' ' ') $(tail -n 5 "$out/build.log" 2>/dev/null | tr '\n' ' ')"; exit 0; }
arch=$(dpkg --print-architecture)
deb=$(ls "$out"/iommu-flushtop_*_$arch.deb 2>/dev/null | head -n 1)
check "make deb: dpkg-buildpackage built $(basename "${deb:-none}"), lintian reports no error or warning" [ -n "$deb" ]
[ -n "$deb" ] || { done_testing; exit 0; }
contents=$(dpkg-deb -c "$deb" | awk '{ print $6 }')
want="./usr/sbin/iommu-flushtop ./usr/sbin/iommu-flushhist ./usr/sbin/iommu-flush-exporter
./usr/share/man/man8/iommu-flushtop.8.gz ./usr/share/man/man8/iommu-flushhist.8.gz ./usr/share/man/man8/iommu-flush-exporter.8.gz
./lib/systemd/system/iommu-flush-exporter.service ./usr/share/bash-completion/completions/iommu-flushtop
./usr/share/bash-completion/completions/iommu-flushhist ./usr/share/bash-completion/completions/iommu-flush-exporter
./usr/share/doc/iommu-flushtop/copyright"
miss=""
for w in $want; do echo "$contents" | grep -qx -- "$w" || miss+=" $w"; done
check "the package holds the tools, their man pages, the completion (a link per tool), the unit and the copyright${miss:+: missing$miss}" [ -z "$miss" ]
dep=$(dpkg-deb -f "$deb" Depends)
check "its dependencies are the libraries the tools link (dpkg-shlibdeps): $dep" \
	bash -c 'for l in libbpf1 libjson-c5 libmicrohttpd12 libncursesw6; do [[ "$1" == *"$l "* ]] || exit 1; done' _ "$dep"

# install_on NAME STOCK_BASE [PURGE]: the package on Debian's kernel of
# that base; purged after when PURGE is 1
install_on() {
	local n=$1 kb=$2 purge=${3:-0} F="$TMP/$1.facts" res="$TMP/$1"
	mkdir -p "$res"
	f() { local v; v=$(fact "$1" "$F"); echo "${v:-0}"; }
	if ! vm "$F" --stock --base "$kb" --iommu intel --timeout 600 --results "$res" -- \
		env PURGE=$purge tests/guest/package-install.sh "$deb" -- "${DD[@]}"; then
		notok "$n: the VM run failed ($(vm_why "$F"))"; return 1
	fi
	echo "== $n"; cat "$F"; tail -n 5 "$res/install.log"; cat "$res"/*.err "$res/verify.log"
	check "$n: on $(fact kernel "$F"): apt-get install ./$(basename "$deb"): exit $(f install_rc), status $(fact dpkg_status "$F"), version $(fact dpkg_version "$F")" \
		[ "$(f overlay_rc)" = 0 -a "$(f install_rc)" = 0 -a "$(fact dpkg_status "$F")" = installed ]
	check "$n: installed: every file in place ($(grep -c '^missing=' "$F") missing: $(sed -n 's/^missing=//p' "$F" | tr '\n' ' ')), man finds $(f man_found) of 3 pages, bash-completion loads $(f completions) of 3 tools' completion" \
		[ "$(grep -c '^missing=' "$F")" = 0 -a "$(f man_found)" = 3 -a "$(f completions)" = 3 ]
	check "$n: the unit: systemd-analyze verify exit $(f verify_rc) ($(head -c 200 "$res/verify.log")), not enabled ($(fact unit_enabled "$F"))" \
		[ "$(f verify_rc)" = 0 -a ! -s "$res/verify.log" -a "$(fact unit_enabled "$F")" != enabled ]
	local bdf=$(fact nvme_bdf "$F") un ub eu lint
	check "$n: the installed iommu-flushtop: exit $(f flushtop_rc), frames on the fallback source with the NVMe's row, described: $(grep -m1 "intel-iommu *$bdf" "$res/flushtop.txt")" \
		bash -c '[ "$1" = 0 ] && grep -q "events: fallback" "$2" && grep -q "intel-iommu *$3 nvme nvme0n1 " "$2"' _ "$(f flushtop_rc)" "$res/flushtop.txt" "$bdf"
	un=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(sum(r["counts"].get("unmap", 0) for r in d["rows"]))' "$res/flushhist.json" 2>/dev/null)
	ub=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(sum(r["counts"].get("unmap_bytes", 0) for r in d["rows"]))' "$res/flushhist.json" 2>/dev/null)
	check "$n: the installed iommu-flushhist: exit $(f flushhist_rc), ${un:-no} unmaps ($ub bytes): dd's 256 of 64 KiB at least, ftrace's $(f ft_unmap) at most" \
		[ "$(f flushhist_rc)" = 0 -a "${un:-0}" -ge 256 -a "${un:-0}" -le "$(f ft_unmap)" -a "${ub:-0}" -ge $((256 * 65536)) ]
	eu=$(sed -n 's/^iommu_unmaps_total{[^}]*} //p' "$res/exporter.prom" 2>/dev/null | awk '{ s += $1 } END { print s + 0 }')
	lint=$(promtool check metrics <"$res/exporter.prom" 2>&1)
	check "$n: the installed iommu-flush-exporter: exit $(f exporter_rc), its textfile lints clean${lint:+ ($lint)}, $eu unmaps: dd's 256 at least" \
		[ "$(f exporter_rc)" = 0 -a -s "$res/exporter.prom" -a -z "$lint" -a "$eu" -ge 256 ]
	[ "$purge" = 1 ] || return 0
	check "$n: apt-get purge: exit $(f purge_rc), $(f left_after_purge) of its files left" \
		[ "$(f purge_rc)" = 0 -a "$(f left_after_purge)" = 0 ]
}

DD=(dd if=/dev/nvme0n1 of=/dev/null bs=65536 count=256 iflag=direct)
# Debian 14's kernel with the v7.2 base; Debian 13's and 12's with v6.12
case $BASE in
v7.2) install_on debian14 v7.2 ;;
v6.12) install_on debian13 v6.12; install_on debian12 v6.1 1 ;;
*) skip "no Debian stock kernel for $BASE" ;;
esac
done_testing
