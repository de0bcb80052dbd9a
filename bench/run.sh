#!/usr/bin/env bash
# Runs a benchmark from bench/ after building: bench/run.sh startup [args for the script]
set -euo pipefail
cd "$(dirname "$0")/.."
name=${1:-startup}; shift || true
./tools/install-deps.sh
./build.sh >/dev/null
exec dotnet tool run pwsh -- -NoLogo -NoProfile -File "bench/$name.ps1" "$@"
