# iommu-flushtop's command line on the host, where it cannot run (no
# patched kernel): bad input is refused in one line on stderr with exit
# status 2, before anything touches BPF or the terminal; as nobody it says
# it needs root (exit 1); as root on this kernel it names what is missing
# (exit 1).  Each case also runs in a tmux pane, whose terminal settings
# must be the same after as before.  -h, --help and -V answer on stdout.
# The waiting line shows on a terminal only.
source "$(dirname "$0")/../lib/test.sh"
make -s -C "$TOP" build >&2 || { notok "make build failed"; exit 1; }
tool="$TOP/.output/bin/iommu-flushtop"

# one CASE-NAME EXPECTED-STATUS PATTERN ARGS...: one line matching PATTERN, that status
one() {
	local name=$1 want=$2 pat=$3 rc=0; shift 3
	"$tool" "$@" >"$TMP/out" 2>"$TMP/err" </dev/null || rc=$?
	check "$name: exit $rc (want $want), one line on stderr, nothing on stdout: \"$(head -c 160 "$TMP/err")\"" \
		bash -c '[ "$1" = "$2" ] && [ "$(wc -l <"$3")" = 1 ] && [ ! -s "$4" ] && grep -qE "$5" "$3"' _ "$rc" "$want" "$TMP/err" "$TMP/out" "$pat"
}
one "unknown option" 2 "^iommu-flushtop: unrecognized option '--bogus'" --bogus
one "-i 0" 2 "^iommu-flushtop: -i: 0 s is out of range" -i 0
one "-i -1" 2 "^iommu-flushtop: -i: -1 s is out of range" -i -1
one "-i 1e9" 2 "^iommu-flushtop: -i: 1e9 s is out of range" -i 1e9
one "-i nan" 2 "^iommu-flushtop: -i: not a number" -i nan
one "-i 1s" 2 "^iommu-flushtop: -i: not a number" -i 1s
one "-n abc" 2 "^iommu-flushtop: -n: not a count" -n abc
one "-n 0" 2 "^iommu-flushtop: -n: not a count" -n 0
one "-n -1" 2 "^iommu-flushtop: -n: not a count" -n -1
one "-i without its value" 2 "^iommu-flushtop: option requires an argument -- 'i'" -i
one "-g unknown" 2 "^iommu-flushtop: -g: unknown grouping" -g nope
one "-s unknown" 2 "^iommu-flushtop: -s: unknown column" -s nope
one "a stray argument" 2 "^iommu-flushtop: unexpected argument" stray
one "--source unknown" 2 "^iommu-flushtop: --source: unknown source 'kprobes' \(tracepoints, fallback or auto\)" --source kprobes

rc=0
"$tool" --help >"$TMP/out" 2>"$TMP/err" || rc=$?
check "--help: exit 0, usage, options and an EXAMPLES section on stdout" \
	bash -c '[ "$1" = 0 ] && grep -q "^EXAMPLES:" "$2" && grep -q -- "--json" "$2" && grep -q -- "--interval" "$2" && [ ! -s "$3" ]' _ "$rc" "$TMP/out" "$TMP/err"
rc=0
"$tool" -h >"$TMP/out2" 2>&1 || rc=$?
check "-h is --help" bash -c '[ "$1" = 0 ] && cmp -s "$2" "$3"' _ "$rc" "$TMP/out" "$TMP/out2"
check "-V: the version" bash -c '[ "$("$1" -V)" = "iommu-flushtop 0.1" ]' _ "$tool"

if command -v setpriv >/dev/null; then
	rc=0
	as_nobody "$tool" -b -n 1 >"$TMP/out" 2>"$TMP/err" || rc=$?
	check "as nobody: exit $rc (want 1), one line naming root or CAP_BPF+CAP_PERFMON: \"$(cat "$TMP/err")\"" \
		bash -c '[ "$1" = 1 ] && [ "$(wc -l <"$2")" = 1 ] && grep -q "^iommu-flushtop: need root" "$2" && [ ! -s "$3" ]' _ "$rc" "$TMP/err" "$TMP/out"
fi

# this host's own kernel: the series' events are missing (or no IOMMU): one line, exit 1
rc=0
"$tool" -b -n 1 -i 0.1 >"$TMP/out" 2>"$TMP/err" || rc=$?
if [ $rc = 0 ]; then
	ok "this host can run iommu-flushtop itself"
