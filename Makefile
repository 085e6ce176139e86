# regionbench: one non-recursive GNU Makefile.
#
#   make            build every program for every backend into build/
#   make test       install what is missing, build, run the whole suite
#   make bench      install what is missing, build, run the workload matrix
#   make compare A=DIR B=DIR   compare two results directories (B against A)
#   make microbench, make plots RESULTS=DIR, make fuzz, make clean
#   make microbench-instructions, make decode-asm, make decode-asm-aarch64,
#   make test ARCH=aarch64   (docs/decode.md)
#
# make bench takes (results/README.md has the details):
#   QUICK=1         small workloads, traces replayed in part, REPEAT=3
#   REPEAT=N        runs of each workload, backend and policy (default 5)
#   SWEEP_REPEAT=N  runs of each sweep point (default REPEAT; 2 with QUICK)
#   WORKLOADS="a b" only these workloads or traces (their sweeps too)
#   TRACES=none|"FILE..."|"+FILE..."  no traces, these, or these as well
#   SWEEPS="threads saturation live-regions working-set wrappers"|none
#   LATENCY_WORKLOADS="..."  workloads timed per call in extra runs
#   MICRO=0|1       the short microbenchmark pass (default: on unless WORKLOADS)
#   SHUFFLE_SEED=N  the order of runs within a round (default: random, recorded)
#   GNUPLOT_TIMEOUT=S  seconds one figure may take (default 60)
#   DRY_RUN=1       print what the run would do, part by part, and stop
#   RESULTS_ROOT=DIR (default results), POLICY_WORKLOADS="..." (run under every
#   policy), THP_BACKENDS="..." (also run with --thp), NOBUILD=1 (scripts/bench
#   run by hand does not call make)
#
# Build and test knobs:
#   CC, CXX, CFLAGS (-O2 -g -flto), CXXFLAGS, LDFLAGS   the same for every backend
#   BACKENDS="a b"  backends to build, test and bench (default: the registry's
#                   "bench" entries; make test adds the "micro" ones)
#   REGISTRY=FILE   another backend list (default common/backends.list)
#   SANITIZE=address,undefined|thread   sanitized build in build/san-*/
#   REGION_DEBUG=1|2|3   debug levels (common/region_debug.h), in build/debugN/
#   BUILD=DIR       the build directory (default build/, or as above)
#   ARCH=aarch64    make test cross-built and run under qemu-user
#   A64_TEST_LIMIT=BYTES   pool or reservation cap under qemu (default 256 MiB)
#   FUZZ_SECONDS=N  seconds per fuzz target (default 60); FUZZ_BACKEND=b
#   DEPS_WHAT="fuzz aarch64 valgrind"   extra package sets for make deps
#   OUT=DIR         where make microbench writes (default results/<time>-micro)
#   RESULTS=DIR     the run make plots redraws; A=DIR B=DIR for make compare
#
# Every backend implements common/region.h. Shared sources are compiled once
# per reference width and linked against each backend's own objects, with the
# same flags for all, so -flto inlines every backend's fast path alike.
# Any knob may be set on the command line or in an (ignored) config.mak.

-include config.mak

.DEFAULT_GOAL := all

ifeq ($(origin CC),default)
CC := gcc
endif
ifeq ($(origin CXX),default)
CXX := g++
endif
CFLAGS ?= -O2 -g -flto
CXXFLAGS ?= $(CFLAGS)
LDFLAGS ?=
REGION_DEBUG ?= 0
SANITIZE ?=
PYTHON ?= python3

# Sanitized and debug builds live apart: build/san-address, build/debug2,
# build/san-address-debug1, ... (REGION_DEBUG levels: common/region_debug.h).
comma := ,
BUILD_TAG := $(if $(SANITIZE),san-$(subst $(comma),-,$(SANITIZE)))$(if \
	$(filter-out 0,$(REGION_DEBUG)),$(if $(SANITIZE),-)debug$(REGION_DEBUG))
BUILD ?= build$(if $(BUILD_TAG),/$(BUILD_TAG))
ifneq ($(SANITIZE),)
SANFLAGS := -fsanitize=$(SANITIZE) -fno-omit-frame-pointer -fno-sanitize-recover=all -DREGION_SANITIZED=1
else
SANFLAGS :=
endif

