# scripts/lib/check-config finds every fragment option the final .config lost,
# whether asked as =y, =value or "is not set", and passes a config that has
# them all.
source "$(dirname "$0")/../lib/test.sh"
cc="$TOP/scripts/lib/check-config"
cat >"$TMP/frag" <<'F'
# comment
CONFIG_A=y
CONFIG_B="str"
CONFIG_C=16
# CONFIG_D is not set
CONFIG_E=y
F
cat >"$TMP/good" <<'F'
CONFIG_A=y
CONFIG_B="str"
CONFIG_C=16
# CONFIG_D is not set
CONFIG_E=y
CONFIG_OTHER=y
F
cat >"$TMP/bad" <<'F'
CONFIG_A=y
CONFIG_B="other"
# CONFIG_C is not set
CONFIG_D=y
F
check "a config with every option passes" "$cc" "$TMP/good" "$TMP/frag"
out=$("$cc" "$TMP/bad" "$TMP/frag"); rc=$?
check "a config missing options fails" [ $rc = 1 ]
check "each lost option is named with what came out" [ "$out" = 'CONFIG_B="str" (got "other")
CONFIG_C=16 (got n)
CONFIG_D=n (got y)
CONFIG_E=y (got n)' ]
# Later fragments override earlier ones, as merge_config.sh applies them.
printf 'CONFIG_A=y\nCONFIG_E=y\n' >"$TMP/f1"
printf '# CONFIG_A is not set\n' >"$TMP/f2"
printf '# CONFIG_A is not set\nCONFIG_E=y\n' >"$TMP/later"
check "the last fragment's value is the one checked" "$cc" "$TMP/later" "$TMP/f1" "$TMP/f2"
out=$("$cc" "$TMP/later" "$TMP/f2" "$TMP/f1")
check "and an earlier one's is not" [ "$out" = 'CONFIG_A=y (got n)' ]
for f in "$TOP"/kernel-patches/config/*.config; do
	check "fragment $(basename "$f") satisfies itself" "$cc" "$f" "$f"
done
done_testing
