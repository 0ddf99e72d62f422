#!/usr/bin/env bash
# The benchmark harness: roadmap-api against nginx serving the very same bytes as a static
# file (identity and gzip), and Datasette over the same SQLite file as a peer, all on
# loopback, in alternating rounds within one invocation. It prints req/s, p50 and p99 latency
# and the ratios, and the cold start and memory of the server. The server logs every request,
# as it does by default; a second instance with its access log off, as nginx runs here, gives
# the like-for-like roadmap reading. The actix-web floor (bench/floor.rs, bare actix-web
# answering with the API's bytes and headers) shows what the framework alone reaches here, and
# so what the API's own work per request costs.
#
#   bench/run.sh            full run: release build, 10 s per run, 2 rounds, Datasette
#   bench/run.sh --smoke    a few seconds on the debug build (CI keeps the harness working;
#                           it does not gate on timings)
#
# Settings: BENCH_DURATION (10s), BENCH_CONNECTIONS (32), BENCH_ROUNDS (2), BENCH_WORKERS
# (1: the server's --workers and nginx's worker_processes, the same for both), BENCH_SOAK
# (90s, the memory run), BENCH_SIZES ("10 1000 10000"), BENCH_SCALE_DURATION (5s) and
# BENCH_PAGE_LIMIT (10) for the scale table.
# wrk runs one thread, so with the default of one worker the server and the load generator
# each have one of the two cores.
set -euo pipefail
cd "$(dirname "$0")/.."

smoke=false
[ "${1:-}" = "--smoke" ] && smoke=true
duration=${BENCH_DURATION:-10s}
connections=${BENCH_CONNECTIONS:-32}
rounds=${BENCH_ROUNDS:-2}
if $smoke; then duration=1s; rounds=1; fi

# The server and nginx run the same number of workers. wrk's thread keeps one of the two
# cores busy, so the default is one worker each, on the core that is left, as the project
# README advises (--workers set to the cores the server actually gets). BENCH_WORKERS=2 gives
# both a worker per core, the server's own default, and shows what the sharing costs each.
bench_workers=${BENCH_WORKERS:-1}
if ! [[ $bench_workers =~ ^[1-9][0-9]*$ ]]; then
  echo "BENCH_WORKERS must be a whole number of workers, 1 or more" >&2
  exit 1
fi
workers=(--workers "$bench_workers")

api_port=18281
nginx_port=18282
datasette_port=18283
quiet_port=18284
floor_port=18285
sizes=${BENCH_SIZES:-10 1000 10000}
$smoke && sizes=10
declare -A scale_port # each catalogue size's server: 18290 and up
port=18290
for size in $sizes; do scale_port[$size]=$port; port=$((port + 1)); done

# A server left over from an interrupted run would answer in place of the new one, and the
# run would measure the old build. Stop before installing or building anything.
ports=("$api_port" "$nginx_port" "$quiet_port" "$floor_port")
$smoke || ports+=("$datasette_port")
for port in "${ports[@]}" "${scale_port[@]}"; do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    echo "port $port is in use, perhaps by a server from an earlier run; stop it first" >&2
    exit 1
  fi
done

if ! command -v wrk >/dev/null 2>&1 || ! command -v nginx >/dev/null 2>&1; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends wrk nginx >/dev/null
fi
if $smoke; then
  bin=target/debug/roadmap-api floor=target/debug/examples/floor
  [ -x "$bin" ] && [ -x "$floor" ] || cargo build --locked --bins --example floor
else
  cargo build --release --locked --bins --example floor
  bin=target/release/roadmap-api floor=target/release/examples/floor
fi

