#!/usr/bin/env bash
# Builds everything into out/: the importable module (out/PSVmm), the probe guest (out/guest),
# and restores the tools (pwsh, Pester). Idempotent; safe to run on a fresh machine.
set -euo pipefail
cd "$(dirname "$0")"
root=$PWD
config=${CONFIGURATION:-Release}

dotnet tool restore >/dev/null
dotnet restore build/Tools.csproj >/dev/null

dotnet build PSVmm.sln -c "$config" -nologo -v quiet -clp:ErrorsOnly

# The module folder: manifest, format file, both assemblies, Tmds.LibC (linux-x64), MAML help.
rm -rf out/PSVmm
dotnet publish src/PSVmm/PSVmm.csproj -c "$config" -nologo -v quiet -clp:ErrorsOnly --no-build -o out/PSVmm
rm -f out/PSVmm/*.pdb out/PSVmm/*.deps.json
# The engine drives x86-64 KVM only: ship Tmds.LibC for linux-x64 and no other runtime.
find out/PSVmm/runtimes -mindepth 1 -maxdepth 1 ! -name linux-x64 -exec rm -rf {} +
cp module/* out/PSVmm/
if [ -f build/New-MamlHelp.ps1 ]; then
  dotnet tool run pwsh -- -NoLogo -NoProfile -File build/New-MamlHelp.ps1 -Source docs/help -Destination out/PSVmm/en-US/PSVmm.dll-Help.xml
fi

# The probe guest (freestanding C + asm).
if [ -f tests/guest/Makefile ]; then
  make -s -C tests/guest OUT="$root/out/guest"
fi
echo "built: $root/out/PSVmm"
