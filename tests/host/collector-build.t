# The userspace/BPF build: the BPF object keeps its BTF (CO-RE needs it) but
# no DWARF (llvm-strip -g), the skeleton embeds it, the build depends on no
# kernel's BTF (no vmlinux.h anywhere), a second make has nothing to do,
# and V=1 shows the commands that the quiet build hides.
source "$(dirname "$0")/../lib/test.sh"
cd "$TOP"
make -s build >&2 || { notok "make build failed"; exit 1; }
obj=.output/iommu_flush.bpf.o
secs=$(readelf -S "$obj" | awk '{ for (i = 1; i <= NF; i++) if ($i ~ /^\./) print $i }')
check "the BPF object has .BTF and .BTF.ext, no .debug_info" \
	bash -c 'grep -qx .BTF <<<"$1" && grep -qx .BTF.ext <<<"$1" && ! grep -q "^.debug_info" <<<"$1"' _ "$secs"
check "the skeleton embeds the object ($(wc -l <.output/iommu_flush.skel.h) lines)" \
	grep -q 'iommu_flush_bpf__open' .output/iommu_flush.skel.h
check "no generated vmlinux.h: only bpf/iommu_kernel.h's preserve_access_index structs" \
	bash -c '! ls bpf/vmlinux.h .output/vmlinux.h 2>/dev/null && ! grep -q "vmlinux.h" bpf/*.c && grep -q preserve_access_index bpf/iommu_kernel.h'
out=$(make build 2>&1)
check "a second make build has nothing to do ($(echo "$out" | head -n1))" \
	bash -c '! grep -qE "^  (BPF|CC|CCLD|AR|GEN-SKEL) " <<<"$1"' _ "$out"
# -W: as if hist.c had changed, without touching it
quiet=$(make -W tools/lib/model/hist.c build 2>&1) verbose=$(make V=1 -W tools/lib/model/hist.c build 2>&1)
check "quiet rules print '  CC  .output/lib/model/hist.o', V=1 the compiler command" \
	bash -c 'grep -q "^  CC  *.output/lib/model/hist.o" <<<"$1" && grep -q -- "-Werror.*-c tools/lib/model/hist.c" <<<"$2"' _ "$quiet" "$verbose"
done_testing
