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
# wait_for STEP PATTERN: until the screen matches PATTERN (grep -E), then save it
wait_for() {
	local i
	for i in $(seq 200); do
		t capture-pane -p -t top | grep -qE -- "$2" && { cap "$1"; return 0; }
		sleep 0.1
	done
	cap "$1"
	echo "tmux_timeout_$1=1"
	return 1
}
# shell STEP CMD: run CMD at the pane's shell prompt, saving the terminal's
# settings before and after, and the exit status
shell() {
	rm -f "$R/$1.exit"
	t send-keys -t top "clear; stty -g >$R/$1.stty-before; $2; echo \$? >$R/$1.exit.tmp; stty -g >$R/$1.stty-after; mv $R/$1.exit.tmp $R/$1.exit" Enter
}
wait_exit() {
	local i
	for i in $(seq 200); do [ -e "$R/$1.exit" ] && break; sleep 0.1; done
	sleep 0.3
	cap "$1.after"
	echo "tmux_$1_exit=$(cat "$R/$1.exit" 2>/dev/null || echo none)"
}

( while :; do dd if=/dev/nvme0n1 of=/dev/null bs=64k count=32 iflag=direct 2>/dev/null; sleep 0.1; done ) &
load=$!
t new-session -d -s top -x 160 -y 40 "PS1='$ ' bash --norc --noprofile"
sleep 0.5
echo "tmux_term=$(t show-options -g -v default-terminal)"

# the view, its keys, a resize, q
shell view "$TOOL -i 0.5"
wait_for view '^intel-iommu +dma-iommu' && wait_for view2 'frame [3-9]'
t send-keys -t top '>' && wait_for sort-right 'sort: SYNCS/s'
t send-keys -t top '<' '<' && wait_for sort-left 'sort: MAPS/s'
# each until a row of the new grouping is there (an interval can be idle)
t send-keys -t top g && wait_for group-device '^intel-iommu +0000:'
t send-keys -t top g && wait_for group-driver '^intel-iommu +[0-9.]+ '
t send-keys -t top g && wait_for group-consumer '^intel-iommu +dma-iommu '
t send-keys -t top p && wait_for paused 'PAUSED'
sleep 1.6	# three intervals: a paused screen must not change
cap paused-later
t send-keys -t top r && wait_for reset 'totals over 0.0 s'
t send-keys -t top p && wait_for resumed 'totals over [0-9.]+ s: maps [1-9]'
t send-keys -t top '?' && wait_for help 'iommu-flushtop: keys'
t send-keys -t top x && wait_for help-closed '^DRIVER'
t resize-window -t top -x 90 -y 15 && wait_for small '^iommu-flushtop'
sleep 1.2
cap small
t resize-window -t top -x 200 -y 40 && wait_for large 'STALE-p99'
t send-keys -t top q
wait_exit view

# SIGTERM and ^C end it too, with the terminal restored
shell term "$TOOL -i 0.5"
wait_for term-running '^DRIVER'
kill -TERM "$(pidof iommu-flushtop)"
wait_exit term
shell int "$TOOL -i 0.5"
wait_for int-running '^DRIVER'
t send-keys -t top C-c
wait_exit int

# bad input: one line, the right status, the terminal untouched
shell badi "$TOOL -i 0"
wait_exit badi
shell badn "$TOOL -n abc"
wait_exit badn

t kill-server
kill $load
wait 2>/dev/null
exit 0
