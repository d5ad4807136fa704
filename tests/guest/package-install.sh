#!/bin/bash
# Runs in the test VM booted on Debian's own kernel (vm-run --stock): the
# Debian package installed as a user installs it, `apt-get install ./DEB`,
# into a writable root (an overlay of the host's Debian 12 root, read-only
# over 9p, on the guest's tmpfs; chroot into it), then the installed tools
# run from /usr/sbin on CMD (dd on the NVMe, say), then, with PURGE=1, it
# is purged.
# Prints KEY=VALUE facts; leaves in $VM_RESULTS: install.log, flushtop.txt,
# flushhist.json, flushhist.txt, exporter.prom, exporter.err, verify.log,
# purge.log.
# usage: [PURGE=1] package-install.sh DEB -- CMD...
set -u
deb=$(readlink -f "$1"); shift
[ "$1" = -- ] && shift
R=$VM_RESULTS
O=/tmp/pkg
# each step's end, in seconds from the start: where the time goes
t0=$(date +%s)
at() { echo "t_$1=$(( $(date +%s) - t0 ))"; }
echo "kernel=$(uname -r)"
echo "nvme_bdf=$(basename "$(readlink -f /sys/block/nvme0n1/device/device)")"

mkdir -p $O/up $O/work $O/root
mount -t overlay overlay -o lowerdir=/host,upperdir=$O/up,workdir=$O/work $O/root ||
	{ echo "overlay_rc=1"; exit 1; }
echo "overlay_rc=0"
# the guest's own kernel file systems and scratch space, not the host's
for d in proc sys dev dev/pts sys/kernel/tracing sys/kernel/debug sys/fs/bpf tmp run; do
	mountpoint -q "/$d" && mount --bind "/$d" "$O/root/$d"
done
cp "$deb" $O/root/tmp/
# man-db's trigger would rebuild the index of every page over 9p, under
# TCG: minutes.  Its own switch (man-db.postinst) turns it off.
rm -f $O/root/var/lib/man-db/auto-update
inroot() { chroot $O/root "$@"; }
name=/tmp/$(basename "$deb")

# apt-get as a user runs it, but without the host's package lists: the
# dependencies are installed already (dpkg's status says so), and parsing
# the lists over 9p under TCG takes minutes
mkdir -p $O/root/tmp/apt-lists/partial $O/root/tmp/apt-cache/archives/partial
APT=(-o Dir::State::Lists=/tmp/apt-lists -o Dir::Cache=/tmp/apt-cache)
rc=0
inroot env DEBIAN_FRONTEND=noninteractive apt-get "${APT[@]}" install -y "$name" >"$R/install.log" 2>&1 || rc=$?
echo "install_rc=$rc"; at install
echo "dpkg_status=$(inroot dpkg-query -W -f='${db:Status-Status}' iommu-flushtop 2>/dev/null)"
echo "dpkg_version=$(inroot dpkg-query -W -f='${Version}' iommu-flushtop 2>/dev/null)"
for f in /usr/sbin/iommu-flushtop /usr/sbin/iommu-flushhist /usr/sbin/iommu-flush-exporter \
	/usr/share/man/man8/iommu-flushtop.8.gz /usr/share/man/man8/iommu-flushhist.8.gz \
	/usr/share/man/man8/iommu-flush-exporter.8.gz /lib/systemd/system/iommu-flush-exporter.service \
	/usr/share/bash-completion/completions/iommu-flushtop /usr/share/doc/iommu-flushtop/copyright; do
	[ -e "$O/root$f" ] || echo "missing=$f"
done
echo "files_listed=$(inroot dpkg -L iommu-flushtop | grep -c .)"
# man finds each page; bash-completion loads each tool's completion
n=0
for t in iommu-flushtop iommu-flushhist iommu-flush-exporter; do
	inroot man -w "$t" >/dev/null 2>&1 && n=$((n + 1))
done
echo "man_found=$n"; at man
echo "completions=$(inroot bash -c 'source /usr/share/bash-completion/bash_completion
	n=0; for t in iommu-flushtop iommu-flushhist iommu-flush-exporter; do
		_completion_loader $t; complete -p $t >/dev/null 2>&1 && n=$((n + 1)); done; echo $n')"
rc=0
inroot systemd-analyze verify iommu-flush-exporter.service >"$R/verify.log" 2>&1 || rc=$?
echo "verify_rc=$rc"; at verify
echo "unit_enabled=$(inroot systemctl is-enabled iommu-flush-exporter.service 2>/dev/null)"

# The installed tools, each on CMD, which starts once the tool is under
# way (its first frame, its first textfile): on a stock kernel, reading
# the modules' BTF makes the start take seconds.
rc=0
chroot $O/root /usr/sbin/iommu-flushtop -b -g device -i 1 -n 6 >"$R/flushtop.txt" 2>"$R/flushtop.err" &
pid=$!
for i in $(seq 600); do [ -s "$R/flushtop.txt" ] && break; sleep 0.1; done
"$@" >/dev/null 2>&1
wait $pid || rc=$?
echo "flushtop_rc=$rc"; at flushtop
# iommu-flushhist -- CMD inside ftrace's count of iommu:unmap
# (count-callbacks.sh prints ft_*= on stdout, the tool's status by file)
tests/guest/count-callbacks.sh intel_iommu_tlb_sync -- bash -c \
	'chroot "$1" /usr/sbin/iommu-flushhist -o /tmp/flushhist.json -- "${@:2}" >"$0/flushhist.txt" 2>"$0/flushhist.err"; echo $? >/tmp/flushhist.rc' \
	"$R" $O/root "$@" 2>/dev/null | grep '^ft_\(unmap\|map\|dropped_unmap\)='
echo "flushhist_rc=$(cat /tmp/flushhist.rc 2>/dev/null)"; at flushhist
cp $O/root/tmp/flushhist.json "$R/" 2>/dev/null
# the exporter until CMD is over: on SIGTERM it writes what came since
# its last update, then exits
rc=0
mkdir -p $O/root/tmp/tf
chroot $O/root /usr/sbin/iommu-flush-exporter --textfile /tmp/tf -i 0.5 2>"$R/exporter.err" &
pid=$!
for i in $(seq 600); do [ -s $O/root/tmp/tf/iommu_flush.prom ] && break; sleep 0.1; done
"$@" >/dev/null 2>&1
kill -TERM $pid
wait $pid || rc=$?
echo "exporter_rc=$rc"; at exporter
cp $O/root/tmp/tf/iommu_flush.prom "$R/exporter.prom" 2>/dev/null

# with PURGE=1 (a minute under TCG: dpkg reads every package's file list)
[ "${PURGE:-0}" = 1 ] || exit 0
rc=0
inroot env DEBIAN_FRONTEND=noninteractive apt-get "${APT[@]}" purge -y iommu-flushtop >"$R/purge.log" 2>&1 || rc=$?
echo "purge_rc=$rc"; at purge
echo "left_after_purge=$(ls -d $O/root/usr/sbin/iommu-flush* $O/root/lib/systemd/system/iommu-flush* \
	$O/root/usr/share/man/man8/iommu-flush* $O/root/usr/share/doc/iommu-flushtop 2>/dev/null | wc -l)"
