# SACM Grid - one Makefile for the whole tree.
#
#   make              build everything into build/ (programs in build/bin/)
#   make check        unit tests, then integration tests on real brokers
#   make check-unit   unit tests only
#   make check-asan   the same as check under AddressSanitizer + UBSan
#   make bench        benchmarks, printed as a table
#   make fuzz         fuzz every parser of untrusted input (clang libFuzzer)
#   make deps         install the Debian packages (as root, or with sudo)
#   make lab          build and start the native lab (sacm-lab up)

CC	?= cc
BUILD	?= build
OPT	?= -O2 -g
SAN	?=
CFLAGS_WARN = -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
	-Wmissing-prototypes -Wno-unused-parameter
PKGS	= libstrophe libxml-2.0 libxslt libexslt libcurl sqlite3 zlib openssl libopenscap
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
CPPFLAGS += -D_GNU_SOURCE -Ishared -Itests/fuzz $(PKG_CFLAGS)
CFLAGS	+= -std=c11 $(OPT) $(SAN) $(CFLAGS_WARN) -MMD -MP
LDFLAGS	+= $(SAN)
LDLIBS	+= $(PKG_LIBS) -lbz2

VERSION	= 0.1.0
CPPFLAGS += -DSACM_VERSION='"$(VERSION)"'

LIB_SRC	= $(wildcard shared/*.c)
LIB_OBJ	= $(LIB_SRC:%.c=$(BUILD)/%.o)
LIB	= $(BUILD)/lib/libsacm.a

# Each directory under services/ with a main.c is one program, named after
# its directory with the sacm- prefix (services/orchestrator is
# sacm-orchestrator); services/ctl is sacmctl.
C_SERVICES = $(patsubst services/%/,%,$(dir $(wildcard services/*/main.c)))
prog	= $(if $(filter ctl,$(1)),sacmctl,sacm-$(1))
PROGS	= $(foreach s,$(C_SERVICES),$(BUILD)/bin/$(call prog,$(s)))
SCRIPTS	= $(BUILD)/bin/sacm-lab $(BUILD)/bin/sacm-targets \
	$(BUILD)/bin/sacm-supervise $(LAB_SHARE)