work=$(mktemp -d)
pids=()
# Stops every server the run started, then removes its work folder: a full run's access logs
# alone come to gigabytes, and a few runs' worth once filled this machine's disk.
cleanup() {
  stop ${pids[@]+"${pids[@]}"}
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

# stop PID...: stops servers this run started and waits until they are gone. They leave the
# list, so the cleanup never signals a PID the system has since given to another process.
# The cold-start servers are not this shell's children, so they are polled rather than
# waited for, until they exit or are left a zombie (where nothing reaps orphans, as in a
# container without an init). A server still running after 10 s is killed outright: a
# `wait` on one that ignores SIGTERM would hang the run forever.
stop() {
  kill "$@" 2>/dev/null || true
  local pid state kept=()
  for pid in "$@"; do
    for _ in $(seq 200); do
      state=$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null) || state=""
      [ -z "$state" ] || [ "$state" = Z ] && break
      sleep 0.05
    done
    if [ -n "$state" ] && [ "$state" != Z ]; then
      echo "process $pid did not stop within 10 s of SIGTERM; killing it" >&2
      kill -KILL "$pid" 2>/dev/null || true
    fi
    wait "$pid" 2>/dev/null || true
  done
  for pid in ${pids[@]+"${pids[@]}"}; do [[ " $* " == *" $pid "* ]] || kept+=("$pid"); done
  pids=(${kept[@]+"${kept[@]}"})
}

wait_for() { # URL: poll until it answers 200 (60 s at most)
  python3 - "$1" <<'PY'
import sys, time, urllib.request
deadline = time.time() + 60
while True:
    try:
        if urllib.request.urlopen(sys.argv[1], timeout=2).status == 200:
            break
    except OSError:
        pass
    if time.time() > deadline:
        sys.exit(f"{sys.argv[1]} did not come up")
    time.sleep(0.01)
PY
}

millis() { date +%s%3N; }

beats() { # REQS BEST: REQS is more requests a second than BEST, or there is no BEST yet
  [ -z "$2" ] || awk -v x="$1" -v y="$2" 'BEGIN { exit !(x > y) }'
}

# Cold start to /readyz: a new database (created, migrated, filled), then an existing one.
# One Python process starts the server and polls it, so the interpreter's own start-up (about
# 40 ms) is not counted; the clock runs from spawning the server to its first 200. It sleeps
# a millisecond between attempts: a tight loop would take a core from the start it times on
# a two-core machine.
cold_start() { # DATABASE: prints milliseconds from spawn to /readyz 200, and the server's PID
  python3 - "$bin" "$1" "$api_port" "$work/api.log" "${workers[@]}" <<'PY'
import subprocess, sys, time, urllib.request
binary, database, port, log, *extra = sys.argv[1:]
started = time.monotonic()
server = subprocess.Popen(
    [binary, "--database", database, "--bind", f"127.0.0.1:{port}", "--log-format", "json",
     *extra],
    stderr=open(log, "a"), start_new_session=True)
while True:
    try:
        if urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=2).status == 200:
            break
    except OSError:
        if time.monotonic() - started > 60:
            sys.exit("the server did not come up")
        time.sleep(0.001)
print(round((time.monotonic() - started) * 1000), server.pid)
PY
}
# Five starts of each kind, and the median and the slowest are printed: a single start can
# land on a disk flush or a busy neighbour (one run here took 245 ms for a start that usually
# took 30 to 45 ms at the time). The last database made is the run's, and the last server
# started serves the run.
cold_samples=5
$smoke && cold_samples=1
cold_new=() cold_existing=()
for ((i = 1; i <= cold_samples; i++)); do
  db="$work/new-$i.db"
  ((i == cold_samples)) && db="$work/roadmap.db"
  read -r ms api_pid < <(cold_start "$db"); pids+=("$api_pid")
  stop "$api_pid"
  cold_new+=("$ms")
done
for ((i = 1; i <= cold_samples; i++)); do
  read -r ms api_pid < <(cold_start "$work/roadmap.db"); pids+=("$api_pid")
  ((i == cold_samples)) || stop "$api_pid"
  cold_existing+=("$ms")
done
# The middle of the numbers on standard input (of an even count, the mean of the middle two);
# nothing for none.
median() {
  sort -g | awk '{ v[NR] = $1 }
    END { if (NR) print (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2) }'
}
# SAMPLE...: their median and the slowest, in milliseconds
spread() {
  printf '%s ms (slowest %s ms)' "$(printf '%s\n' "$@" | median)" \
    "$(printf '%s\n' "$@" | sort -n | tail -n 1)"
}

