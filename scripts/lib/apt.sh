# A private apt configuration that sees Debian's suites (bookworm for its
# stock kernel's point release, trixie, sid) without touching /etc/apt.  The mirror is the one this machine already uses
# for Debian; nothing here names a host.  Sourced after common.sh.

APT_DIR=$CACHE/apt

# The URI of the machine's own Debian archive: the first deb source whose
# suite is the host's release codename (not -security, not -updates).
host_debian_mirror() {
	[ -n "${IOMMU_FLUSHTOP_MIRROR:-}" ] && { echo "$IOMMU_FLUSHTOP_MIRROR"; return; }
	local codename
	codename=$(. /etc/os-release && echo "${VERSION_CODENAME:-}")
	[ -n "$codename" ] || die "cannot tell this machine's Debian codename from /etc/os-release"
	local uri
	# deb822 .sources files: stanzas with URIs: and Suites: lines.
	uri=$(awk -v cn="$codename" '
		BEGIN { RS=""; FS="\n" }
		{
			u=""; s=""; t=""
			for (i = 1; i <= NF; i++) {
				if ($i ~ /^URIs:/)   { u=$i; sub(/^URIs:[ \t]*/, "", u); split(u, uu, /[ \t]+/); u=uu[1] }
				if ($i ~ /^Suites:/) { s=" " $i " " }
				if ($i ~ /^Types:/)  { t=$i }
			}
			if (t ~ /deb( |$)/ && index(s, " " cn " ") && u != "") { print u; exit }
		}' /etc/apt/sources.list.d/*.sources 2>/dev/null)
	# One-line format, as a fallback.
	[ -n "$uri" ] || uri=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null |
		awk -v cn="$codename" '$1 == "deb" { i = 2; if ($2 ~ /^\[/) while ($i !~ /\]$/) i++; if ($2 ~ /^\[/) i++;
			if ($(i+1) == cn) { print $i; exit } }')
	[ -n "$uri" ] || die "no Debian mirror for '$codename' found in /etc/apt sources (set IOMMU_FLUSHTOP_MIRROR)"
	echo "${uri%/}"
}

# papt CMD ARGS...: apt-get / apt-cache with the private configuration, for
# the architectures apt_private_setup was asked for (the host's, and arm64
# once the arm64 guest's stock kernel is fetched).
papt() {
	local tool=$1; shift
	local arches
	arches=$(cat "$APT_DIR/arches" 2>/dev/null || dpkg --print-architecture)
	"$tool" -o APT::Architectures="$arches" \
		-o Dir::Etc::SourceList="$APT_DIR/sources.list" \
		-o Dir::Etc::SourceParts="$APT_DIR/sources.list.d" \
		-o Dir::Etc::Preferences="$APT_DIR/preferences" \
		-o Dir::Etc::PreferencesParts="$APT_DIR/preferences.d" \
		-o Dir::State="$APT_DIR/state" \
		-o Dir::State::Status="$APT_DIR/state/status" \
		-o Dir::Cache="$APT_DIR/cache" \
		-o Debug::NoLocking=1 \
		-o APT::Sandbox::User=root \
		-o APT::Get::List-Cleanup=0 \
		-o Acquire::Languages=none \
		"$@"
}

# apt_private_setup [ARCH...]: write the sources and refresh the lists when
# they are older than a day (or absent), or when an architecture asked for
# has no lists yet (the host's is always there).
apt_private_setup() {
	local mirror keyring=/usr/share/keyrings/debian-archive-keyring.gpg
	local have want_arches a refresh=${APT_REFRESH:-0}
	have=$(cat "$APT_DIR/arches" 2>/dev/null || dpkg --print-architecture)
	want_arches=$have
	for a in "$@"; do
		case ",$want_arches," in *",$a,"*) ;; *) want_arches+=",$a"; refresh=1 ;; esac
	done
	mirror=$(host_debian_mirror)
	mkdir -p "$APT_DIR"/{sources.list.d,preferences.d,state/lists/partial,cache/archives/partial}
	: >"$APT_DIR/preferences"
	[ -f "$APT_DIR/state/status" ] || : >"$APT_DIR/state/status"
	local want
	want="deb [signed-by=$keyring] $mirror bookworm main
deb [signed-by=$keyring] $mirror trixie main
deb [signed-by=$keyring] $mirror sid main"
	if [ "$(cat "$APT_DIR/sources.list" 2>/dev/null)" != "$want" ]; then
		echo "$want" >"$APT_DIR/sources.list"
		rm -f "$APT_DIR/state/lists/"*Packages* "$APT_DIR/state/lists/"*Release* "$APT_DIR/state/updated"
	fi
	local stamp="$APT_DIR/state/updated"
	echo "$want_arches" >"$APT_DIR/arches"
	if [ ! -f "$stamp" ] || [ -n "$(find "$stamp" -mmin +1440)" ] || [ "$refresh" = 1 ]; then
		papt apt-get update -qq >"$APT_DIR/update.log" 2>&1 ||
			{ echo "$have" >"$APT_DIR/arches"; tail -n 5 "$APT_DIR/update.log" >&2; die "apt-get update of the private configuration failed (log: $APT_DIR/update.log)"; }
		touch "$stamp"
	fi
}
