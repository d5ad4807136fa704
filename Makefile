# iommu-flushtop: top-level build.  `make` builds; `make deps` installs the
# packages; `make demo` runs the main job in the test VM, `make check` runs
# every test; those two install what they need first.
# Quiet by default; V=1 shows the commands.

SHELL := /bin/bash
.DELETE_ON_ERROR:
.SUFFIXES:

# Kernel bases the tests run on: the newest Debian kernel first, then the LTS.
BASES ?= v7.2 v6.12

ifeq ($(V),1)
Q :=
msg :=
else
Q := @
msg = @printf '  %-9s %s\n' "$(1)" "$(2)";
endif

# ---- userspace and BPF ------------------------------------------------------
# libbpf-bootstrap style: each BPF source is compiled with clang and stripped
# of DWARF (BTF stays); bpftool gen object links the two into one object
# (retsnoop's way: maps shared as extern, bpf/iommu_flush.bpf.h), which
# bpftool turns into the one skeleton header embedded in the collector.
# Everything goes to .output/; .output/san/ is the ASan/UBSan build.
#
# tools/lib/ is six folders, one static archive each (docs/design.md,
# "Shape of the library"), and the flags enforce which way includes go:
#   model/      rows, snapshots, figure names, histograms: plain C
#   collector/  BPF load and attach, event sources, map reading, naming
#   report/     dumps, histogram text, report, A/B      (sees model/ only)
#   top/        iommu-flushtop's frame, text, JSON, screen (sees model/ only)
#   cli/        the tools' argp error scheme               (sees model/ only)
#   export/     the exporter's metrics and their exposition text (model/ only)
# model/, report/, top/, cli/ and export/ compile without the skeleton's directory and
# with a bpf/ include directory in front whose headers are #error: no
# libbpf there.  Test programs that need no BPF (NOBPF_TESTS) are built
# the same way and linked without libbpf, so a stray dependency fails
# their build.

CC ?= cc
CLANG ?= clang
LLVM_STRIP ?= llvm-strip
BPFTOOL ?= bpftool
HOST_ARCH := $(shell uname -m | sed -e 's/x86_64/x86/' -e 's/aarch64/arm64/')
ARCH ?= $(HOST_ARCH)
# Cross builds, for the arm64 test guest (scripts/build-guest-tools --arch
# arm64): `make ARCH=arm64 SYSROOT=DIR build`, DIR a Debian arm64 root with
# the -dev packages (scripts/guest-root).  Debian's cross gcc, that root's
# headers and libraries through --sysroot and pkg-config, the BPF object
# built for the target (__TARGET_ARCH_arm64: its pt_regs), and everything
# under .output/arm64/.  Only the plain build: no sanitizers.
ifneq ($(ARCH),$(HOST_ARCH))
ifeq ($(ARCH),arm64)
CROSS_COMPILE ?= aarch64-linux-gnu-
else
$(error ARCH=$(ARCH): only arm64 is cross-built (host: $(HOST_ARCH)))
endif
ifeq ($(wildcard $(SYSROOT)/usr/include/bpf/libbpf.h),)
$(error ARCH=$(ARCH) needs SYSROOT=<a Debian $(ARCH) root with libbpf-dev>: scripts/guest-root $(ARCH))
endif
override CC := $(CROSS_COMPILE)gcc --sysroot=$(SYSROOT)
export PKG_CONFIG_SYSROOT_DIR := $(SYSROOT)
export PKG_CONFIG_LIBDIR := $(SYSROOT)/usr/lib/$(shell $(CROSS_COMPILE)gcc -dumpmachine)/pkgconfig:$(SYSROOT)/usr/share/pkgconfig
OUTPUT := .output/$(ARCH)
else
OUTPUT := .output
endif
# asm/types.h for the BPF target lives in the multiarch include directory
MULTIARCH := $(shell $(CC) -dumpmachine 2>/dev/null)

