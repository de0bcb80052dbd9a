# Helpers for users' Pester tests of their guests, nested in the PSVmm manifest:
#  - the Should operator HaveConsoleLine:  $vm | Should -HaveConsoleLine 'VFS: Mounted root' -Within 300
#  - Use-Vm: boots a config, runs a script block with the VM and always removes the VM.
# Pester may be imported before or after PSVmm: the operator is registered when PSVmm is imported
# into a session that has Pester, and Register-VmShouldOperator registers it after the fact.

Set-StrictMode -Version 3.0

# The Should operator. Pester calls it with the piped value as -ActualValue, -Negate for
# 'Should -Not', and the operator's own parameters (ExpectedValue binds by position).
function Test-VmConsoleLine($ActualValue, [string] $ExpectedValue, [double] $Within = 0, [switch] $Negate, [string] $Because) {
    $vms = @($ActualValue)
    if ($vms.Count -ne 1 -or -not (Test-ConsoleSource $vms[0])) {
        $got = if ($vms.Count -ne 1) { "$($vms.Count) objects" } else { "a $($vms[0].GetType().FullName)" }
        return [pscustomobject]@{
            Succeeded      = $false
            FailureMessage = "Expected one VM (from Start-Vm -PassThru or Get-Vm) to read the console of, but got $got."
        }
    }

    $vm = $vms[0]
    $clock = [Diagnostics.Stopwatch]::StartNew()
    while ($true) {
        $live = Test-VmLive $vm
        $line = Find-ConsoleLine ((Get-ConsoleText $vm)) $ExpectedValue -WholeLinesOnly:$live
        if ($null -ne $line -or -not $live -or $clock.Elapsed.TotalSeconds -ge $Within) { break }
        Start-Sleep -Milliseconds 200
    }

    $found = $null -ne $line
    # (PowerShell names are case-insensitive: these must not be called $within or $because.)
    $withinText = if ($Within -gt 0) { " within $Within s" } else { '' }
    $becauseText = if ($Because) { " because $Because," } else { '' }
    $message = if ($Negate -and $found) {
        "Expected VM '$($vm.Name)' not to write a console line containing '$ExpectedValue'$withinText,$becauseText but it did: '$line'."
    }
    elseif (-not $Negate -and -not $found) {
        $why = if ($live) { "after $([math]::Round($clock.Elapsed.TotalSeconds, 1)) s" } else { "and it is $($vm.State)" }
        $tail = @(((Get-ConsoleText $vm)) -split '\r?\n' | Where-Object { $_ -match '\S' } | Select-Object -Last 10)
        $shown = if ($tail.Count) { ($tail | ForEach-Object { "    $_" }) -join [Environment]::NewLine } else { '    (nothing)' }
        "Expected VM '$($vm.Name)' to write a console line containing '$ExpectedValue'$withinText,$becauseText but it did not ($why). Its last console lines:$([Environment]::NewLine)$shown"
    }
    [pscustomobject]@{ Succeeded = -not $message; FailureMessage = $message }
}

# A VM as Start-Vm and Get-Vm return it, or any object that shows its console the same way.
function Test-ConsoleSource($Value) {
    $Value -is [PSVmm.Model.Vm] -or (
        $null -ne $Value -and $Value.PSObject.Properties['Name'] -and $Value.PSObject.Properties['Console'] -and
        $null -ne $Value.Console -and $Value.Console.PSObject.Properties['Text'])
}

# The console text so far: a VM's through Get-VmConsole (found by type, as Use-Vm finds its cmdlets),
# another object's from its Console.Text.
function Get-ConsoleText($Value) {
    if ($Value -is [PSVmm.Model.Vm]) {
        $getConsole = $ExecutionContext.InvokeCommand.GetCmdletByTypeName('PSVmm.Commands.GetVmConsoleCommand')
        return [string](& $getConsole -Vm $Value -Raw)
    }
    [string]$Value.Console.Text
}

# Starting, Running or Stopping: more console output may come. An object without a State is taken as live.
function Test-VmLive($Vm) {
    -not $Vm.PSObject.Properties['State'] -or "$($Vm.State)" -in 'Starting', 'Running', 'Stopping'
}

