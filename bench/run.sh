#!/usr/bin/env bash
# The benchmark harness, a guard rather than a race: roadmap-api against nginx serving the
# very same bytes as a static file, and against the binary built from a baseline commit (the
# previous release), side by side on loopback, in alternating rounds within one invocation.
# Every server logs every request (nginx to a buffered access_log). It prints req/s, p50 and
# p99, the median of the rounds' ratios and their spread, a walk over thousands of distinct
# roadmaps where every request is a cache miss, the resident memory after many distinct
# valid URLs, and the cold start. docs/PERFORMANCE.md says what it shows and the targets.
#
#   bench/run.sh            full run: release builds of this tree and of the baseline
#   bench/run.sh --smoke    a few seconds on the debug build, the baseline being the same
#                           binary (CI keeps the harness working; it does not judge timings)
#
# Settings: BENCH_BASELINE (a commit or tag; default: the newest tag v*), BENCH_DURATION
# (10s), BENCH_CONNECTIONS (32), BENCH_ROUNDS (5), BENCH_WALK (2000 roadmaps), BENCH_URLS
# (100000 distinct URLs for the memory reading), BENCH_WORKERS (1: the servers' --workers and
# nginx's worker_processes). wrk runs one thread, so with one worker the server and the load
# generator each have one of the two cores.
set -euo pipefail
cd "$(dirname "$0")/.."

smoke=false
[ "${1:-}" = "--smoke" ] && smoke=true
duration=${BENCH_DURATION:-10s}
connections=${BENCH_CONNECTIONS:-32}
rounds=${BENCH_ROUNDS:-5}
walk=${BENCH_WALK:-2000}
urls=${BENCH_URLS:-100000}
workers=${BENCH_WORKERS:-1}
if $smoke; then duration=1s rounds=1 walk=50 urls=500; fi
if ! [[ $workers =~ ^[1-9][0-9]*$ ]]; then
  echo "BENCH_WORKERS must be a whole number of workers, 1 or more" >&2
  exit 1
fi
api_port=18281 nginx_port=18282 base_port=18283 walk_port=18284

# A server left over from an interrupted run would answer in place of the new one.
for port in "$api_port" "$nginx_port" "$base_port" "$walk_port"; do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    echo "port $port is in use, perhaps by a server from an earlier run; stop it first" >&2
    exit 1
  fi
done
if ! command -v wrk >/dev/null || ! command -v nginx >/dev/null || ! command -v curl >/dev/null; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends wrk nginx curl >/dev/null
fi

mkdir -p bench/out
if $smoke; then
  [ -x target/debug/roadmap-api ] || cargo build --locked --bin roadmap-api
  bin=target/debug/roadmap-api base_bin=$bin baseline="this build (smoke)"
else
  baseline=${BENCH_BASELINE:-$(git tag --list 'v*' --sort=-creatordate | head -n 1)}
  if [ -z "$baseline" ]; then
    echo "no release tag v* here: name the baseline, e.g. BENCH_BASELINE=<commit> bench/run.sh" >&2
    exit 1
  fi
  base_commit=$(git rev-parse --short "$baseline^{commit}")
  base_bin=bench/out/roadmap-api-$base_commit
  if [ ! -x "$base_bin" ]; then
    # Built in a worktree and a target folder of its own: sharing target/ would let the two
    # builds' build-script outputs (the bundled content) stand in for each other.
    src=bench/out/baseline-src
    git worktree remove --force "$src" 2>/dev/null || rm -rf "$src"
    git worktree add --detach "$src" "$base_commit" >/dev/null
    CARGO_TARGET_DIR="$PWD/bench/out/target" cargo build --release --locked --bin roadmap-api \
      --manifest-path "$src/Cargo.toml"
    cp bench/out/target/release/roadmap-api "$base_bin"
    git worktree remove --force "$src"
  fi
  cargo build --release --locked --bin roadmap-api
  bin=target/release/roadmap-api baseline="$baseline ($base_commit)"
fi

