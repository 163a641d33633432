#!/usr/bin/env bash
# CPU profile of a zero-latency import (issue 6), called by `make profile`:
# importer.BenchmarkPipeline (source, importer, real client, the three
# result files, wired as cmd/mipimport wires them) sends
# samples/big/patients-100000.xlsx to a bin/mipmock started here on
# loopback, so the profile holds the importer's side only. It writes
# samples/big/cpu-send.prof (and the test binary beside it) and prints the
# top of it.
#
#   go tool pprof -http=127.0.0.1:0 samples/big/importer.test samples/big/cpu-send.prof
set -euo pipefail
cd "$(dirname "$0")/../.."
GO=${GO:-go}
FILE=${FILE:-samples/big/patients-100000.xlsx}
[ -s "$FILE" ] || { echo "profile: $FILE missing (make $FILE)" >&2; exit 1; }

work=$(mktemp -d)
mock=
trap '[ -n "$mock" ] && { kill "$mock" 2>/dev/null; wait "$mock" 2>/dev/null; }; rm -rf "$work"' EXIT
export MIP_USER=prof MIP_PASSWORD=prof-pass
bin/mipmock --listen 127.0.0.1:0 --addr-file "$work/addr" >"$work/mipmock.log" 2>&1 &
mock=$!
for _ in $(seq 100); do [ -s "$work/addr" ] && break; sleep 0.1; done
[ -s "$work/addr" ] || { cat "$work/mipmock.log" >&2; echo "profile: mipmock did not start" >&2; exit 1; }

echo "profile: load $(cut -d' ' -f1-3 /proc/loadavg)"
MIPIMPORT_BENCH_FILE=$PWD/$FILE MIPIMPORT_BENCH_URL="http://$(cat "$work/addr")" \
  $GO test -run='^$' -bench='Pipeline/send$' -benchtime=1x \
  -cpuprofile="$PWD/samples/big/cpu-send.prof" -o "$PWD/samples/big/importer.test" ./importer/
$GO tool pprof -top -cum -nodecount=40 samples/big/importer.test samples/big/cpu-send.prof 2>/dev/null | sed -n '4,50p'