# The first line of $Text that contains $Part (ordinal), or $null. -WholeLinesOnly: a last line
# without a line break does not count yet (the guest may still be writing it; a test that then
# reads the line would get half of it).
function Find-ConsoleLine([string] $Text, [string] $Part, [switch] $WholeLinesOnly) {
    $at = $Text.IndexOf($Part, [StringComparison]::Ordinal)
    if ($at -lt 0) { return $null }
    $start = $Text.LastIndexOf("`n", $at, [StringComparison]::Ordinal) + 1
    $end = $Text.IndexOf("`n", $at, [StringComparison]::Ordinal)
    if ($end -lt 0) {
        if ($WholeLinesOnly) { return $null }
        $end = $Text.Length
    }
    $Text.Substring($start, $end - $start).TrimEnd("`r")
}

function Register-VmShouldOperator {
    # .ExternalHelp PSVmm.dll-Help.xml
    [CmdletBinding()]
    [OutputType([void])]
    param()

    $pester = Get-Module Pester | Where-Object { $_.ExportedCommands.ContainsKey('Add-ShouldOperator') } |
        Sort-Object Version -Descending | Select-Object -First 1
    if (-not $pester) {
        $PSCmdlet.ThrowTerminatingError([Management.Automation.ErrorRecord]::new(
                [InvalidOperationException]::new('Pester is not imported, so there is no Should to add HaveConsoleLine to. Import Pester 5 first (Import-Module Pester), then call Register-VmShouldOperator.'),
                'PesterNotImported', 'ObjectNotFound', $null))
    }
    try {
        # Pester ignores an operator registered again with the same test. Get-ShouldOperator -Name
        # shows the help of the InternalName command: this function's help describes the operator.
        & $pester.ExportedCommands['Add-ShouldOperator'] -Name HaveConsoleLine -Test ${function:Test-VmConsoleLine} -InternalName Register-VmShouldOperator
    }
    catch {
        $PSCmdlet.WriteError([Management.Automation.ErrorRecord]::new(
                [InvalidOperationException]::new("Pester already has a different Should -HaveConsoleLine (from another version of PSVmm?); it is kept: $($_.Exception.Message)", $_.Exception),
                'ShouldOperatorConflict', 'ResourceExists', 'HaveConsoleLine'))
    }
}

function Use-Vm {
    # .ExternalHelp PSVmm.dll-Help.xml
    [CmdletBinding(SupportsShouldProcess, ConfirmImpact = 'Medium')]
    [OutputType([object])]
    param(
        [Parameter(Mandatory, Position = 0, ValueFromPipeline)]
        [ValidateNotNull()]
        [PSVmm.Engine.Machine.VmConfig] $Config,

        [Parameter(Mandatory, Position = 1)]
        [ValidateNotNull()]
        [scriptblock] $ScriptBlock
    )
    process {
        if (-not $PSCmdlet.ShouldProcess($Config.Name, 'Start the VM, run the script block with it, remove it')) { return }
        # By type, not by name: an -Prefix import or another module's Start-Vm changes the names.
        $startVm = $ExecutionContext.InvokeCommand.GetCmdletByTypeName('PSVmm.Commands.StartVmCommand')
        $removeVm = $ExecutionContext.InvokeCommand.GetCmdletByTypeName('PSVmm.Commands.RemoveVmCommand')
        try {
            $vm = & $startVm -Config $Config -PassThru -Confirm:$false -WhatIf:$false -ErrorAction Stop
        }
        catch {
            # Without a VM there is nothing to run: a test that uses Use-Vm fails here.
            $PSCmdlet.ThrowTerminatingError($_)
        }
        try {
            & $ScriptBlock $vm
        }
        finally {
            & $removeVm -Vm $vm -Force -Confirm:$false -WhatIf:$false -ErrorAction SilentlyContinue -ErrorVariable removeErrors
            # The script block may have removed it itself; anything else is worth seeing.
            foreach ($e in $removeErrors) {
                if ($e.FullyQualifiedErrorId -notlike 'VmNotFound,*') { $PSCmdlet.WriteError($e) }
            }
        }
    }
}

if (Get-Module Pester) {
    Register-VmShouldOperator -ErrorAction SilentlyContinue
}

Export-ModuleMember -Function Use-Vm, Register-VmShouldOperator