api="http://127.0.0.1:$api_port"
slug=healthcare-ai-ml-engineer

# nginx serves the API's own bytes of the roadmap, and their gzip, as static files; the floor
# serves the same bytes with the API's headers.
mkdir -p "$work/static" "$work/nginx"
python3 - "$api/v1/roadmaps/$slug" "$work/static/roadmap.json" "$work/roadmap.headers" <<'PY'
import sys, urllib.request
response = urllib.request.urlopen(sys.argv[1])
open(sys.argv[2], "wb").write(response.read())
open(sys.argv[3], "w").write("".join(f"{k}: {v}\n" for k, v in response.headers.items()))
PY
gzip -k -9 "$work/static/roadmap.json"
# nginx's workers drop root for an unprivileged user, who must be able to read the files.
chmod a+rx "$work" "$work/static" && chmod a+r "$work/static"/*
cat > "$work/nginx/nginx.conf" <<CONF
worker_processes $bench_workers;
daemon off;
pid $work/nginx/nginx.pid;
error_log $work/nginx/error.log;
events { worker_connections 1024; }
http {
  access_log off;
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
  server {
    listen 127.0.0.1:$nginx_port;
    root $work/static;
  }
}
CONF
nginx -c "$work/nginx/nginx.conf" -p "$work/nginx" &
pids+=("$!")
wait_for "http://127.0.0.1:$nginx_port/roadmap.json"

# The same server with its access log off, as nginx runs here: the like-for-like reading.
# The default keeps the log on, and the ratios against the targets are the logging server's.
RUST_LOG=warn "$bin" --database "$work/roadmap.db" --bind "127.0.0.1:$quiet_port" \
  --log-format json "${workers[@]}" 2>>"$work/api.log" &
quiet_pid=$!
pids+=("$quiet_pid")
wait_for "http://127.0.0.1:$quiet_port/readyz"

"$floor" "127.0.0.1:$floor_port" "$work/static/roadmap.json" "$work/roadmap.headers" \
  "$bench_workers" &
floor_pid=$!
pids+=("$floor_pid")
wait_for "http://127.0.0.1:$floor_port/v1/roadmaps/$slug"

# The 304 target revalidates the ETag the roadmap was fetched with above.
etag=$(awk 'tolower($0) ~ /^etag:/ { sub(/^[^:]*:[ \t]*/, ""); print }' "$work/roadmap.headers")

peer=""
if ! $smoke; then
  # Datasette over a copy of the same database: the nearest equivalent of the roadmap is
  # its row of the roadmaps table as JSON.
  python3 -m venv "$work/venv" && "$work/venv/bin/pip" install -q datasette
  cp "$work/roadmap.db" "$work/datasette.db"
  "$work/venv/bin/datasette" serve "$work/datasette.db" -p "$datasette_port" -h 127.0.0.1 >/dev/null 2>&1 &
  pids+=("$!")
  wait_for "http://127.0.0.1:$datasette_port/datasette.json"
  peer="http://127.0.0.1:$datasette_port/datasette/roadmaps.json?slug=$slug&_shape=array"
fi

# name|url|header
targets=(
  "api roadmap|$api/v1/roadmaps/$slug|"
  "nginx roadmap|http://127.0.0.1:$nginx_port/roadmap.json|"
  "api roadmap, no log|http://127.0.0.1:$quiet_port/v1/roadmaps/$slug|"
  "actix floor roadmap|http://127.0.0.1:$floor_port/v1/roadmaps/$slug|"
  "api roadmap gzip|$api/v1/roadmaps/$slug|Accept-Encoding: gzip"
  "nginx roadmap gzip|http://127.0.0.1:$nginx_port/roadmap.json|Accept-Encoding: gzip"
  "api catalogue|$api/v1/roadmaps|"
  "api high signal|$api/v1/certifications?tier=high_signal|"
  "api search|$api/v1/search?q=clinical|"
  "api 304|$api/v1/roadmaps/$slug|If-None-Match: $etag"
)
[ -n "$peer" ] && targets+=("datasette roadmap row|$peer|")