work=$(mktemp -d)
pids=()
cleanup() {
  for pid in ${pids[@]+"${pids[@]}"}; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

wait_for() { # URL: poll until it answers 200 (60 s at most)
  local deadline=$((SECONDS + 60))
  until curl -fso /dev/null "$1"; do
    ((SECONDS < deadline)) || { echo "$1 did not come up" >&2; exit 1; }
    sleep 0.02
  done
}
serve() { # BINARY DATABASE PORT: starts a server logging JSON lines to a file; prints its PID
  # Its metrics on a free port: several servers run at once (by variable, which a baseline
  # from before the metrics listener ignores).
  ROADMAP_API_METRICS_BIND=127.0.0.1:0 "$1" --database "$2" --bind "127.0.0.1:$3" --log-format json --workers "$workers" \
    >/dev/null 2>>"$work/server-$3.log" &
  echo $!
}
# Servers started by `serve` are not this shell's children (it runs in a subshell), so they
# are polled until they are gone, and killed outright after 10 s.
stop() { # PID...
  kill "$@" 2>/dev/null || true
  for pid in "$@"; do
    for _ in $(seq 200); do
      kill -0 "$pid" 2>/dev/null || continue 2
      sleep 0.05
    done
    echo "process $pid did not stop within 10 s of SIGTERM; killing it" >&2
    kill -KILL "$pid" 2>/dev/null || true
  done
}
median() { # the middle of the numbers on standard input (of an even count, the mean of two)
  sort -g | awk '{ v[NR] = $1 } END { if (NR) print (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2) }'
}
spread() { # the median of the numbers on standard input, with the lowest and the highest
  sort -g | awk '{ v[NR] = $1 } END { if (!NR) { print "-"; exit }
    m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
    printf "%.2fx (%.2fx to %.2fx)", m, v[1], v[NR] }'
}
ms() { # wrk's latency (e.g. 512.00us, 1.20ms, 1.01s) in milliseconds
  awk -v t="$1" 'BEGIN { u = t; sub(/[0-9.]+/, "", u); n = t + 0
    printf "%.2f", (u == "us" ? n / 1000 : u == "s" ? n * 1000 : n) }'
}

# Cold start to /readyz on a new database: created, migrated and filled with the content.
cold=()
for i in 1 2 3; do
  started=$(date +%s%N)
  pid=$(serve "$bin" "$work/cold-$i.db" "$api_port"); pids+=("$pid")
  wait_for "http://127.0.0.1:$api_port/readyz"
  cold+=($(( ($(date +%s%N) - started) / 1000000 )))
  stop "$pid"
done

slug=healthcare-ai-ml-engineer
api_pid=$(serve "$bin" "$work/api.db" "$api_port"); pids+=("$api_pid")
base_pid=$(serve "$base_bin" "$work/base.db" "$base_port"); pids+=("$base_pid")
api="http://127.0.0.1:$api_port" base="http://127.0.0.1:$base_port"
wait_for "$api/readyz"; wait_for "$base/readyz"

