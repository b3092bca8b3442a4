# wonpay — `make run` starts the sandbox server, `make test` runs every test.
# Both first install any missing Debian packages (scripts/deps.sh).

CC      ?= cc
Q       ?= @
PYTHON  ?= /usr/bin/python3
PKGS    := libmicrohttpd jansson sqlite3 libpq libqrencode libpng openssl libcurl
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   = $(shell pkg-config --libs $(PKGS) 2>/dev/null)

WARN    := -Wall -Wextra -Werror -Wshadow -Wformat=2 -Wvla -Wstrict-prototypes \
           -Wmissing-prototypes -Wno-missing-field-initializers
BASE    := -std=c11 -D_GNU_SOURCE -iquote src $(WARN) -MMD -MP
REL_CFLAGS  := $(BASE) -O2 -g -fstack-protector-strong -D_FORTIFY_SOURCE=2
ASAN_FLAGS  := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
TEST_CFLAGS := $(BASE) -O1 -g $(ASAN_FLAGS) -DWP_FAULT_INJECTION

SRC      := $(shell find src -name '*.c' ! -name main.c | sort)
EMBED    := $(sort $(wildcard src/store/migrations/*/*.sql) $(wildcard src/web/templates/*.html))
UNIT_SRC := $(shell find tests/unit -name 'test_*.c' | sort)

REL_OBJ  := $(SRC:%.c=build/rel/%.o) build/rel/gen/embedded.o
TEST_OBJ := $(SRC:%.c=build/asan/%.o) build/asan/gen/embedded.o
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=build/asan/unit/%)

FORMAT_SRC = $(shell find src tests/unit fuzz -name '*.[ch]' | sort)
ANALYZE_OBJ := $(SRC:%.c=build/analyze/%.o) build/analyze/src/main.o

.PHONY: all build run test test-pg pg-suites unit api browser deps deps-test deps-check deps-fuzz bench format check clean

all: build

deps:
	@scripts/deps.sh run

deps-test:
	@scripts/deps.sh test

deps-check:
	@scripts/deps.sh check

deps-fuzz:
	@scripts/deps.sh fuzz

build: deps
	@$(MAKE) --no-print-directory build/wonpay

build/wonpay: $(REL_OBJ) build/rel/src/main.o
	$(Q)$(CC) $(REL_CFLAGS) -o $@ $^ $(PKG_LIBS) -lpthread

build/asan/wonpay: $(TEST_OBJ) build/asan/src/main.o
	$(Q)$(CC) $(TEST_CFLAGS) -o $@ $^ $(PKG_LIBS) -lpthread

build/gen/embedded.c: tools/embed.sh $(EMBED)
	@mkdir -p $(dir $@)
	sh tools/embed.sh $@ $(EMBED)

build/rel/gen/%.o: build/gen/%.c
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(REL_CFLAGS) $(PKG_CFLAGS) -c -o $@ $<

build/asan/gen/%.o: build/gen/%.c
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(TEST_CFLAGS) $(PKG_CFLAGS) -c -o $@ $<

build/rel/%.o: %.c
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(REL_CFLAGS) $(PKG_CFLAGS) -c -o $@ $<

build/asan/%.o: %.c
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(TEST_CFLAGS) $(PKG_CFLAGS) -c -o $@ $<

build/asan/unit/%: tests/unit/%.c $(TEST_OBJ)
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(TEST_CFLAGS) $(PKG_CFLAGS) -iquote tests/unit -Wno-missing-prototypes -o $@ $< $(TEST_OBJ) \
		$(PKG_LIBS) -lcmocka -lpthread

run: build
	@mkdir -p data
	exec build/wonpay serve --sandbox --db data/wonpay.db

# Every test: unit (cmocka), then black-box HTTP and browser (pytest) against
# the ASan+UBSan binary, on SQLite and then on PostgreSQL (test-pg).
test: deps-test
	@$(MAKE) --no-print-directory build/asan/wonpay $(UNIT_BIN)
	@$(MAKE) --no-print-directory unit
	WONPAY_BIN=build/asan/wonpay $(PYTHON) -m pytest -q -p no:cacheprovider tests/api tests/browser
	@$(MAKE) --no-print-directory pg-suites

# The black-box suites again, each server on its own database of a throwaway
# PostgreSQL cluster (tests/conftest.py, scripts/pg_cluster.sh).
test-pg: deps-test
	@$(MAKE) --no-print-directory pg-suites

pg-suites: build/asan/wonpay
	WONPAY_TEST_DB=postgres WONPAY_BIN=build/asan/wonpay $(PYTHON) -m pytest -q -p no:cacheprovider \
		tests/api tests/browser

unit: $(UNIT_BIN)
	@set -e; for t in $(UNIT_BIN); do echo "== $$t"; $$t; done

api: build/asan/wonpay
	WONPAY_BIN=build/asan/wonpay $(PYTHON) -m pytest -q -p no:cacheprovider tests/api

browser: build/asan/wonpay
	WONPAY_BIN=build/asan/wonpay $(PYTHON) -m pytest -q -p no:cacheprovider tests/browser

# Each script installs what it needs (scripts/deps.sh bench) and builds build/wonpay.
bench:
	bench/aqr.sh
	bench/transfers.sh
	bench/kona.sh
	bench/payple.sh

format:
	clang-format -i $(FORMAT_SRC)

# Every C file formatted as .clang-format says, and gcc's static analyzer
# (-fanalyzer) over every source file with warnings as errors.
check: deps-check
	@clang-format --dry-run --Werror $(FORMAT_SRC) && echo "format: ok"
	@$(MAKE) -s --no-print-directory $(ANALYZE_OBJ) && echo "analyzer: ok"

build/analyze/%.o: %.c
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(BASE) -O1 -fanalyzer $(PKG_CFLAGS) -c -o $@ $<

clean:
	rm -rf build

# libFuzzer drivers (fuzz/README.md): make fuzz runs each FUZZ_SECONDS (30).
include fuzz/fuzz.mk
fuzz-build: deps-fuzz

-include $(shell find build -name '*.d' 2>/dev/null)
