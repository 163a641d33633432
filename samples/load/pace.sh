#!/usr/bin/env bash
# Adaptive concurrency against МИП's limits (issue 20): for each mipmock load
# profile, imports the same ROWS rows at each concurrency of CONCS and prints
# the rows uploaded per second and the requests refused; then, per profile,
# each setting that is not a number (auto) against the best fixed setting of
# the same run. Everything runs on loopback; everything started here is
# stopped on exit. Needs bin/mipimport and bin/mipmock (make build), curl and
# jq.
#
#   samples/load/pace.sh                              # every profile, CONCS below
#   CONCS="8 16 32" PROFILES=capacity samples/load/pace.sh
#
# Profiles (PROFILES picks some, in this order), all at LATENCY (20ms):
#   capacity  mipmock --capacity CAPACITY (12): 503 beyond, at once
#   room      mipmock --capacity ROOM (64): room for every setting up to 64
#   rate      mipmock --rate-limit RATE (500) [--rate-burst RATE_BURST]: 429
#             with Retry-After beyond (burst: a second's worth by default)
#   latency   mipmock --latency-knee KNEE (16) --latency-per-request
#             PER_REQUEST (1.25ms): KNEE workers, requests queue beyond
#
# Knobs (environment): ROWS (6000), CONCS ("4 8 16 32 64 auto"), REPEAT (1:
# rounds over CONCS, interleaved; each setting is then judged by the median
# of its rows/s, which a machine shared with other work disturbs least),
# LATENCY, the profile knobs above, MIPIMPORT and MAPPING (another build to
# compare with), MIPIMPORT_FLAGS (more flags for every import).
#
# Per run: rows/s is uploaded rows over the tool's own run time (rows that
# failed after every retry do not count); refused is the 503s and 429s
# mipmock answered, over every request it got; cpu is the CPU seconds of
# mipimport + mipmock, and rows/cpu-s the rows uploaded per CPU second of
# both (at zero latency the pace a machine of its own would reach); limit
# is, for auto, the limit at the end / the highest; load is the load
# average when the run ended. The goal of issue 20: on every profile auto
# reaches >= 0.85 of the best fixed setting with refused <= 5%.
set -euo pipefail
cd "$(dirname "$0")/../.."

ROWS=${ROWS:-6000}
CONCS=${CONCS:-4 8 16 32 64 auto}
PROFILES=${PROFILES:-capacity room rate latency}
REPEAT=${REPEAT:-1}
LATENCY=${LATENCY:-20ms}
CAPACITY=${CAPACITY:-12}
ROOM=${ROOM:-64}
RATE=${RATE:-500}
RATE_BURST=${RATE_BURST:-}
KNEE=${KNEE:-16}
PER_REQUEST=${PER_REQUEST:-1.25ms}
GO=${GO:-go}
MIPIMPORT=${MIPIMPORT:-bin/mipimport}
MAPPING=${MAPPING:-samples/mapping.yaml}
read -r -a EXTRA <<<"${MIPIMPORT_FLAGS:-}"

die() { echo "pace: $*" >&2; exit 1; }
[ -x "$MIPIMPORT" ] && [ -x bin/mipmock ] || die "$MIPIMPORT or bin/mipmock missing: run make build"
command -v jq >/dev/null && command -v curl >/dev/null || die "curl and jq needed (apt-get install -y curl jq)"

input=samples/big/patients-$ROWS.xlsx
if [ ! -s "$input" ]; then
  echo "pace: generating $input" >&2
  $GO run ./samples/gen -rows "$ROWS" -format xlsx >&2
fi

work=$(mktemp -d -p samples/big pace.XXXXXX)
mock_pid=
cleanup() {
  if [ -n "$mock_pid" ]; then kill "$mock_pid" 2>/dev/null || true; wait "$mock_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
export MIP_USER=pace MIP_PASSWORD=pace-pass

profile_flags() {
  case $1 in
  capacity) echo "--capacity $CAPACITY" ;;
  room) echo "--capacity $ROOM" ;;
  rate) echo "--rate-limit $RATE${RATE_BURST:+ --rate-burst $RATE_BURST}" ;;
  latency) echo "--latency-knee $KNEE --latency-per-request $PER_REQUEST" ;;
  *) die "unknown profile $1 (capacity, room, rate, latency)" ;;
  esac
}

start_mock() { # flags...
  rm -f "$work/addr"
  bin/mipmock --listen 127.0.0.1:0 --addr-file "$work/addr" --latency "$LATENCY" "$@" >"$work/mipmock.log" 2>&1 &
  mock_pid=$!
  for _ in $(seq 100); do
    [ -s "$work/addr" ] && break
    kill -0 "$mock_pid" 2>/dev/null || { cat "$work/mipmock.log" >&2; die "mipmock did not start"; }
    sleep 0.1
  done
  [ -s "$work/addr" ] || die "mipmock did not report its address"
  MIP_URL="http://$(cat "$work/addr")"
  export MIP_URL
}
stop_mock() {
  kill "$mock_pid" 2>/dev/null || true
  wait "$mock_pid" 2>/dev/null || true
  mock_pid=
}

# mock_ticks is the CPU time mipmock has used, in clock ticks.
mock_ticks() { awk '{ print $14 + $15 }' "/proc/$mock_pid/stat"; }
TICK=$(getconf CLK_TCK)

