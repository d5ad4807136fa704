# iommu-flushtop: top-level build.  `make demo` runs the main job in the test
# VM, `make check` runs every test; both install what they need first.
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
# bpftool turns into the one skeleton header of the collector library
# (tools/lib/) that the tools and tests use.
# Everything goes to .output/; .output/san/ is the ASan/UBSan build.

OUTPUT := .output
CC ?= cc
CLANG ?= clang
LLVM_STRIP ?= llvm-strip
BPFTOOL ?= bpftool
ARCH := $(shell uname -m | sed -e 's/x86_64/x86/' -e 's/aarch64/arm64/')
# asm/types.h for the BPF target lives in the multiarch include directory
MULTIARCH := $(shell $(CC) -dumpmachine 2>/dev/null)

CFLAGS ?= -O2 -g
WARN := -Wall -Wextra -Werror
JSON_CFLAGS := $(shell pkg-config --cflags json-c 2>/dev/null)
USER_CFLAGS := -std=c11 $(WARN) -Iinclude -Itools/lib -I$(OUTPUT) $(JSON_CFLAGS) -MMD -MP
SAN_FLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
LDLIBS := $(shell pkg-config --libs libbpf 2>/dev/null || echo -lbpf) -lelf -lz -lm \
	$(shell pkg-config --libs json-c 2>/dev/null || echo -ljson-c)
CURSES_LIBS := $(shell pkg-config --libs ncursesw 2>/dev/null || echo -lncursesw -ltinfo)
# BPF_PROG() passes every tracepoint argument, used or not: -Wno-unused-parameter
BPF_CFLAGS := -g -O2 -target bpf -mcpu=v3 -D__TARGET_ARCH_$(ARCH) $(WARN) -Wno-unused-parameter \
	-Iinclude -Ibpf -I/usr/include/$(MULTIARCH)

