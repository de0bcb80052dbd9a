# Shared by the PSVmm Pester files (dot-sourced in BeforeAll). Not a test file itself.

# The module under test: out/PSVmm/PSVmm.psd1 as set by Invoke-PesterSuite.ps1.
function Get-PSVmmModulePath {
    if (-not $env:PSVMM_MODULE) { throw 'PSVMM_MODULE is not set: run the tests through tests/Pester/Invoke-PesterSuite.ps1.' }
    if (-not (Test-Path -LiteralPath $env:PSVMM_MODULE)) { throw "The module '$env:PSVMM_MODULE' is not built: run ./build.sh." }
    $env:PSVMM_MODULE
}

# How to start another pwsh like this one (a dotnet tool runs as 'dotnet pwsh.dll').
function Get-PwshInvocation {
    $exe = [Environment]::ProcessPath
    if ([IO.Path]::GetFileNameWithoutExtension($exe) -eq 'dotnet') {
        return @{ Exe = $exe; Prefix = @(Join-Path $PSHOME 'pwsh.dll') }
    }
    @{ Exe = $exe; Prefix = @() }
}

# Runs a script in a fresh pwsh; returns its exit code, stdout lines and stderr text.
function Invoke-FreshPwsh([string] $Script) {
    $pwsh = Get-PwshInvocation
    $errFile = New-TemporaryFile
    try {
        $out = & $pwsh.Exe @($pwsh.Prefix) -NoLogo -NoProfile -NonInteractive -Command $Script 2> $errFile.FullName
        [pscustomobject]@{ ExitCode = $LASTEXITCODE; Output = @($out); Error = (Get-Content -Raw -LiteralPath $errFile.FullName) }
    }
    finally { Remove-Item -LiteralPath $errFile.FullName -ErrorAction SilentlyContinue }
}

# Why the tests that boot the probe guest cannot run here (written as a warning), or $null.
function Get-ProbeGuestSkipReason([string] $What) {
    $probePath = Join-Path "$env:PSVMM_ROOT" 'out/guest/probe.elf'
    $reason = if (-not (Test-Path -LiteralPath $probePath)) { "the probe guest '$probePath' is not built (make -C tests/guest)" }
    elseif (-not (Test-Path -LiteralPath '/dev/kvm')) { 'this host has no /dev/kvm' }
    if ($reason) { Write-Warning "Skipping the $What guest tests: $reason." }
    $reason
}

# A file that passes the kernel header check: ELF magic, or a bzImage "HdrS" at 0x202.
function New-FakeKernel([string] $Path, [ValidateSet('Elf', 'BzImage', 'Junk')] [string] $Kind = 'Elf') {
    $bytes = [byte[]]::new(0x400)
    switch ($Kind) {
        'Elf' { $bytes[0] = 0x7F; $bytes[1] = [byte][char]'E'; $bytes[2] = [byte][char]'L'; $bytes[3] = [byte][char]'F' }
        'BzImage' { [Text.Encoding]::ASCII.GetBytes('HdrS').CopyTo($bytes, 0x202) }
        'Junk' { [Text.Encoding]::ASCII.GetBytes('#!/bin/sh').CopyTo($bytes, 0) }
    }
    [IO.File]::WriteAllBytes($Path, $bytes)
    $Path
}

# The cmdlets the manifest must export, no more, no less.
$PSVmmCmdlets = @(
    'Get-Vm', 'Get-VmConsole', 'New-VmConfig', 'Remove-Vm', 'Send-VmConsole', 'Start-Vm', 'Stop-Vm', 'Wait-Vm',
    'Add-VirtioBlkPci', 'Set-VirtioBlkPci', 'Get-VmPciDevice', 'Get-VmMsixTable', 'Get-VmVirtqueue', 'Get-VmVirtioDevice', 'Get-VmBlockStatistic', 'Get-VmVcpu',
    'Get-VmEvent'
)