declare -A rps p50 p99 round_rps
for round in $(seq 1 "$rounds"); do
  for target in "${targets[@]}"; do
    IFS='|' read -r name url hdr <<<"$target"
    args=(-t1 "-c$connections" "-d$duration" --latency)
    [ -n "$hdr" ] && args+=(-H "$hdr")
    report=$(wrk "${args[@]}" "$url")
    r=$(awk '/^Requests\/sec/ {print $2}' <<<"$report")
    a=$(awk '$1 == "50%" {print $2}' <<<"$report")
    b=$(awk '$1 == "99%" {print $2}' <<<"$report")
    round_rps[$name,$round]=$r
    # Keep each target's best round: the fairest reading on a shared machine.
    if beats "$r" "${rps[$name]:-}"; then
      rps[$name]=$r; p50[$name]=$a; p99[$name]=$b
    fi
  done
done

rss_kb=$(awk '/VmRSS/ {print $2}' "/proc/$api_pid/status")
ratio() { awk -v a="${rps[$1]:-0}" -v b="${rps[$2]:-0}" 'BEGIN { if (b > 0) printf "%.2fx", a / b; else print "-" }'; }

printf '\n%-24s %12s %10s %10s  %s\n' "target" "req/s" "p50" "p99" "ratio"
for target in "${targets[@]}"; do
  IFS='|' read -r name _ _ <<<"$target"
  case "$name" in
    "api roadmap") r=$(ratio "api roadmap" "nginx roadmap")" of nginx" ;;
    "api roadmap, no log") r=$(ratio "api roadmap, no log" "nginx roadmap")" of nginx, neither logging" ;;
    "actix floor roadmap") r=$(ratio "actix floor roadmap" "nginx roadmap")" of nginx, the framework alone" ;;
    "api roadmap gzip") r=$(ratio "api roadmap gzip" "nginx roadmap gzip")" of nginx gzip" ;;
    "api catalogue") r=$(ratio "api catalogue" "nginx roadmap")" of nginx" ;;
    "datasette roadmap row") r="api roadmap is $(ratio "api roadmap" "datasette roadmap row") of it" ;;
    *) r="" ;;
  esac
  printf '%-24s %12s %10s %10s  %s\n' "$name" "${rps[$name]}" "${p50[$name]}" "${p99[$name]}" "$r"
done
# The best rounds above may come from different minutes, and this machine's speed drifts by
# more than the margins judged. Within a round the two sides ran within a minute, so the
# slower drifts fall on both alike; the spread of the rounds shows what the noise allows.
round_ratios() { # NAME REFERENCE: the median of the rounds' ratios, then each round's in order
  local round ratios middle
  ratios=$(for round in $(seq 1 "$rounds"); do
    # A round where either side gave no reading is shown as "-" and left out of the median.
    awk -v a="${round_rps[$1,$round]:-0}" -v b="${round_rps[$2,$round]:-0}" \
      'BEGIN { if (a > 0 && b > 0) printf "%.17g\n", a / b; else print "-" }'
  done)
  middle=$(awk '$1 != "-"' <<<"$ratios" | median)
  if [ -z "$middle" ]; then echo "-"; return; fi
  awk -v middle="$middle" 'BEGIN { printf "%.2fx, by round:", middle }
    { printf ($1 == "-" ? " -" : " %.2fx"), $1 }
    END { printf "\n" }' <<<"$ratios"
}
printf '\nratio in each round (the two measured in the same round): the median, then round by round\n'
for pair in "api roadmap|nginx roadmap" "api roadmap, no log|nginx roadmap" \
  "api roadmap gzip|nginx roadmap gzip" "api catalogue|nginx roadmap" \
  "actix floor roadmap|nginx roadmap" "api roadmap|actix floor roadmap" \
  "api roadmap, no log|actix floor roadmap"; do
  IFS='|' read -r name reference <<<"$pair"
  printf '%-42s %s\n' "$name / $reference" "$(round_ratios "$name" "$reference")"
done

printf '\ncold start to /readyz, median of %s: %s with a new database, %s with an existing one\n' \
  "$cold_samples" "$(spread "${cold_new[@]}")" "$(spread "${cold_existing[@]}")"
