# stagecoach: make builds ./stagecoach; make test runs every test; make demo
# walks a release through a throwaway staging and production.
CC      ?= gcc
PKGS     = libconfig libpq libcurl libssh2 libcrypto jansson
# Debian's libpg-query-dev ships no .pc file: fall back to plain -lpg_query.
# Each is computed on its first use in a recipe, once (not when the Makefile
# is read): `make demo` on a machine without the libraries runs pkg-config
# only after tests/lib/install-deps.sh installed them, so it prints no
# "Package ... was not found" first.
PGQ_CFLAGS = $(eval PGQ_CFLAGS := $(shell pkg-config --cflags libpg_query 2>/dev/null))$(PGQ_CFLAGS)
PGQ_LIBS   = $(eval PGQ_LIBS := $(shell pkg-config --libs libpg_query 2>/dev/null || echo -lpg_query))$(PGQ_LIBS)
PKG_CFLAGS = $(eval PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS)))$(PKG_CFLAGS)
PKG_LIBS   = $(eval PKG_LIBS := $(shell pkg-config --libs $(PKGS)))$(PKG_LIBS)
WARN     = -Wall -Wextra -Werror -Wno-unused-parameter -Wshadow -Wformat=2 -Wvla -Wno-format-truncation
# CFLAGS is the user's (make CFLAGS=-O0); ALL_CFLAGS adds what the build needs
CFLAGS  ?= -O2 -g
ALL_CFLAGS = -std=c11 -D_GNU_SOURCE -pthread $(WARN) $(PKG_CFLAGS) $(PGQ_CFLAGS) -I. $(CFLAGS)
LDLIBS  += $(PKG_LIBS) $(PGQ_LIBS) -lm -pthread
BUILD   ?= build

SRCS := $(sort $(wildcard lib/*.c env/*.c steps/*.c hooks/*.c orchestrator/*.c))
LIB_SRCS := $(filter-out orchestrator/main.c,$(SRCS))
OBJS := $(SRCS:%.c=$(BUILD)/%.o)
LIB_OBJS := $(LIB_SRCS:%.c=$(BUILD)/%.o)
UNIT_SRCS := $(sort $(wildcard tests/unit/test-*.c))
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/tests/%)

# the reference pages built into the program for `stagecoach help TOPIC`
# (orchestrator/help.h): a changed page rebuilds the binary
DOC_PAGES := docs/config.md docs/exit-codes.md docs/json.md docs/hooks.md docs/lint.md \
	$(sort $(wildcard docs/migrations/*.md docs/steps/*.md))
DOCS_OBJ := $(BUILD)/gen/docs.o

BIN ?= stagecoach
all: $(BIN)

# quiet by default; make V=1 shows the commands
Q = $(if $(V),,@)

$(BIN): $(OBJS) $(DOCS_OBJ)
	@$(if $(V),,echo "  LINK    $@")
	$(Q)$(CC) $(ALL_CFLAGS) -o $@ $(OBJS) $(DOCS_OBJ) $(LDFLAGS) $(LDLIBS)

$(BUILD)/gen/docs.c: orchestrator/gen-docs.sh $(DOC_PAGES)
	@mkdir -p $(dir $@)
	@$(if $(V),,echo "  GEN     $@")
	$(Q)sh orchestrator/gen-docs.sh $@ docs $(DOC_PAGES:docs/%=%)

$(DOCS_OBJ): $(BUILD)/gen/docs.c orchestrator/help.h
	@$(if $(V),,echo "  CC      $<")
	$(Q)$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(BUILD)/%.o: %.c $(wildcard lib/*.h env/*.h steps/*.h hooks/*.h orchestrator/*.h)
	@mkdir -p $(dir $@)
	@$(if $(V),,echo "  CC      $<")
	$(Q)$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(BUILD)/tests/%: tests/unit/%.c $(LIB_OBJS) tests/unit/unit.h
	@mkdir -p $(dir $@)
	@$(if $(V),,echo "  CC      $<")
	$(Q)$(CC) $(ALL_CFLAGS) -o $@ $< $(LIB_OBJS) $(LDFLAGS) $(LDLIBS)

unit: $(UNIT_BINS)

# make test: unit tests, then every end-to-end scenario; ends with
# "N passed, N failed".  TESTS=pattern limits the e2e scripts.
test: $(BIN) unit
	@tests/checksrc.sh
	@python3 tests/layers.py $(BUILD)
	@SC_BIN=$(abspath $(BIN)) TEST_LOG_DIR=$(abspath $(BUILD))/test-logs tests/run.sh $(UNIT_BINS)

# the same under AddressSanitizer/UBSan (LeakSanitizer on)
check-asan:
	$(MAKE) BUILD=build-asan CFLAGS="-O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer" \
		LDFLAGS="-fsanitize=address,undefined" BIN=build-asan/stagecoach build-asan/stagecoach unit
	@python3 tests/layers.py build-asan
	@ASAN_OPTIONS=detect_leaks=1 SC_BIN=$(abspath build-asan/stagecoach) tests/run.sh $(patsubst build/%,build-asan/%,$(UNIT_BINS))

demo: 
	@tests/lib/install-deps.sh
	@$(MAKE) --no-print-directory $(BIN)
	@SC_BIN=$(abspath $(BIN)) examples/demo/run-demo.sh

# throwaway PostgreSQL, sshd and HTTP stand-ins on loopback, kept running for
# trying the examples by hand until make sandbox-stop (examples/sandbox/README.md)
sandbox:
	@tests/lib/install-deps.sh
	@examples/sandbox/sandbox.sh start

sandbox-stop:
	@examples/sandbox/sandbox.sh stop

bench: $(BIN)
	@bench/run.sh

checksrc:
	@tests/checksrc.sh

install: $(BIN)
	install -D -m 0755 stagecoach $(DESTDIR)/usr/local/bin/stagecoach
	install -D -m 0644 docs/stagecoach.1 $(DESTDIR)/usr/local/share/man/man1/stagecoach.1

clean:
	rm -rf build build-asan stagecoach

.PHONY: all unit test check-asan demo sandbox sandbox-stop bench checksrc install clean
