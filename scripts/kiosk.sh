#!/usr/bin/env bash
# Installs and runs the kiosk on its embedded default: simulated hardware
# playing device-config/scenarios/demo.json, SQLite under ./data/, and the
# broker at mqtt://127.0.0.1:1883 when one runs (deposits queue until then).
# Extra arguments go to the runtime, e.g. --config device-config/other.json.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi
npm run build --silent
# The young generation kept at its default size (docs/configuration.md#starting-the-runtime).
exec node --min-semi-space-size=16 dist/main.js "$@"
