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
# A failed BeforeAll/AfterAll or a file that does not even load is not in FailedCount: count it too.
$failed = $result.FailedCount + $result.FailedBlocksCount + $result.FailedContainersCount
"$($result.PassedCount) $failed" | Set-Content -Path $ResultFile
# Named again at the end, where a CI log that keeps only its tail still shows them.
foreach ($test in $result.Failed) { "Pester failed: $($test.ExpandedPath)" }
foreach ($block in $result.FailedBlocks) { "Pester failed block: $($block.Path -join ' ')" }
foreach ($container in $result.FailedContainers) { "Pester failed to load: $($container.Item)" }
"$($result.PassedCount) passed, $failed failed"
if ($failed -gt 0) { exit 1 }
exit 0
