#!/usr/bin/env bash
# Conformance: schemathesis fuzzes every operation of the served spec with `--checks all`,
# first what needs no credentials (the reads and the public story submission), then
# everything with an admin token (PUT, PATCH and DELETE change the scratch database). Any failure fails; so does any 5xx in the server's log.
#
#   .ci/schemathesis/run.sh BINARY [MAX_EXAMPLES]
#
# schemathesis.toml accepts only answers that are right but that no JSON Schema can promise
# (a 412 for an ETag a fuzzer cannot know, a 422 for the document's cross-field rules);
# st_hooks.py drops generated `cursor` values, which only the server can issue.
set -euo pipefail
bin=$(realpath "$1")
examples=${2:-25}
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
port=${ST_PORT:-18300}
url=http://127.0.0.1:$port

python3 -m venv "$work/venv"
"$work/venv/bin/pip" install -q --disable-pip-version-check 'schemathesis==4.32.5'
st=("$work/venv/bin/st" --config-file "$here/schemathesis.toml")
export PYTHONPATH=$here SCHEMATHESIS_HOOKS=st_hooks

# Writes are fuzzed too: lift the admin and story rate limits so they reach the handlers.
# The spec's oEmbed example names a roadmap at http://127.0.0.1:8080, the default address; the
# public URL makes this server answer for it wherever it listens.
"$bin" --database "$work/roadmap.db" --bind "127.0.0.1:$port" --log-format json \
  --admin-rate-limit 1000000 --story-rate-limit 1000000 --public-url http://127.0.0.1:8080 2>"$work/server.log" &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT
python3 - "$url/readyz" <<'PY'
import sys, time, urllib.request
deadline = time.time() + 60
while True:
    try:
        urllib.request.urlopen(sys.argv[1], timeout=2)
        break
    except OSError:
        if time.time() > deadline:
            sys.exit(f"{sys.argv[1]} did not come up")
        time.sleep(0.05)
PY
token=$("$bin" --database "$work/roadmap.db" token create schemathesis 2>/dev/null)

status=0
(cd "$work" && "${st[@]}" run "$url/openapi.json" --url "$url" --checks all --exclude-tag admin \
  --max-examples "$examples" --generation-database none --no-color) || status=1
# The roadmap document's schema is large: generating bodies for it trips hypothesis' speed
# check, which says nothing about the API.
(cd "$work" && "${st[@]}" run "$url/openapi.json" --url "$url" --checks all \
  -H "Authorization: Bearer $token" --suppress-health-check=too_slow \
  --max-examples "$examples" --generation-database none --no-color) || status=1

if grep -E '"status":5[0-9][0-9]' "$work/server.log"; then
  echo "the server answered 5xx (above)" >&2
  status=1
fi
exit $status
