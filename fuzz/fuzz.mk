# fuzz/fuzz.mk — libFuzzer drivers (fuzz/README.md). Included by the top-level
# Makefile; on its own: make -f Makefile -f fuzz/fuzz.mk fuzz-build|fuzz
#
#   make fuzz-build                  every driver into build/fuzz/bin/
#   make fuzz                        each driver FUZZ_SECONDS (30) on a copy of its corpus
#   make fuzz FUZZ_SECONDS=600 FUZZ_DRIVERS="form jwe"
#   make fuzz-clean
#
# Uses from the Makefile: SRC, EMBED, PKG_CFLAGS, PKG_LIBS, the build/gen/embedded.c rule.
# Debian packages: clang (clang-14) and libclang-rt-14-dev, plus the project's own (scripts/deps.sh run).

# Included anywhere in the Makefile, this fragment leaves its default goal alone.
fuzz_saved_goal := $(.DEFAULT_GOAL)

FUZZ_CC      ?= clang
FUZZ_SECONDS ?= 30
FUZZ_ARGS    ?=
FUZZ_DIR     := build/fuzz
FUZZ_SAN     := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
FUZZ_CFLAGS  := -std=c11 -D_GNU_SOURCE -iquote src -g -O1 -MMD -MP $(FUZZ_SAN) \
                -fsanitize=fuzzer-no-link
# Drivers are ours: warnings on. Sources in src/ compile with the Makefile's
# own -Werror under gcc; clang's warnings there are not this fragment's concern.
FUZZ_DRV_CFLAGS := -std=c11 -D_GNU_SOURCE -iquote src -iquote fuzz -g -O1 -MMD -MP \
                   -Wall -Wextra -Wno-missing-field-initializers $(FUZZ_SAN)
FUZZ_LDFLAGS := -fsanitize=fuzzer $(FUZZ_SAN)

FUZZ_DRIVERS ?= $(sort $(patsubst fuzz/fuzz_%.c,%,$(wildcard fuzz/fuzz_*.c)))
FUZZ_OBJ     := $(SRC:%.c=$(FUZZ_DIR)/obj/%.o) $(FUZZ_DIR)/obj/gen/embedded.o
FUZZ_LIB     := $(FUZZ_DIR)/libwonpay.a
FUZZ_BIN     := $(FUZZ_DRIVERS:%=$(FUZZ_DIR)/bin/fuzz_%)

# -max_len per driver (bytes); a driver not named here gets 4096.
FUZZ_MAXLEN_form        := 4096
FUZZ_MAXLEN_json_body   := 4096
FUZZ_MAXLEN_kona_headers := 512
FUZZ_MAXLEN_jwe         := 2048
FUZZ_MAXLEN_router      := 512
FUZZ_MAXLEN_text        := 1024
FUZZ_MAXLEN_render      := 2048
FUZZ_MAXLEN_fields      := 2048
fuzz_rp := )

.PHONY: fuzz fuzz-build fuzz-clean
# Driver objects are intermediate files: keep them (no rebuild on every make).
.SECONDARY: $(FUZZ_DRIVERS:%=$(FUZZ_DIR)/drv/fuzz_%.o)

fuzz-build: $(FUZZ_BIN)

# Only the objects a driver needs are linked from the archive, so "cov:" counts
# the code it can reach. Rebuilt from scratch: a removed source leaves no member.
$(FUZZ_LIB): $(FUZZ_OBJ)
	@rm -f $@
	$(Q)ar rcs $@ $^

$(FUZZ_DIR)/obj/gen/embedded.o: build/gen/embedded.c
	@mkdir -p $(dir $@)
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) $(PKG_CFLAGS) -c -o $@ $<

$(FUZZ_DIR)/obj/src/%.o: src/%.c
	@mkdir -p $(dir $@)
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) $(PKG_CFLAGS) -c -o $@ $<

$(FUZZ_DIR)/drv/fuzz_%.o: fuzz/fuzz_%.c
	@mkdir -p $(dir $@)
	$(Q)$(FUZZ_CC) $(FUZZ_DRV_CFLAGS) -fsanitize=fuzzer-no-link $(PKG_CFLAGS) -c -o $@ $<

$(FUZZ_DIR)/bin/fuzz_%: $(FUZZ_DIR)/drv/fuzz_%.o $(FUZZ_LIB)
	@mkdir -p $(dir $@)
	$(Q)$(FUZZ_CC) $(FUZZ_LDFLAGS) -o $@ $< $(FUZZ_LIB) $(PKG_LIBS) -lpthread

# Each driver in turn on a fresh copy of its corpus and of its past findings
# (fuzz/crashes/<name>-*, replayed first as regressions; fuzz/ is never
# written); new inputs stay in build/fuzz/corpus/<name> until the next run, and
# crashes go to build/fuzz/crashes/<name>/. A summary line per driver at the end.
fuzz: fuzz-build
	@set -u; rc=0; summary=""; \
	mkdir -p $(FUZZ_DIR)/logs; \
	for d in $(FUZZ_DRIVERS); do \
		case "$$d" in $(foreach d,$(FUZZ_DRIVERS),$(d)$(fuzz_rp) ml=$(or $(FUZZ_MAXLEN_$(d)),4096) ;;) \
		*) ml=4096 ;; esac; \
		corpus=$(FUZZ_DIR)/corpus/$$d; crashes=$(FUZZ_DIR)/crashes/$$d; \
		log=$(FUZZ_DIR)/logs/$$d.log; \
		rm -rf "$$corpus"; mkdir -p "$$corpus" "$$crashes"; \
		if [ -d fuzz/corpus/$$d ]; then cp -R fuzz/corpus/$$d/. "$$corpus"/; fi; \
		for f in fuzz/crashes/$$d-*; do [ -f "$$f" ] && cp "$$f" "$$corpus"/; done; \
		echo "== fuzz_$$d: $(FUZZ_SECONDS)s, -max_len=$$ml"; \
		$(FUZZ_DIR)/bin/fuzz_$$d -max_total_time=$(FUZZ_SECONDS) -max_len=$$ml \
			-print_final_stats=1 -timeout=10 -rss_limit_mb=2048 \
			-artifact_prefix="$$crashes/" $(FUZZ_ARGS) "$$corpus" >"$$log" 2>&1; \
		st=$$?; \
		execs=$$(grep -a 'stat::number_of_executed_units' "$$log" | tail -n 1 | awk '{print $$2}'); \
		cov=$$(grep -a -o 'cov: [0-9]* ft: [0-9]*' "$$log" | tail -n 1); \
		if [ $$st -ne 0 ]; then \
			rc=1; res="FAILED (exit $$st; log $$log; inputs in $$crashes/)"; \
			grep -a -E 'check failed|^==[0-9]+==ERROR|^SUMMARY|runtime error' "$$log" | head -n 4 | cut -c1-300; \
		else res=ok; fi; \
		line="fuzz_$$d: executions $${execs:-?}, $${cov:-cov: ?}, $$res"; \
		echo "$$line"; summary="$$summary$$line\n"; \
	done; \
	echo "== summary"; printf "$$summary"; exit $$rc

fuzz-clean:
	rm -rf $(FUZZ_DIR)

.DEFAULT_GOAL := $(fuzz_saved_goal)
