# The two commands of the README: `make run` and `make test`. Each installs what is
# missing (scripts/install-deps.sh, needs root), builds, and runs.
BUILD_DIR ?= build
ASAN_DIR ?= build-asan
FUZZ_DIR ?= build-fuzz
FUZZ_CXX ?= clang++-16
# `make fuzz`: seconds per fuzz target; `make test-fuzz` (CI) runs each for FUZZ_TEST_SECONDS.
FUZZ_SECONDS ?= 60
FUZZ_TEST_SECONDS ?= 10
JOBS ?= $(shell nproc)
CMAKE_FLAGS ?= -DCMAKE_BUILD_TYPE=RelWithDebInfo

.PHONY: all deps build run test test-unit lint test-asan test-fuzz fuzz fuzz-build bench soak package clean

all: build

deps:
	@bash scripts/install-deps.sh

build: deps
	@cmake -S . -B $(BUILD_DIR) -G Ninja $(CMAKE_FLAGS) > /dev/null
	@cmake --build $(BUILD_DIR) -j $(JOBS)

# A server on the embedded defaults, with a generated test pattern as live/demo.
run: build
	./$(BUILD_DIR)/relaycast serve --demo

# Replays every fuzz corpus and crash input (fuzz_replay.*) but does not fuzz: a
# second, clang build would not fit the 15 minutes on 2 cores. CI runs test-fuzz.
test: build
	cd $(BUILD_DIR) && ctest --output-on-failure -j $(JOBS)

test-unit: build
	cd $(BUILD_DIR) && ctest --output-on-failure -j $(JOBS) -L unit

# clang-format and clang-tidy on the C++ files changed since .ci/style-base (or since
# BASE=<commit>); CI runs it after the tests.
lint: deps
	@bash scripts/check-style.sh $(BASE)

# The whole suite built with AddressSanitizer and UndefinedBehaviorSanitizer; leaks
# are checked at every process exit (LeakSanitizer), the server's too (the integration
# harness fails a test whose server wrote a report).
test-asan: deps
	@cmake -S . -B $(ASAN_DIR) -G Ninja -DCMAKE_BUILD_TYPE=Debug -DRELAYCAST_SANITIZE=ON > /dev/null
	@cmake --build $(ASAN_DIR) -j $(JOBS)
	cd $(ASAN_DIR) && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
	  ctest --output-on-failure -j $(JOBS)

# libFuzzer targets (tests/fuzz), built with clang against the project's libraries
# instrumented for coverage, ASan and UBSan, in their own build directory.
fuzz-build: deps
	@cmake -S . -B $(FUZZ_DIR) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=$(FUZZ_CXX) \
	  -DRELAYCAST_FUZZ=ON -DRELAYCAST_TESTS=OFF > /dev/null
	@cmake --build $(FUZZ_DIR) -j $(JOBS) --target relaycast_fuzzers

# Every fuzz target for a short time, from its seed corpus: regressions show in CI
# (.ci/run).
test-fuzz: fuzz-build
	cd $(FUZZ_DIR) && FUZZ_SECONDS=$(FUZZ_TEST_SECONDS) ctest --output-on-failure -j $(JOBS) -L fuzz --timeout 300

# Every fuzz target for FUZZ_SECONDS (default 60); what they find stays in
# $(FUZZ_DIR)/tests/fuzz/runs/<target>/ (corpus, artifacts, last-run.log).
fuzz: fuzz-build
	cd $(FUZZ_DIR) && FUZZ_SECONDS=$(FUZZ_SECONDS) ctest --output-on-failure -j $(JOBS) -L fuzz --timeout $$(( $(FUZZ_SECONDS) + 300 ))

# Against nginx-rtmp in the same run (../shared/bench); not part of test: RTMP fan-out
# to 200 viewers, then wrk on an HLS segment and playlist; then HLS glass-to-glass latency.
bench: build
	bash bench/fanout_vs_nginx.sh 200 30 1
	bash bench/hls_vs_nginx.sh
	node bench/hls_latency.mjs

# Ten minutes of a reconnecting publisher and 200 churning viewers (RTMP, HTTP-FLV,
# HLS): no crash, no viewer lost except by policy, RSS flat after warm-up.
soak: build
	python3 bench/soak.py --duration 600 --viewers 200 --reconnect 30

# The Debian package of what `build` made: $(BUILD_DIR)/relaycast_<version>_<arch>.deb
# (binary, /etc/relaycast/relaycast.toml, relaycast.service; see packaging/deb/).
package: build
	bash scripts/package-deb.sh $(BUILD_DIR) $(BUILD_DIR)

clean:
	rm -rf $(BUILD_DIR) $(ASAN_DIR) $(FUZZ_DIR)
