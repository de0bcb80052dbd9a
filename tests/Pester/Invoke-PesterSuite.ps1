# Runs every Pester test against the built module in out/PSVmm and writes "passed failed" to -ResultFile.
param(
    [Parameter(Mandatory)] [string] $ResultFile,
    [string[]] $ExcludeTag = @()
)
$ErrorActionPreference = 'Stop'
$root = Resolve-Path "$PSScriptRoot/../.."
$pester = Get-ChildItem "$HOME/.nuget/packages/pester/5.7.1/tools/Pester.psd1"
Import-Module $pester.FullName -Force

$config = New-PesterConfiguration
$config.Run.Path = $PSScriptRoot
$config.Run.PassThru = $true
$config.Output.Verbosity = 'Detailed'
$config.Filter.ExcludeTag = $ExcludeTag
$env:PSVMM_MODULE = Join-Path $root 'out/PSVmm/PSVmm.psd1'
$env:PSVMM_ROOT = "$root"

$result = Invoke-Pester -Configuration $config
"$($result.PassedCount) $($result.FailedCount)" | Set-Content -Path $ResultFile
if ($result.FailedCount -gt 0) { exit 1 }
exit 0