else
	check "on this host (events missing or no IOMMU): exit $rc (want 1), one line: \"$(head -c 200 "$TMP/err")\"" \
		bash -c '[ "$1" = 1 ] && [ "$(wc -l <"$2")" = 1 ] && grep -q "^iommu-flushtop: " "$2" && [ ! -s "$3" ]' _ "$rc" "$TMP/err" "$TMP/out"
fi

# a source asked for that cannot run here: its own reason, one line (this
# host has neither the series nor an IOMMU driver in its BTF)
if [ $rc != 0 ]; then
	one "--source tracepoints on this host" 1 "^iommu-flushtop: .*(series|IOMMU)" --source tracepoints -b -n 1
	one "--source fallback on this host" 1 "^iommu-flushtop: .*(callback|IOMMU|BTF)" --source fallback -b -n 1
fi

# the same refusals from a terminal: tmux runs each in a pane and keeps the
# terminal's settings from before and after
if command -v tmux >/dev/null; then
	export TMUX_TMPDIR="$TMP"
	tmux -f /dev/null new-session -d -s cli -x 120 -y 30 "bash --norc --noprofile" || { notok "tmux: no session"; exit 1; }
	for args in "-i 0" "-n abc" "--bogus" ""; do
		n=$(echo "x$args" | tr -c 'a-z0-9\n' '_')
		tmux send-keys -t cli "stty -g >$TMP/$n.b; $tool $args 2>$TMP/$n.err; echo \$? >$TMP/$n.rc; stty -g >$TMP/$n.a" Enter
		for _ in $(seq 100); do [ -s "$TMP/$n.a" ] && break; sleep 0.1; done
		want=2; [ -z "$args" ] && want=1
		check "in a terminal, '$args': exit $(cat "$TMP/$n.rc" 2>/dev/null) (want $want), one line, stty unchanged" \
			bash -c '[ "$(cat "$1.rc")" = "$2" ] && [ "$(wc -l <"$1.err")" = 1 ] && cmp -s "$1.b" "$1.a"' _ "$TMP/$n" "$want"
	done
	tmux kill-server
fi

# the waiting line (tools/lib/cli): on a terminal once a step took a
# second, erased when done; never off a terminal (one-line errors stay so)
wl="$TOP/.output/tests/waiting-line"
"$wl" 1.2 2>"$TMP/wl.err"
check "off a terminal, a 1.2 s step prints no waiting line (stderr: $(cat "$TMP/wl.err"))" [ "$(cat "$TMP/wl.err")" = done ]
if command -v script >/dev/null; then
	script -qfec "$wl 1.2" /dev/null >"$TMP/wl.tty" 2>&1
	check "on a terminal, a 1.2 s step: \"waiting: step b (N s)\", N >= 1, then the line erased, then what follows ($(tr -c '[:print:]' '~' <"$TMP/wl.tty"))" \
		python3 -c 'import re, sys; t = open(sys.argv[1], "rb").read(); m = re.search(rb"waiting: step b \([1-9][0-9]* s\)", t); sys.exit(not (m and t.find(b"\r\x1b[Kdone", m.end()) == m.end()))' "$TMP/wl.tty"
	script -qfec "$wl 0" /dev/null >"$TMP/wl0.tty" 2>&1
	check "on a terminal, a step quicker than a second prints nothing before what follows" \
		bash -c '[ "$(tr -d "\r" <"$1")" = done ]' _ "$TMP/wl0.tty"
else
	skip "no script(1): the waiting line on a terminal is untried"
fi

# make install: the tool in sbin, its manual in man8, the manual renders cleanly
rc=0
make -s -C "$TOP" install DESTDIR="$TMP/inst" PREFIX=/usr >&2 || rc=$?
warn=$(MANWIDTH=80 man --warnings -l "$TMP/inst/usr/share/man/man8/iommu-flushtop.8" 2>&1 >/dev/null | head -n 3)
check "make install DESTDIR PREFIX=/usr: sbin/iommu-flushtop and man8/iommu-flushtop.8; man renders it${warn:+ with warnings: $warn}" \
	bash -c '[ "$1" = 0 ] && [ -x "$2/usr/sbin/iommu-flushtop" ] && [ -s "$2/usr/share/man/man8/iommu-flushtop.8" ] && [ -z "$3" ] &&
		man -l "$2/usr/share/man/man8/iommu-flushtop.8" 2>/dev/null | grep -q "EXIT STATUS"' _ "$rc" "$TMP/inst" "$warn"
done_testing