# The backends come from the registry, common/backends.list (read through
# scripts/backends into build/backends.mk): BACKENDS defaults to those marked
# "bench"; make test and the microbenchmarks also cover those marked "micro".
REGISTRY ?= common/backends.list
# Each build directory keeps its own copy, so a build with another REGISTRY
# never leaves a stale list behind for the next.
BACKENDS_MK := $(BUILD)/backends.mk
$(BACKENDS_MK): $(REGISTRY) scripts/backends | $(BUILD)/.
	REGISTRY=$(REGISTRY) scripts/backends --make > $@.tmp && mv $@.tmp $@
include $(BACKENDS_MK)
ALL_BACKENDS := $(REGISTRY_BACKENDS)
BACKENDS ?= $(REGISTRY_BENCH)
TEST_BACKENDS := $(sort $(BACKENDS) $(filter-out $(REGISTRY_BENCH),$(ALL_BACKENDS)))

OBJ := $(BUILD)/obj
BIN := $(BUILD)/bin

INCLUDES := -Icommon -Icommon/harness -Icommon/trace
BASE_CFLAGS := -std=c11 -D_GNU_SOURCE -Wall -Wextra -Wno-unused-parameter \
	$(INCLUDES) -DREGION_DEBUG=$(REGION_DEBUG) $(SANFLAGS) $(CFLAGS)
BASE_CXXFLAGS := -std=c++17 -D_GNU_SOURCE -Wall -Wextra $(INCLUDES) \
	-DREGION_DEBUG=$(REGION_DEBUG) $(SANFLAGS) $(CXXFLAGS)
BASE_LDFLAGS := $(SANFLAGS) $(CFLAGS) $(LDFLAGS)
LIBS := -lz -lm -lpthread

