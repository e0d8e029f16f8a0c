# nntrain -- build, test and install.
#
#   make            build nntrain and nnpredict
#   make MPI=1      build nntrain-mpi, for data-parallel training over MPI (see README)
#   make demo       install missing packages, build, train models/xor.yaml, predict with it
#   make check      install missing packages, build, run every test (unit, CLI, sanitizers)
#   make fuzz       build the libFuzzer targets with clang, run each FUZZ_SECONDS (default 60)
#   make valgrind   train and predict under valgrind: no memory errors, no leaks
#   make data       put Fashion-MNIST into data/fashion-mnist/ (Debian's dataset-fashion-mnist)
#   make install    PREFIX=/usr/local DESTDIR= (binaries and man pages)

PREFIX  ?= /usr/local
BINDIR  ?= $(PREFIX)/bin
MANDIR  ?= $(PREFIX)/share/man
BLAS    ?= openblas

CC      ?= cc
PKGS     = yaml-0.1 zlib $(BLAS)
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
CMOCKA_LIBS := $(shell pkg-config --libs cmocka 2>/dev/null || echo -lcmocka)

VERSION  = 0.1.0
OPT     ?= -O3
CFLAGS  ?= $(OPT) -g
WARN     = -std=c11 -Wall -Wextra -Wpedantic -Wshadow -Werror=vla
CPPFLAGS = -D_POSIX_C_SOURCE=200809L -DNN_VERSION='"$(VERSION)"' -Isrc $(PKG_CFLAGS)
ALL_CFLAGS = $(WARN) $(CFLAGS) -fopenmp -MMD -MP
LDLIBS   = $(PKG_LIBS) -lm -fopenmp

# make MPI=1: nntrain-mpi, nntrain compiled by mpicc from objects of its own in build/mpi, with
# src/dist/mpi.c behind dist.h; the plain build has src/dist/serial.c and links no MPI. Open MPI
# is installed when missing, as for make check, whose MPI tests use nntrain-mpi (with an ssh
# client, without which mpirun does not start even on one machine).
MPI_PKGS = libopenmpi-dev openmpi-bin openssh-client
ifeq ($(MPI),1)
MPICC   ?= mpicc
override CC := $(MPICC)
BUILD   ?= build/mpi
PROGS    = nntrain-mpi
DIST_SRC = src/dist/mpi.c
else
DIST_SRC = src/dist/serial.c
endif

