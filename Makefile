# The two commands of the README. Each installs the Debian packages it lacks first.
.PHONY: run test test-asan build deps clean fuzz valgrind soak

deps:
	@bash scripts/deps.sh

build: deps
	@scripts/build.sh plain

run: build
	@scripts/run.sh

test:
	@bash scripts/deps.sh --test
	@scripts/make-test.sh

# Each libFuzzer harness of fuzz/ for FUZZ_SECONDS (default 60); fails on a crash, leak,
# undefined behaviour or an input slower than 1 s (scripts/fuzz.sh).
fuzz:
	@bash scripts/deps.sh --test
	@scripts/fuzz.sh

# The HTTP suite under valgrind memcheck, the servers it starts included; fails on a
# memcheck error or a definite leak (scripts/valgrind.sh).
valgrind:
	@bash scripts/deps.sh --test
	@scripts/valgrind.sh

# 10 minutes of a steady mixed load on a Release build; fails on any error or memory growth
soak:
	@bench/soak

# each under its build's lock (scripts/build.sh), so that no build is running in it
clean:
	@mkdir -p .build-locks
	@for d in build build-asan build-fuzz; do flock ".build-locks/$$d.lock" rm -rf "$$d"; done
