# scripts/qemu-plugin/insn-window.c, the instruction counter of
# scripts/bench-insns: builds as C11 with -Wall -Wextra -Werror against no
# packaged header, exports what QEMU's plugin loader looks for, loads into
# Debian's QEMU and reports its windows at exit; a bad argument makes QEMU
# refuse it with one line naming the argument.  (The counts themselves are
# checked where there is a guest: scripts/bench-insns.)
source "$(dirname "$0")/../lib/test.sh"
so="$TMP/insn-window.so"
check "builds with -Wall -Wextra -Werror (scripts/qemu-plugin/build)" "$TOP/scripts/qemu-plugin/build" "$so"
check "exports qemu_plugin_install and qemu_plugin_version, nothing else" \
	[ "$(nm -D --defined-only "$so" | awk '{ print $3 }' | grep -v '^_' | sort | tr '\n' ' ')" = "qemu_plugin_install qemu_plugin_version " ]
q() { echo q | timeout 30 qemu-system-x86_64 -machine none -nographic -nodefaults -monitor stdio "$@" >/dev/null 2>"$TMP/qemu.err"; }
printf 'ffffffff81000000\nffffffff81000010\n' >"$TMP/sites"
q -plugin "$so,win=map:1000:1010,win=unmap:2000:2010,sites=$TMP/sites" -d plugin -D "$TMP/log"; rc=$?
check "QEMU loads it (exit $rc)" [ $rc = 0 ]
check "each window is reported at exit" [ "$(grep -c '^insn-window \(map\|unmap\) n=0' "$TMP/log")" = 2 ]
for bad in win=bad win=x:1 win=x:zz:10 "sites=$TMP/none"; do
	q -plugin "$so,$bad" -d plugin -D "$TMP/log2"; rc=$?
	check "'$bad' is refused (exit $rc)" [ $rc != 0 ]
	check "'$bad': the plugin says why, naming it" grep -qF -- "${bad#sites=}" "$TMP/qemu.err"
done
done_testing