# ---- shared sources ----------------------------------------------------------
# common/ is layered, and each program links the layers it uses. COMMON
# (the API and page source, common/*.c) goes into every program with its
# backend; DRIVER adds the bench harness (common/harness/), trace parsing
# and writing (common/trace/) and the workloads. Tests: every
# tests/test-*.c is one program per backend, with tests/check.c.
COMMON_SRCS := $(wildcard common/*.c)
DRIVER_SRCS := $(wildcard common/harness/*.c common/trace/*.c workloads/*.c)
# test-trace (parser and writer) needs no backend: built once, run by tests/trace.sh.
TEST_SRCS := $(filter-out tests/test-trace.c,$(wildcard tests/test-*.c))
TEST_PROGS := $(patsubst tests/%.c,%,$(TEST_SRCS))
TRACE_SRCS := $(wildcard common/trace/*.c)
TESTLIB_SRCS := tests/check.c
MICRO_SRCS := $(wildcard workloads/micro/*.c)
MICRO_CXX_SRCS := $(wildcard workloads/micro/*.cc)

# Objects of shared sources, for reference width $(2).
shared = $(patsubst %.c,$(OBJ)/ref$(2)/%.o,$(1))

# ---- the flags stamp: objects built with other flags never mix -------------
FLAGS_TEXT := CC=$(CC) CXX=$(CXX) CFLAGS=$(BASE_CFLAGS) CXXFLAGS=$(BASE_CXXFLAGS) LDFLAGS=$(BASE_LDFLAGS)
FLAGS_STAMP := $(BUILD)/FLAGS
$(FLAGS_STAMP): FORCE | $(BUILD)/.
	@echo '$(FLAGS_TEXT)' | cmp -s - $@ || echo '$(FLAGS_TEXT)' > $@

# ---- Debian packages: installed (as root) or named (otherwise) -------------
DEPS_STAMP := $(BUILD)/deps.ok
$(DEPS_STAMP): scripts/deps | $(BUILD)/.
	scripts/deps
	@touch $@
deps:
	scripts/deps $(DEPS_WHAT)

# ---- compile rules ------------------------------------------------------------
$(OBJ)/ref32/%.o: %.c $(FLAGS_STAMP) | $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(CC) $(BASE_CFLAGS) -DREGION_REF_BITS=32 -MMD -MP -c -o $@ $<
$(OBJ)/ref64/%.o: %.c $(FLAGS_STAMP) | $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(CC) $(BASE_CFLAGS) -DREGION_REF_BITS=64 -MMD -MP -c -o $@ $<
$(OBJ)/ref32/%.o: %.cc $(FLAGS_STAMP) | $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(CXX) $(BASE_CXXFLAGS) -DREGION_REF_BITS=32 -MMD -MP -c -o $@ $<
$(OBJ)/ref64/%.o: %.cc $(FLAGS_STAMP) | $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(CXX) $(BASE_CXXFLAGS) -DREGION_REF_BITS=64 -MMD -MP -c -o $@ $<

# The driver writes the flags it was built with into every summary row.
$(OBJ)/ref32/common/harness/driver.o $(OBJ)/ref64/common/harness/driver.o: BASE_CFLAGS += '-DREGION_BUILD="$(CFLAGS)"'

# One backend's objects and programs.
define BACKEND_RULES
$(1)_OBJS := $$(patsubst %.c,$(OBJ)/$(1)/%.o,$$($(1)_SRCS))
$(1)_BASE := $$(call shared,$$(COMMON_SRCS),$$($(1)_REF)) $$($(1)_OBJS)

$(OBJ)/$(1)/%.o: %.c $(FLAGS_STAMP) | $(DEPS_STAMP)
	@mkdir -p $$(@D)
	$$(CC) $$(BASE_CFLAGS) -DREGION_REF_BITS=$$($(1)_REF) $$($(1)_CPPFLAGS) -MMD -MP -c -o $$@ $$<

$(BIN)/regionbench-$(1): $$(call shared,$$(DRIVER_SRCS),$$($(1)_REF)) $$($(1)_BASE) | $(BIN)/.
	$$(CC) $$(BASE_LDFLAGS) -o $$@ $$^ $$($(1)_LIBS) $$(LIBS)

$(BIN)/microbench-$(1): $$(call shared,$$(MICRO_SRCS),$$($(1)_REF)) \
		$$(patsubst %.cc,$(OBJ)/ref$$($(1)_REF)/%.o,$$(MICRO_CXX_SRCS)) $$($(1)_BASE) | $(BIN)/.
	$$(CXX) $$(BASE_LDFLAGS) -o $$@ $$^ $$($(1)_LIBS) -lbenchmark $$(LIBS)

$(foreach t,$(TEST_PROGS),$$(eval $$(call TEST_RULE,$(1),$(t))))
endef

define TEST_RULE
$(BIN)/$(2)-$(1): $$(call shared,tests/$(2).c $(TESTLIB_SRCS),$$($(1)_REF)) $$($(1)_BASE) | $(BIN)/.
	$$(CC) $$(BASE_LDFLAGS) -o $$@ $$^ $$($(1)_LIBS) $$(LIBS)
endef

$(foreach b,$(ALL_BACKENDS),$(eval $(call BACKEND_RULES,$(b))))

$(BIN)/test-trace: $(call shared,tests/test-trace.c $(TESTLIB_SRCS) $(TRACE_SRCS),64) | $(BIN)/.
	$(CC) $(BASE_LDFLAGS) -o $@ $^ $(LIBS)

%/.:
	@mkdir -p $@

# ---- what to build --------------------------------------------------------------
DRIVERS := $(patsubst %,$(BIN)/regionbench-%,$(BACKENDS))
TEST_BINS := $(foreach b,$(TEST_BACKENDS),$(patsubst %,$(BIN)/%-$(b),$(TEST_PROGS))) \
	$(patsubst %,$(BIN)/regionbench-%,$(TEST_BACKENDS)) $(BIN)/test-trace
MICROBENCHES := $(patsubst %,$(BIN)/microbench-%,$(TEST_BACKENDS))

RECORDERS := build/recorder/malloc_log.so build/recorder/apr_pools.so
all: $(DRIVERS) $(TEST_BINS) $(MICROBENCHES) $(RECORDERS)

# ---- ARCH=aarch64: the same C code on ARM ------------------------------------
# make test ARCH=aarch64 cross-builds the strategies' conformance suite and
# decode probes with Debian's gcc-aarch64-linux-gnu (the same CFLAGS) and runs
# them under qemu-user (scripts/deps aarch64 installs both). blocks-gs is
# x86-64 only (the GS segment register) and is skipped. qemu-user tracks
# every page a program reserves, so the tests cap each pool or reservation at
# A64_TEST_LIMIT bytes (tests/check.c's REGION_TEST_LIMIT knob; default
# 256 MiB, enough for every case: with 32 GiB reservations contiguous's
# 3000-region case runs for minutes). make decode-asm-aarch64 prints the
# probes' aarch64 instructions; timings under emulation mean nothing, so
# none are taken.
A64_CC ?= aarch64-linux-gnu-gcc
A64_OBJDUMP ?= aarch64-linux-gnu-objdump
A64_QEMU ?= qemu-aarch64 -L /usr/aarch64-linux-gnu
A64_TEST_LIMIT ?= 268435456
A64_BUILD := build/aarch64
A64_BACKENDS := $(filter-out blocks-gs,$(foreach b,$(ALL_BACKENDS),$(if $(filter strategy,$($(b)_KIND)),$(b))))
A64_CFLAGS := -std=c11 -D_GNU_SOURCE -Wall -Wextra -Wno-unused-parameter $(INCLUDES) \
	-DREGION_DEBUG=$(REGION_DEBUG) -DREGION_TEST_LIMIT=$(A64_TEST_LIMIT) $(CFLAGS)
A64_HEADERS := $(wildcard common/*.h common/harness/*.h tests/*.h strategy-*/*.h)
define A64_RULE
$(A64_BUILD)/$(2)-$(1): tests/$(2).c tests/check.c common/pages.c common/region_error.c $$($(1)_SRCS) \
		$(A64_HEADERS) | $(A64_BUILD)/deps.ok
	$(A64_CC) $(A64_CFLAGS) -DREGION_REF_BITS=$$($(1)_REF) $$($(1)_CPPFLAGS) -o $$@ $$(filter %.c,$$^) -lpthread -lm
