#!/usr/bin/env bash
# A/B of mipimport builds (issue 6): each build imports FILE against one
# bin/mipmock on loopback, the builds taking turns PAIRS times, so that the
# machine's slow and fast stretches fall on both. Prints mipimport's own
# rows/s, its CPU per row (user + system, /usr/bin/time) and peak RSS.
#
#   git worktree add /tmp/old <commit> && (cd /tmp/old && make build)
#   A=bin/mipimport B=/tmp/old/bin/mipimport samples/load/ab.sh
#
# Knobs: A, B (the builds; B may be empty), FILE (the 100k xlsx), PAIRS (3),
# CONC (64), LATENCY (mipmock's, e.g. 20ms; none by default), MAPPING.
set -euo pipefail
cd "$(dirname "$0")/../.."

A=${A:-bin/mipimport}
B=${B:-}
FILE=${FILE:-samples/big/patients-100000.xlsx}
PAIRS=${PAIRS:-3}
CONC=${CONC:-64}
LATENCY=${LATENCY:-0s}
MAPPING=${MAPPING:-samples/mapping.yaml}
[ -x bin/mipmock ] || { echo "ab: bin/mipmock missing: run make build" >&2; exit 1; }
[ -s "$FILE" ] || { echo "ab: $FILE missing: make $FILE" >&2; exit 1; }

export MIP_USER=ab MIP_PASSWORD=ab-pass
work=$(mktemp -d)
bin/mipmock --listen 127.0.0.1:0 --addr-file "$work/addr" --latency "$LATENCY" >"$work/mipmock.log" 2>&1 &
mock=$!
trap 'kill "$mock" 2>/dev/null; wait "$mock" 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 100); do [ -s "$work/addr" ] && break; sleep 0.1; done
[ -s "$work/addr" ] || { cat "$work/mipmock.log" >&2; echo "ab: mipmock did not start" >&2; exit 1; }
url="http://$(cat "$work/addr")"

echo "ab: $FILE, concurrency $CONC, latency $LATENCY; A=$("$A" --version)${B:+; B=$("$B" --version)}"
for _ in $(seq "$PAIRS"); do
  for name in A B; do
    bin=${!name}
    [ -n "$bin" ] || continue
    curl -s -X POST "$url/_mock/reset" >/dev/null # every run creates the same cards anew
    sleep 2
    code=0
    /usr/bin/time -f '%e %U %S %M' -o "$work/time" "$bin" import --url "$url" --mapping "$MAPPING" --no-progress --no-state \
      --concurrency "$CONC" --report "$work/r.xlsx" --fix-file "$work/f.xlsx" --results "$work/r.jsonl" \
      --log-file "$work/log" "$FILE" 2>"$work/stderr" >/dev/null || code=$?
    if [ "$code" -ge 2 ]; then cat "$work/stderr" >&2; echo "ab: $name: exit code $code" >&2; exit 1; fi
    rows=$(awk '$1 == "Всего" { print $2 }' "$work/stderr")
    rate=$(sed -n 's/^Время: .*, \([0-9]*\) строк\/с$/\1/p' "$work/stderr")
    read -r wall user sys rss <"$work/time"
    printf '%s rows/s=%s cpu-us/row=%s wall=%ss peakRSS=%sMiB load=%s\n' "$name" "$rate" \
      "$(awk -v u="$user" -v s="$sys" -v r="$rows" 'BEGIN { printf "%.0f", (u + s) * 1e6 / r }')" "$wall" \
      "$(awk -v m="$rss" 'BEGIN { printf "%.1f", m / 1024 }')" "$(cut -d' ' -f1 /proc/loadavg)"
    rm -f "$work/r.xlsx" "$work/f.xlsx" "$work/r.jsonl"
  done
done
