# Canopy: build, test, benchmark and quickstart entry points.
# `make deps` installs the Debian packages Canopy needs (a no-op when present).
# `make install` copies the release `canopy` to $(DESTDIR)$(PREFIX)/bin.

SHELL := /bin/bash
SWIFT ?= swift
DEBIAN_PACKAGES := libyaml-dev libopenblas-dev zlib1g-dev libpng-dev libjpeg62-turbo-dev pkg-config dataset-fashion-mnist
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
SHARED_GOLDEN ?= ../shared/golden
FIXTURE_GOLDEN := Tests/Fixtures/golden
PREFIX ?= /usr/local

.PHONY: deps build release install format lint test bench quickstart golden-sync clean

deps:
	@missing=""; for p in $(DEBIAN_PACKAGES); do \
	  dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; \
	fi

build: deps
	$(SWIFT) build

release: deps
	$(SWIFT) build -c release

install: release
	install -d $(DESTDIR)$(PREFIX)/bin
	install -m 755 .build/release/canopy $(DESTDIR)$(PREFIX)/bin/canopy

# The Swift sources, formatted by the toolchain's swift-format with .swift-format.
FORMATTED := Package.swift Sources Tests Examples/SymmetricKL/Package.swift Examples/SymmetricKL/Sources Examples/SymmetricKL/Tests

# Rewrites the sources in the house style (run before committing).
format:
	$(SWIFT) format format --in-place --recursive --parallel $(FORMATTED)

# Fails on any source that `make format` would change (make test runs it first).
lint:
	$(SWIFT) format lint --strict --recursive --parallel $(FORMATTED)

# The format check, the package's tests, then the example package's (a user's own plugins and canopy
# executable, depending on this checkout as a user's package would), built in its own
# scratch folder .build-example.
# SwiftPM keeps the example's build plan when only the Canopy dependency's file list
# changed (a pull that adds a source file), and the build then misses the new file:
# drop the plan whenever a Canopy source is newer than it, so it is made again.
test: deps lint
	$(SWIFT) test
	@if [ -f .build-example/debug.yaml ] && [ -n "$$(find Sources -name '*.swift' -newer .build-example/debug.yaml -print -quit)" ]; then rm .build-example/debug.yaml; fi
	$(SWIFT) test --package-path Examples/SymmetricKL --scratch-path .build-example

bench: release
	./scripts/bench.sh

# Train the built-in experiment (specs/quickstart.yaml) on Fashion-MNIST; the run
# directory is runs/quickstart, started over each time (--overwrite).
quickstart: release
	.build/release/canopy run specs/quickstart.yaml --overwrite

# Refresh the repository's copy of the golden reference cases from ../shared/golden.
golden-sync:
	@test -d $(SHARED_GOLDEN) || { echo "no $(SHARED_GOLDEN) to sync from"; exit 1; }
	rm -rf $(FIXTURE_GOLDEN) && cp -r $(SHARED_GOLDEN) $(FIXTURE_GOLDEN)

clean:
	$(SWIFT) package clean
