# mipimport — see README.md. Needs only Go (and the Debian base).
GO      ?= go
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
COMMIT  ?= $(shell git rev-parse --short HEAD 2>/dev/null || echo none)
DATE    ?= $(shell date -u +%Y-%m-%dT%H:%M:%SZ)
LDFLAGS := -X main.version=$(VERSION) -X main.commit=$(COMMIT) -X main.date=$(DATE)

.PHONY: all build test demo fmt samples samples-big bench clean

all: build

build:
	$(GO) build -ldflags '$(LDFLAGS)' -o bin/mipimport ./cmd/mipimport
	$(GO) build -ldflags '$(LDFLAGS)' -o bin/mipmock ./cmd/mipmock

test:
	$(GO) vet ./...
	$(GO) test -race ./...

# Builds, starts mipmock on a free loopback port, imports the bundled sample,
# prints the outcome summary and where the report is, stops mipmock.
demo: build
	bash samples/demo.sh

fmt:
	gofmt -w $$(git ls-files '*.go')

# Regenerates the bundled sample (samples/patients.xlsx, .csv, .expected).
samples:
	$(GO) run ./samples/gen -out samples

# Big files of valid fictional patients for load and memory runs
# (samples/big/, not committed): ROWS=1000000 make samples-big
ROWS ?= 1000000
samples-big:
	$(GO) run ./samples/gen -rows $(ROWS) -format xlsx
	$(GO) run ./samples/gen -rows $(ROWS) -format csv

bench:
	$(GO) test -run='^$$' -bench=. -benchmem ./...

clean:
	rm -rf bin demo-out
