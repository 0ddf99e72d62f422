#!/usr/bin/env bash
# Proves the container runtime of roadmap-api without pulling any base image.
#
#   deploy/container/prove.sh BINARY        e.g. deploy/container/prove.sh target/release/roadmap-api
#
# It builds `FROM scratch` images holding BINARY, the shared libraries `ldd` lists for it and
# the dynamic loader (nothing else: no shell, no curl), runs them with podman as uid 10001, the
# Dockerfile's user, and checks them from the host over HTTP:
#   1. primary: a writable host folder mounted at /data; the database is created there on
#      first start, and a second start on the same folder serves it again;
#   2. replica: a database made before the build (`BINARY migrate`), COPYed in owned by root
#      and read-only (0444), served with ROADMAP_API_READ_ONLY=true under `podman run
#      --read-only`.
# In both: /readyz answers 200 from the host, the API serves the catalogue, the image's
# HEALTHCHECK (`roadmap-api healthcheck`) passes, and SIGTERM stops the server cleanly (exit 0).
#
# Installs podman, buildah, runc and curl with apt-get when missing (run as root on Debian).
# Prints one PASS or FAIL line per check and exits non-zero when any check fails. Removes its
# containers, images and temporary files on exit. Never waits a fixed time: it polls with a
# deadline (PROVE_TIMEOUT seconds, default 60). PROVE_MODES selects modes (default
# "primary replica"); PROVE_NETWORK=host skips port publishing.
set -euo pipefail

