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
else
Q := @
endif

.PHONY: all deps kernels check check-host check-vm patches-check demo clean distclean help

all: deps

help:
	@echo "make demo        build the test kernel, boot it, show a workload's IOMMU activity"
	@echo "make check       run all tests (host and VM) on every base in BASES=$(BASES)"
	@echo "make check-host  host-only tests (no kernel build, no VM)"
	@echo "make kernels     fetch and build the test kernels (cached in ~/.cache/iommu-flushtop)"
	@echo "make patches-check  checkpatch --strict, per-patch W=1 build and full build of each series"
	@echo "make clean       remove build output of the tree (the kernel cache stays)"

deps:
	$(Q)scripts/deps

# Each base's kernel and the static programs that run in its VM.  Cached by a
# hash of their inputs: a second run is a cache hit.
kernels: deps
	$(Q)for b in $(BASES); do scripts/build-kernel $$b >/dev/null && \
		scripts/build-guest-tools $$b >/dev/null || exit 1; done

check: deps kernels
	$(Q)BASES="$(BASES)" tests/run

check-host: deps
	$(Q)tests/run --host

check-vm: deps kernels
	$(Q)BASES="$(BASES)" tests/run --vm

patches-check: deps
	$(Q)scripts/patches-check $(BASES)

demo: deps
	$(Q)scripts/demo

clean:
	$(Q)rm -rf .output

distclean: clean
	@echo "the kernel and package cache is in $${IOMMU_FLUSHTOP_CACHE:-$$HOME/.cache/iommu-flushtop}; remove it by hand"
