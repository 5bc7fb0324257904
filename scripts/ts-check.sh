#!/usr/bin/env bash
# The TypeScript check of the contract (issue 13 §6): installs the pinned openapi-typescript,
# openapi-fetch and TypeScript 5 from clients/typescript/package-lock.json (npm ci), fails if
# the committed clients/typescript/shifan.d.ts is not what openapi/openapi.yaml generates now,
# and compiles the typed happy path (clients/typescript/happy-path.ts) under tsc --strict.
# Installs Node.js and npm from Debian if missing.
set -euo pipefail
cd "$(dirname "$0")/../clients/typescript"

if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "shifan: installing Node.js and npm (Debian) for the TypeScript check" >&2
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null
fi

echo "== typescript check"
npm ci --no-audit --no-fund --loglevel=error >/dev/null
fresh=$(mktemp /tmp/shifan-dts.XXXXXX.d.ts)
trap 'rm -f "$fresh"' EXIT
npx --no-install openapi-typescript ../../openapi/openapi.yaml --default-non-nullable false -o "$fresh" >/dev/null 2>&1
if ! cmp -s "$fresh" shifan.d.ts; then
  diff -u shifan.d.ts "$fresh" | head -40 >&2 || true
  echo "clients/typescript/shifan.d.ts is stale: run 'npm run generate' in clients/typescript and commit it" >&2
  exit 1
fi
npx --no-install tsc --noEmit -p .
echo "the generated types are current and the typed happy path compiles (tsc --strict)"
