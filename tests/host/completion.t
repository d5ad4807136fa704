# The bash completion of both tools (completions/iommu-flushtop):
# - the options it offers are exactly those of each tool's --help;
# - every value it offers for -g, -s, --consumer (iommu-flushtop) and -g,
#   -m (iommu-flushhist) is one the tool accepts (no usage error, exit 2),
#   while a made-up one is refused (so the check can fail); the sort
#   columns and driver names are all of the tools' own tables;
# - comma lists complete their last item; after "--" come commands, then
#   files;
# - `make install` puts it where bash-completion looks, under both names,
#   and bash-completion's own loader finds it there and completes with it.
source "$(dirname "$0")/../lib/test.sh"
cd "$TOP"
make -s build >&2 || { notok "make build failed"; exit 1; }
top=.output/bin/iommu-flushtop hist=.output/bin/iommu-flushhist
fx=tests/fixtures/dumps/intel-lazy.json

# comp FUNCTION WORD...: what FUNCTION completes for the last WORD, one a line, sorted
comp() {
	bash -c 'source completions/iommu-flushtop; f=$1; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1))
		"$f"; printf "%s\n" "${COMPREPLY[@]}"' _ "$@" | sort
}
# the options of a tool's --help, one a line, sorted
help_opts() {
	"$1" --help | grep -E '^ +-' | grep -oE '(^|[ ,])(-[a-zA-Z?]|--[a-z-]+)' | sed 's/^[ ,]*//' | sort -u
}
words() { tr ' \t' '\n\n' | grep -v '^$' | sort -u; }

