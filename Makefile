# The two commands of the README. Each installs the Debian packages it lacks first.
.PHONY: run test test-asan build deps clean soak

deps:
	@bash scripts/deps.sh

build: deps
	@cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	@cmake --build build -j$$(nproc)

run: build
	@scripts/run.sh

test:
	@bash scripts/deps.sh --test
	@scripts/lint-openapi.sh
	@scripts/test.sh
	@SHIFAN_SANITIZE=1 scripts/test.sh

# 10 minutes of a steady mixed load on a Release build; fails on any error or memory growth
soak:
	@bench/soak

clean:
	rm -rf build build-asan