# the tracepoint source's programs (and the shared maps), the fallback's
BPF_SRCS := bpf/iommu_flush.bpf.c bpf/iommu_fallback.bpf.c
BPF_PARTS := $(BPF_SRCS:bpf/%.bpf.c=$(OUTPUT)/bpf/%.bpf.o)
BPF_OBJ := $(OUTPUT)/iommu_flush.bpf.o
SKEL := $(OUTPUT)/iommu_flush.skel.h
LIB_SRCS := $(sort $(wildcard tools/lib/*.c))
LIB_OBJS := $(LIB_SRCS:tools/lib/%.c=$(OUTPUT)/lib/%.o)
LIB_SAN_OBJS := $(LIB_SRCS:tools/lib/%.c=$(OUTPUT)/san/lib/%.o)
LIB := $(OUTPUT)/libiommuflush.a
LIB_SAN := $(OUTPUT)/san/libiommuflush.a
# Test programs: one executable per tests/unit/*.c, plain and sanitized.
TEST_SRCS := $(sort $(wildcard tests/unit/*.c))
TEST_BINS := $(TEST_SRCS:tests/unit/%.c=$(OUTPUT)/tests/%)
TEST_SAN_BINS := $(TEST_SRCS:tests/unit/%.c=$(OUTPUT)/san/tests/%)
# The tools: one executable per tools/*.c, on the library; they only present.
TOOL_SRCS := $(sort $(wildcard tools/*.c))
TOOLS := $(TOOL_SRCS:tools/%.c=$(OUTPUT)/bin/%)
TOOLS_SAN := $(TOOL_SRCS:tools/%.c=$(OUTPUT)/san/bin/%)
MANPAGES := $(sort $(wildcard docs/*.8))
PREFIX ?= /usr/local

.PHONY: all build sanitize deps kernels check check-host check-vm patches-check bench demo demo-live ab install clean distclean help

all: deps build

help:
	@echo "make             install missing packages, build the collector library and test programs"
	@echo "make demo        build the test kernel, boot it, run iommu-flushtop over a mixed workload"
	@echo "make demo-live   the same with iommu-flushtop's full-screen view on this terminal (q quits)"
	@echo "make check       run all tests (host and VM) on every base in BASES=$(BASES)"
	@echo "make check-host  host-only tests (no kernel build, no VM)"
	@echo "make sanitize    the library and test programs under ASan/UBSan (.output/san/)"
	@echo "make kernels     fetch and build the test kernels (cached in ~/.cache/iommu-flushtop)"
	@echo "make patches-check  checkpatch --strict, per-patch W=1 build and full build of each series"
	@echo "make bench       handler cost per event, and the series' overhead with events disabled"
	@echo "make ab PATCH=F  A/B of a review thread's patch: flush figures without and with it"
	@echo "make install    the tools and man pages into DESTDIR/PREFIX (PREFIX=$(PREFIX))"
	@echo "make clean       remove build output of the tree (the kernel cache stays)"
	@echo "V=1 shows the commands"

build: $(LIB) $(TEST_BINS) $(TOOLS)

sanitize: $(LIB_SAN) $(TEST_SAN_BINS) $(TOOLS_SAN)

$(OUTPUT) $(OUTPUT)/bpf $(OUTPUT)/lib $(OUTPUT)/san/lib $(OUTPUT)/tests $(OUTPUT)/san/tests $(OUTPUT)/bin $(OUTPUT)/san/bin:
	$(Q)mkdir -p $@

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

$(OUTPUT)/lib/%.o: tools/lib/%.c $(SKEL) | $(OUTPUT)/lib
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) $(USER_CFLAGS) -c $< -o $@

$(OUTPUT)/san/lib/%.o: tools/lib/%.c $(SKEL) | $(OUTPUT)/san/lib
	$(call msg,CC-SAN,$@)
	$(Q)$(CC) $(CFLAGS) $(SAN_FLAGS) $(USER_CFLAGS) -c $< -o $@

$(LIB): $(LIB_OBJS)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

$(LIB_SAN): $(LIB_SAN_OBJS)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

$(OUTPUT)/tests/%: tests/unit/%.c $(LIB) | $(OUTPUT)/tests
	$(call msg,CCLD,$@)
	$(Q)$(CC) $(CFLAGS) $(USER_CFLAGS) $< $(LIB) $(LDLIBS) -o $@

$(OUTPUT)/san/tests/%: tests/unit/%.c $(LIB_SAN) | $(OUTPUT)/san/tests
	$(call msg,CCLD-SAN,$@)
	$(Q)$(CC) $(CFLAGS) $(SAN_FLAGS) $(USER_CFLAGS) $< $(LIB_SAN) $(LDLIBS) -o $@

$(OUTPUT)/bin/%: tools/%.c $(LIB) | $(OUTPUT)/bin
	$(call msg,CCLD,$@)
	$(Q)$(CC) $(CFLAGS) $(USER_CFLAGS) $< $(LIB) $(LDLIBS) $(CURSES_LIBS) -o $@

$(OUTPUT)/san/bin/%: tools/%.c $(LIB_SAN) | $(OUTPUT)/san/bin
	$(call msg,CCLD-SAN,$@)
	$(Q)$(CC) $(CFLAGS) $(SAN_FLAGS) $(USER_CFLAGS) $< $(LIB_SAN) $(LDLIBS) $(CURSES_LIBS) -o $@

# PREFIX and DESTDIR as usual: the tools in sbin (they need root), the man pages.
install: build
	$(Q)install -d $(DESTDIR)$(PREFIX)/sbin $(DESTDIR)$(PREFIX)/share/man/man8
	$(Q)$(if $(TOOLS),install -m 0755 $(TOOLS) $(DESTDIR)$(PREFIX)/sbin/)
	$(Q)$(if $(MANPAGES),install -m 0644 $(MANPAGES) $(DESTDIR)$(PREFIX)/share/man/man8/)

-include $(wildcard $(OUTPUT)/bin/*.d $(OUTPUT)/san/bin/*.d  $(OUTPUT)/lib/*.d $(OUTPUT)/san/lib/*.d $(OUTPUT)/tests/*.d $(OUTPUT)/san/tests/*.d)

# ---- packages, kernels, tests ------------------------------------------------

deps:
	$(Q)scripts/deps

# Each base's kernel and the static programs that run in its VM.  Cached by a
# hash of their inputs: a second run is a cache hit.
kernels: deps
	$(Q)for b in $(BASES); do scripts/build-kernel $$b >/dev/null && \
		scripts/build-guest-tools $$b >/dev/null || exit 1; done

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

patches-check: deps
	$(Q)scripts/patches-check $(BASES)

# Performance figures (docs/performance.md): the collector's handler cost
# beside an empty program (host test runs, then the real hooks in the VM),
# the fallback source's cost beside the tracepoint source's (same VM boot),
# and the series' cost with its events disabled (dma_map_benchmark,
# pristine vs patched, interleaved runs in the VM).
bench: deps kernels build
	$(Q)$(OUTPUT)/tests/bench-handlers
	$(Q)scripts/bench-handlers-vm --base $(firstword $(BASES))
	$(Q)scripts/bench-sources-vm --base $(firstword $(BASES))
	$(Q)for b in $(BASES); do scripts/bench-overhead --base $$b || exit 1; done

# What a patch from a review thread does to flush coalescing: kernels
# without and with it, the same workloads on both (docs/ab-patch.md).
ab: deps build
	$(Q)[ -n "$(PATCH)" ] || { echo "usage: make ab PATCH=file.patch [AB_OPTS='--runs 9 --workload dmabench']" >&2; exit 2; }
	$(Q)scripts/ab-patch $(AB_OPTS) $(PATCH)

demo: deps
	$(Q)$(MAKE) --no-print-directory build
	$(Q)scripts/demo

# The full-screen view on this terminal, through the VM's console.
demo-live: deps
	$(Q)$(MAKE) --no-print-directory build
	$(Q)DEMO_LIVE=1 scripts/demo

clean:
	$(Q)rm -rf .output

distclean: clean
	@echo "the kernel and package cache is in $${IOMMU_FLUSHTOP_CACHE:-$$HOME/.cache/iommu-flushtop}; remove it by hand"
