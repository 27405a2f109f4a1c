# PolicyCortex build, demo, test and benchmark targets.
GO       ?= go
BIN      ?= bin/policycortex
PKGS     ?= ./...
GOFLAGS  ?=
export GOFLAGS

.PHONY: help build demo test test-short bench lint verify tools clean

help: ## List the targets.
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-12s %s\n", $$1, $$2}'

tools: ## Install what the build and tests need (Go is required; git is installed when missing).
	@hack/install-tools.sh

build: tools ## Build bin/policycortex.
	$(GO) build -o $(BIN) ./cmd/policycortex

demo: build ## Run the whole loop on example-repo in a temporary folder.
	hack/demo.sh

test: tools ## Run unit and end-to-end tests.
	$(GO) test -count=1 -p 2 -timeout 20m $(PKGS)

test-short: tools ## Run unit tests only.
	$(GO) test -count=1 -short $(PKGS)

bench: build ## Run the benchmarks and write BENCHMARKS.md.
	hack/bench.sh

lint: ## Check formatting and run go vet.
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { gofmt -l $$(git ls-files '*.go'); echo "gofmt needed"; exit 1; }
	$(GO) vet $(PKGS)

verify: lint test ## Run the checks CI runs.

clean: ## Remove build output.
	rm -rf bin .demo