BUILD   ?= build
PROGS   ?= nntrain nnpredict
LIB_SRC  = $(filter-out src/nntrain.c src/nnpredict.c,$(wildcard src/*.c)) $(wildcard src/layers/*.c)
LIB_SRC += $(DIST_SRC)
LIB_OBJ  = $(LIB_SRC:%.c=$(BUILD)/%.o)
UNIT_SRC = $(wildcard tests/unit/test_*.c)
UNIT_BIN = $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)

all: $(PROGS)

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(ALL_CFLAGS) -c $< -o $@

$(BUILD)/libnn.a: $(LIB_OBJ)
	rm -f $@
	ar rcs $@ $^

nntrain nnpredict: %: $(BUILD)/src/%.o $(BUILD)/libnn.a
	$(CC) $(ALL_CFLAGS) $^ -o $@ $(LDFLAGS) $(LDLIBS)

nntrain-mpi: $(BUILD)/src/nntrain.o $(BUILD)/libnn.a
	$(CC) $(ALL_CFLAGS) $^ -o $@ $(LDFLAGS) $(LDLIBS)

ifeq ($(MPI),1)
$(LIB_OBJ) $(BUILD)/src/nntrain.o: | mpi-deps
endif
mpi-deps:
	@sh tests/install-deps $(MPI_PKGS)

# Every unit test links the helpers the tests share (tests/unit/testutil.c).
UNIT_UTIL = $(BUILD)/tests/unit/testutil.o
.SECONDARY: $(UNIT_UTIL)
$(BUILD)/tests/%: $(BUILD)/tests/unit/%.o $(UNIT_UTIL) $(BUILD)/libnn.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $^ -o $@ $(LDFLAGS) $(CMOCKA_LIBS) $(LDLIBS)

unit: $(UNIT_BIN)

# Installs the Debian packages the build and the tests need, when any is missing.
deps:
	@sh tests/install-deps

# Fashion-MNIST for models/fashion_*.yaml: copied from the installed package, or fetched with
# apt-get download + dpkg -x (no root needed). Not part of make check.
data:
	@sh data/fetch-fashion-mnist

demo: deps
	$(MAKE) all
	./nntrain models/xor.yaml -o xor.nnw
	printf '0,0\n0,1\n1,0\n1,1\n' | ./nnpredict xor.nnw

# Every test: unit tests and CLI tests on the normal build, then the same suite built with
# AddressSanitizer and UndefinedBehaviorSanitizer. Ends with "N passed, N failed".
check: deps
	@sh tests/install-deps $(MPI_PKGS)
	$(MAKE) all unit
	$(MAKE) MPI=1 BUILD=build/mpi all
	$(MAKE) BUILD=build/san OPT=-O1 CFLAGS='-O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all' \
	    LDFLAGS='-fsanitize=address,undefined' SAN_BINDIR=build/san/bin san-progs unit
	sh tests/run $(BUILD)/tests build/san/tests build/san/bin

# Sanitizer builds of the two programs, kept apart from the normal ones.
SAN_BINDIR ?= $(BUILD)/bin
san-progs: $(SAN_BINDIR)/nntrain $(SAN_BINDIR)/nnpredict
$(SAN_BINDIR)/%: $(BUILD)/src/%.o $(BUILD)/libnn.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $^ -o $@ $(LDFLAGS) $(LDLIBS)

# libFuzzer targets, one per parser (tests/fuzz/fuzz_*.c), built with clang into build/fuzz/
# and run FUZZ_SECONDS each, FUZZ_JOBS at a time, from the seeds in tests/fuzz/corpus/NAME/.
# Fails when a target finds a crash, a leak or a broken promise (see tests/fuzz/run).
FUZZ_SECONDS ?= 60
FUZZ_JOBS    ?= 2
FUZZ_BIN      = $(patsubst tests/fuzz/%.c,$(BUILD)/%,$(wildcard tests/fuzz/fuzz_*.c))
FUZZ_SAN      = -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all
fuzz:
	@sh tests/install-deps clang libclang-rt-14-dev libomp-dev
	$(MAKE) BUILD=build/fuzz CC=clang OPT=-O1 \
	    CFLAGS='-O1 -g $(FUZZ_SAN) -fno-omit-frame-pointer' \
	    LDFLAGS='-fsanitize=fuzzer,address,undefined' fuzz-bins
	sh tests/fuzz/run build/fuzz $(FUZZ_SECONDS) $(FUZZ_JOBS)
fuzz-bins: $(FUZZ_BIN)
$(BUILD)/fuzz_%: $(BUILD)/tests/fuzz/fuzz_%.o $(BUILD)/libnn.a
	$(CC) $(ALL_CFLAGS) $^ -o $@ $(LDFLAGS) $(LDLIBS)

# nntrain and nnpredict under valgrind --leak-check=full: training, prediction and failing
# runs must show no memory error and no leak (tests/valgrind/run).
valgrind: all
	@sh tests/install-deps valgrind
	sh tests/valgrind/run

# nntrain against PyTorch on SPEC section 7's workloads (not part of check: timings never
# decide a test). BENCH_ARGS are passed on, e.g. BENCH_ARGS='--repeat 5 --accuracy'.
bench:
	sh tests/bench/run $(BENCH_ARGS)

install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man5
	install -m 755 $(PROGS) $(DESTDIR)$(BINDIR)/
	install -m 644 man/nntrain.1 man/nnpredict.1 $(DESTDIR)$(MANDIR)/man1/
	install -m 644 man/nnmodel.5 $(DESTDIR)$(MANDIR)/man5/

lint-man:
	mandoc -Tlint -W warning man/nntrain.1 man/nnpredict.1 man/nnmodel.5

fmt:
	clang-format -i src/*.c src/*.h src/layers/*.c tests/unit/*.c tests/unit/*.h

clean:
	rm -rf $(BUILD) $(PROGS) nntrain-mpi *.nnw

.PHONY: all unit deps mpi-deps data demo check san-progs fuzz fuzz-bins bench install lint-man fmt clean
-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