if [ $# -ne 1 ] || [ "$1" = -h ] || [ "$1" = --help ]; then
  sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2
  exit 2
fi
binary=$(realpath "$1")
[ -f "$binary" ] && [ -x "$binary" ] || { echo "FAIL: $1 is not an executable file" >&2; exit 2; }
timeout_s=${PROVE_TIMEOUT:-60}
modes=${PROVE_MODES:-primary replica}

failures=0
pass() { echo "PASS: $*"; }
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
note() { echo "---- $*"; }

# ---- tools ------------------------------------------------------------------------------------
missing=()
for tool in podman buildah runc curl ldd; do
  command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
done
if [ ${#missing[@]} -gt 0 ]; then
  note "installing podman buildah runc curl (missing: ${missing[*]})"
  [ "$(id -u)" -eq 0 ] || { echo "FAIL: missing ${missing[*]}; run as root to install them" >&2; exit 1; }
  if ! { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
    podman buildah runc curl libc-bin; } >"${TMPDIR:-/tmp}/roadmap-prove-apt.log" 2>&1; then
    echo "FAIL: apt-get install podman buildah runc curl:" >&2
    tail -n 20 "${TMPDIR:-/tmp}/roadmap-prove-apt.log" >&2
    exit 1
  fi
  rm -f "${TMPDIR:-/tmp}/roadmap-prove-apt.log"
fi
note "$(podman --version); $(runc --version | head -1)"
# What TOOLS.md says podman needs on these machines.
run_flags=(--runtime runc)
container_flags=(--ulimit nofile=1024:1024 --ulimit nproc=1024:1024)

# ---- workspace and cleanup ------------------------------------------------------------------
work=$(mktemp -d "${TMPDIR:-/tmp}/roadmap-prove.XXXXXX")
tag="prove-$$"
containers=()
images=()
cleanup() {
  local c i
  for c in "${containers[@]}"; do podman rm -f -t 0 "$c" >/dev/null 2>&1 || true; done
  for i in "${images[@]}"; do podman rmi -f "$i" >/dev/null 2>&1 || true; done
  rm -rf "$work"
}
trap cleanup EXIT

# ---- the root filesystem: the binary, its libraries, the loader ------------------------------
rootfs="$work/rootfs"
install -D -m 0755 "$binary" "$rootfs/usr/local/bin/roadmap-api"
libraries=$(ldd "$binary" 2>&1) || true
if grep -q 'not found' <<<"$libraries"; then
  echo "FAIL: ldd cannot resolve every library of $binary:" >&2
  printf '%s\n' "$libraries" >&2
  exit 1
fi
# "name => /path (addr)" and "/path/to/ld.so (addr)"; linux-vdso has no file. A static binary
# ("not a dynamic executable", "statically linked") needs nothing.
for lib in $(printf '%s\n' "$libraries" | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }' | sort -u); do
  install -D -m 0755 "$(readlink -f "$lib")" "$rootfs$lib"
done
# The Dockerfile's user, and a /tmp for SQLite's temporary files (podman --read-only mounts a
# tmpfs over it).
install -d -m 1777 "$rootfs/tmp"
install -d -m 0755 "$rootfs/etc"
printf 'root:x:0:0:root:/root:/sbin/nologin\nroadmap:x:10001:10001:roadmap:/nonexistent:/sbin/nologin\n' >"$rootfs/etc/passwd"
printf 'root:x:0:\nroadmap:x:10001:\n' >"$rootfs/etc/group"
note "rootfs: $(cd "$rootfs" && find . -type f | sort | tr '\n' ' ')"

# The part both images share, as the Dockerfile's runtime stage has it.
common_containerfile() {
  cat <<'EOF'
FROM scratch
COPY rootfs/ /
ENV ROADMAP_API_BIND=0.0.0.0:8080 \
    ROADMAP_API_LOG_FORMAT=json
USER 10001:10001
EXPOSE 8080
STOPSIGNAL SIGTERM
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 \
    CMD ["/usr/local/bin/roadmap-api", "healthcheck"]
ENTRYPOINT ["/usr/local/bin/roadmap-api"]
CMD ["serve"]
EOF
}

# build IMAGE CONTEXT: podman build in docker format (OCI images drop HEALTHCHECK).
build() {
  local image=$1 context=$2
  images+=("$image")
  if podman build --format docker --layers=false --tag "$image" "$context" >"$context.build.log" 2>&1; then
    pass "$image: built FROM scratch ($(du -sh "$context" | cut -f1) of files)"
  else
    fail "$image: podman build failed"
    tail -n 20 "$context.build.log"
    return 1
  fi
}

# ---- running and polling ---------------------------------------------------------------------
# Publishing a port is tried first; when podman cannot publish here (no netavark/CNI, no
# iptables), containers share the host's network and bind a free loopback port instead.
# PROVE_NETWORK=host starts with the host network.
network=${PROVE_NETWORK:-publish}
url=""

free_port() {
  local port
  for port in $(seq 18480 18580); do
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then echo "$port"; return 0; fi
  done
  return 1
}

# start NAME IMAGE [podman run options...]: starts a container, sets $url.
start() {
  local name=$1 image=$2 port
  shift 2
  containers+=("$name")
  if [ "$network" = publish ]; then
    if podman "${run_flags[@]}" run -d --name "$name" "${container_flags[@]}" \
        -p 127.0.0.1::8080 "$@" "$image" >"$work/$name.run.log" 2>&1; then
      url="http://$(podman port "$name" 8080/tcp | head -n 1)"
      return 0
    fi
    note "publishing a port failed ($(grep -m1 -i error "$work/$name.run.log" || true)); using the host network"
    podman rm -f -t 0 "$name" >/dev/null 2>&1 || true
    network=host
  fi
  port=$(free_port) || { echo "no free port in 18480-18580" >&2; return 1; }
  podman "${run_flags[@]}" run -d --name "$name" "${container_flags[@]}" --network host \
    -e "ROADMAP_API_BIND=127.0.0.1:$port" "$@" "$image" >"$work/$name.run.log" 2>&1 || {
    cat "$work/$name.run.log"
    return 1
  }
  url="http://127.0.0.1:$port"
}

running() { [ "$(podman inspect -f '{{.State.Running}}' "$1" 2>/dev/null)" = true ]; }

# wait_ready NAME: polls $url/readyz until 200, the container exits, or the deadline.
wait_ready() {
  local name=$1 deadline=$((SECONDS + timeout_s))
  while [ "$SECONDS" -lt "$deadline" ]; do
    if [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$url/readyz")" = 200 ]; then
      return 0
    fi
    running "$name" || return 1
    sleep 0.2
  done
  return 1
}

# ready NAME WHAT: the readiness check with its PASS/FAIL line, and the logs on failure.
ready() {
  local name=$1 what=$2 started=$SECONDS
  if wait_ready "$name"; then
    pass "$what: /readyz answered 200 from the host at $url (after ~$((SECONDS - started)) s, network: $network)"
    return 0
  fi
  if running "$name"; then
    fail "$what: /readyz did not answer 200 at $url within ${timeout_s}s"
  else
    fail "$what: the container exited ($(podman inspect -f '{{.State.ExitCode}}' "$name")) before /readyz answered"
  fi
  echo "     container log (last 15 lines):"
  podman logs --tail 15 "$name" 2>&1 | sed 's/^/     | /'
  return 1
}

# serves NAME WHAT: the catalogue holds the bundled roadmap; the image's health check passes.
serves() {
  local name=$1 what=$2 body
  body=$(curl -s --max-time 5 "$url/v1/roadmaps" || true)
  if grep -q '"healthcare-ai-ml-engineer"' <<<"$body"; then
    pass "$what: GET /v1/roadmaps lists healthcare-ai-ml-engineer"
  else
    fail "$what: GET /v1/roadmaps did not list the bundled roadmap: ${body:0:200}"
  fi
  # Without systemd podman cannot schedule health checks; it runs the image's one on demand.
  if podman healthcheck run "$name" >/dev/null 2>&1; then
    pass "$what: the image's HEALTHCHECK (roadmap-api healthcheck) passes"
  else
    fail "$what: the image's HEALTHCHECK (roadmap-api healthcheck) failed"
  fi
}

# stops NAME WHAT: SIGTERM drains and exits 0 well before podman's SIGKILL.
stops() {
  local name=$1 what=$2 code
  running "$name" || return 0 # it already failed, and said so
  podman stop -t 30 "$name" >/dev/null 2>&1 || true
  code=$(podman inspect -f '{{.State.ExitCode}}' "$name" 2>/dev/null || echo unknown)
  if [ "$code" = 0 ]; then
    pass "$what: SIGTERM stopped the server cleanly (exit 0)"
  else
    fail "$what: after SIGTERM the server exited with $code"
  fi
}

# ---- mode 1: primary, a writable volume ------------------------------------------------------
prove_primary() {
  local ctx="$work/primary" data="$work/data" image="localhost/roadmap-api-prove:primary-$tag"
  note "mode 1: primary (writable volume /data, database created on first start)"
  mkdir -p "$ctx" "$data"
  cp -a "$rootfs" "$ctx/rootfs"
  install -d -m 0750 "$ctx/data"
  { common_containerfile; cat <<'EOF'
COPY --chown=10001:10001 data/ /data/
ENV ROADMAP_API_DATABASE=/data/roadmap.db
WORKDIR /data
VOLUME ["/data"]
EOF
  } >"$ctx/Containerfile"
  build "$image" "$ctx" || return 0
  # A host folder as the volume: it must be writable by uid 10001.
  chown 10001:10001 "$data"
  chmod 0750 "$data"
  if ! start "roadmap-prove-primary-$tag" "$image" -v "$data:/data"; then
    fail "primary: podman run failed"
    return 0
  fi
  if ready "roadmap-prove-primary-$tag" primary; then
    if [ -s "$data/roadmap.db" ] && [ "$(stat -c %u "$data/roadmap.db")" = 10001 ]; then
      pass "primary: the database was created in the mounted folder, owned by uid 10001"
    else
      fail "primary: no database owned by uid 10001 in the mounted folder: $(find "$data" -mindepth 1 -printf '%f (uid %U) ' 2>/dev/null)"
    fi
    serves "roadmap-prove-primary-$tag" primary
  fi
  stops "roadmap-prove-primary-$tag" primary
  # A second start finds the database and serves it as it is.
  if start "roadmap-prove-primary2-$tag" "$image" -v "$data:/data"; then
    ready "roadmap-prove-primary2-$tag" "primary, restarted on the same volume" &&
      stops "roadmap-prove-primary2-$tag" "primary, restarted"
  else
    fail "primary, restarted: podman run failed"
  fi
}

# ---- mode 2: replica, a database baked in at build time, read-only ---------------------------
prove_replica() {
  local ctx="$work/replica" image="localhost/roadmap-api-prove:replica-$tag" name="roadmap-prove-replica-$tag"
  note "mode 2: replica (database baked at build time, --read-only, podman run --read-only)"
  mkdir -p "$ctx/baked"
  cp -a "$rootfs" "$ctx/rootfs"
  if "$binary" migrate --database "$ctx/baked/roadmap.db" --log-format json >"$ctx.migrate.log" 2>&1 &&
    [ -s "$ctx/baked/roadmap.db" ] && [ ! -e "$ctx/baked/roadmap.db-wal" ]; then
    pass "replica: \`roadmap-api migrate\` made a self-contained database ($(stat -c %s "$ctx/baked/roadmap.db") bytes, journal: $(journal_mode "$ctx/baked/roadmap.db"))"
  else
    fail "replica: \`roadmap-api migrate\` did not make a database"
    cat "$ctx.migrate.log"
    return 0
  fi
  chmod 0444 "$ctx/baked/roadmap.db"
  { common_containerfile; cat <<'EOF'
COPY baked/roadmap.db /srv/roadmap.db
ENV ROADMAP_API_DATABASE=/srv/roadmap.db \
    ROADMAP_API_READ_ONLY=true
WORKDIR /srv
EOF
  } >"$ctx/Containerfile"
  build "$image" "$ctx" || return 0
  if ! start "$name" "$image" --read-only; then
    fail "replica: podman run --read-only failed"
    return 0
  fi
  if [ "$(podman inspect -f '{{.HostConfig.ReadonlyRootfs}}' "$name")" = true ]; then
    pass "replica: the container's root filesystem is read-only"
  else
    fail "replica: the container's root filesystem is not read-only"
  fi
  if ! ready "$name" replica; then
    if grep -q 'unable to open database file' <<<"$(podman logs "$name" 2>&1)"; then
      note "hint: a $(journal_mode "$ctx/baked/roadmap.db")-mode database in a folder the server cannot write opens only as immutable (SQLite \`immutable=1\`), which \`--read-only\` must ask for"
    fi
  else
    serves "$name" replica
    local code
    code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 -X PUT \
      -H 'Content-Type: application/json' --data '{}' "$url/v1/roadmaps/healthcare-ai-ml-engineer")
    if [ "$code" = 405 ]; then
      pass "replica: a write (PUT) is refused with 405"
    else
      fail "replica: a write (PUT) answered $code, not 405"
    fi
  fi
  stops "$name" replica
}

# The journal mode recorded in the file header (bytes 18-19: 1 rollback journal, 2 WAL).
journal_mode() {
  case "$(od -An -tu1 -j18 -N1 "$1" | tr -d ' ')" in
    1) echo rollback ;;
    2) echo WAL ;;
    *) echo unknown ;;
  esac
}

for mode in $modes; do
  case "$mode" in
    primary) prove_primary ;;
    replica) prove_replica ;;
    *) fail "unknown mode $mode" ;;
  esac
done

if [ "$failures" -eq 0 ]; then
  echo "PASS: all checks ($modes)"
else
  echo "FAIL: $failures check(s) failed ($modes)"
  exit 1
fi
