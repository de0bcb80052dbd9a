#!/usr/bin/env bash
# The main job: install what is missing, build the module, boot the probe guest and the small Linux
# kernel of the kit (and with -StockKernel Debian's cloud kernel), and show what each guest saw.
# Options are passed to tools/demo.ps1 (e.g. -SkipLinux, -StockKernel, -LinuxTimeoutSec 900).
set -euo pipefail
cd "$(dirname "$0")"
./tools/install-deps.sh
./build.sh
tests/linux-kit/build-kit.sh >/dev/null
tests/linux-kit/build-small-kernel.sh >/dev/null
exec dotnet tool run pwsh -- -NoLogo -NoProfile -File tools/demo.ps1 "$@"
