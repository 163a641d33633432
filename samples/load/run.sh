#!/usr/bin/env bash
# Load and memory runs of the real binaries (issue 6), called by `make bench`
# after the Go benchmarks; see BENCHMARKS.md for the figures and what they
# mean. Everything runs on loopback; everything started here is stopped on
# exit. Needs bin/mipimport and bin/mipmock (make build), /usr/bin/time and
# wrk (installed with apt-get when missing and running as root).
#
#   samples/load/run.sh                      # everything, ~10 minutes on 2 cores
#   ONLY="latency zero" samples/load/run.sh  # some phases only
#
# Phases (ONLY picks some, in this order):
#   latency  mipmock --latency LATENCY_MS, import LOAD_ROWS xlsx rows at CONC,
#            then the bare client (mip.BenchmarkClientLoop) and wrk against it
#   zero     mipmock without latency: import LOAD_ROWS xlsx rows, then wrk
#            with CONC connections against the same mipmock (one card updated,
#            then a new card every request), then the same
#            rows from the csv file; then again with mipmock pinned to CPU 1
#            and mipimport, then wrk, to CPU 0 (taskset), as when МИП runs
#            on its own machine
#   state    mipmock without latency: import LOAD_ROWS xlsx rows with
#            --no-state, with a new state file, and again on that file
#            (every row unchanged); STATE_PAIRS times, interleaved
#   bigsend  mipmock without latency: import BIG_ROWS xlsx rows (peak RSS),
#            without a state and with one (as a nightly job runs)
#   dry      --dry-run of BIG_ROWS and LOAD_ROWS xlsx rows (peak RSS, rows/s)
#   bare     the bare row iteration over the BIG_ROWS file, excelize's and
#            then mipimport's own reader's (samples/load/xlsxiter)
#
# Knobs (environment): LOAD_ROWS (100000), BIG_ROWS (1000000), CONC (64), STATE_PAIRS (3),
# LATENCY_MS (20), WRK_DURATION (10s), LOAD_MAX (1.5), LOAD_WAIT (90),
# MIPIMPORT and MAPPING (another build to compare with, e.g. one built from
# an older commit, and the mapping file it understands).
#
# Before each measurement the 1-minute load average is checked: above
# LOAD_MAX the script waits up to LOAD_WAIT seconds for it to drop, then
# measures anyway and prints the load beside the figure.
set -euo pipefail
cd "$(dirname "$0")/../.."

LOAD_ROWS=${LOAD_ROWS:-100000}
BIG_ROWS=${BIG_ROWS:-1000000}
CONC=${CONC:-64}
LATENCY_MS=${LATENCY_MS:-20}
WRK_DURATION=${WRK_DURATION:-10s}
LOAD_MAX=${LOAD_MAX:-1.5}
LOAD_WAIT=${LOAD_WAIT:-90}
STATE_PAIRS=${STATE_PAIRS:-3}
ONLY=${ONLY:-latency zero state bigsend dry bare}
GO=${GO:-go}
# Another build to compare with (its own mapping file if the format moved).
MIPIMPORT=${MIPIMPORT:-bin/mipimport}
MAPPING=${MAPPING:-samples/mapping.yaml}

phase() { [[ " $ONLY " == *" $1 "* ]]; }
short() { awk -v n="$1" 'BEGIN { if (n % 1000000 == 0) print n / 1000000 "m"; else if (n % 1000 == 0) print n / 1000 "k"; else print n }'; }
die() { echo "load: $*" >&2; exit 1; }

[ -x "$MIPIMPORT" ] && [ -x bin/mipmock ] || die "$MIPIMPORT or bin/mipmock missing: run make build"

