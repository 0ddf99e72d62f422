#!/usr/bin/env bash
# The fleet of docs/SCALING.md on one machine, every part a real process on loopback:
#
#   wrk ──> CDN (nginx, proxy_cache) ──> ingress (nginx) ──┬─> replica 1 ┐ read-only, each on
#                                                          ├─> replica 2 ├ a copy baked from
#                                                          ├─> replica 3 ┘ the primary
#                                                          └─> primary (writes, /v1/stories)
#
# Under load from wrk (a mix of routes, deploy/fleet/mix.lua, through the CDN) it measures the
# CDN's share of the traffic at steady state, then rolls out a content change (a PUT on the
# primary through the CDN and ingress, a bake, the replicas replaced one at a time: start the
# new one, wait until it is ready, SIGTERM the old one, which drains), then SIGKILLs a replica
# and restarts it. It prints the figures and exits non-zero when a rule fails: every answer
# 2xx or 304, no socket errors, the origin at most 1% of client requests at steady state,
# every new replica and then the CDN on the new ETag. docs/SCALING.md ("Measured") explains.
#
#   deploy/fleet/run.sh [--short] [BINARY]
#
# BINARY defaults to target/release/roadmap-api, else target/debug/roadmap-api (under
# $CARGO_TARGET_DIR when set). --short is CI's version: about 10 s for the roll-out and a
# 35 s load in all (with room for a slow machine); the full run loads for 90 s. Installs
# Debian's nginx and wrk when missing.
# Ports 18401-18499 on 127.0.0.1. FLEET_KEEP=1 keeps the work folder (logs, configuration).
set -euo pipefail
cd "$(dirname "$0")/../.."

short=false
bin=""
for arg in "$@"; do
  case $arg in
    --short) short=true ;;
    -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    -*) echo "unknown option $arg (try --help)" >&2; exit 2 ;;
    *) bin=$arg ;;
  esac
done
target=${CARGO_TARGET_DIR:-target}
if [ -z "$bin" ]; then
  for candidate in "$target/release/roadmap-api" "$target/debug/roadmap-api"; do
    if [ -x "$candidate" ]; then bin=$candidate; break; fi
  done
fi
if [ -z "$bin" ] || [ ! -x "$bin" ]; then
  echo "no roadmap-api binary: build one (cargo build --release) or name it" >&2
  exit 2
fi
bin=$(realpath "$bin")

if $short; then
  load=35 warmup=3 window=5 down=2 ttl=5
else
  load=90 warmup=10 window=20 down=5 ttl=10
fi
drain=2 # a replica's --drain-seconds: it serves this long after SIGTERM, then stops listening
connections=16
cache_control="public, max-age=$ttl, stale-while-revalidate=600"
slug=healthcare-ai-ml-engineer
primary_port=18401 cdn_port=18480 cdn_status=18481 ingress_port=18490 ingress_status=18491
# Three replica slots, each with two ports that a roll-out alternates between (18411 and
# 18414, 18412 and 18415, 18413 and 18416); a replica's metrics are at its port + 50.
slot_port() { echo $((18411 + $1)); }
other_port() { if [ "$1" -ge 18414 ]; then echo $(($1 - 3)); else echo $(($1 + 3)); fi; }
cdn=http://127.0.0.1:$cdn_port
public_url=$cdn # every server builds the same absolute URLs, whichever answers

if ! command -v nginx >/dev/null || ! command -v wrk >/dev/null || ! command -v curl >/dev/null; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends nginx wrk curl >/dev/null
fi
for port in $primary_port $((primary_port + 50)) $cdn_port $cdn_status $ingress_port $ingress_status \
  $(seq 18411 18416) $(seq 18461 18466); do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    echo "port $port is in use, perhaps by a fleet from an earlier run; stop it first" >&2
    exit 1
  fi
done