endef
$(foreach b,$(A64_BACKENDS),$(foreach t,test-conformance test-decode,$(eval $(call A64_RULE,$(b),$(t)))))
A64_DECODE_BINS := $(patsubst %,$(A64_BUILD)/test-decode-%,$(A64_BACKENDS))
A64_BINS := $(patsubst %,$(A64_BUILD)/test-conformance-%,$(A64_BACKENDS)) $(A64_DECODE_BINS)
$(A64_BUILD)/deps.ok: scripts/deps | $(A64_BUILD)/.
	scripts/deps aarch64
	@touch $@
test-aarch64: $(A64_BINS)
	@echo "SKIP blocks-gs/aarch64: blocks-gs is x86-64 only (the GS segment register)"; \
	pass=0; fail=0; log=$$(mktemp); \
	for t in $(A64_BINS); do \
		$(A64_QEMU) $$t > $$log 2>&1; rc=$$?; cat $$log; \
		p=$$(grep -c '^PASS ' $$log); f=$$(grep -c '^FAIL ' $$log); \
		if [ $$rc -ne 0 ] && [ $$f -eq 0 ]; then echo "FAIL $${t##*/}: exited with status $$rc"; f=1; fi; \
		pass=$$((pass + p)); fail=$$((fail + f)); \
	done; rm -f $$log; echo; echo "$$pass passed, $$fail failed"; [ $$fail -eq 0 ] && [ $$pass -gt 0 ]
decode-asm-aarch64: $(A64_DECODE_BINS)
	OBJDUMP=$(A64_OBJDUMP) SYMBOLS='decode_probe_[a-z0-9_]+' scripts/decode-asm $(A64_DECODE_BINS)
.PHONY: test-aarch64 decode-asm-aarch64 microbench-instructions decode-asm

# ---- the two commands, and the rest ---------------------------------------------
ifneq ($(ARCH),aarch64)
test: $(TEST_BINS) $(MICROBENCHES)
	BIN=$(BIN) BACKENDS="$(TEST_BACKENDS)" SANITIZE="$(SANITIZE)" tests/run
else
test: test-aarch64
endif

# The bench's GS section shows callgrind's instruction counts and the aarch64
# decode, so it installs valgrind and the cross compiler too.
BENCH_DEPS := $(BUILD)/deps-bench.ok
$(BENCH_DEPS): scripts/deps | $(BUILD)/.
	scripts/deps aarch64 valgrind
	@touch $@
bench: $(BENCH_DEPS) $(DRIVERS) $(MICROBENCHES) $(DEPS_STAMP) $(A64_DECODE_BINS)
	BIN=$(BIN) BACKENDS="$(BACKENDS)" WORKLOADS="$(WORKLOADS)" TRACES="$(TRACES)" \
		QUICK="$(QUICK)" REPEAT="$(REPEAT)" scripts/bench

compare: $(DEPS_STAMP)
	@test -n "$(A)" -a -n "$(B)" || { echo "make compare: set A=DIR B=DIR, two results directories (A the reference)" >&2; exit 2; }
	scripts/compare "$(A)" "$(B)"

