#!/usr/bin/env bash
# Type-checks the example client against the spec: installs the pinned tools (npm ci),
# generates TypeScript types from the OpenAPI document with openapi-typescript, then runs
# `tsc --noEmit`. Any failure exits non-zero; a spec change that breaks client.ts fails tsc.
#
#   examples/check-client.sh [SPEC]
#
# SPEC defaults to openapi/openapi.json beside this folder; pass another file (relative to the
# current directory) to try a changed spec without touching the committed one.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
spec=${1:-$here/../openapi/openapi.json}
[ -f "$spec" ] || { echo "check-client: no such spec: $spec" >&2; exit 2; }
spec=$(cd "$(dirname "$spec")" && pwd)/$(basename "$spec")

cd "$here"
# No package here has install scripts; --ignore-scripts keeps it that way.
npm ci --no-audit --no-fund --ignore-scripts --silent

# Generate afresh: never type-check against a stale file from an earlier run.
rm -rf generated
mkdir generated
node_modules/.bin/openapi-typescript "$spec" --output generated/openapi.ts

node_modules/.bin/tsc --noEmit -p .
echo "check-client: client.ts type-checks against $spec"