work=$(mktemp -d /tmp/roadmap-fleet.XXXXXX)
pids=()
cleanup() {
  local status=$?
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do
    for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
    kill -KILL "$pid" 2>/dev/null || true
  done
  if [ "${FLEET_KEEP:-}" = 1 ] || [ "$status" -ne 0 ]; then
    echo "logs and configuration kept in $work" >&2
  else
    rm -rf "$work"
  fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

now_ms() { date +%s%3N; }
seconds_since() { awk -v a="$1" -v b="$(now_ms)" 'BEGIN { printf "%.1f", (b - a) / 1000 }'; }
# Polls `url` until it answers 200, for `seconds` at most.
wait_ready() { # URL SECONDS
  local deadline=$(($(now_ms) + $2 * 1000))
  until curl -fso /dev/null --max-time 1 "$1"; do
    if [ "$(now_ms)" -gt "$deadline" ]; then echo "$1 did not become ready in $2 s" >&2; return 1; fi
    sleep 0.05
  done
}
# Waits for a process to exit, for `seconds` at most.
wait_gone() { # PID SECONDS
  local deadline=$(($(now_ms) + $2 * 1000))
  while kill -0 "$1" 2>/dev/null; do
    if [ "$(now_ms)" -gt "$deadline" ]; then echo "process $1 still runs after $2 s" >&2; return 1; fi
    sleep 0.05
  done
}
etag() { # URL [HEADER]: the ETag of a GET
  curl -fsS -o /dev/null -D - --max-time 2 ${2:+-H "$2"} "$1" |
    awk 'tolower($1) == "etag:" { print $2 }' | tr -d '\r'
}
# Requests a server answered, from its metrics listener, leaving out the probes' routes.
served() { # METRICS_PORT [STATUS]
  curl -fsS --max-time 2 "http://127.0.0.1:$1/metrics" |
    awk -v want="${2:-}" '/^http_requests_total\{/ && !/route="\/(readyz|healthz)"/ {
      if (want == "" || index($0, "status=\"" want "\"")) sum += $NF } END { printf "%d", sum }'
}
cdn_requests() { # the CDN's count of client requests (nginx stub_status)
  curl -fsS --max-time 2 "http://127.0.0.1:$cdn_status/" | awk 'NR == 3 { print $3 }'
}

# roadmap-api serve, in the background, logging JSON to a file; prints its pid.
serve() { # NAME PORT DATABASE [FLAGS...]
  local name=$1 port=$2 database=$3
  shift 3
  "$bin" serve --database "$database" --bind "127.0.0.1:$port" \
    --metrics-bind "127.0.0.1:$((port + 50))" --workers 1 --public-url "$public_url" \
    --cache-control "$cache_control" --log-format json "$@" \
    >/dev/null 2>>"$work/$name.log" &
  echo $!
}

# ---- the primary, and the first bake -------------------------------------------------------
"$bin" token create fleet-editor --database "$work/primary.db" --log-format json \
  >"$work/token" 2>>"$work/primary.log"
primary_pid=$(serve primary $primary_port "$work/primary.db")
pids+=("$primary_pid")
wait_ready "http://127.0.0.1:$primary_port/readyz" 30

bake() { # OUT: a snapshot of the primary, read-only as an image would hold it
  "$bin" bake --database "$work/primary.db" --out "$1" --log-format json 2>>"$work/bake.log"
  chmod 0444 "$1"
}
bake "$work/snapshot-0.db"

# A replica on `port`, serving its own copy of a snapshot; prints its pid.
start_replica() { # SNAPSHOT PORT
  cp -f "$1" "$work/replica-$2.db"
  serve "replica-$2" "$2" "$work/replica-$2.db" --read-only --drain-seconds "$drain"
}
replica_pids=() replica_ports=()
for slot in 0 1 2; do
  port=$(slot_port "$slot")
  pid=$(start_replica "$work/snapshot-0.db" "$port")
  pids+=("$pid"); replica_pids[slot]=$pid; replica_ports[slot]=$port
done
for port in "${replica_ports[@]}"; do wait_ready "http://127.0.0.1:$port/readyz" 30; done

# ---- nginx: the ingress and the CDN --------------------------------------------------------
mkdir -p "$work/ingress" "$work/cdn/cache"
chmod a+rx "$work"
# As root, nginx's workers run as nobody, who must write the temporary and cache folders.
if [ "$(id -u)" = 0 ]; then chown -R nobody "$work/ingress" "$work/cdn"; fi
nginx_common() { # DIR: what both nginx share
  cat <<CONF
worker_processes 1;
daemon off;
pid $1/nginx.pid;
error_log $1/error.log warn;
events { worker_connections 1024; }
CONF
}
temp_paths() { # DIR
  for kind in client_body proxy fastcgi uwsgi scgi; do echo "  ${kind}_temp_path $1/$kind;"; done
}