printf 'server resident memory after the runs: %s MB\n' "$(( rss_kb / 1024 ))"

if ! $smoke; then
  # Memory after a million requests: a long run on the roadmap, then the server's RSS.
  soak=$(wrk -t1 "-c$connections" -d"${BENCH_SOAK:-90s}" "$api/v1/roadmaps/$slug")
  served=$(awk '/requests in/ {print $1}' <<<"$soak")
  rss_kb=$(awk '/VmRSS/ {print $2}' "/proc/$api_pid/status")
  printf 'after %s more requests: %s MB resident\n' "$served" "$(( rss_kb / 1024 ))"
fi
stop "$api_pid" "$quiet_pid" "$floor_pid"

# Scale: synthetic catalogues (fixtures) of growing size, each imported into a new database.
scale_duration=${BENCH_SCALE_DURATION:-5s}
$smoke && scale_duration=1s
# Pages of the same size at every catalogue size (the first and the last keyset page, 10 a
# page: the database also holds the bundled roadmap, so with the default sizes the last page
# holds one), so that the table shows what the catalogue's size costs, not what a bigger
# page costs.
page_limit=${BENCH_PAGE_LIMIT:-10}
# Every size is served at once, each by its own server, and measured in alternating rounds
# like the targets above (best round kept): a quiet or busy spell on this shared machine then
# falls on all sizes alike instead of on whichever size was being measured.
declare -A imported scale_url scale_rps
for size in $sizes; do
  db="$work/scale-$size.db"
  python3 bench/synthetic.py "content/roadmaps/$slug.json" "$size" "$work/scale-$size.json"
  t0=$(millis)
  "$bin" --database "$db" --log-format json import "$work/scale-$size.json" 2>/dev/null
  imported[$size]=$(( $(millis) - t0 ))
  address="127.0.0.1:${scale_port[$size]}"
  server="http://$address"
  "$bin" --database "$db" --bind "$address" --log-format json "${workers[@]}" 2>>"$work/api.log" &
  pids+=("$!")
  wait_for "$server/readyz"
  last=$(python3 - "$server" "$page_limit" <<'PY'
import json, sys, urllib.request
api, limit = sys.argv[1], sys.argv[2]
url, last = f"/v1/roadmaps?limit={limit}&sort=title", None
while url:
    last = url
    page = json.load(urllib.request.urlopen(api + url))
    url = f"/v1/roadmaps?limit={limit}&sort=title&cursor={page['next_cursor']}" if page["next_cursor"] else None
print(last)
PY
)
  scale_url[$size,first]="$server/v1/roadmaps?limit=$page_limit&sort=title"
  scale_url[$size,last]="$server$last"
  scale_url[$size,search]="$server/v1/search?q=clinical"
  scale_url[$size,detail]="$server/v1/roadmaps/$(printf 'synthetic-scale-%05d' $(( size / 2 )))"
done
columns="first last search detail"
for _ in $(seq 1 "$rounds"); do
  for size in $sizes; do
    for column in $columns; do
      r=$(wrk -t1 "-c$connections" "-d$scale_duration" "${scale_url[$size,$column]}" | awk '/^Requests\/sec/ {print $2}')
      if beats "$r" "${scale_rps[$size,$column]:-}"; then scale_rps[$size,$column]=$r; fi
    done
  done
done
printf '\n%-8s %11s %14s %14s %14s %14s\n' "roadmaps" "import" "first page" "last page" "search" "detail"
for size in $sizes; do
  printf '%-8s %8s ms' "$size" "${imported[$size]}"
  for column in $columns; do printf ' %14s' "${scale_rps[$size,$column]}"; done
  printf '\n'
done
printf '(req/s, best of %s round(s) of %s, pages of %s; import: wall time of roadmap-api import)\n' \
  "$rounds" "$scale_duration" "$page_limit"
printf 'settings: %s per run, %s connections, %s round(s), %s, %s, workers (server and nginx): %s\n' \
  "$duration" "$connections" "$rounds" "$bin" "$(nproc) cores" "$bench_workers"
