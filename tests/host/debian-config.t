# scripts/debian-config: the committed hot-path fragments say what Debian's
# own configs say (the check scripts/build-kernel runs before configuring),
# and a fragment that drifts, lacks an option or has one the list does not
# name is refused, each option named.  Debian's configs are fetched through
# the private apt configuration once and cached, as the kernel builds do.
source "$(dirname "$0")/../lib/test.sh"
dc="$TOP/scripts/debian-config"
for f in "$TOP"/kernel-patches/config/debian-*.config; do
	b=$(basename "$f" .config); b=${b#debian-}
	base=${b%-*} arch=${b##*-}
	run "$base $arch" "$dc" "$base" "$arch" --check
	check "debian-$base-$arch.config says what Debian's $base $arch config says" [ "$rc" = 0 ]
done
frag="$TOP/kernel-patches/config/debian-v7.2-x86_64.config"
check "JUMP_LABEL is on in every fragment" [ "$(grep -L '^CONFIG_JUMP_LABEL=y$' "$TOP"/kernel-patches/config/debian-*.config)" = "" ]
check "7.2 is PREEMPT_LAZY, as Debian ships it" grep -q '^CONFIG_PREEMPT_LAZY=y$' "$frag"
check "6.12 PREEMPT_VOLUNTARY" grep -q '^CONFIG_PREEMPT_VOLUNTARY=y$' "$TOP/kernel-patches/config/debian-v6.12-x86_64.config"
sed 's/^CONFIG_HZ_250=y/# CONFIG_HZ_250 is not set/; s/^# CONFIG_HZ_1000 is not set/CONFIG_HZ_1000=y/' "$frag" >"$TMP/drift"
run drift "$dc" v7.2 x86_64 --check "$TMP/drift"
check "a drifted fragment fails" [ "$rc" = 1 ]
check "naming each option, Debian's value and the fragment's" \
	[ "$(grep -c 'CONFIG_HZ_250: Debian y, the fragment n\|CONFIG_HZ_1000: Debian n, the fragment y' "$TMP/run.err")" = 2 ]
grep -v '^CONFIG_KFENCE=' "$frag" >"$TMP/lacks"
echo 'CONFIG_EXTRA_OPTION=y' >>"$TMP/lacks"
run lacks "$dc" v7.2 x86_64 --check "$TMP/lacks"
check "a fragment without a listed option fails" [ "$rc" = 1 ]
check "it is named" grep -q 'CONFIG_KFENCE: Debian y, not in the fragment' "$TMP/run.err"
check "an option the list does not name is named too" grep -q 'CONFIG_EXTRA_OPTION: in the fragment, not in hotpath.options' "$TMP/run.err"
run print "$dc" v7.2 arm64
check "the fragment printed is the committed one" cmp -s "$TMP/run.out" "$TOP/kernel-patches/config/debian-v7.2-arm64.config"
check "arm64 gets no x86 option" [ "$(grep -c 'MITIGATION_RETPOLINE\|X86_KERNEL_IBT' "$TMP/run.out")" = 0 ]
run badarch "$dc" v7.2 riscv64
check "an unknown arch: one line, exit 1" [ "$rc" = 1 ]
check "naming it" grep -q "unknown arch 'riscv64'" "$TMP/run.err"
run usage "$dc" v7.2
check "too few arguments: usage, exit 2" [ "$rc" = 2 ]
run nobase "$dc" v9.9 x86_64
check "an unknown base: exit 1, named" grep -q "unknown base 'v9.9'" "$TMP/run.err"
done_testing