# The ingress: reads to the replicas, with passive health checks (a replica that fails a
# connection is left alone for 2 s) and retries of idempotent requests on another replica;
# every other method, and the admin routes, to the primary. Its upstream lists both ports of
# every slot: the one not in use refuses connections and is passed over, so a roll-out needs
# no reload (a reload closes clients' idle keep-alive connections, which a client such as wrk
# may be reusing at that moment), much as an ingress learns endpoints without restarting.
{
  echo "upstream replicas {"
  for port in $(seq 18411 18416); do
    echo "  server 127.0.0.1:$port max_fails=1 fail_timeout=2s;"
  done
  echo "  keepalive 16;"
  echo "}"
} >"$work/ingress/replicas.conf"
{
  nginx_common "$work/ingress"
  cat <<CONF
http {
  log_format upstream '\$msec \$status [\$upstream_addr] [\$upstream_status] "\$request"';
  access_log $work/ingress/access.log upstream buffer=64k flush=1s;
$(temp_paths "$work/ingress")
  include $work/ingress/replicas.conf;
  upstream primary { server 127.0.0.1:$primary_port; keepalive 4; }
  # Reads go to the replicas; any other method (PUT, DELETE, a public POST) to the primary.
  map \$request_method \$pool { GET replicas; HEAD replicas; default primary; }
  proxy_http_version 1.1;
  proxy_set_header Connection "";
  proxy_set_header Host \$http_host;
  proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;
  proxy_connect_timeout 1s;
  proxy_read_timeout 30s;
  # Idempotent requests only (nginx never retries a POST or PUT unless told to).
  proxy_next_upstream error timeout http_502 http_503 http_504;
  # Every server once at most: three of the six ports are idle at any time.
  proxy_next_upstream_tries 6;
  proxy_next_upstream_timeout 5s;
  server {
    listen 127.0.0.1:$ingress_port;
    keepalive_requests 1000000;
    location / { proxy_pass http://\$pool; }
    # The admin routes of story submissions read and write on the primary.
    location /v1/stories { proxy_pass http://primary; }
  }
  server { listen 127.0.0.1:$ingress_status; location / { stub_status; } }
}
CONF
} >"$work/ingress/nginx.conf"

# The CDN stand-in: caches what the origin's Cache-Control allows, for as long as it says
# (stale-while-revalidate included, refreshed in the background), revalidates with
# If-None-Match, and keys on the URL, Accept and the normalized Accept-Encoding, as Vary says.
{
  nginx_common "$work/cdn"
  cat <<CONF
http {
  log_format cache '\$msec \$status \$upstream_cache_status "\$request"';
  access_log $work/cdn/access.log cache buffer=64k flush=1s;
$(temp_paths "$work/cdn")
  proxy_cache_path $work/cdn/cache levels=1:2 keys_zone=edge:10m max_size=100m inactive=30m use_temp_path=off;
  map \$http_accept_encoding \$encoding { ~*\\bbr\\b br; ~*\\bgzip\\b gzip; default ""; }
  upstream ingress { server 127.0.0.1:$ingress_port; keepalive 16; }
  server {
    listen 127.0.0.1:$cdn_port;
    keepalive_requests 1000000;
    location / {
      proxy_pass http://ingress;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host \$http_host;
      proxy_set_header Accept-Encoding \$encoding;
      proxy_cache edge;
      proxy_cache_key "\$http_host\$request_uri|\$http_accept|\$encoding";
      proxy_cache_revalidate on;
      proxy_cache_lock on;
      proxy_cache_background_update on;
      proxy_cache_use_stale updating error timeout http_500 http_502 http_503 http_504;
      add_header X-Cache \$upstream_cache_status always;
    }
  }
  server { listen 127.0.0.1:$cdn_status; location / { stub_status; } }
}
CONF
} >"$work/cdn/nginx.conf"

nginx -e "$work/ingress/error.log" -p "$work/ingress" -c "$work/ingress/nginx.conf" &
ingress_pid=$!
pids+=("$ingress_pid")
nginx -e "$work/cdn/error.log" -p "$work/cdn" -c "$work/cdn/nginx.conf" &
cdn_nginx_pid=$!
pids+=("$cdn_nginx_pid")
wait_ready "http://127.0.0.1:$ingress_port/readyz" 10
wait_ready "$cdn/v1/roadmaps/$slug" 10

# ---- load ----------------------------------------------------------------------------------
started=$(now_ms)
wrk -t1 -c"$connections" -d"${load}s" --timeout 10s -s deploy/fleet/mix.lua "$cdn" \
  >"$work/wrk.txt" 2>&1 &
wrk_pid=$!
pids+=("$wrk_pid")
under_load() { kill -0 "$wrk_pid" 2>/dev/null; }
failures=()
fail() { failures+=("$1"); echo "FAIL: $1" >&2; }

# ---- 1. steady state: the CDN's share ------------------------------------------------------
sleep "$warmup"
origin_total() { # [STATUS]: requests the replicas served
  local sum=0
  for port in "${replica_ports[@]}"; do sum=$((sum + $(served $((port + 50)) "${1:-}"))); done
  echo "$sum"
}
c0=$(cdn_requests) o0=$(origin_total) r0=$(origin_total 304) t0=$(now_ms)
sleep "$window"
c1=$(cdn_requests) o1=$(origin_total) r1=$(origin_total 304) t1=$(now_ms)
steady=$(awk -v c="$((c1 - c0))" -v o="$((o1 - o0))" -v r="$((r1 - r0))" -v ms="$((t1 - t0))" 'BEGIN {
  s = ms / 1000; share = c ? 100 * o / c : 0
  printf "client %.0f req/s, origin %.2f req/s (%.3f%% of client requests); of %d origin answers, %d were 304", c / s, o / s, share, o, r }')
share_ok=$(awk -v c="$((c1 - c0))" -v o="$((o1 - o0))" 'BEGIN { print (c > 0 && o <= c / 100) ? 1 : 0 }')
[ "$share_ok" = 1 ] || fail "the origin saw more than 1% of client requests at steady state"

# ---- 2. roll-out: write, bake, replace the replicas one at a time --------------------------
# From here on a second load goes straight to the ingress, as if the CDN missed a lot: with
# the CDN's hit rate alone, the origin sees too few requests for a roll-out or a crash to
# show. Its answers are checked by the same rules.
wrk -t1 -c4 -d"$((load - ($(now_ms) - started) / 1000))s" --timeout 10s -s deploy/fleet/mix.lua \
  "http://127.0.0.1:$ingress_port" >"$work/wrk-origin.txt" 2>&1 &
origin_wrk_pid=$!
pids+=("$origin_wrk_pid")
old_etag=$(etag "http://127.0.0.1:$primary_port/v1/roadmaps/$slug")
"$bin" export "$slug" --read-only --database "$work/primary.db" --log-format json \
  2>>"$work/primary.log" >"$work/document.json"
python3 - "$work/document.json" <<'PY'
import json, sys
path = sys.argv[1]
document = json.load(open(path))
# A visible edit to the simulation's own copy of the content: it never leaves this folder.
document["summary"] += " [fleet roll-out]"
json.dump(document, open(path, "w"), ensure_ascii=False, indent=2)
PY
rollout_started=$(now_ms)
status=$(curl -sS -o "$work/put.json" -w '%{http_code}' -X PUT \
  -H "Authorization: Bearer $(cat "$work/token")" -H "If-Match: $old_etag" \
  -H "Content-Type: application/json" --data-binary "@$work/document.json" \
  "$cdn/v1/roadmaps/$slug")
[ "$status" = 200 ] || { fail "the PUT through the CDN and ingress answered $status: $(cat "$work/put.json")"; exit 1; }
written=$(now_ms)
new_etag=$(etag "http://127.0.0.1:$primary_port/v1/roadmaps/$slug")
# The admin routes and a public submission reach the primary too: only it holds the token (a
# replica answers 401), and only it takes a POST (a read-only replica answers 405). The empty
# submission is refused (422) and stores nothing.
status=$(curl -sS -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $(cat "$work/token")" \
  "$cdn/v1/stories")
[ "$status" = 200 ] || fail "GET /v1/stories through the CDN and ingress answered $status, not the primary's 200"
status=$(curl -sS -o /dev/null -w '%{http_code}' -X POST -H "Content-Type: application/json" \
  --data-binary '{}' "$cdn/v1/roadmaps/$slug/stories")
[ "$status" = 422 ] || fail "a story POST through the CDN and ingress answered $status, not the primary's 422"
[ "$new_etag" != "$old_etag" ] || { fail "the write did not change the ETag"; exit 1; }

# The CDN's ETag (identity encoding, as a third of the load asks), polled from the write on:
# while old and new replicas both serve, a revalidation may fetch either, so what counts is
# when the CDN switched for good.
(
  while true; do
    echo "$(now_ms) $(etag "$cdn/v1/roadmaps/$slug" "Accept: application/json")"
    sleep 0.1
  done
) >"$work/cdn-etags" &
watcher_pid=$!
pids+=("$watcher_pid")

bake "$work/snapshot-1.db"
steps=()
for slot in 0 1 2; do
  step_started=$(now_ms)
  port=$(other_port "${replica_ports[slot]}")
  pid=$(start_replica "$work/snapshot-1.db" "$port")
  pids+=("$pid")
  wait_ready "http://127.0.0.1:$port/readyz" 30
  [ "$(etag "http://127.0.0.1:$port/v1/roadmaps/$slug")" = "$new_etag" ] ||
    fail "the new replica on port $port does not serve the new ETag"
  old_pid=${replica_pids[slot]}
  replica_pids[slot]=$pid; replica_ports[slot]=$port
  # The old replica drains: it serves for $drain s more while the ingress already sends
  # requests to the new one too, then closes its listener and the ingress passes it over.
  kill -TERM "$old_pid"
  wait_gone "$old_pid" $((drain + 30))
  steps+=("$(seconds_since "$step_started")")
done
replicas_switched=$(now_ms)
rollout_seconds=$(seconds_since "$rollout_started")
under_load || fail "the load ended before the roll-out did: lengthen it"

# ---- 3. crash: SIGKILL a replica under load, then restart it -------------------------------
victim_port=${replica_ports[1]}
kill -KILL "${replica_pids[1]}"
killed=$(now_ms)
sleep "$down"
restarted=$(now_ms)
pid=$(serve "replica-$victim_port" "$victim_port" "$work/replica-$victim_port.db" --read-only --drain-seconds "$drain")
pids+=("$pid"); replica_pids[1]=$pid
wait_ready "http://127.0.0.1:$victim_port/readyz" 30
ready_after=$(seconds_since "$restarted")
# Back in rotation when the ingress sends it readers' requests again.
deadline=$(($(now_ms) + 30000))
until [ "$(served $((victim_port + 50)))" -gt 0 ]; do
  [ "$(now_ms)" -lt "$deadline" ] || { fail "the restarted replica got no traffic within 30 s"; break; }
  sleep 0.05
done
serving_after=$(seconds_since "$restarted")
back=$(now_ms)
under_load || fail "the load ended before the crash was over: lengthen it"

# ---- results -------------------------------------------------------------------------------
wait "$wrk_pid" || fail "wrk failed: $(cat "$work/wrk.txt")"
wait "$origin_wrk_pid" || fail "wrk (at the ingress) failed: $(cat "$work/wrk-origin.txt")"
# Once the last old replica is gone, a CDN honouring max-age switches within it (and a
# background refresh); watch a little longer than that.
until [ "$(now_ms)" -gt $((replicas_switched + ttl * 2000 + 2000)) ]; do sleep 0.1; done
kill "$watcher_pid"
cdn_first=$(awk -v new="$new_etag" -v w="$written" '$2 == new { printf "%.1f", ($1 - w) / 1000; exit }' \
  "$work/cdn-etags")
cdn_after=$(awk -v new="$new_etag" -v w="$written" '
  $2 != new { t = 0; next } !t { t = $1 }
  END { if (t) printf "%.1f", (t - w) / 1000; else print "never" }' "$work/cdn-etags")
[ "$cdn_after" != never ] || fail "the CDN did not settle on the new ETag within $((ttl * 2 + 2)) s of the roll-out's end"
replicas_after=$(awk -v a="$written" -v b="$replicas_switched" 'BEGIN { printf "%.1f", (b - a) / 1000 }')
# Both nginx flush their buffered access logs as they quit.
kill -QUIT "$cdn_nginx_pid" "$ingress_pid"
wait_gone "$cdn_nginx_pid" 10 || true
wait_gone "$ingress_pid" 10 || true

count() { # FIELD FILE...: a figure summed over wrk outputs
  case $1 in
    requests) awk '/requests in/ { n += $1 } END { print n + 0 }' "${@:2}" ;;
    sockets) awk '/Socket errors/ { gsub(",", ""); n += $4 + $6 + $8 + $10 } END { print n + 0 }' "${@:2}" ;;
    bad) awk '$1 == "status" && $2 != 200 && $2 != 304 { n += $3 } END { print n + 0 }' "${@:2}" ;;
    statuses) awk '$1 == "status" { n[$2] += $3 } END { for (s in n) { printf "%s%s: %d", sep, s, n[s]; sep = ", " } }' "${@:2}" ;;
  esac
}
requests=$(count requests "$work/wrk.txt")
rate=$(awk '/^Requests\/sec/ { printf "%.0f", $2 }' "$work/wrk.txt")
origin_requests=$(count requests "$work/wrk-origin.txt")
socket_errors=$(count sockets "$work/wrk.txt" "$work/wrk-origin.txt")
bad=$(count bad "$work/wrk.txt" "$work/wrk-origin.txt")
statuses=$(count statuses "$work/wrk.txt")
origin_statuses=$(count statuses "$work/wrk-origin.txt")
# Requests the ingress tried on the killed replica and then on another, from the kill until
# the replica served again (passive health checks and retries at work).
rerouted=$(awk -v k="$killed" -v back="$back" -v victim="127.0.0.1:$victim_port," \
  '$1 * 1000 >= k && $1 * 1000 <= back && index($0, victim)' "$work/ingress/access.log" | wc -l)
cache=$(awk '{ n[$3]++ } END { for (s in n) printf "%s %d, ", s, n[s] }' "$work/cdn/access.log" | sed 's/, $//')

[ "$requests" -gt 0 ] && [ "$origin_requests" -gt 0 ] || fail "wrk made no requests: $(cat "$work/wrk.txt" "$work/wrk-origin.txt")"
[ "$bad" -eq 0 ] || fail "$bad answers were neither 2xx nor 304 ($statuses)"
[ "$socket_errors" -eq 0 ] || fail "$socket_errors socket errors"

cat <<REPORT

== fleet: 1 primary, 3 read-only replicas, nginx ingress, nginx CDN on 127.0.0.1 ($(nproc) cores)
binary:        $bin
load:          wrk, 1 thread, $connections connections, ${load} s at the CDN (and 4 at the ingress from the roll-out on), $(grep -c '^  { "' deploy/fleet/mix.lua) routes x 3 encodings (deploy/fleet/mix.lua)
origin:        Cache-Control "$cache_control", replicas drain ${drain} s, 1 worker each

requests:      $requests through the CDN (${rate:-0} req/s; by status: $statuses)
               $origin_requests straight at the ingress from the roll-out on (by status: $origin_statuses)
non-2xx/304:   $bad (target 0)
socket errors: $socket_errors (target 0)
steady state:  $steady (target <= 1%)
CDN cache:     $cache
roll-out:      PUT on the primary, bake, 3 replicas replaced in $rollout_seconds s (each: ${steps[*]} s)
  every replica on the new ETag  $replicas_after s after the write (the last old one gone)
  the CDN on the new ETag        $cdn_after s after the write, for good (first at ${cdn_first:-never} s; max-age=$ttl)
crash:         replica on port $victim_port SIGKILLed, restarted $down s later
  requests the ingress tried on it and then on another replica meanwhile: $rerouted; failed requests in the run: $bad (target 0)
  restarted replica ready after $ready_after s, serving readers again after $serving_after s
REPORT

if [ ${#failures[@]} -gt 0 ]; then
  printf '\nFAILED:\n'
  printf '  %s\n' "${failures[@]}"
  exit 1
fi
echo
echo "PASS"