# nginx serves the API's own bytes of the roadmap, and their gzip, as static files, and logs
# each request through a buffer, as a production nginx would.
mkdir -p "$work/static" "$work/nginx"
curl -fso "$work/static/roadmap.json" "$api/v1/roadmaps/$slug"
etag=$(curl -fsI "$api/v1/roadmaps/$slug" | awk 'tolower($1) == "etag:" { print $2 }' | tr -d '\r')
gzip -k -9 "$work/static/roadmap.json"
# nginx's workers drop root for an unprivileged user, who must be able to read the files.
chmod a+rx "$work" "$work/static" && chmod a+r "$work/static"/*
cat >"$work/nginx/nginx.conf" <<CONF
worker_processes $workers;
daemon off;
pid $work/nginx/nginx.pid;
error_log $work/nginx/error.log;
events { worker_connections 1024; }
http {
  access_log $work/nginx/access.log combined buffer=64k flush=1s;
  sendfile on;
  tcp_nopush on;
  keepalive_requests 1000000;
  gzip_static on;
  types { application/json json; }
  client_body_temp_path $work/nginx;
  proxy_temp_path $work/nginx;
  fastcgi_temp_path $work/nginx;
  uwsgi_temp_path $work/nginx;
  scgi_temp_path $work/nginx;
  server { listen 127.0.0.1:$nginx_port; root $work/static; }
}
CONF
nginx -c "$work/nginx/nginx.conf" -p "$work/nginx" &
pids+=("$!")
wait_for "http://127.0.0.1:$nginx_port/roadmap.json"

# name|url|header
targets=(
  "api roadmap|$api/v1/roadmaps/$slug|"
  "nginx roadmap|http://127.0.0.1:$nginx_port/roadmap.json|"
  "baseline roadmap|$base/v1/roadmaps/$slug|"
  "api roadmap gzip|$api/v1/roadmaps/$slug|Accept-Encoding: gzip"
  "nginx roadmap gzip|http://127.0.0.1:$nginx_port/roadmap.json|Accept-Encoding: gzip"
  "api catalogue|$api/v1/roadmaps|"
  "api high signal|$api/v1/certifications?tier=high_signal|"
  "api search|$api/v1/search?q=clinical|"
  "api 304|$api/v1/roadmaps/$slug|If-None-Match: $etag"
)
declare -A rps p50 p99
# p50 and p99 are read by name, through the nameref in `column`.
# shellcheck disable=SC2034
for round in $(seq 1 "$rounds"); do
  for target in "${targets[@]}"; do
    IFS='|' read -r name url hdr <<<"$target"
    args=(-t1 "-c$connections" "-d$duration" --latency)
    [ -n "$hdr" ] && args+=(-H "$hdr")
    report=$(wrk "${args[@]}" "$url")
    rps[$name,$round]=$(awk '/^Requests\/sec/ { print $2 }' <<<"$report")
    p50[$name,$round]=$(ms "$(awk '$1 == "50%" { print $2 }' <<<"$report")")
    p99[$name,$round]=$(ms "$(awk '$1 == "99%" { print $2 }' <<<"$report")")
  done
done
column() { # ARRAY NAME: the rounds' values of one target, a line each
  local -n values=$1
  for round in $(seq 1 "$rounds"); do echo "${values[$2,$round]}"; done
}
ratios() { # NAME REFERENCE: each round's ratio, the two measured within a minute of each other
  for round in $(seq 1 "$rounds"); do
    awk -v a="${rps[$1,$round]}" -v b="${rps[$2,$round]}" 'BEGIN { if (b > 0) print a / b }'
  done
}

printf '\n%-20s %10s %9s %9s %9s\n' "target" "req/s" "p50 ms" "p99 ms" "worst p99"
for target in "${targets[@]}"; do
  IFS='|' read -r name _ _ <<<"$target"
  printf '%-20s %10.0f %9s %9s %9s\n' "$name" "$(column rps "$name" | median)" \
    "$(column p50 "$name" | median)" "$(column p99 "$name" | median)" \
    "$(column p99 "$name" | sort -g | tail -n 1)"
done
printf '(medians of %s alternating rounds of %s at %s connections)\n' "$rounds" "$duration" "$connections"
printf '\nratios, median of the rounds (lowest to highest round)\n'
printf '  api / nginx, roadmap:          %s   target >= 0.70x\n' "$(ratios "api roadmap" "nginx roadmap" | spread)"
printf '  api / nginx, roadmap gzip:     %s\n' "$(ratios "api roadmap gzip" "nginx roadmap gzip" | spread)"
printf '  api / baseline, roadmap:       %s   target >= 0.80x\n' "$(ratios "api roadmap" "baseline roadmap" | spread)"

# Every request a miss: a catalogue of synthetic roadmaps walked once, slug by slug, on fresh
# servers of both builds (each importing the catalogue itself), in alternating rounds.
python3 bench/synthetic.py "content/roadmaps/$slug.json" "$walk" "$work/walk.json"
"$bin" --database "$work/walk-api.db" --log-format json import "$work/walk.json" 2>/dev/null
"$base_bin" --database "$work/walk-base.db" --log-format json import "$work/walk.json" 2>/dev/null
walk_urls() { # BASE_URL: a curl config fetching every synthetic roadmap once
  for ((i = 0; i < walk; i++)); do
    printf 'url = "%s/v1/roadmaps/synthetic-scale-%05d"\noutput = "/dev/null"\n' "$1" "$i"
  done
}
walk_api=() walk_base=()
for round in $(seq 1 "$rounds"); do
  for side in api base; do
    b=$bin port=$walk_port
    [ "$side" = api ] || b=$base_bin
    # The database with its write-ahead log, which holds what the import wrote.
    for suffix in "" -wal -shm; do
      [ ! -e "$work/walk-$side.db$suffix" ] || cp "$work/walk-$side.db$suffix" "$work/walking.db$suffix"
    done
    pid=$(serve "$b" "$work/walking.db" "$port"); pids+=("$pid")
    wait_for "http://127.0.0.1:$port/readyz"
    walk_urls "http://127.0.0.1:$port" >"$work/walk.curl"
    started=$(date +%s%N)
    curl -fsS --no-progress-meter --parallel --parallel-max 4 -K "$work/walk.curl"
    rate=$(awk -v n="$walk" -v ns="$(( $(date +%s%N) - started ))" 'BEGIN { printf "%.0f", n / (ns / 1e9) }')
    if [ "$side" = api ]; then walk_api+=("$rate"); else walk_base+=("$rate"); fi
    stop "$pid"
    rm -f "$work"/walking.db*
  done
done
printf '\nwalking %s distinct roadmaps (every request a miss), roadmaps a second, median of %s rounds:\n' "$walk" "$rounds"
printf '  api %s, baseline %s: %s   target >= 3x\n' \
  "$(printf '%s\n' "${walk_api[@]}" | median)" "$(printf '%s\n' "${walk_base[@]}" | median)" \
  "$(for ((i = 0; i < rounds; i++)); do awk -v a="${walk_api[$i]}" -v b="${walk_base[$i]}" 'BEGIN { print a / b }'; done | spread)"

# Memory: distinct valid URLs (a filter with every price from 0 up), each a new cache entry.
for ((i = 0; i < urls; i++)); do
  printf 'url = "%s/v1/certifications?max_cost_usd=%d"\noutput = "/dev/null"\n' "$api" "$i"
done >"$work/urls.curl"
curl -fsS --no-progress-meter --parallel --parallel-max 4 -K "$work/urls.curl"
rss_kb=$(awk '/VmRSS/ { print $2 }' "/proc/$api_pid/status")
printf '\nresident memory after %s distinct valid URLs: %s MB   target <= 120 MB\n' "$urls" "$((rss_kb / 1024))"
printf 'cold start to /readyz on a new database, median of 3: %s ms\n' "$(printf '%s\n' "${cold[@]}" | median)"
stop "$api_pid" "$base_pid"
printf 'settings: %s, baseline %s, %s cores, workers (each server and nginx): %s\n' \
  "$bin" "$baseline" "$(nproc)" "$workers"
