# The two commands of the README: `make run` and `make test`. Each installs what is
# missing (scripts/install-deps.sh, needs root), builds, and runs.
BUILD_DIR ?= build
ASAN_DIR ?= build-asan
JOBS ?= $(shell nproc)
CMAKE_FLAGS ?= -DCMAKE_BUILD_TYPE=RelWithDebInfo

.PHONY: all deps build run test test-unit test-asan bench soak clean

all: build

deps:
	@bash scripts/install-deps.sh

build: deps
	@cmake -S . -B $(BUILD_DIR) -G Ninja $(CMAKE_FLAGS) > /dev/null
	@cmake --build $(BUILD_DIR) -j $(JOBS)

# A server on the embedded defaults, with a generated test pattern as live/demo.
run: build
	./$(BUILD_DIR)/relaycast serve --demo

test: build
	cd $(BUILD_DIR) && ctest --output-on-failure -j $(JOBS)

test-unit: build
	cd $(BUILD_DIR) && ctest --output-on-failure -j $(JOBS) -L unit

# The whole suite built with AddressSanitizer and UndefinedBehaviorSanitizer.
test-asan: deps
	@cmake -S . -B $(ASAN_DIR) -G Ninja -DCMAKE_BUILD_TYPE=Debug -DRELAYCAST_SANITIZE=ON > /dev/null
	@cmake --build $(ASAN_DIR) -j $(JOBS)
	cd $(ASAN_DIR) && ctest --output-on-failure -j $(JOBS)

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

clean:
	rm -rf $(BUILD_DIR) $(ASAN_DIR)