# run_one imports the file at one concurrency against a freshly reset
# mipmock; prints "rows/s uploaded failed requests refused duration cpu
# limit" or "unsupported" when this build refuses the setting.
run_one() { # conc
  curl -s -X POST "$MIP_URL/_mock/reset" >/dev/null
  local code=0 t0 TIMEFORMAT='%U %S'
  rm -f "$work/log"
  t0=$(mock_ticks)
  { time "$MIPIMPORT" import --mapping "$MAPPING" --no-state --no-progress --concurrency "$1" --log-format json \
    --report "$work/r.xlsx" --fix-file "$work/f.xlsx" --log-file "$work/log" "${EXTRA[@]}" "$input" \
    >"$work/stdout" 2>"$work/stderr" || code=$?; } 2>"$work/time"
  if [ "$code" -ge 2 ]; then
    if ! grep -q '"run finished"' "$work/log" 2>/dev/null; then
      echo unsupported
      return
    fi
  fi
  local fin stats cpu lim
  fin=$(grep '"run finished"' "$work/log" | tail -1)
  stats=$(curl -s "$MIP_URL/_mock/stats")
  cpu=$(awk -v m="$(( $(mock_ticks) - t0 ))" -v hz="$TICK" '{ print $1 + $2 + m / hz }' "$work/time")
  lim=$(grep '"adaptive concurrency at the end"' "$work/log" | tail -1 | jq -r '"\(.limit)/\(.maxLimit)"' || true)
  jq -rn --argjson f "$fin" --argjson s "$stats" --arg cpu "$cpu" --arg lim "${lim:--}" \
    '[($f.uploaded / $f.duration), $f.uploaded, ($f.failed + $f.error), $s.requests, ($s.refused503 + $s.refused429 + $s.injected5xx + $s.injected429), $f.duration, $cpu, $lim] | @tsv'
  rm -f "$work/r.xlsx" "$work/f.xlsx"
}

# median of its arguments (the mean of the middle two for an even count).
median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

echo "== machine: $(nproc) CPUs, $($GO env GOVERSION), $(date -u +%Y-%m-%dT%H:%M:%SZ), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "== $("$MIPIMPORT" --version), $ROWS rows ($input), CONCS=\"$CONCS\", REPEAT=$REPEAT"
for profile in $PROFILES; do
  read -r -a flags <<<"$(profile_flags "$profile")"
  start_mock "${flags[@]}"
  echo "== $profile: mipmock --latency $LATENCY ${flags[*]}"
  declare -A rate=() reqs=() refused=() failed=() runs=()
  for round in $(seq "$REPEAT"); do
    for c in $CONCS; do
      out=$(run_one "$c")
      if [ "$out" = unsupported ]; then
        printf '  %-6s not supported by %s: %s\n' "$c" "$MIPIMPORT" "$(tail -1 "$work/stderr")"
        continue
      fi
      read -r r up fl rq rf d cpu lim <<<"$out"
      printf '  %-6s rows/s=%-6.0f uploaded=%-5s failed=%-4s requests=%-6s refused=%-5s (%.1f%%) time=%.2fs cpu=%.2fs rows/cpu-s=%-5.0f limit=%-5s round=%s load=%s\n' \
        "$c" "$r" "$up" "$fl" "$rq" "$rf" "$(awk -v a="$rf" -v b="$rq" 'BEGIN { print b ? 100 * a / b : 0 }')" "$d" "$cpu" \
        "$(awk -v a="$up" -v b="$cpu" 'BEGIN { print b ? a / b : 0 }')" "$lim" "$round" "$(cut -d' ' -f1 /proc/loadavg)"
      rate[$c]="${rate[$c]:-} $r"
      reqs[$c]=$(( ${reqs[$c]:-0} + rq ))
      refused[$c]=$(( ${refused[$c]:-0} + rf ))
      failed[$c]=$(( ${failed[$c]:-0} + fl ))
      runs[$c]=$(( ${runs[$c]:-0} + 1 ))
    done
  done
  best=0 bestc=
  for c in "${!runs[@]}"; do
    [[ $c =~ ^[0-9]+$ ]] || continue
    med=$(median ${rate[$c]})
    if awk -v m="$med" -v b="$best" 'BEGIN { exit !(m > b) }'; then best=$med bestc=$c; fi
  done
  [ -n "$bestc" ] && printf '  best fixed: %s at %.0f rows/s (median of %d)\n' "$bestc" "$best" "${runs[$bestc]}"
  for c in $CONCS; do
    [[ $c =~ ^[0-9]+$ ]] && continue
    [ -n "${runs[$c]:-}" ] && [ -n "$bestc" ] || continue
    awk -v a="$(median ${rate[$c]})" -v b="$best" -v rf="${refused[$c]}" -v rq="${reqs[$c]}" -v c="$c" -v p="$profile" \
      'BEGIN { r = a / b; s = 100 * rf / rq; printf "  %s/best=%.3f refused=%.1f%% on %s (goal: >= 0.85 and <= 5%%): %s\n", c, r, s, p, (r >= 0.85 && s <= 5) ? "met" : "NOT met" }'
  done
  unset rate reqs refused failed runs
  stop_mock
done