for t in iommu-flushtop iommu-flushhist iommu-flush-exporter; do
	f=_${t//-/_}
	got=$(comp "$f" "$t" - | grep -vx -- --)
	want=$(help_opts ".output/bin/$t")
	check "$t: the options completed are those of --help ($(wc -l <<<"$want"))" \
		bash -c '[ -n "$1" ] && [ "$1" = "$2" ]' _ "$got" "$want" || diff <(echo "$got") <(echo "$want")
done

# values the tool accepts: exit 2 is a usage error; anything else got past parsing
accepted() {   # accepted LABEL VALUES CMD-WITH-@: each value in place of @
	local label=$1 vals=$2 bad="" v; shift 2
	for v in $vals; do
		"${@//@/$v}" >/dev/null 2>&1 </dev/null
		[ $? = 2 ] && bad+=" $v"
	done
	"${@//@/no-such-value}" >/dev/null 2>&1 </dev/null
	local made_up=$?
	check "$label: every value completed is accepted ($(echo $vals))${bad:+, refused:$bad}; a made-up one is refused (exit $made_up)" \
		[ -n "$vals" -a -z "$bad" -a $made_up = 2 ]
}
accepted "iommu-flushtop -g" "$(comp _iommu_flushtop iommu-flushtop -g '')" timeout 10 $top -g @ -n 1 -i 0.1
accepted "iommu-flushtop -s" "$(comp _iommu_flushtop iommu-flushtop -s '')" timeout 10 $top -s @ -n 1 -i 0.1
accepted "iommu-flushtop --source" "$(comp _iommu_flushtop iommu-flushtop --source '')" timeout 10 $top --source @ -n 1 -i 0.1
accepted "iommu-flushhist --source" "$(comp _iommu_flushhist iommu-flushhist --source '')" timeout 10 $hist --source @ -d 0.1
accepted "iommu-flushhist -g" "$(comp _iommu_flushhist iommu-flushhist -g '')" $hist -g @ -i $fx
accepted "iommu-flushhist -m" "$(comp _iommu_flushhist iommu-flushhist -m '')" $hist -m @ -i $fx

# the tools' own tables, read from their sources
cols=$(grep -oE '^	\[IFL_F_[A-Z0-9_]+\] = \{ "[a-z0-9_]+"' tools/lib/top/top_frame.c | sed 's/.*"\(.*\)"/\1/' | sort)
check "iommu-flushtop -s: the columns completed are the figure table's ($(echo $cols))" \
	bash -c '[ -n "$1" ] && [ "$1" = "$2" ]' _ "$(comp _iommu_flushtop iommu-flushtop -s '')" "$cols"
drivers=$( (sed -n 's/^	{ "[a-z0-9_]*", "\([a-z0-9-]*\)" },$/\1/p' tools/lib/collector/names.c; echo arm-smmu-v3) | sort -u)
check "iommu-flushtop --driver: the driver names completed are names.c's ($(echo $drivers | wc -w))" \
	bash -c '[ "$(echo $1 | wc -w)" -ge 10 ] && [ "$1" = "$2" ]' _ "$(comp _iommu_flushtop iommu-flushtop --driver '')" "$drivers"
cons=$(grep -oE 'snprintf\(name, len, "[a-z-]+"\)' tools/lib/collector/names.c | sed 's/.*"\(.*\)".*/\1/' | grep -vx unknown | sort -u)
check "iommu-flushtop --consumer: the consumers completed are those names.c gives ($(echo $cons))" \
	bash -c '[ -n "$1" ] && [ "$1" = "$2" ]' _ "$(comp _iommu_flushtop iommu-flushtop --consumer '')" "$cons"
check "iommu-flushtop --sort=un completes the value after =" \
	bash -c '[ "$1" = "$(printf "unmaps_per_s\nunmaps_per_sync")" ]' _ "$(comp _iommu_flushtop iommu-flushtop --sort=un)"

check "iommu-flushhist -g driver,con completes the last item: driver,consumer" \
	[ "$(comp _iommu_flushhist iommu-flushhist -g driver,con)" = driver,consumer ]
check "iommu-flushhist -- d completes commands (dd among them)" \
	bash -c 'grep -qx dd <<<"$1"' _ "$(comp _iommu_flushhist iommu-flushhist -- d)"
check "iommu-flushhist -- dd M completes files (Makefile)" \
	bash -c 'grep -qx Makefile <<<"$1"' _ "$(comp _iommu_flushhist iommu-flushhist -- dd M)"
check "iommu-flushhist -i tests/fixtures/dumps/intel-l completes the .json" \
	[ "$(comp _iommu_flushhist iommu-flushhist -i tests/fixtures/dumps/intel-l)" = $fx ]

exp=.output/bin/iommu-flush-exporter
accepted "iommu-flush-exporter --source" "$(comp _iommu_flush_exporter iommu-flush-exporter --source '')" \
	timeout 10 $exp --source @ -d 0.1 -l 127.0.0.1:0
accepted "iommu-flush-exporter -l" "$(comp _iommu_flush_exporter iommu-flush-exporter -l '')" \
	timeout 10 $exp -l @ -d 0.1
check "iommu-flush-exporter --textfile t completes directories (tests/)" \
	bash -c 'grep -qx tests <<<"$1" && ! grep -qx Makefile <<<"$1"' _ "$(comp _iommu_flush_exporter iommu-flush-exporter --textfile t)"

# installed, and found by bash-completion's own loader
make -s install DESTDIR="$TMP/root" PREFIX=/usr >&2
cdir="$TMP/root/usr/share/bash-completion/completions"
check "make install: the completion under the three names (iommu-flushhist and iommu-flush-exporter links)" \
	bash -c '[ -f "$1/iommu-flushtop" ] && [ "$(readlink "$1/iommu-flushhist")" = iommu-flushtop ] &&
		[ "$(readlink "$1/iommu-flush-exporter")" = iommu-flushtop ]' _ "$cdir"
if [ -f /usr/share/bash-completion/bash_completion ]; then
	got=$(XDG_DATA_DIRS="$TMP/root/usr/share" bash -c '
		source /usr/share/bash-completion/bash_completion
		__load_completion iommu-flushhist || exit 1
		COMP_WORDS=(iommu-flushhist -m un); COMP_CWORD=2
		$(complete -p iommu-flushhist | sed "s/.*-F \([^ ]*\) .*/\1/") iommu-flushhist un -m
		printf "%s\n" "${COMPREPLY[@]}"' 2>&1 | sort)
	check "bash-completion loads it from XDG_DATA_DIRS by the command's name and completes -m un: $(echo $got)" \
		[ "$got" = "$(printf 'unmap\nunmaps')" ]
else
	skip "bash-completion is not installed (scripts/deps installs it)"
fi
done_testing