# make microbench [QUICK=1] [OUT=DIR]: results/<time>-micro/ (results/latest-micro
# points to it) or DIR; with the aarch64 cross compiler installed, the
# aarch64 decode probes are built too and their instructions recorded.
A64_HAVE := $(shell command -v $(firstword $(A64_CC)) 2>/dev/null)
microbench: $(MICROBENCHES) $(DEPS_STAMP) $(if $(A64_HAVE),$(A64_DECODE_BINS))
	BIN=$(BIN) BACKENDS="$(TEST_BACKENDS)" QUICK="$(QUICK)" OUT="$(OUT)" \
		A64_BIN="$(if $(A64_HAVE),$(A64_BUILD))" OBJDUMP_A64="$(A64_OBJDUMP)" scripts/microbench

# make microbench-instructions [OUT=DIR]: callgrind's instructions per
# operation into DIR (default results/latest-micro)/instructions.csv.
microbench-instructions: $(MICROBENCHES)
	scripts/deps valgrind
	BIN=$(BIN) BACKENDS="$(TEST_BACKENDS)" OUT="$(OUT)" scripts/microbench-instructions

# make decode-asm: what each backend's decode compiles to (objdump).
decode-asm: $(MICROBENCHES)
	BIN=$(BIN) BACKENDS="$(TEST_BACKENDS)" scripts/decode-asm

plots: $(DEPS_STAMP)
	@test -n "$(RESULTS)" || { echo "make plots: set RESULTS=DIR, a results directory (for instance results/latest)" >&2; exit 2; }
	scripts/plot "$(RESULTS)"

# ---- the trace recorder: LD_PRELOAD library of scripts/record-trace ---------
# Plain flags of its own (no LTO, no sanitizer: it runs inside other programs).
build/recorder/malloc_log.so: common/trace/recorder/malloc_log.c | build/recorder/.
	$(CC) -std=c11 -D_GNU_SOURCE -O2 -g -Wall -Wextra -fPIC -shared -o $@ $<
# scripts/record-trace --pools=apr: interposes libapr-1, writes through trace_write.c.
build/recorder/apr_pools.so: common/trace/recorder/apr_pools.c common/trace/trace_write.c \
		common/trace/trace_write.h | build/recorder/.
	$(CC) -std=c11 -D_GNU_SOURCE -O2 -g -Wall -Wextra -fPIC -shared -fvisibility=hidden \
		-Icommon/trace -I/usr/include/apr-1.0 -o $@ $(filter %.c,$^) -ldl -lz -lpthread

# ---- fuzzing: make fuzz [FUZZ_SECONDS=N] [FUZZ_BACKEND=b] --------------------
# libFuzzer targets tests/fuzz/fuzz-*.c, built by clang in build/fuzz with
# flags of their own (ASan, UBSan, REGION_DEBUG=1) against one backend.
FUZZ_SECONDS ?= 60
FUZZ_BACKEND ?= blocks
FUZZ_DIR := build/fuzz/$(FUZZ_BACKEND)
FUZZ_CC ?= clang
FUZZ_TARGETS := $(patsubst tests/fuzz/%.c,$(FUZZ_DIR)/%,$(wildcard tests/fuzz/fuzz-*.c))
FUZZ_SRCS := $(TRACE_SRCS) workloads/replay.c common/harness/harness.c common/harness/metrics.c \
	common/harness/mbuf.c common/harness/json.c common/harness/latency.c \
	common/harness/csv.c common/pages.c common/region_error.c $($(FUZZ_BACKEND)_SRCS)
FUZZ_CFLAGS := -std=c11 -D_GNU_SOURCE -g -O1 -fno-omit-frame-pointer \
	-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
	$(INCLUDES) -DREGION_DEBUG=1 -DREGION_REF_BITS=$($(FUZZ_BACKEND)_REF) $($(FUZZ_BACKEND)_CPPFLAGS)
$(FUZZ_DIR)/deps.ok: scripts/deps | $(FUZZ_DIR)/.
	scripts/deps fuzz
	@touch $@
$(FUZZ_DIR)/fuzz-%: tests/fuzz/fuzz-%.c $(FUZZ_SRCS) $(wildcard common/*.h common/*/*.h workloads/*.h) | $(FUZZ_DIR)/deps.ok
	$(FUZZ_CC) $(FUZZ_CFLAGS) -o $@ $< $(FUZZ_SRCS) $($(FUZZ_BACKEND)_LIBS) -lz -lm -lpthread
fuzz: $(FUZZ_TARGETS)
	tests/fuzz/run $(FUZZ_DIR) $(FUZZ_SECONDS)
.PHONY: fuzz

clean:
	rm -rf build

.PHONY: all test bench compare microbench plots clean deps FORCE
FORCE:

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
