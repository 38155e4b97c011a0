# The two commands a newcomer runs: `make demo` and `make test`. Both install what is missing
# (packaging/install-deps.sh), configure and build. `make package` builds the .deb and .rpm.

BUILD_DIR   ?= build
ASAN_DIR    ?= build-asan
BUILD_TYPE  ?= RelWithDebInfo
JOBS        ?= $(shell nproc)
CMAKE_FLAGS ?=
GENERATOR   := $(shell command -v ninja >/dev/null 2>&1 && echo Ninja || echo "Unix Makefiles")

.PHONY: all deps build test test-unit test-asan demo package bench fuzz clean

all: build

deps:
	@./packaging/install-deps.sh

# Line tables only (-g1): enough for stack traces and sanitizer reports, and much cheaper to
# compile and link than full debug info on two cores.
$(BUILD_DIR)/CMakeCache.txt: | deps
	cmake -S . -B $(BUILD_DIR) -G "$(GENERATOR)" -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) -DCALCONN_WERROR=ON \
	  -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O2 -g1 -DNDEBUG" $(CMAKE_FLAGS)

build: deps $(BUILD_DIR)/CMakeCache.txt
	cmake --build $(BUILD_DIR) -j $(JOBS)

$(ASAN_DIR)/CMakeCache.txt: | deps
	cmake -S . -B $(ASAN_DIR) -G "$(GENERATOR)" -DCMAKE_BUILD_TYPE=Debug -DCALCONN_WERROR=ON \
	  -DCMAKE_CXX_FLAGS_DEBUG="-g1" -DCALCONN_SANITIZE=address,undefined $(CMAKE_FLAGS)

# Unit tests once more under AddressSanitizer and UndefinedBehaviorSanitizer.
test-asan: deps $(ASAN_DIR)/CMakeCache.txt
	cmake --build $(ASAN_DIR) -j $(JOBS) --target calconn_unit_tests
	cd $(ASAN_DIR) && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
	  ctest -L unit --output-on-failure -j $(JOBS) --timeout 300

test-unit: build
	cd $(BUILD_DIR) && ctest -L unit --output-on-failure -j $(JOBS)

# The whole suite: sanitizer pass over the unit tests, then unit, e2e and checks; the last line
# printed is ctest's summary of the full suite.
test: test-asan build
	cd $(BUILD_DIR) && ctest --output-on-failure -j $(JOBS) --timeout 600

demo: build
	@./tests/e2e/demo.sh $(BUILD_DIR)

package: build
	cd $(BUILD_DIR) && cpack -G "DEB;RPM"

bench: deps
	cmake -S . -B build-bench -G "$(GENERATOR)" -DCMAKE_BUILD_TYPE=Release -DCALCONN_BUILD_BENCHMARKS=ON -DCALCONN_BUILD_TESTS=OFF
	cmake --build build-bench -j $(JOBS)

fuzz: deps
	CC=clang CXX=clang++ cmake -S . -B build-fuzz -G "$(GENERATOR)" -DCMAKE_BUILD_TYPE=Debug -DCALCONN_BUILD_FUZZERS=ON -DCALCONN_BUILD_TESTS=OFF
	cmake --build build-fuzz -j $(JOBS)

clean:
	rm -rf $(BUILD_DIR) $(ASAN_DIR) build-bench build-fuzz
