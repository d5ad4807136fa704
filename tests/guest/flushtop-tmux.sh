#!/bin/bash
# Runs in the test VM: drives iommu-flushtop's full-screen view through
# tmux, as a person would, while NVMe reads keep the IOMMU busy.  Each step
# sends keys, waits until the screen shows that the step happened (or gives
# up after 20 s), and saves the screen in $VM_RESULTS/tmux/STEP.txt; the
# host asserts on the screens (tests/vm/flushtop.t).  Waiting is only
# synchronisation: nothing here is timed.
set -u
R=$VM_RESULTS/tmux
mkdir -p "$R"
export TMUX_TMPDIR=/tmp
TOOL=${FLUSHTOP:-$PWD/.output/bin/iommu-flushtop}	# or the ASan/UBSan build
t() { tmux -f /dev/null "$@"; }
cap() { t capture-pane -p -t top >"$R/$1.txt"; }
# wait_for STEP PATTERN...: until one capture of the screen matches every
# PATTERN (grep -E; "!PATTERN": must not match), then save that capture,
# the one that matched, not a later one (the view redraws every interval,
# and an interval can be idle).  A deadline of 20 s: the capture is saved
# anyway and tmux_timeout_STEP=1 said.
wait_for() {
	local step=$1 i p ok scr=
	shift
	for i in $(seq 200); do
		scr=$(t capture-pane -p -t top)
		ok=1
		for p in "$@"; do
			case $p in
			!*) ! grep -qE -- "${p#!}" <<<"$scr" || ok=0 ;;
			*) grep -qE -- "$p" <<<"$scr" || ok=0 ;;
			esac
		done
		[ $ok = 1 ] && { printf '%s\n' "$scr" >"$R/$step.txt"; return 0; }
		sleep 0.1
	done
	printf '%s\n' "$scr" >"$R/$step.txt"
	echo "tmux_timeout_$step=1"
	return 1
}
# shell STEP CMD: run CMD at the pane's shell prompt, saving the terminal's
# settings before and after, and the exit status
shell() {
	rm -f "$R/$1.exit"
	t send-keys -t top "clear; stty -g >$R/$1.stty-before; $2; echo \$? >$R/$1.exit.tmp; stty -g >$R/$1.stty-after; mv $R/$1.exit.tmp $R/$1.exit" Enter
}
# wait_exit STEP [PATTERN...]: until CMD's status is saved and the prompt is
# back alone on its line (and the screen matches PATTERN...), save the
# screen as STEP.after
wait_exit() {
	local step=$1 i
	shift
	for i in $(seq 200); do [ -e "$R/$step.exit" ] && break; sleep 0.1; done
	wait_for "$step.after" '^\$ ?$' "$@"
	echo "tmux_${step}_exit=$(cat "$R/$step.exit" 2>/dev/null || echo none)"
}

( while :; do dd if=/dev/nvme0n1 of=/dev/null bs=64k count=32 iflag=direct 2>/dev/null; sleep 0.1; done ) &
load=$!
t new-session -d -s top -x 160 -y 40 "PS1='$ ' bash --norc --noprofile"
wait_for start '^\$ ?$'
echo "tmux_term=$(t show-options -g -v default-terminal)"

# the view, its keys, a resize, q
shell view "$TOOL -i 0.5"
wait_for view '^intel-iommu +dma-iommu' &&
	wait_for view2 'frame [3-9]' '^intel-iommu +dma-iommu +[0-9.]+ +[0-9.]+'
t send-keys -t top '>' && wait_for sort-right 'sort: SYNCS/s'
t send-keys -t top '<' '<' && wait_for sort-left 'sort: MAPS/s'
# each until a row of the new grouping is there (an interval can be idle)
t send-keys -t top g && wait_for group-device '^DRIVER +DEVICE ' '^intel-iommu +0000:00:[0-9a-f]{2}\.[0-7] '
t send-keys -t top g && wait_for group-driver '^DRIVER +MAPS/s' '^intel-iommu +[0-9.]+ '
t send-keys -t top g && wait_for group-consumer '^DRIVER +CONSUMER' '^intel-iommu +dma-iommu '
t send-keys -t top p && wait_for paused 'PAUSED'
sleep 1.6	# three intervals: a paused screen must not change
cap paused-later
t send-keys -t top r && wait_for reset 'totals over 0.0 s'
t send-keys -t top p && wait_for resumed 'totals over [0-9.]+ s: maps [1-9]'
t send-keys -t top '?' && wait_for help 'iommu-flushtop: keys'
t send-keys -t top x && wait_for help-closed '^DRIVER'
t resize-window -t top -x 90 -y 15 && wait_for small '^iommu-flushtop' '^DRIVER' '!STALE-p99'
t resize-window -t top -x 200 -y 40 && wait_for large 'STALE-p99'
t send-keys -t top q
wait_exit view '!DRIVER|iommu-flushtop'

# SIGTERM and ^C end it too, with the terminal restored
shell term "$TOOL -i 0.5"
wait_for term-running '^DRIVER'
kill -TERM "$(pidof iommu-flushtop)"
wait_exit term '!DRIVER|iommu-flushtop'
shell int "$TOOL -i 0.5"
wait_for int-running '^DRIVER'
t send-keys -t top C-c
wait_exit int '!DRIVER|iommu-flushtop'

# bad input: one line, the right status, the terminal untouched
shell badi "$TOOL -i 0"
wait_exit badi 'iommu-flushtop: '
shell badn "$TOOL -n abc"
wait_exit badn 'iommu-flushtop: '

t kill-server
kill $load
wait 2>/dev/null
exit 0