CFLAGS ?= -O2 -g
WARN := -Wall -Wextra -Werror
JSON_CFLAGS := $(shell pkg-config --cflags json-c 2>/dev/null)
LIBBPF_CFLAGS := $(shell pkg-config --cflags libbpf 2>/dev/null)
USER_CFLAGS := -std=c11 $(WARN) $(JSON_CFLAGS) -MMD -MP
SAN_FLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
JSON_LIBS := $(shell pkg-config --libs json-c 2>/dev/null || echo -ljson-c)
BPF_LIBS := $(shell pkg-config --libs libbpf 2>/dev/null || echo -lbpf) -lelf -lz
CURSES_LIBS := $(shell pkg-config --libs ncursesw 2>/dev/null || echo -lncursesw -ltinfo)
# the HTTP server, linked into iommu-flush-exporter alone (docs/exporter.md)
MHD_LIBS := $(shell pkg-config --libs libmicrohttpd 2>/dev/null || echo -lmicrohttpd)
# BPF_PROG() passes every tracepoint argument, used or not: -Wno-unused-parameter
BPF_CFLAGS := -g -O2 -target bpf -mcpu=v3 -D__TARGET_ARCH_$(ARCH) $(WARN) -Wno-unused-parameter \
	-Iinclude -Ibpf -I$(SYSROOT)/usr/include/$(MULTIARCH)

# the tracepoint source's programs (and the shared maps), series v2's, the fallback's
BPF_SRCS := bpf/iommu_flush.bpf.c bpf/iommu_flush_v2.bpf.c bpf/iommu_fallback.bpf.c
BPF_PARTS := $(BPF_SRCS:bpf/%.bpf.c=$(OUTPUT)/bpf/%.bpf.o)
BPF_OBJ := $(OUTPUT)/iommu_flush.bpf.o
SKEL := $(OUTPUT)/iommu_flush.skel.h

# libbpf's headers where the layers without BPF look first: each one an #error
NOBPF := $(OUTPUT)/nobpf
NOBPF_HDRS := $(addprefix $(NOBPF)/bpf/,bpf.h btf.h libbpf.h libbpf_common.h libbpf_legacy.h \
	bpf_helpers.h bpf_tracing.h bpf_core_read.h bpf_endian.h skel_internal.h)

# What each layer's objects may include.  Headers are included by name;
# the path decides which ones exist for a file.
INC_model := -Iinclude -Itools/lib/model -I$(NOBPF)
INC_report := $(INC_model) -Itools/lib/report
INC_top := $(INC_model) -Itools/lib/top
INC_cli := $(INC_model) -Itools/lib/cli
INC_export := $(INC_model) -Itools/lib/export
INC_collector := -Iinclude -Itools/lib/model -Itools/lib/collector -I$(OUTPUT) $(LIBBPF_CFLAGS)
# the tests' hooks into the collector (tests/lib/testing.c), not shipped
INC_testing := $(INC_collector) -Itests/lib
INC_nobpf := $(INC_model) -Itools/lib/report -Itools/lib/top -Itools/lib/cli -Itools/lib/export -Itests/unit
INC_all := -Iinclude $(addprefix -Itools/lib/,model collector report top cli export) -I$(OUTPUT) \
	$(LIBBPF_CFLAGS) -Itests/lib -Itests/unit

