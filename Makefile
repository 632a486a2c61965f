# wsscale's front door. The two set-up commands are `make demo` and `make test`; the rest are steps.
# Everything builds out of tree with CMake; ctest runs every test.

BUILD        ?= build
BUILD_ASAN   ?= build-asan
BUILD_FUZZ   ?= build-fuzz
JOBS         ?= $(shell nproc)
# How long CI runs each fuzz target over its committed corpus.
FUZZ_SECONDS ?= 10

.PHONY: all deps deps-test build test test-sanitize fuzz-smoke format format-check demo clean

all: build

deps:
	scripts/install-deps.sh

deps-test:
	scripts/install-deps.sh --tests

$(BUILD)/CMakeCache.txt:
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo

build: deps $(BUILD)/CMakeCache.txt
	cmake --build $(BUILD) -j$(JOBS)

# Installs, builds, and runs the whole suite (unit + integration); non-zero on any failure.
test: deps-test $(BUILD)/CMakeCache.txt
	cmake --build $(BUILD) -j$(JOBS)
	cd $(BUILD) && ctest --output-on-failure -j$(JOBS) -LE fuzz

# The same suite built with AddressSanitizer and UndefinedBehaviorSanitizer.
test-sanitize: deps-test
	cmake -S . -B $(BUILD_ASAN) -DCMAKE_BUILD_TYPE=Debug -DWSSCALE_SANITIZE=ON
	cmake --build $(BUILD_ASAN) -j$(JOBS)
	cd $(BUILD_ASAN) && ctest --output-on-failure -j$(JOBS) -LE fuzz

# Every libFuzzer target, FUZZ_SECONDS each, starting from its committed seed corpus.
fuzz-smoke: deps-test
	CC=clang cmake -S . -B $(BUILD_FUZZ) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DWSSCALE_FUZZ=ON
	cmake --build $(BUILD_FUZZ) -j$(JOBS)
	scripts/fuzz-smoke.sh $(BUILD_FUZZ) $(FUZZ_SECONDS)

format:
	git ls-files '*.c' '*.h' | xargs clang-format -i

format-check:
	git ls-files '*.c' '*.h' | xargs clang-format --dry-run --Werror

# Installs, builds, and runs wsscale-demo, the cluster in a box (about two and a half minutes;
# `$(BUILD)/tools/demo/wsscale-demo --help` for its flags); it ends by itself and leaves
# demo-out/scaling.png, scaling.csv, summary.txt and events.jsonl. DEMO_FLAGS adds flags, e.g.
# `make demo DEMO_FLAGS=--netns` (each pod in a network namespace of its own) or --prometheus.
DEMO_FLAGS ?=
demo: build
	$(BUILD)/tools/demo/wsscale-demo --bin-dir $(BUILD) --out-dir demo-out $(DEMO_FLAGS)

clean:
	rm -rf $(BUILD) $(BUILD_ASAN) $(BUILD_FUZZ)

# The three container images (localhost/wsscale-{adapter,sidecar,server}:<version>), FROM scratch,
# built offline with podman from $(BUILD), and wsscale-pause:1, the pods' infra image that
# packaging/containers.conf names (packaging/, scripts/build-images.sh).
.PHONY: images
images: deps-test build
	scripts/build-images.sh $(BUILD)

# A private CA and the adapter's serving certificate (openssl) as kustomize inputs:
# manifests/components/make-certs{,-app}/generated/ (see docs/operations.md).
.PHONY: certs
certs:
	scripts/make-certs.sh
