# dmsim - a simulator of the classic Mac OS Device Manager.
#
#   make           build everything (build/dmsim, drivers as shared objects, tests)
#   make demo      build, then run the default demonstration
#   make test      build, then run every test (Check suites, scenario goldens)
#   make bench     build, then print the benchmark figures
#   make bench-simpy    the serialized workload in dmsim and in SimPy 2, side by side
#   make ASAN=1 test    the same under AddressSanitizer + UBSan
#   make valgrind  the Check suites under valgrind
#   make fuzz-short  each libFuzzer target (tests/fuzz) for a few seconds, fixed seed
#   make fuzz      each libFuzzer target for FUZZ_TIME seconds (default 60)
#   make install   dmsim, its viewer module, headers, man page and pkg-config file (PREFIX, DESTDIR)
#   make uninstall remove them again
#
# Dependencies (SDL2, libuv, libpng, Check) come from pkg-config; the random
# scenarios of make test (tests/gen.sh) are written by Debian's python3. When one is missing
# on a Debian machine and we are root, `make` installs it with apt-get;
# elsewhere it prints the command to run and stops. The SCSI tests also use
# sg3-utils (sg_inq, sg_decode_sense) and hfsutils (hformat), installed the
# same way; without them those tests say they cannot run.

CC         ?= cc
PKG_CONFIG ?= pkg-config
BUILD      ?= build
PREFIX     ?= /usr/local
VERSION    := 0.9.0

# Objects depend on a stamp that records the compiler and its flags, so that
# `make CC=clang` or `make OPT=-O0` after another build rebuilds everything
# instead of mixing objects.
FLAGS_STAMP := $(BUILD)/.flags
FLAGS_NOW   := $(CC) | $(OPT) | $(CFLAGS) | $(LDFLAGS) | $(ASAN)
$(shell mkdir -p $(BUILD) && { [ "$$(cat $(FLAGS_STAMP) 2>/dev/null)" = '$(FLAGS_NOW)' ] || \
        echo '$(FLAGS_NOW)' > $(FLAGS_STAMP); })

# Debian package that provides each pkg-config module.
DEB_check  := check
DEB_libuv  := libuv1-dev
DEB_sdl2   := libsdl2-dev
DEB_libpng := libpng-dev
PKGS       := check libuv sdl2 libpng

WARN      := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
             -Wpointer-arith -Wvla -Wformat=2
OPT       ?= -O2 -g
CFLAGS    ?=
LDFLAGS   ?=
DM_CFLAGS := -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE $(WARN) $(OPT) -MMD -MP \
             -Idevmgr/include -Idevmgr/include/mac -Idrivers -Isim -I$(BUILD)/gen

ifeq ($(ASAN),1)
DM_CFLAGS += -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
LDFLAGS   += -fsanitize=address,undefined
endif

# Recursive (=) so pkg-config runs after the deps stamp exists.
UV_CFLAGS  = $(shell $(PKG_CONFIG) --cflags libuv)
UV_LIBS    = $(shell $(PKG_CONFIG) --libs libuv)
SDL_CFLAGS = $(shell $(PKG_CONFIG) --cflags sdl2)
SDL_LIBS   = $(shell $(PKG_CONFIG) --libs sdl2)
PNG_CFLAGS = $(shell $(PKG_CONFIG) --cflags libpng)
PNG_LIBS   = $(shell $(PKG_CONFIG) --libs libpng)
CK_CFLAGS  = $(shell $(PKG_CONFIG) --cflags check)
CK_LIBS    = $(shell $(PKG_CONFIG) --libs check)

