#!/usr/bin/env bash
# Lints openapi/openapi.yaml with Redocly's CLI (recommended rules; errors fail, warnings do
# not). Installs Node.js and npm from Debian if missing, and the CLI, pinned, into .tools/.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "shifan: installing Node.js and npm (Debian) for the OpenAPI linter" >&2
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null
fi

version=1.34.20   # runs on Debian 12's Node.js 18 as well as on newer ones
cli=.tools/node_modules/.bin/redocly
if [ ! -x "$cli" ] || ! grep -q "\"version\": \"$version\"" .tools/node_modules/@redocly/cli/package.json 2>/dev/null; then
  mkdir -p .tools
  npm install --prefix .tools --no-audit --no-fund --loglevel=error "@redocly/cli@$version" >/dev/null
fi
echo "== openapi lint"
"$cli" lint --format=stylish openapi/openapi.yaml