LAYERS := model collector report top cli export
# link order: each archive before the ones it uses
LINK_LAYERS := export cli top report collector model
layer_srcs = $(sort $(wildcard tools/lib/$(1)/*.c))
LIB_SRCS := $(foreach l,$(LAYERS),$(call layer_srcs,$(l)))
# the hooks of tests/lib/ build as one more archive, for test programs only
TESTING_SRCS := $(sort $(wildcard tests/lib/*.c))
archive = $(2)/lib/libifl-$(1).a
LIBS := $(foreach l,$(LINK_LAYERS),$(call archive,$(l),$(OUTPUT)))
LIBS_SAN := $(foreach l,$(LINK_LAYERS),$(call archive,$(l),$(OUTPUT)/san))
LIB_TESTING := $(call archive,testing,$(OUTPUT))
LIB_TESTING_SAN := $(call archive,testing,$(OUTPUT)/san)
# without collector/: what report-only programs link
LIBS_NOBPF := $(filter-out %/libifl-collector.a,$(LIBS))
LIBS_NOBPF_SAN := $(filter-out %/libifl-collector.a,$(LIBS_SAN))

# Objects whose source includes the skeleton: the only ones that wait for it.
SKEL_SRCS := $(shell grep -l '"iommu_flush.skel.h"' $(LIB_SRCS) $(TESTING_SRCS) /dev/null 2>/dev/null)

# Test programs: one executable per tests/unit/*.c, plain and sanitized.
# NOBPF_TESTS see model/, report/ and top/ only and link no libbpf.
TEST_SRCS := $(sort $(wildcard tests/unit/*.c))
NOBPF_TESTS := json-frames report-print waiting-line test-ab-report test-dump test-dump-text test-hist \
	test-model test-sysinfo test-topframe test-metrics metrics-fixture
TEST_BINS := $(TEST_SRCS:tests/unit/%.c=$(OUTPUT)/tests/%)
TEST_SAN_BINS := $(TEST_SRCS:tests/unit/%.c=$(OUTPUT)/san/tests/%)
# The tools: one executable per tools/*.c, on the library; they only present.
TOOL_SRCS := $(sort $(wildcard tools/*.c))
TOOLS := $(TOOL_SRCS:tools/%.c=$(OUTPUT)/bin/%)
TOOLS_SAN := $(TOOL_SRCS:tools/%.c=$(OUTPUT)/san/bin/%)
MANPAGES := $(sort $(wildcard docs/*.8))
PREFIX ?= /usr/local

.PHONY: all build tools deb sanitize fuzz soak soak-fuzz deps kernels demo-arm64 check check-host check-vm patches-check bench demo demo-live ab install clean distclean help

# A plain `make` builds; installing packages is `make deps` (or the targets
# below that run in a VM, which call it first).
all: build

help:
	@echo "make             build the BPF object, the libraries, the tools and the test programs (installs nothing)"
	@echo "make deps        install the missing Debian packages the build and the tests need (sudo apt-get)"
	@echo "make demo        install what is missing, build the test kernel, boot it, run iommu-flushtop over a mixed workload"
	@echo "make demo-live   the same with iommu-flushtop's full-screen view on this terminal (q quits)"
	@echo "make demo-arm64  make demo on arm64: QEMU's virt machine with an SMMUv3, strict (DEMO_LAZY=1: lazy)"
	@echo "make check       install what is missing, run all tests (host and VM) on every base in BASES=$(BASES)"
	@echo "make check-host  host-only tests (no kernel build, no VM)"
	@echo "make sanitize    the libraries, tools and test programs under ASan/UBSan (.output/san/)"
	@echo "make fuzz        the libFuzzer harnesses of tests/fuzz/ (.output/fuzz/)"
	@echo "make soak        hours: domain churn, attach storms, fuzzing (docs/reliability.md)"
	@echo "make soak-fuzz   each harness for FUZZ_RUNS=$(FUZZ_RUNS) executions"
	@echo "make kernels     fetch and build the test kernels (cached in ~/.cache/iommu-flushtop)"
	@echo "make patches-check  checkpatch --strict, per-patch W=1 build and full build of each series"
	@echo "make bench       handler cost per event, and the series' overhead with events disabled"
	@echo "make ab PATCH=F  A/B of a review thread's patch: flush figures without and with it"
	@echo "make deb         the Debian package in .output/deb/ (dpkg-buildpackage -us -uc -b, then lintian)"
	@echo "make install     the tools and man pages into DESTDIR/PREFIX (PREFIX=$(PREFIX))"
	@echo "make clean       remove build output of the tree (the kernel cache stays)"
	@echo "V=1 shows the commands"

build: $(LIBS) $(TEST_BINS) $(TOOLS)

# the three tools alone (what make install and the Debian package ship)
tools: $(TOOLS)

sanitize: $(LIBS_SAN) $(TEST_SAN_BINS) $(TOOLS_SAN)

$(OUTPUT) $(OUTPUT)/bpf $(OUTPUT)/tests $(OUTPUT)/san/tests $(OUTPUT)/bin $(OUTPUT)/san/bin $(NOBPF)/bpf:
	$(Q)mkdir -p $@

$(NOBPF_HDRS): | $(NOBPF)/bpf
	$(Q)echo '#error "model/, report/, top/, cli/ and export/ are built without libbpf: include only model/ headers (docs/design.md)"' >$@

$(OUTPUT)/bpf/%.bpf.o: bpf/%.bpf.c $(wildcard bpf/*.h) $(wildcard include/*.h) | $(OUTPUT)/bpf
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@
	$(Q)$(LLVM_STRIP) -g $@

# one object, one skeleton: the linker resolves each object's externs
$(BPF_OBJ): $(BPF_PARTS) | $(OUTPUT)
	$(call msg,BPF-LINK,$@)
	$(Q)$(BPFTOOL) gen object $@ $^

$(SKEL): $(BPF_OBJ)
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name iommu_flush_bpf >$@

# tools/lib/LAYER/x.c -> .output/lib/LAYER/x.o, with that layer's includes
layer_of = $(firstword $(subst /, ,$(1)))
$(OUTPUT)/lib/%.o: tools/lib/%.c | $(NOBPF_HDRS)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) $(USER_CFLAGS) $(INC_$(call layer_of,$*)) -c $< -o $@

$(OUTPUT)/san/lib/%.o: tools/lib/%.c | $(NOBPF_HDRS)
	$(call msg,CC-SAN,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) $(SAN_FLAGS) $(USER_CFLAGS) $(INC_$(call layer_of,$*)) -c $< -o $@

$(OUTPUT)/lib/testing/%.o: tests/lib/%.c
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) $(USER_CFLAGS) $(INC_testing) -c $< -o $@

$(OUTPUT)/san/lib/testing/%.o: tests/lib/%.c
	$(call msg,CC-SAN,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) $(SAN_FLAGS) $(USER_CFLAGS) $(INC_testing) -c $< -o $@

SKEL_OBJS := $(patsubst tools/lib/%.c,%.o,$(patsubst tests/lib/%.c,testing/%.o,$(SKEL_SRCS)))
$(addprefix $(OUTPUT)/lib/,$(SKEL_OBJS)) $(addprefix $(OUTPUT)/san/lib/,$(SKEL_OBJS)): $(SKEL)

# one archive per layer, plain and sanitized
define layer_archive
$(call archive,$(1),$(OUTPUT)): $(patsubst $(2)/%.c,$(OUTPUT)/lib/$(3)%.o,$(4))
$(call archive,$(1),$(OUTPUT)/san): $(patsubst $(2)/%.c,$(OUTPUT)/san/lib/$(3)%.o,$(4))
endef
$(foreach l,$(LAYERS),$(eval $(call layer_archive,$(l),tools/lib,,$(call layer_srcs,$(l)))))
$(eval $(call layer_archive,testing,tests/lib,testing/,$(TESTING_SRCS)))

$(OUTPUT)/lib/%.a:
	$(call msg,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

$(OUTPUT)/san/lib/%.a:
	$(call msg,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

# Test programs: those of NOBPF_TESTS on model/, report/ and top/ alone.
NOBPF_BINS := $(addprefix $(OUTPUT)/tests/,$(NOBPF_TESTS))
NOBPF_SAN_BINS := $(addprefix $(OUTPUT)/san/tests/,$(NOBPF_TESTS))
BPF_TEST_BINS := $(filter-out $(NOBPF_BINS),$(TEST_BINS))
BPF_TEST_SAN_BINS := $(filter-out $(NOBPF_SAN_BINS),$(TEST_SAN_BINS))

$(NOBPF_BINS): $(OUTPUT)/tests/%: tests/unit/%.c $(LIBS_NOBPF) | $(OUTPUT)/tests $(NOBPF_HDRS)
	$(call msg,CCLD,$@)
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) $(USER_CFLAGS) $(INC_nobpf) $< $(LIBS_NOBPF) $(JSON_LIBS) -lm $(TOOL_LIBS) -o $@

$(NOBPF_SAN_BINS): $(OUTPUT)/san/tests/%: tests/unit/%.c $(LIBS_NOBPF_SAN) | $(OUTPUT)/san/tests $(NOBPF_HDRS)
	$(call msg,CCLD-SAN,$@)
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) $(SAN_FLAGS) $(USER_CFLAGS) $(INC_nobpf) $< $(LIBS_NOBPF_SAN) $(JSON_LIBS) -lm $(TOOL_LIBS) -o $@

$(BPF_TEST_BINS): $(OUTPUT)/tests/%: tests/unit/%.c $(LIB_TESTING) $(LIBS) | $(OUTPUT)/tests
	$(call msg,CCLD,$@)
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) $(USER_CFLAGS) $(INC_all) $< $(LIB_TESTING) $(LIBS) $(BPF_LIBS) $(JSON_LIBS) -lm -o $@

$(BPF_TEST_SAN_BINS): $(OUTPUT)/san/tests/%: tests/unit/%.c $(LIB_TESTING_SAN) $(LIBS_SAN) | $(OUTPUT)/san/tests
	$(call msg,CCLD-SAN,$@)
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) $(SAN_FLAGS) $(USER_CFLAGS) $(INC_all) $< $(LIB_TESTING_SAN) $(LIBS_SAN) $(BPF_LIBS) $(JSON_LIBS) -lm -o $@

$(OUTPUT)/bin/%: tools/%.c $(LIBS) | $(OUTPUT)/bin
	$(call msg,CCLD,$@)
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) $(USER_CFLAGS) $(INC_all) $< $(LIBS) $(BPF_LIBS) -lm $(JSON_LIBS) $(TOOL_LIBS) -o $@

$(OUTPUT)/san/bin/%: tools/%.c $(LIBS_SAN) | $(OUTPUT)/san/bin
	$(call msg,CCLD-SAN,$@)
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) $(SAN_FLAGS) $(USER_CFLAGS) $(INC_all) $< $(LIBS_SAN) $(BPF_LIBS) -lm $(JSON_LIBS) $(TOOL_LIBS) -o $@

# what each tool links beyond the library: curses for the screen, the HTTP
# server for the exporter (and the test program that serves made-up
# metrics through it), nothing else for iommu-flushhist
TOOL_LIBS = $(TOOL_LIBS_$(notdir $@))
TOOL_LIBS_iommu-flushtop := $(CURSES_LIBS)
TOOL_LIBS_iommu-flush-exporter := $(MHD_LIBS) -lpthread
TOOL_LIBS_metrics-fixture := $(MHD_LIBS) -lpthread

# PREFIX and DESTDIR as usual: the tools in sbin (they need root), the man
# pages, the bash completion (one file, loaded by bash-completion under
# each tool's name: iommu-flushhist and iommu-flush-exporter are links to it).
COMPLETIONS := $(PREFIX)/share/bash-completion/completions
install: tools
	$(Q)install -d $(DESTDIR)$(PREFIX)/sbin $(DESTDIR)$(PREFIX)/share/man/man8 $(DESTDIR)$(COMPLETIONS)
	$(Q)$(if $(TOOLS),install -m 0755 $(TOOLS) $(DESTDIR)$(PREFIX)/sbin/)
	$(Q)$(if $(MANPAGES),install -m 0644 $(MANPAGES) $(DESTDIR)$(PREFIX)/share/man/man8/)
	$(Q)install -m 0644 completions/iommu-flushtop $(DESTDIR)$(COMPLETIONS)/
	$(Q)ln -sf iommu-flushtop $(DESTDIR)$(COMPLETIONS)/iommu-flushhist
	$(Q)ln -sf iommu-flushtop $(DESTDIR)$(COMPLETIONS)/iommu-flush-exporter

# libFuzzer harnesses (tests/fuzz/, docs/reliability.md): clang with the
# fuzzer's coverage, ASan and UBSan, on what they drive built the same way:
# model/ and report/ (the dump loader, --compare) and the collector's two
# kallsyms readers (names.c, fallback_btf.c).  `make fuzz` builds them;
# tests/host/fuzz.t runs each for a bounded time, `make soak-fuzz` for
# FUZZ_RUNS executions each.
FUZZ_CC ?= clang
FUZZ_RUNS ?= 1000000
FUZZ_SAN := address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
FUZZ_CFLAGS := -g -O1 $(USER_CFLAGS)
FUZZ_SRCS := $(sort $(wildcard tests/fuzz/*.c))
FUZZ_BINS := $(FUZZ_SRCS:tests/fuzz/%.c=$(OUTPUT)/fuzz/%)
FUZZ_LIB_SRCS := $(call layer_srcs,model) $(call layer_srcs,report) \
	tools/lib/collector/names.c tools/lib/collector/fallback_btf.c
FUZZ_OBJS := $(FUZZ_LIB_SRCS:tools/lib/%.c=$(OUTPUT)/fuzz/lib/%.o)

fuzz: $(FUZZ_BINS)

$(OUTPUT)/fuzz/lib/%.o: tools/lib/%.c | $(NOBPF_HDRS)
	$(call msg,CC-FUZZ,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link,$(FUZZ_SAN) $(INC_$(call layer_of,$*)) -c $< -o $@

$(OUTPUT)/fuzz/%: tests/fuzz/%.c tests/fuzz/fuzz.h $(FUZZ_OBJS)
	$(call msg,CCLD-FUZZ,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer,$(FUZZ_SAN) $(INC_all) $< $(FUZZ_OBJS) \
		$(BPF_LIBS) $(JSON_LIBS) -lm -o $@

# FUZZ_RUNS executions of each harness from its seed corpus (tests/fuzz/corpus/),
# what it finds kept in .output/fuzz/corpus/ and any crash in .output/fuzz/crashes/
soak-fuzz: fuzz
	$(Q)scripts/fuzz --runs $(FUZZ_RUNS)

-include $(wildcard $(OUTPUT)/bin/*.d $(OUTPUT)/san/bin/*.d $(OUTPUT)/lib/*/*.d $(OUTPUT)/san/lib/*/*.d \
	$(OUTPUT)/tests/*.d $(OUTPUT)/san/tests/*.d $(OUTPUT)/fuzz/*.d $(OUTPUT)/fuzz/lib/*/*.d)

# ---- packages, kernels, tests ------------------------------------------------

deps:
	$(Q)scripts/deps

# Each base's kernel and the static programs that run in its VM.  Cached by a
# hash of their inputs: a second run is a cache hit.
# arm64: the primary base only (tests/vm/arm64.t, docs/harness.md).
kernels: deps
	$(Q)for b in $(BASES); do scripts/build-kernel $$b >/dev/null && \
		scripts/build-guest-tools $$b >/dev/null || exit 1; done
	$(Q)$(if $(filter v7.2,$(BASES)),scripts/build-guest-tools v7.2 --arch arm64 >/dev/null)

# The host tests run the programs of build and sanitize; the VM tests run
# the plain ones in the guest.
check: deps kernels
	$(Q)$(MAKE) --no-print-directory build sanitize
	$(Q)BASES="$(BASES)" tests/run

check-host: deps
	$(Q)$(MAKE) --no-print-directory build sanitize
	$(Q)tests/run --host

check-vm: deps kernels
	$(Q)$(MAKE) --no-print-directory build
	$(Q)BASES="$(BASES)" tests/run --vm

# The long runs of docs/reliability.md, not in `make check` (which runs a
# bounded part of each): SOAK_CHURN domain create/free cycles with
# iommu-flushtop attached, and attach/detach cycles under DMA on the
# tracepoints and on the fallback, on every base, the debug kernel's boots
# (tests/vm/debug-kernel.t), then the fuzzers.
SOAK_CHURN ?= 20000
SOAK_STORM_TP ?= 700
SOAK_STORM_FB ?= 300
SOAK_LONG ?= 3600
soak: deps kernels
	$(Q)$(MAKE) --no-print-directory build
	$(Q)DOMAIN_CHURN_CYCLES=$(SOAK_CHURN) ATTACH_STORM_TP=$(SOAK_STORM_TP) \
		ATTACH_STORM_FB=$(SOAK_STORM_FB) DEBUG_KERNEL=1 LONG_RUN_SECONDS=$(SOAK_LONG) BASES="$(BASES)" \
		tests/run --vm domain-churn attach-storm debug-kernel long-run
	$(Q)$(MAKE) --no-print-directory soak-fuzz

patches-check: deps
	$(Q)scripts/patches-check $(BASES)

# Performance figures (docs/performance.md): the collector's handler cost
# beside an empty program (host test runs, then the real hooks in the VM),
# the fallback source's cost beside the tracepoint source's (same VM boot),
# what the exporter costs beside node_exporter (15 s scrapes, same boot),
# and the series' cost with its events disabled (dma_map_benchmark,
# pristine vs patched, interleaved runs in the VM).
bench: deps kernels build
	$(Q)$(OUTPUT)/tests/bench-handlers
	$(Q)scripts/bench-handlers-vm --base $(firstword $(BASES))
	$(Q)scripts/bench-sources-vm --base $(firstword $(BASES))
	$(Q)scripts/bench-exporter-vm --base $(firstword $(BASES))
	$(Q)for b in $(BASES); do scripts/bench-overhead --base $$b || exit 1; done
	$(Q)for b in $(BASES); do scripts/bench-insns --base $$b || exit 1; done

# What a patch from a review thread does to flush coalescing: kernels
# without and with it, the same workloads on both (docs/ab-patch.md).
ab: deps build
	$(Q)[ -n "$(PATCH)" ] || { echo "usage: make ab PATCH=file.patch [AB_OPTS='--runs 9 --workload dmabench']" >&2; exit 2; }
	$(Q)scripts/ab-patch $(AB_OPTS) $(PATCH)

demo: deps
	$(Q)$(MAKE) --no-print-directory build
	$(Q)scripts/demo

# The Debian package (debian/, docs/packaging.md): dpkg-buildpackage on a
# copy of the tree in .output/deb/src, so the .deb, .changes and .buildinfo
# land in .output/deb/ (not in the checkout's parent); then lintian.
# DEB_OUT=DIR (under .output/, or outside the tree) builds there instead:
# tests/vm/package.t runs once per base, two at a time, each in its own.
DEB_OUT ?= .output/deb
deb: deps
	$(call msg,DEB,$(DEB_OUT))
	$(Q)rm -rf $(DEB_OUT) && mkdir -p $(DEB_OUT)/src
	$(Q)tar -c --exclude=./.output --exclude=./.git --exclude=./debian/.debhelper . | tar -x -C $(DEB_OUT)/src
	$(Q)cd $(DEB_OUT)/src && dpkg-buildpackage -us -uc -b $(if $(V),,>../build.log 2>&1) || \
		{ echo "make deb: dpkg-buildpackage failed$(if $(V),, ($(DEB_OUT)/build.log))" >&2; exit 1; }
	$(Q)lintian --fail-on error,warning $(DEB_OUT)/*.changes
	$(Q)ls $(DEB_OUT)/*.deb

# The same on arm64: QEMU's virt machine, SMMUv3, strict (DEMO_LAZY=1: lazy).
demo-arm64: deps
	$(Q)$(MAKE) --no-print-directory build
	$(Q)DEMO_ARCH=arm64 scripts/demo

# The full-screen view on this terminal, through the VM's console.
demo-live: deps
	$(Q)$(MAKE) --no-print-directory build
	$(Q)DEMO_LIVE=1 scripts/demo

clean:
	$(Q)rm -rf .output

distclean: clean
	@echo "the kernel and package cache is in $${IOMMU_FLUSHTOP_CACHE:-$$HOME/.cache/iommu-flushtop}; remove it by hand"