# sacm-lab's parts and the brokers' configuration templates.
LAB_SHARE = $(patsubst services/lab/%,$(BUILD)/share/sacm-lab/%, \
	$(wildcard services/lab/lib/*.sh services/lab/templates/*.in \
	services/lab/prosody/*.lua))

UNIT_SRC = $(wildcard tests/unit/test_*.c)
UNIT_BIN = $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
ITEST_SRC = $(wildcard tests/integration/*.c)
ITEST_BIN = $(ITEST_SRC:tests/integration/%.c=$(BUILD)/tests/%)
FUZZ_SRC = $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_NAMES = $(FUZZ_SRC:tests/fuzz/%.c=%)
FUZZ_BIN = $(FUZZ_NAMES:%=$(BUILD)/fuzz/%)
FUZZ_SECONDS ?= 60
FUZZ_TARGETS ?= $(FUZZ_NAMES)
BENCH_SRC = $(wildcard bench/*.c)
BENCH_BIN = $(BENCH_SRC:bench/%.c=$(BUILD)/bench/%)

all: $(PROGS) $(SCRIPTS) $(UNIT_BIN) $(ITEST_BIN) $(BENCH_BIN) $(FUZZ_BIN) \
    dashboard

# The dashboard: static files and strophe.js (npm), served by the broker.
DASH_DIR = $(BUILD)/www/dashboard
DASH_SRC = services/dashboard/index.html services/dashboard/dashboard.js \
	services/dashboard/dashboard.css
STROPHE = services/dashboard/node_modules/strophe.js/dist/strophe.esm.js
dashboard: $(DASH_DIR)/index.html
$(DASH_DIR)/index.html: $(DASH_SRC) $(STROPHE)
	@mkdir -p $(DASH_DIR)
	cp $(DASH_SRC) $(STROPHE) $(DASH_DIR)/
$(STROPHE): services/dashboard/package-lock.json
	cd services/dashboard && npm ci --no-audit --no-fund --loglevel=error
	@touch $@

# The daemons, sacmctl and the lab scripts only (the container image).
programs: $(PROGS) $(SCRIPTS)

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

$(LIB): $(LIB_OBJ)
	@mkdir -p $(dir $@)
	$(AR) rcs $@ $^

# A program is its main.c and its service's library (every other .c of
# its directory); the test tools, benchmarks and fuzz targets link the
# libraries of the code they test.
SVC_LIBS = $(C_SERVICES:%=$(BUILD)/lib/lib%.a)
SVC_INC	= $(C_SERVICES:%=-Iservices/%)
define service_rule
$(BUILD)/lib/lib$(1).a: $(patsubst %.c,$(BUILD)/%.o,$(filter-out services/$(1)/main.c,$(wildcard services/$(1)/*.c)))
	@mkdir -p $$(dir $$@)
	rm -f $$@ && $$(AR) rcs $$@ $$^
$(BUILD)/bin/$(call prog,$(1)): $(BUILD)/services/$(1)/main.o $(BUILD)/lib/lib$(1).a $(LIB)
	@mkdir -p $$(dir $$@)
	$$(CC) $$(LDFLAGS) -o $$@ $$^ $$(LDLIBS)
endef
$(foreach s,$(C_SERVICES),$(eval $(call service_rule,$(s))))
$(BUILD)/tests/%.o $(BUILD)/bench/%.o: CPPFLAGS += $(SVC_INC)

# The lab's supervisor: a small C program of its own (services/lab).
$(BUILD)/bin/sacm-supervise: $(BUILD)/services/lab/supervise.o
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^

$(BUILD)/share/sacm-lab/%: services/lab/%
	@mkdir -p $(dir $@)
	cp $< $@

$(BUILD)/bin/sacm-%: services/lab/sacm-%.sh
	@mkdir -p $(dir $@)
	sed "s/@VERSION@/$(VERSION)/" $< > $@ && chmod +x $@

$(BUILD)/tests/%: $(BUILD)/tests/unit/%.o $(SVC_LIBS) $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/tests/%: $(BUILD)/tests/integration/%.o $(SVC_LIBS) $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# Fuzz targets, linked with a replay driver: make check runs each over its
# corpus.  `make fuzz` builds them with clang's libFuzzer and fuzzes.
$(BUILD)/fuzz/%: $(BUILD)/tests/fuzz/%.o $(BUILD)/tests/fuzz/replay.o $(SVC_LIBS) $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/bench/%: $(BUILD)/bench/%.o $(SVC_LIBS) $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# The suites, each run by tests/check.sh: exit 0 passed, 77 skipped (a
# failure of make check unless SACM_ALLOW_SKIP=1), anything else failed.
UNIT_SUITES = $(UNIT_BIN) \
	$(foreach f,$(FUZZ_NAMES),"$(BUILD)/fuzz/$(f) tests/fuzz/corpus/$(f:fuzz_%=%)") \
	$(wildcard tests/scripts/test_*.sh)
# Longest first: tests/check.sh runs them SACM_CHECK_JOBS (2) at a time.
INTEGRATION_SUITES = tests/integration/run.sh \
	tests/targets/test_pipeline.sh tests/compose/test_compose.sh \
	tests/compose/test_compose_cluster.sh \
	tests/targets/test_evaluate.sh tests/targets/test_fleet.sh \
	tests/targets/test_fleet_prosody.sh \
	tests/targets/test_posture.sh tests/targets/test_collect.sh \
	tests/targets/test_waivers.sh tests/targets/test_remediate_ejabberd.sh \
	tests/dashboard/test_dashboard.sh tests/targets/test_collector.sh \
	tests/targets/test_results.sh tests/targets/test_remediate.sh \
	tests/targets/test_evaluator.sh tests/cluster/test_cluster.sh \
	tests/targets/test_targets.sh tests/targets/test_vuln.sh \
	tests/targets/test_vuln_grid.sh tests/targets/test_vuln_grid_ejabberd.sh

check-unit: $(UNIT_BIN) $(ITEST_BIN) $(FUZZ_BIN) $(PROGS) $(SCRIPTS)
	BUILD=$(BUILD) tests/check.sh $(UNIT_SUITES)

check-integration: all
	BUILD=$(BUILD) tests/check.sh $(INTEGRATION_SUITES)

check: all
	BUILD=$(BUILD) tests/check.sh $(UNIT_SUITES) $(INTEGRATION_SUITES)

check-asan:
	LSAN_OPTIONS=suppressions=$(CURDIR)/tests/lsan.supp:print_suppressions=0 \
	$(MAKE) BUILD=build/asan OPT="-O1 -g -fno-omit-frame-pointer" \
	    SAN="-fsanitize=address,undefined -fno-sanitize-recover=all" check

bench: all
	BUILD=$(BUILD) bench/run.sh
	BUILD=$(BUILD) bench/collect.sh
	BUILD=$(BUILD) bench/evaluate.sh
	BUILD=$(BUILD) bench/pipeline.sh
	BUILD=$(BUILD) bench/fleet.sh
	BUILD=$(BUILD) bench/vuln.sh
	BUILD=$(BUILD) BENCH_FLEET_BROKER=ejabberd bench/fleet.sh
	BUILD=$(BUILD) BENCH_FLEET_BROKER=ejabberd BENCH_FLEET_NODES=3 \
	    bench/fleet.sh
	BUILD=$(BUILD) bench/pubsub_store.sh

fuzz:
	@set -e; for f in $(FUZZ_TARGETS); do \
	    $(MAKE) -s --no-print-directory BUILD=build/fuzz-clang CC=clang \
	        OPT="-O1 -g" SAN="-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all" \
	        build/fuzz-clang/tests/fuzz/$$f.o build/fuzz-clang/lib/libsacm.a \
	        $(C_SERVICES:%=build/fuzz-clang/lib/lib%.a); \
	    clang -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -o build/fuzz-clang/$$f \
	        build/fuzz-clang/tests/fuzz/$$f.o \
	        $(C_SERVICES:%=build/fuzz-clang/lib/lib%.a) \
	        build/fuzz-clang/lib/libsacm.a \
	        $(LDLIBS); \
	    mkdir -p build/fuzz-corpus/$${f#fuzz_} build/fuzz-artifacts; \
	    build/fuzz-clang/$$f -max_total_time=$(FUZZ_SECONDS) -max_len=65536 \
	        -artifact_prefix=build/fuzz-artifacts/$$f- \
	        build/fuzz-corpus/$${f#fuzz_} tests/fuzz/corpus/$${f#fuzz_} \
	        2> build/fuzz-artifacts/$$f.log || \
	        { tail -40 build/fuzz-artifacts/$$f.log; echo "$$f: FAILED"; exit 1; }; \
	    echo "$$f: $$(grep -o 'Done [0-9]* runs in [0-9]* second' \
	        build/fuzz-artifacts/$$f.log), clean (ASan, UBSan)"; \
	done

deps:
	scripts/install-deps.sh

lab: all
	$(BUILD)/bin/sacm-lab up

# Debian 11 target trees for the lab (root: debootstrap), cached.
targets: all
	$(BUILD)/bin/sacm-lab targets

# No `make format`: the tree is KNF (OpenBSD style(9)), which
# clang-format cannot reproduce (tab-aligned comments and continuation
# lines); tests/scripts/test_style.sh checks what can be checked.

clean:
	rm -rf build

.PHONY: all programs dashboard check check-unit check-integration check-asan bench deps lab fuzz \
	targets clean
.PRECIOUS: $(BUILD)/%.o

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
