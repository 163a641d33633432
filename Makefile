# mipimport — see README.md. Needs only Go (and the Debian base).
GO      ?= go
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
COMMIT  ?= $(shell git rev-parse --short HEAD 2>/dev/null || echo none)
DATE    ?= $(shell date -u +%Y-%m-%dT%H:%M:%SZ)
LDFLAGS := -X main.version=$(VERSION) -X main.commit=$(COMMIT) -X main.date=$(DATE)

.PHONY: all build test demo fmt samples samples-big bench profile fuzz clean

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

# The big files one at a time, e.g. make samples/big/patients-100000.xlsx
# (text in a shared strings table, as Excel saves; the -inline file holds it
# in each cell, as excelize's StreamWriter writes)
samples/big/patients-%-inline.xlsx:
	$(GO) run ./samples/gen -rows $* -format xlsx -strings inline
samples/big/patients-%.xlsx:
	$(GO) run ./samples/gen -rows $* -format xlsx
samples/big/patients-%.csv:
	$(GO) run ./samples/gen -rows $* -format csv

# Go benchmarks of every stage (read xlsx/csv, map + validate, JSON encode,
# report write, state lookup/commit, the pool and client against mipmock),
# then the load and memory runs of the real binaries (samples/load/run.sh:
# about 15 minutes on 2 cores; ONLY="latency zero" and other knobs are in
# the script). Figures, commands and their history: BENCHMARKS.md.
bench: build samples/big/patients-100000.xlsx samples/big/patients-100000.csv
	$(GO) test -run='^$$' -bench=. -benchmem ./mip/ ./mip/mipmock/ ./report/
	$(GO) test -run='^$$' -bench='Source|Stage' -benchtime=1x ./mapping/
	$(GO) test -run='^$$' -bench='Known|Save' -benchmem ./importer/state/
	$(GO) test -run='^$$' -bench='ImportOverhead|StateFileSize' -benchtime=1x ./importer/state/
	$(GO) test -run='^$$' -bench='Load|Pipeline' -benchtime=1x ./importer/
	bash samples/load/run.sh

# CPU profile of the importer's side of a zero-latency run (mipmock runs
# apart, so the profile holds the importer alone): samples/big/cpu-*.prof.
profile: build samples/big/patients-100000.xlsx
	bash samples/load/profile.sh

# Every fuzz target (readers, mapping file, each value converter, the МИП
# answer decoders, the patient encoder, the report's cell sizes) for FUZZTIME each, one after another; a crasher stops it
# and is left in the package's testdata/fuzz/ to commit as a regression case.
FUZZTIME ?= 3m
fuzz:
	@for pkg in ./mapping/ ./mapping/reader/ ./mapping/convert/ ./mip/ ./report/; do \
	  for t in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz'); do \
	    echo "== $$pkg $$t ($(FUZZTIME))"; \
	    $(GO) test -run='^$$$$' -fuzz="^$$t\$$$$" -fuzztime=$(FUZZTIME) -parallel=1 $$pkg || exit 1; \
	  done; \
	done

clean:
	rm -rf bin demo-out
