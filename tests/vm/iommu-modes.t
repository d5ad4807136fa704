# For each emulated IOMMU and each of strict/lazy: the IOMMU is live (the NVMe
# disk sits in an IOMMU group behind the expected IOMMU driver), the group's
# domain type matches the mode (DMA-FQ lazy, DMA strict), and the existing
# iommu:map/iommu:unmap events account for at least every byte an O_DIRECT
# dd read from the NVMe disk, with no events lost.  QEMU's amd-iommu boots
# but makes the guest use strict mode ("Using strict mode due to
# virtualization"), so it is tested strict only.
source "$(dirname "$0")/../lib/test.sh"

BS=65536 COUNT=256
for iommu in intel virtio amd; do
	modes="lazy strict"
	[ $iommu = amd ] && modes=strict
	for mode in $modes; do
		n="$iommu,$mode"
		opts=(--iommu "$iommu")
		[ $mode = strict ] && opts+=(--strict)
		out="$TMP/$iommu-$mode"
		if ! vm "$out" "${opts[@]}" -- bash -c \
			"tests/guest/iommu-facts.sh && tests/guest/dd-iommu-events.sh $BS $COUNT"; then
			notok "$n: the VM run failed ($(vm_why "$out"))"; continue
		fi
		cat "$out"

		# Live: an IOMMU group for the NVMe, behind the right IOMMU.
		grp=$(fact nvme_group "$out")
		case $iommu in
		intel)  want_iommu='dmar*'; drv_ok=$([ "$(fact dmesg_dmar "$out")" -ge 1 ] && echo y) ;;
		virtio) want_iommu='*';     drv_ok=$([ "$(fact nvme_iommu_driver "$out")" = virtio_iommu ] && echo y) ;;
		amd)    want_iommu='ivhd*'; drv_ok=y ;;
		esac
		# shellcheck disable=SC2053
		if [ -n "$grp" ] && [[ $(fact nvme_iommu "$out") == $want_iommu ]] && [ "$drv_ok" = y ]; then
			ok "$n: NVMe in iommu group $grp behind $(fact nvme_iommu "$out") ($iommu)"
		else
			notok "$n: NVMe not behind a live $iommu IOMMU (group '$grp', iommu '$(fact nvme_iommu "$out")', driver '$(fact nvme_iommu_driver "$out")')"
		fi

		# Mode: lazy is DMA-FQ, strict is DMA.
		want=DMA-FQ; [ $mode = strict ] && want=DMA
		got=$(fact nvme_group_type "$out")
		check "$n: NVMe domain type $got (want $want)" [ "$got" = "$want" ]

		# The existing events against dd's own count.
		dd_b=$(fact dd_bytes "$out") mb=$(fact map_bytes "$out") ub=$(fact unmapped_bytes "$out")
		ue=$(fact unmap_events "$out") ovr=$(fact overrun "$out")
		if [ "$dd_b" = $((BS * COUNT)) ] && [ "$ovr" = 0 ] && [ "$mb" -ge "$dd_b" ] &&
			[ "$ub" -ge "$dd_b" ] && [ "$ue" -ge "$COUNT" ]; then
			ok "$n: dd read $dd_b B; iommu:map $mb B, iommu:unmap $ub B in $ue events"
		else
			notok "$n: dd read '$dd_b' B but iommu:map '$mb' B, unmap '$ub' B in '$ue' events, overrun '$ovr'"
		fi
	done
done
done_testing