DEVMGR_SRCS := $(wildcard devmgr/src/*.c devmgr/src/*/*.c)
DRIVER_SRCS := $(wildcard drivers/*.c)
DRIVER_NAMES:= $(sort $(filter-out builtins,$(basename $(notdir $(DRIVER_SRCS)))))
# HBA controllers (the dext side of the SCSI stack), one per drivers/scsi/NAME.c.
CTRL_SRCS   := $(wildcard drivers/scsi/*.c)
CTRL_NAMES  := $(sort $(basename $(notdir $(CTRL_SRCS))))
SIM_SRCS    := $(filter-out sim/cli/main.c,$(wildcard sim/*/*.c))
TEST_SRCS   := $(wildcard tests/*.c)
TDRIVER_SOS := $(patsubst tests/drivers/%.c,$(BUILD)/tdrivers/%.so,$(wildcard tests/drivers/*.c))

DEVMGR_OBJS := $(DEVMGR_SRCS:%.c=$(BUILD)/obj/%.o)
DRIVER_OBJS := $(DRIVER_NAMES:%=$(BUILD)/obj/drivers/%.o) $(BUILD)/obj/drivers/builtins.o \
               $(CTRL_NAMES:%=$(BUILD)/obj/drivers/scsi/%.o)
DRIVER_SOS  := $(DRIVER_NAMES:%=$(BUILD)/drivers/%.so) $(CTRL_NAMES:%=$(BUILD)/drivers/scsi/%.so)
SIM_OBJS    := $(SIM_SRCS:%.c=$(BUILD)/obj/%.o)
TEST_OBJS   := $(TEST_SRCS:%.c=$(BUILD)/obj/%.o)

LIBDEVMGR   := $(BUILD)/libdevmgr.a
LIBDRIVERS  := $(BUILD)/libdmdrivers.a
LIBSIM      := $(BUILD)/libdmsim.a
DMSIM       := $(BUILD)/dmsim
CHECKS      := $(BUILD)/check_dmsim
DEPS_STAMP  := $(BUILD)/.deps-ok
# dmsim itself links neither SDL2 nor libpng: the viewer is a module,
# dmsim-view.so (sim/view), loaded by `dmsim view` only, so that every other
# run starts without loading their libraries. The Check runner and the fuzz
# targets link the viewer's objects directly.
DMSIM_LIBS   = $(UV_LIBS) -ldl -lm
SYS_LIBS     = $(UV_LIBS) $(SDL_LIBS) $(PNG_LIBS) -ldl -lm
VIEW_SRCS   := $(wildcard sim/view/*.c)
VIEW_PICS   := $(VIEW_SRCS:%.c=$(BUILD)/pic/%.o)
VIEW_SO     := $(BUILD)/dmsim-view.so

.PHONY: all demo test check bench bench-simpy valgrind install uninstall clean deps FORCE \
        fuzz fuzz-short fuzz-build fuzz-bins fuzz-deps
all: $(DMSIM) $(VIEW_SO) $(DRIVER_SOS) $(CHECKS)

# --- dependencies ---------------------------------------------------------
deps: $(DEPS_STAMP)
$(DEPS_STAMP): $(FLAGS_STAMP)
	@mkdir -p $(BUILD)
	@missing=""; \
	command -v $(PKG_CONFIG) >/dev/null 2>&1 || missing="pkg-config"; \
	[ -x /usr/bin/python3 ] || missing="$$missing python3"; \
	command -v $(CC) >/dev/null 2>&1 || case "$$(basename $(CC))" in \
	  clang*) missing="$$missing clang";; \
	  gcc*|cc) missing="$$missing gcc";; \
	esac; \
	for p in $(PKGS); do \
	  $(PKG_CONFIG) --exists $$p 2>/dev/null || case $$p in \
	    check) missing="$$missing $(DEB_check)";; \
	    libuv) missing="$$missing $(DEB_libuv)";; \
	    sdl2)  missing="$$missing $(DEB_sdl2)";; \
	    libpng) missing="$$missing $(DEB_libpng)";; \
	  esac; \
	done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "dmsim: installing missing packages:$$missing"; \
	    apt-get -o DPkg::Lock::Timeout=600 update -qq && DEBIAN_FRONTEND=noninteractive \
	      apt-get -o DPkg::Lock::Timeout=600 install -y -qq $$missing \
	      || { echo "dmsim: apt-get install failed"; exit 1; }; \
	  else \
	    echo "dmsim: missing build dependencies. Install them with:"; \
	    echo "  sudo apt-get install$$missing"; \
	    exit 1; \
	  fi; \
	fi
	@tools=""; \
	command -v sg_inq >/dev/null 2>&1 || tools="sg3-utils"; \
	command -v hformat >/dev/null 2>&1 || tools="$$tools hfsutils"; \
	if [ -n "$$tools" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "dmsim: installing the test tools:$$tools"; \
	    apt-get -o DPkg::Lock::Timeout=600 update -qq && DEBIAN_FRONTEND=noninteractive \
	      apt-get -o DPkg::Lock::Timeout=600 install -y -qq $$tools \
	      || echo "dmsim: apt-get install failed; the SCSI tests that need them will say so"; \
	  else \
	    echo "dmsim: the SCSI tests need $$tools (sudo apt-get install $$tools);"; \
	    echo "       without them those tests say they cannot run"; \
	  fi; \
	fi
	@touch $@

# --- objects --------------------------------------------------------------
$(BUILD)/obj/devmgr/%.o: devmgr/%.c $(FLAGS_STAMP) | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(CC) $(DM_CFLAGS) $(CFLAGS) -c $< -o $@

# Built-in drivers: the same Apple-named source, its two exports renamed so
# that many drivers can live in one executable.
$(BUILD)/obj/drivers/%.o: drivers/%.c $(FLAGS_STAMP) | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(CC) $(DM_CFLAGS) $(CFLAGS) -DTheDriverDescription=dm_builtin_$*_desc \
	  -DDoDriverIO=dm_builtin_$*_io -include drivers/entry.h -c $< -o $@

# Built-in controllers: their one export renamed the same way.
$(BUILD)/obj/drivers/scsi/%.o: drivers/scsi/%.c $(FLAGS_STAMP) | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(CC) $(DM_CFLAGS) $(CFLAGS) -DTheSCSIControllerDescription=dm_controller_$*_desc \
	  -c $< -o $@

# .Hostile breaks the rules of C on purpose (a NULL load, a division by
# zero) to test how dmsim reports a driver that faults: UBSan would report
# those first, so it is built without UBSan; ASan still applies.
$(BUILD)/obj/drivers/hostile.o: CFLAGS += -fno-sanitize=undefined

$(BUILD)/obj/drivers/builtins.o: drivers/builtins.c $(BUILD)/gen/builtin_list.h $(FLAGS_STAMP) | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(CC) $(DM_CFLAGS) $(CFLAGS) -c $< -o $@

$(BUILD)/gen/builtin_list.h: $(DRIVER_SRCS) $(CTRL_SRCS) Makefile
	@mkdir -p $(dir $@)
	@{ echo "/* generated by the Makefile from the drivers/ sources */"; \
	   for n in $(DRIVER_NAMES); do echo "DM_BUILTIN($$n)"; done; \
	   for n in $(CTRL_NAMES); do echo "DM_CONTROLLER($$n)"; done; } > $@

# Shared-object drivers: compiled exactly as a driver author would, with the
# README's command. A driver defines DoDriverIO without a prototype (Apple's
# Devices.h declares none). clang understands Pascal string literals
# ("\p.Name") with -fpascal-strings; gcc has no such option.
IS_CLANG     = $(shell $(CC) --version 2>/dev/null | grep -q clang && echo 1)
PSTR_FLAGS   = $(if $(IS_CLANG),-fpascal-strings)
DRIVER_FLAGS = -std=c11 $(WARN) -Wno-missing-prototypes $(OPT) $(PSTR_FLAGS) -fPIC -shared \
               -I devmgr/include/mac
$(BUILD)/drivers/%.so: drivers/%.c $(FLAGS_STAMP) | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(CC) $(DRIVER_FLAGS) $< -o $@

$(BUILD)/drivers/scsi/%.so: drivers/scsi/%.c $(FLAGS_STAMP) | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(CC) $(DRIVER_FLAGS) $< -o $@

# Test drivers (tests/drivers/*.c) are written as Mac OS 9 authors wrote
# theirs: built with the README's command and -Wall, nothing stricter (their
# style: unused parameters, flat initialisers). One that uses Pascal string
# literals needs clang: it is built with clang when CC is another compiler,
# and left out (tests/drivers.sh says so) when there is no clang.
TDRIVER_FLAGS = -std=c11 -Wall -Werror -Wno-missing-braces $(OPT) -fPIC -shared \
                -I devmgr/include/mac
$(BUILD)/tdrivers/%.so: tests/drivers/%.c $(FLAGS_STAMP) | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	@if ! grep -q '"\\p' $<; then \
	  echo "$(CC) $(TDRIVER_FLAGS) $< -o $@"; $(CC) $(TDRIVER_FLAGS) $< -o $@; \
	elif [ -n "$(IS_CLANG)" ]; then \
	  echo "$(CC) $(TDRIVER_FLAGS) -fpascal-strings $< -o $@"; \
	  $(CC) $(TDRIVER_FLAGS) -fpascal-strings $< -o $@; \
	elif command -v clang >/dev/null 2>&1; then \
	  echo "clang $(TDRIVER_FLAGS) -fpascal-strings $< -o $@"; \
	  clang $(TDRIVER_FLAGS) -fpascal-strings $< -o $@; \
	else \
	  echo "$<: Pascal string literals need clang (-fpascal-strings); not built"; \
	fi

$(BUILD)/obj/sim/%.o: sim/%.c $(FLAGS_STAMP) | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(CC) $(DM_CFLAGS) $(CFLAGS) $(UV_CFLAGS) $(SDL_CFLAGS) $(PNG_CFLAGS) -c $< -o $@

$(BUILD)/obj/tests/%.o: tests/%.c $(BUILD)/gen/suites.h $(FLAGS_STAMP) | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(CC) $(DM_CFLAGS) $(CFLAGS) $(CK_CFLAGS) $(UV_CFLAGS) $(SDL_CFLAGS) $(PNG_CFLAGS) -Itests -c $< -o $@

# One Check runner; every tests/check_*.c that defines `Suite *NAME_suite(void)`
# is registered here.
$(BUILD)/gen/suites.h: $(wildcard tests/check_*.c) Makefile
	@mkdir -p $(dir $@)
	@{ echo "/* generated by the Makefile from the tests/check_ sources */"; \
	   grep -ho '^Suite \*[a-z0-9_]*_suite(void)' $(wildcard tests/check_*.c) \
	   | sed 's/^Suite \*\([a-z0-9_]*\)_suite(void)/DM_SUITE(\1)/' | sort; } > $@

# The command line's verbs: every `const sim_cli_verb sim_cli_verb_NAME =` at
# the start of a line in sim/cli/cmd_*.c, so that a new verb is a new file.
$(BUILD)/gen/verbs.h: $(wildcard sim/cli/cmd_*.c) Makefile
	@mkdir -p $(dir $@)
	@{ echo "/* generated by the Makefile from the sim/cli/cmd_ sources */"; \
	   grep -ho '^const sim_cli_verb sim_cli_verb_[a-z0-9_]* =' $(wildcard sim/cli/cmd_*.c) \
	   | sed 's/^const sim_cli_verb sim_cli_verb_\([a-z0-9_]*\) =/DM_VERB(\1)/' | sort; } > $@

# The subcommands of `dmsim disk`: every `const sim_cli_verb sim_cli_disk_NAME =`
# at the start of a line in sim/cli/disk_*.c (one file per subcommand).
$(BUILD)/gen/disk_subs.h: $(wildcard sim/cli/disk_*.c) Makefile
	@mkdir -p $(dir $@)
	@{ echo "/* generated by the Makefile from the sim/cli/disk_ sources */"; \
	   grep -ho '^const sim_cli_verb sim_cli_disk_[a-z0-9_]* =' $(wildcard sim/cli/disk_*.c) \
	   | sed 's/^const sim_cli_verb sim_cli_disk_\([a-z0-9_]*\) =/DM_DISK_SUB(\1)/' | sort; } > $@

$(BUILD)/obj/sim/cli/cmd_disk.o: $(BUILD)/gen/disk_subs.h

$(BUILD)/gen/version.h: Makefile
	@mkdir -p $(dir $@)
	@echo '#define DMSIM_VERSION "$(VERSION)"' > $@

$(BUILD)/obj/sim/cli/cli.o: $(BUILD)/gen/verbs.h $(BUILD)/gen/version.h

# --- libraries and programs -----------------------------------------------
# The call path (call.c) fills a block's and a slot's small fields with
# constants: gcc's SLP vectorizer made each group of them a constant loaded
# from memory and stored (two instructions where one store does), three
# times a call (docs/architecture.md, Performance). clang takes the flag too.
$(BUILD)/obj/devmgr/src/call.o: DM_CFLAGS += -fno-tree-slp-vectorize
# BlockCopy (services.c), a driver's every data copy, jumps to libc's memmove
# through its GOT entry rather than through the PLT's jump to it.
$(BUILD)/obj/devmgr/src/services.o: DM_CFLAGS += -fno-plt
$(LIBDEVMGR): $(DEVMGR_OBJS)
	@rm -f $@; ar rcs $@ $^
$(LIBDRIVERS): $(DRIVER_OBJS)
	@rm -f $@; ar rcs $@ $^
$(LIBSIM): $(SIM_OBJS)
	@rm -f $@; ar rcs $@ $^

# -rdynamic: shared-object drivers resolve Apple's calls against dmsim itself.
$(DMSIM): $(BUILD)/obj/sim/cli/main.o $(LIBSIM) $(LIBDRIVERS) $(LIBDEVMGR)
	$(CC) $(LDFLAGS) -rdynamic $^ $(DMSIM_LIBS) -o $@

# The viewer module: position-independent copies of sim/view's objects; what
# they call in the simulator resolves against dmsim (-rdynamic) when loaded.
$(BUILD)/pic/sim/view/%.o: sim/view/%.c $(FLAGS_STAMP) | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(CC) $(DM_CFLAGS) $(CFLAGS) -fPIC $(SDL_CFLAGS) $(PNG_CFLAGS) -c $< -o $@

$(VIEW_SO): $(VIEW_PICS)
	$(CC) $(LDFLAGS) -shared $^ $(SDL_LIBS) $(PNG_LIBS) -lm -o $@

$(CHECKS): $(TEST_OBJS) $(LIBSIM) $(LIBDRIVERS) $(LIBDEVMGR)
	$(CC) $(LDFLAGS) -rdynamic $^ $(CK_LIBS) $(SYS_LIBS) -o $@

# --- user targets ---------------------------------------------------------
demo: $(DMSIM) $(VIEW_SO) $(DRIVER_SOS)
	./tests/demo.sh $(DMSIM)

test: all $(TDRIVER_SOS)
	DMSIM=$(DMSIM) BUILD=$(BUILD) CC="$(CC)" MAKE="$(MAKE)" ./tests/run.sh

check: test

bench: $(DMSIM)
	$(DMSIM) bench

# The SimPy comparison needs Debian's python3-simpy (SimPy 2), for this
# target only.
bench-simpy: $(DMSIM)
	@if ! /usr/bin/python3 -c 'import SimPy.Simulation' >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "dmsim: installing python3-simpy for the SimPy comparison"; \
	    apt-get -o DPkg::Lock::Timeout=600 update -qq && DEBIAN_FRONTEND=noninteractive \
	      apt-get -o DPkg::Lock::Timeout=600 install -y -qq python3-simpy \
	      || { echo "dmsim: apt-get install failed"; exit 1; }; \
	  else \
	    echo "dmsim: the SimPy comparison needs python3-simpy: sudo apt-get install python3-simpy"; \
	    exit 1; \
	  fi; \
	fi
	./tests/bench/simpy_compare.sh $(DMSIM)

valgrind: all
	CK_FORK=no valgrind --error-exitcode=1 --leak-check=full -q $(CHECKS)

# --- fuzzing ----------------------------------------------------------------
# libFuzzer targets (tests/fuzz/fuzz_*.c) built with clang under ASan and
# UBSan in their own directory; the corpus of each is tests/fuzz/corpus/NAME
# (tests/fuzz.sh). clang and its runtime (libFuzzer is in libclang-rt-dev on
# Debian) are installed when missing, as the other dependencies are.
FUZZ_BUILD   ?= build-fuzz
FUZZ_TARGETS := $(basename $(notdir $(wildcard tests/fuzz/fuzz_*.c)))
FUZZ_TIME    ?= 60

fuzz-deps:
	@if ! echo 'int LLVMFuzzerTestOneInput(const char *d, unsigned long n){(void)d;(void)n;return 0;}' \
	    | clang -x c -fsanitize=fuzzer - -o /dev/null >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "dmsim: installing clang and libclang-rt-dev (libFuzzer)"; \
	    apt-get -o DPkg::Lock::Timeout=600 update -qq && DEBIAN_FRONTEND=noninteractive \
	      apt-get -o DPkg::Lock::Timeout=600 install -y -qq clang libclang-rt-dev \
	      || { echo "dmsim: apt-get install failed"; exit 1; }; \
	  else \
	    echo "dmsim: fuzzing needs clang and libFuzzer: sudo apt-get install clang libclang-rt-dev"; \
	    exit 1; \
	  fi; \
	fi

fuzz-build: fuzz-deps
	$(MAKE) BUILD=$(FUZZ_BUILD) CC=clang ASAN=1 CFLAGS=-fsanitize=fuzzer-no-link fuzz-bins

fuzz-bins: $(FUZZ_TARGETS:%=$(BUILD)/fuzz/%)

$(BUILD)/fuzz/%: tests/fuzz/%.c $(LIBSIM) $(LIBDRIVERS) $(LIBDEVMGR)
	@mkdir -p $(dir $@)
	$(CC) $(DM_CFLAGS) $(CFLAGS) -fsanitize=fuzzer $(UV_CFLAGS) $< $(LIBSIM) $(LIBDRIVERS) \
	  $(LIBDEVMGR) $(LDFLAGS) -rdynamic $(SYS_LIBS) -o $@

fuzz-short: fuzz-build
	./tests/fuzz.sh $(FUZZ_BUILD)/fuzz short

fuzz: fuzz-build
	FUZZ_TIME=$(FUZZ_TIME) ./tests/fuzz.sh $(FUZZ_BUILD)/fuzz long

# make install [PREFIX=/usr/local] [DESTDIR=]: the program, the Apple-named
# headers (PREFIX/include/dmsim/mac), the manual page and a pkg-config file
# whose --cflags name the headers, for building drivers against them.
BINDIR     := $(PREFIX)/bin
INCDIR     := $(PREFIX)/include/dmsim
MAN1DIR    := $(PREFIX)/share/man/man1
PCDIR      := $(PREFIX)/share/pkgconfig
VIEWDIR    := $(PREFIX)/lib/dmsim
MAC_HDRS   := $(notdir $(wildcard devmgr/include/mac/*.h))

$(BUILD)/dmsim.1: docs/dmsim.1 Makefile
	@mkdir -p $(dir $@)
	sed 's/@VERSION@/$(VERSION)/' $< > $@

# Written on every install: PREFIX may differ from the last one.
$(BUILD)/dmsim.pc: FORCE
	@mkdir -p $(dir $@)
	@{ echo 'prefix=$(PREFIX)'; \
	   echo 'includedir=$${prefix}/include/dmsim'; \
	   echo; \
	   echo 'Name: dmsim'; \
	   echo 'Description: Apple-named headers for native drivers run by dmsim, a simulator of the classic Mac OS Device Manager'; \
	   echo 'Version: $(VERSION)'; \
	   echo 'Cflags: -I$${includedir}/mac'; } > $@

install: all $(BUILD)/dmsim.1 $(BUILD)/dmsim.pc
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(INCDIR)/mac $(DESTDIR)$(MAN1DIR) $(DESTDIR)$(PCDIR)
	install -m 755 $(DMSIM) $(DESTDIR)$(BINDIR)/dmsim
	install -d $(DESTDIR)$(VIEWDIR)
	install -m 755 $(VIEW_SO) $(DESTDIR)$(VIEWDIR)/dmsim-view.so
	install -m 644 $(addprefix devmgr/include/mac/,$(MAC_HDRS)) $(DESTDIR)$(INCDIR)/mac
	install -m 644 $(BUILD)/dmsim.1 $(DESTDIR)$(MAN1DIR)/dmsim.1
	install -m 644 $(BUILD)/dmsim.pc $(DESTDIR)$(PCDIR)/dmsim.pc

# Removes exactly what install put there, then the header directories if
# they are empty.
uninstall:
	rm -f $(DESTDIR)$(BINDIR)/dmsim $(DESTDIR)$(MAN1DIR)/dmsim.1 $(DESTDIR)$(PCDIR)/dmsim.pc
	rm -f $(DESTDIR)$(VIEWDIR)/dmsim-view.so
	-rmdir $(DESTDIR)$(VIEWDIR) 2>/dev/null || true
	rm -f $(addprefix $(DESTDIR)$(INCDIR)/mac/,$(MAC_HDRS))
	-rmdir $(DESTDIR)$(INCDIR)/mac $(DESTDIR)$(INCDIR) 2>/dev/null || true

clean:
	rm -rf $(BUILD)

FORCE:

-include $(DEVMGR_OBJS:.o=.d) $(DRIVER_OBJS:.o=.d) $(SIM_OBJS:.o=.d) $(TEST_OBJS:.o=.d) \
         $(VIEW_PICS:.o=.d) \
         $(BUILD)/obj/sim/cli/main.d