install_pkg() { # command package
  command -v "$1" >/dev/null 2>&1 && return 0
  if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
    echo "load: installing $2"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$2" >/dev/null 2>&1 ||
      { apt-get update -qq >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$2" >/dev/null; }
  fi
  command -v "$1" >/dev/null 2>&1
}
[ -x /usr/bin/time ] || install_pkg /usr/bin/time time || die "/usr/bin/time missing: apt-get install -y time"
have_wrk=1
install_pkg wrk wrk || { have_wrk=0; echo "load: wrk missing (apt-get install -y wrk): the wrk comparison is skipped"; }

# The big files (samples/big/, not committed), generated once.
big() { # rows format
  local f=samples/big/patients-$1.$2
  if [ ! -s "$f" ]; then
    echo "load: generating $f" >&2
    $GO run ./samples/gen -rows "$1" -format "$2" >&2
  fi
  echo "$f"
}
load_xlsx=$(big "$LOAD_ROWS" xlsx)
load_csv=$(big "$LOAD_ROWS" csv)
if phase bigsend || phase dry || phase bare; then big_xlsx=$(big "$BIG_ROWS" xlsx); fi
if phase bare; then $GO build -o bin/xlsxiter ./samples/load/xlsxiter; fi

work=$(mktemp -d -p samples/big load.XXXXXX)
mock_pid=
cleanup() {
  if [ -n "$mock_pid" ]; then kill "$mock_pid" 2>/dev/null || true; wait "$mock_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

export MIP_USER=load MIP_PASSWORD=load-pass
TCK=$(getconf CLK_TCK)

start_mock() { # latency [command prefix, e.g. taskset -c 1]
  rm -f "$work/addr"
  "${@:2}" bin/mipmock --listen 127.0.0.1:0 --addr-file "$work/addr" --latency "$1" >"$work/mipmock.log" 2>&1 &
  mock_pid=$!
  for _ in $(seq 100); do
    [ -s "$work/addr" ] && break
    kill -0 "$mock_pid" 2>/dev/null || { cat "$work/mipmock.log" >&2; die "mipmock did not start"; }
    sleep 0.1
  done
  [ -s "$work/addr" ] || die "mipmock did not report its address"
  MOCK_URL="http://$(cat "$work/addr")"
}
stop_mock() {
  kill "$mock_pid" 2>/dev/null || true
  wait "$mock_pid" 2>/dev/null || true
  mock_pid=
}
mock_cpu() { awk -v t="$TCK" '{printf "%.2f", ($14+$15)/t}' "/proc/$mock_pid/stat"; }
mock_stats() { curl -s "$MOCK_URL/_mock/stats" | jq -c '{requests, uploaded, notValid, errors, maxInFlight, sameGuidOverlaps, cards, meanLateUs}'; }

# quiet waits (at most LOAD_WAIT s) for the 1-minute load to drop to LOAD_MAX.
quiet() {
  local waited=0 l
  while :; do
    l=$(cut -d' ' -f1 /proc/loadavg)
    if awk -v l="$l" -v m="$LOAD_MAX" 'BEGIN { exit !(l <= m) }' || [ "$waited" -ge "$LOAD_WAIT" ]; then break; fi
    sleep 5
    waited=$((waited + 5))
  done
  LOAD_BEFORE=$l
}

# timed runs a command under /usr/bin/time -v; sets WALL (s), RSS (MiB), CPU (s).
timed() {
  quiet
  local code=0
  /usr/bin/time -v -o "$work/time" "$@" 2>"$work/stderr" >"$work/stdout" || code=$?
  WALL=$(awk -F': ' '/Elapsed \(wall clock\)/ { n = split($2, p, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + p[i]; print s }' "$work/time")
  RSS=$(awk -F': ' '/Maximum resident set size/ { printf "%.1f", $2 / 1024 }' "$work/time")
  CPU=$(awk -F': ' '/User time/ { u = $2 } /System time/ { s = $2 } END { printf "%.2f", u + s }' "$work/time")
  return $code
}

PIN=() # a command prefix for mipimport (the pinned zero-latency runs)

# post_wrk runs wrk with THREADS threads and CONC connections for
# WRK_DURATION against mipmock, posting one valid patient (post.lua; with
# WRK_NEW=1 in the environment a new card per request), under the command
# prefix that follows, if any. Output in $work/wrk; sets WRK_RATE (req/s),
# WRK_REQS and WRK_NON2XX.
post_wrk() { # threads [command prefix...]
  local threads=$1
  shift
  quiet
  WRK_AUTH=$(printf '%s:%s' "$MIP_USER" "$MIP_PASSWORD" | base64 -w0) \
    "$@" wrk -t"$threads" -c"$CONC" -d"$WRK_DURATION" -s samples/load/post.lua "$MOCK_URL/patients" >"$work/wrk" 2>&1
  WRK_RATE=$(awk '/^Requests\/sec:/ { printf "%.0f", $2 }' "$work/wrk")
  WRK_REQS=$(awk '/requests in/ { print $1 }' "$work/wrk")
  WRK_NON2XX=$(awk '/Non-2xx/ { n = $NF } END { print n + 0 }' "$work/wrk")
}

# run_import runs mipimport on a file; extra flags follow. Sets ROWS, RATE (the
# tool's own rows/s, from the first row read to the last result written).
run_import() { # name file flags...
  local name=$1 file=$2
  shift 2
  local code=0 state=(--no-state)
  [ -n "${STATE_DB:-}" ] && state=(--state "$STATE_DB")
  timed "${PIN[@]}" "$MIPIMPORT" import --mapping "$MAPPING" --no-progress "${state[@]}" --concurrency "$CONC" \
    --report "$work/r.xlsx" --fix-file "$work/f.xlsx" --results "$work/r.jsonl" --log-file "$work/log" \
    "$@" "$file" || code=$?
  if [ "$code" -ge 2 ]; then cat "$work/stderr" >&2; die "$name: mipimport exit code $code"; fi
  ROWS=$(awk '$1 == "Всего" { print $2 }' "$work/stderr")
  RATE=$(sed -n 's/^Время: .*, \([0-9][0-9 ]*\) строк\/с$/\1/p' "$work/stderr" | tr -d ' ')
  local dur
  dur=$(sed -n 's/^Время: \(.*\), .*$/\1/p' "$work/stderr")
  printf '%-28s rows=%s run=%s rows/s=%s wall=%ss end-to-end-rows/s=%s peakRSS=%sMiB cpu=%ss cpu-us/row=%s exit=%s load=%s\n' \
    "$name" "$ROWS" "$dur" "$RATE" "$WALL" "$(awk -v r="$ROWS" -v w="$WALL" 'BEGIN { printf "%.0f", r / w }')" \
    "$RSS" "$CPU" "$(awk -v r="$ROWS" -v c="$CPU" 'BEGIN { printf "%.0f", c * 1e6 / r }')" "$code" "$LOAD_BEFORE"
  rm -f "$work/r.xlsx" "$work/f.xlsx" "$work/r.jsonl"
}

echo "== machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(awk '/MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo) RAM, $($GO env GOVERSION), $(date -u +%Y-%m-%dT%H:%M:%SZ), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "== $("$MIPIMPORT" --version)"

if phase latency; then
  echo "== latency ${LATENCY_MS}ms, concurrency $CONC, $load_xlsx"
  start_mock "${LATENCY_MS}ms"
  export MIP_URL=$MOCK_URL
  run_import "send-l${LATENCY_MS}ms-c$CONC-$(short "$LOAD_ROWS")-xlsx" "$load_xlsx"
  awk -v r="$RATE" -v c="$CONC" -v l="$LATENCY_MS" 'BEGIN { i = c * 1000 / l; printf "%-28s ideal C/L=%.0f rows/s ratio=%.3f (bar: >= 0.95)\n", "", i, r / i }'
  echo "                             mipmock: $(mock_stats)"
  # The same mipmock driven by the bare client (mip.BenchmarkClientLoop:
  # CONC goroutines sending in a loop, no file, no reports) and by wrk.
  quiet
  $GO test -c -o "$work/mip.test" ./mip/
  MIPIMPORT_BENCH_URL=$MOCK_URL MIPIMPORT_BENCH_CONC=$CONC MIPIMPORT_BENCH_LATENCY=${LATENCY_MS}ms \
    "$work/mip.test" -test.run='^$' -test.bench=ClientLoop -test.benchtime="$WRK_DURATION" >"$work/client" 2>&1 || { cat "$work/client" >&2; die "ClientLoop failed"; }
  printf '%-28s %s load=%s\n' "client-l${LATENCY_MS}ms-c$CONC" "$(awk '/^BenchmarkClientLoop/ { for (i = 3; i < NF; i++) if ($(i + 1) == "req/s") r = $i; else if ($(i + 1) == "ratio-to-C/L") q = $i; printf "req/s=%.0f ratio=%s", r, q }' "$work/client")" "$LOAD_BEFORE"
  if [ "$have_wrk" = 1 ]; then
    WRK_NEW=1 post_wrk "$(nproc)"
    awk -v c="$CONC" -v l="$LATENCY_MS" -v n="wrk-new-cards-l${LATENCY_MS}ms-c$CONC" -v load="$LOAD_BEFORE" \
      '/^Requests\/sec:/ { printf "%-28s req/s=%.0f ratio=%.3f load=%s\n", n, $2, $2 * l / 1000 / c, load }' "$work/wrk"
  fi
  stop_mock
fi

if phase zero; then
  echo "== zero latency, concurrency $CONC: mipimport, then wrk against the same mipmock"
  start_mock 0s
  export MIP_URL=$MOCK_URL
  m0=$(mock_cpu)
  run_import "send-l0-c$CONC-$(short "$LOAD_ROWS")-xlsx" "$load_xlsx"
  tool_rate=$RATE
  m1=$(mock_cpu)
  echo "                             mipmock cpu=$(awk -v a="$m0" -v b="$m1" 'BEGIN { printf "%.2f", b - a }')s ($(awk -v a="$m0" -v b="$m1" -v r="$ROWS" 'BEGIN { printf "%.0f", (b - a) * 1e6 / r }') us/row); $(mock_stats)"
  if [ "$have_wrk" = 1 ]; then
    post_wrk "$(nproc)" /usr/bin/time -v -o "$work/time"
    m2=$(mock_cpu)
    wrk_rate=$WRK_RATE
    wrk_cpu=$(awk -F': ' '/User time/ { u = $2 } /System time/ { s = $2 } END { printf "%.2f", u + s }' "$work/time")
    printf '%-28s requests=%s req/s=%s non-2xx=%s wrk-cpu=%ss mipmock-cpu=%ss (%s us/req) load=%s\n' "wrk-l0-c$CONC" "$WRK_REQS" "$WRK_RATE" "$WRK_NON2XX" "$wrk_cpu" \
      "$(awk -v a="$m1" -v b="$m2" 'BEGIN { printf "%.2f", b - a }')" "$(awk -v a="$m1" -v b="$m2" -v r="$WRK_REQS" 'BEGIN { printf "%.0f", (b - a) * 1e6 / r }')" "$LOAD_BEFORE"
    awk -v t="$tool_rate" -v w="$WRK_RATE" 'BEGIN { printf "%-28s tool/wrk=%.3f (bar: >= 0.5)\n", "", t / w }'
    # The same with a new card every request, as the import's rows are.
    WRK_NEW=1 post_wrk "$(nproc)"
    printf '%-28s requests=%s req/s=%s non-2xx=%s load=%s; tool/wrk=%s\n' "wrk-new-cards-l0-c$CONC" "$WRK_REQS" "$WRK_RATE" "$WRK_NON2XX" "$LOAD_BEFORE" \
      "$(awk -v t="$tool_rate" -v w="$WRK_RATE" 'BEGIN { printf "%.3f", t / w }')"
  fi
  m2=$(mock_cpu)
  run_import "send-l0-c$CONC-$(short "$LOAD_ROWS")-csv" "$load_csv"
  m3=$(mock_cpu)
  echo "                             mipmock cpu=$(awk -v a="$m2" -v b="$m3" 'BEGIN { printf "%.2f", b - a }')s; tool/wrk=$([ "$have_wrk" = 1 ] && awk -v t="$RATE" -v w="$wrk_rate" 'BEGIN { printf "%.3f", t / w }' || echo n/a)"
  stop_mock
  # Above, mipimport and mipmock share both CPUs, so every microsecond
  # mipimport spends on a row is taken from the server, while wrk barely
  # competes. Pinned, each has a CPU of its own, as when МИП is another
  # machine: the ratio then compares what the two clients get out of the
  # same server. (Go sizes GOMAXPROCS to the CPUs a process may use.)
  if [ "$have_wrk" = 1 ] && [ "$(nproc)" -ge 2 ] && command -v taskset >/dev/null 2>&1; then
    echo "== zero latency, concurrency $CONC, pinned: mipmock on CPU 1; mipimport, then wrk, on CPU 0"
    start_mock 0s taskset -c 1
    export MIP_URL=$MOCK_URL
    PIN=(taskset -c 0)
    run_import "pinned-send-l0-c$CONC-$(short "$LOAD_ROWS")-xlsx" "$load_xlsx"
    PIN=()
    tool_rate=$RATE
    post_wrk 1 taskset -c 0
    printf '%-28s req/s=%s non-2xx=%s load=%s\n' "pinned-wrk-l0-c$CONC" "$WRK_RATE" "$WRK_NON2XX" "$LOAD_BEFORE"
    awk -v t="$tool_rate" -v w="$WRK_RATE" 'BEGIN { printf "%-28s tool/wrk=%.3f (bar: >= 0.5)\n", "", t / w }'
    stop_mock
  fi
fi

if phase state; then
  echo "== the state's cost: zero latency, concurrency $CONC, $load_xlsx without a state, with a new one, re-run on it"
  start_mock 0s
  export MIP_URL=$MOCK_URL
  for i in $(seq "$STATE_PAIRS"); do
    run_import "nostate-l0-c$CONC-$(short "$LOAD_ROWS")-xlsx" "$load_xlsx"
    off=$RATE
    rm -f "$work/state.db"*
    STATE_DB=$work/state.db run_import "state-l0-c$CONC-$(short "$LOAD_ROWS")-xlsx" "$load_xlsx"
    awk -v s="$RATE" -v o="$off" -v b="$(stat -c %s "$work/state.db")" \
      'BEGIN { printf "%-28s state/no-state=%.3f (bar: >= 0.90) state file=%.1f MB\n", "", s / o, b / 1e6 }'
    STATE_DB=$work/state.db run_import "rerun-l0-c$CONC-$(short "$LOAD_ROWS")-xlsx" "$load_xlsx"
    curl -s -X POST "$MOCK_URL/_mock/reset" >/dev/null
  done
  rm -f "$work/state.db"*
  stop_mock
fi

if phase bigsend; then
  echo "== zero latency, concurrency $CONC, $big_xlsx"
  start_mock 0s
  export MIP_URL=$MOCK_URL
  run_import "send-l0-c$CONC-$(short "$BIG_ROWS")-xlsx" "$big_xlsx"
  echo "                             mipmock: $(mock_stats)"
  curl -s -X POST "$MOCK_URL/_mock/reset" >/dev/null
  rm -f "$work/state.db"*
  STATE_DB=$work/state.db run_import "state-l0-c$CONC-$(short "$BIG_ROWS")-xlsx" "$big_xlsx"
  echo "                             state file=$(awk -v b="$(stat -c %s "$work/state.db")" 'BEGIN { printf "%.1f MB", b / 1e6 }')"
  rm -f "$work/state.db"*
  stop_mock
fi

if phase dry; then
  echo "== dry runs (read, map, validate, write the reports; nothing sent)"
  unset MIP_URL
  run_import "dry-$(short "$BIG_ROWS")-xlsx" "$big_xlsx" --dry-run
  dry_rate=$RATE
  dry_e2e=$(awk -v r="$ROWS" -v w="$WALL" 'BEGIN { printf "%.0f", r / w }')
  run_import "dry-$(short "$LOAD_ROWS")-xlsx" "$load_xlsx" --dry-run
fi

if phase bare; then
  for reader in excelize mipimport; do
    echo "== $reader's bare row iteration, $big_xlsx"
    flags=()
    [ "$reader" = mipimport ] && flags=(-mipimport)
    timed bin/xlsxiter "${flags[@]}" "$big_xlsx"
    bare_rate=$(sed -n 's/.*: \([0-9]*\) rows\/s$/\1/p' "$work/stdout")
    printf '%-28s %s wall=%ss peakRSS=%sMiB cpu=%ss load=%s\n' "bare-$reader-$(short "$BIG_ROWS")" "$(cat "$work/stdout")" "$WALL" "$RSS" "$CPU" "$LOAD_BEFORE"
    if [ -n "${dry_rate:-}" ]; then
      awk -v d="$dry_rate" -v e="$dry_e2e" -v b="$bare_rate" 'BEGIN { printf "%-28s dry-run/bare=%.3f (run rows/s), %.3f (end to end)\n", "", d / b, e / b }'
    fi
  done
fi
