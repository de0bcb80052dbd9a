# The module as a whole: manifest, exports, cmdlet conventions, help and format views.

BeforeDiscovery {
    . "$PSScriptRoot/TestHelpers.ps1"
    $cmdletCases = $PSVmmCmdlets | ForEach-Object { @{ Name = $_ } }
    $commandCases = $PSVmmCmdlets + $PSVmmFunctions | ForEach-Object { @{ Name = $_ } }
    # Cmdlets that act on no VM: no -Name, no -Vm.
    $NoVmCmdlets = 'New-VmConfig', 'New-VmDiskImage', 'Resize-VmDiskImage', 'ConvertFrom-QemuCommandLine', 'ConvertTo-QemuCommandLine'
}

BeforeAll {
    . "$PSScriptRoot/TestHelpers.ps1"
    $modulePath = Get-PSVmmModulePath
    Import-Module $modulePath -Force
}

Describe 'The PSVmm module' {
    It 'imports cleanly in a fresh pwsh' {
        $result = Invoke-FreshPwsh @"
`$ErrorActionPreference = 'Stop'
`$WarningPreference = 'Stop'
Import-Module '$modulePath'
# The engine's RID-specific dependency must load from the module folder (no deps.json there).
`$null = [Reflection.Assembly]::Load('Tmds.LibC')
(Get-Command -Module PSVmm | Sort-Object Name).Name -join ','
"@
        $result.Error | Should -BeNullOrEmpty
        $result.ExitCode | Should -Be 0
        $result.Output[-1] | Should -Be (($PSVmmCmdlets + $PSVmmFunctions | Sort-Object) -join ',')
    }

    It 'exports exactly the PSVmm cmdlets and Pester helper functions and nothing else' {
        $module = Get-Module PSVmm
        @($module.ExportedCmdlets.Keys | Sort-Object) | Should -Be @($PSVmmCmdlets | Sort-Object)
        @($module.ExportedFunctions.Keys | Sort-Object) | Should -Be @($PSVmmFunctions | Sort-Object)
        $module.ExportedAliases.Count | Should -Be 0
        $module.ExportedVariables.Count | Should -Be 0
    }

    It 'has a manifest for PowerShell 7.6 Core with explicit exports' {
        $manifest = Import-PowerShellDataFile -LiteralPath $modulePath
        $manifest.RootModule | Should -Be 'PSVmm.dll'
        $manifest.CompatiblePSEditions | Should -Be @('Core')
        [version]$manifest.PowerShellVersion | Should -Be ([version]'7.6')
        $manifest.GUID | Should -Match '^[0-9a-f]{8}-([0-9a-f]{4}-){3}[0-9a-f]{12}$'
        $manifest.Description | Should -Not -BeNullOrEmpty
        $manifest.FormatsToProcess | Should -Contain 'PSVmm.Format.ps1xml'
        $manifest.CmdletsToExport | Should -Not -Contain '*'
        @($manifest.CmdletsToExport | Sort-Object) | Should -Be @($PSVmmCmdlets | Sort-Object)
        @($manifest.FunctionsToExport | Sort-Object) | Should -Be @($PSVmmFunctions | Sort-Object)
        { Test-ModuleManifest -Path $modulePath -ErrorAction Stop } | Should -Not -Throw
    }

    It 'ships its assemblies but not System.Management.Automation' {
        $dir = Split-Path $modulePath
        Join-Path $dir 'PSVmm.dll' | Should -Exist
        Join-Path $dir 'PSVmm.Engine.dll' | Should -Exist
        Join-Path $dir 'System.Management.Automation.dll' | Should -Not -Exist
    }
}

Describe '<Name> follows the cmdlet conventions' -ForEach $cmdletCases {
    BeforeAll {
        $command = Get-Command $Name -Module PSVmm
    }

    It 'is a cmdlet with an approved verb' {
        $command.CommandType | Should -Be 'Cmdlet'
        (Get-Verb).Verb | Should -Contain $command.Verb
    }

    It 'declares its output type' -Skip:($Name -eq 'Send-VmConsole') {
        $command.OutputType | Should -Not -BeNullOrEmpty
    }

    It 'takes -Name with the VMName alias and name completion' -Skip:($Name -in $NoVmCmdlets) {
        $param = $command.Parameters['Name']
        $param | Should -Not -BeNullOrEmpty
        $param.Aliases | Should -Contain 'VMName'
        $param.Attributes.Where({ $_ -is [System.Management.Automation.ArgumentCompleterAttribute] }).Count | Should -Be 1
        $param.Attributes.Where({ $_ -is [System.Management.Automation.SupportsWildcardsAttribute] }).Count | Should -Be 1
    }

    It 'takes VM objects from the pipeline and by position with -Vm' -Skip:($Name -in $NoVmCmdlets) {
        $param = $command.Parameters['Vm']
        $param.ParameterType | Should -Be ([PSVmm.Model.Vm[]])
        $param.Attributes.Where({ $_ -is [Parameter] -and $_.ValueFromPipeline }).Count | Should -BeGreaterThan 0
        $param.Attributes.Where({ $_ -is [Parameter] }).Position | Should -Be 0
    }

    It 'lets a VM object given to -Name stand for its name' -Skip:($Name -in $NoVmCmdlets) {
        $command.Parameters['Name'].Attributes.Where({ $_ -is [PSVmm.Commands.VmNameTransformationAttribute] }).Count | Should -Be 1
    }
}

Describe 'Changes go through ShouldProcess' {
    It '<Name> supports -WhatIf and -Confirm' -ForEach @(
        @{ Name = 'Start-Vm' }, @{ Name = 'Stop-Vm' }, @{ Name = 'Remove-Vm' }, @{ Name = 'Send-VmConsole' }, @{ Name = 'Add-VirtioBlkPci' }, @{ Name = 'Set-VirtioBlkPci' }
        @{ Name = 'New-VmDiskImage' }, @{ Name = 'Resize-VmDiskImage' }, @{ Name = 'Use-Vm' }
    ) {
        $command = Get-Command $Name -Module PSVmm
        $command.Parameters.Keys | Should -Contain 'WhatIf'
        $command.Parameters.Keys | Should -Contain 'Confirm'
    }

    It 'Remove-Vm is high impact' {
        $attribute = [PSVmm.Commands.RemoveVmCommand].GetCustomAttributes([System.Management.Automation.CmdletAttribute], $false)[0]
        $attribute.ConfirmImpact | Should -Be 'High'
    }

    It '<Name> has -PassThru' -ForEach @(@{ Name = 'Start-Vm' }, @{ Name = 'Stop-Vm' }, @{ Name = 'Remove-Vm' }, @{ Name = 'Wait-Vm' }, @{ Name = 'Add-VirtioBlkPci' }) {
        (Get-Command $Name -Module PSVmm).Parameters.Keys | Should -Contain 'PassThru'
    }

    It 'Remove-Vm and Stop-Vm have -Force' {
        (Get-Command Remove-Vm -Module PSVmm).Parameters.Keys | Should -Contain 'Force'
        (Get-Command Stop-Vm -Module PSVmm).Parameters.Keys | Should -Contain 'Force'
    }
}

Describe 'Help for <Name>' -ForEach $commandCases {
    BeforeAll {
        $help = Get-Help $Name -Full
        $command = Get-Command $Name -Module PSVmm
    }

    It 'comes from the MAML file, not a generated stub' {
        # A stub has the syntax as its synopsis, no description and no examples.
        $help.Synopsis | Should -Not -BeNullOrEmpty
        $help.Synopsis | Should -Not -Match "^\s*$Name\s"
        $help.Description.Text -join ' ' | Should -Not -BeNullOrEmpty
    }

    It 'has at least one example with code and remarks' {
        $examples = @($help.Examples.Example)
        $examples.Count | Should -BeGreaterOrEqual 1
        $examples[0].Code | Should -Not -BeNullOrEmpty
        $examples[0].Code | Should -Match ([regex]::Escape($Name))
    }

    It 'documents every parameter' {
        $common = [System.Management.Automation.PSCmdlet]::CommonParameters  # -WhatIf and -Confirm are documented
        $expected = @($command.Parameters.Keys | Where-Object { $_ -notin $common } | Sort-Object)
        $documented = @($help.Parameters.Parameter | ForEach-Object Name | Sort-Object)
        $documented | Should -Be $expected
        foreach ($p in $help.Parameters.Parameter) {
            ($p.Description.Text -join '') | Should -Not -BeNullOrEmpty -Because "-$($p.Name) needs a description"
        }
    }

    It 'names its inputs and outputs' {
        $help.InputTypes | Should -Not -BeNullOrEmpty
        $help.ReturnValues | Should -Not -BeNullOrEmpty
    }
}

Describe 'The about_PSVmm topic' {
    It 'is found by Get-Help and explains the name collisions' {
        $text = Get-Help about_PSVmm | Out-String
        $text | Should -Match 'PSVmm\\Start-Vm'
    }
}

Describe 'Format views' {
    It 'Get-Vm has a table with Name, State, CPUs, MemoryMB, Uptime and Devices' {
        $views = (Get-FormatData -TypeName PSVmm.Model.Vm).FormatViewDefinition
        $table = $views | Where-Object { $_.Control -is [System.Management.Automation.TableControl] }
        $table | Should -Not -BeNullOrEmpty
        $table.Control.Headers.Label | Should -Be @('Name', 'State', 'CPUs', 'MemoryMB', 'Uptime', 'Devices')
    }

    It 'Get-Vm has a list view that shows FailureReason' {
        $views = (Get-FormatData -TypeName PSVmm.Model.Vm).FormatViewDefinition
        $list = $views | Where-Object { $_.Control -is [System.Management.Automation.ListControl] }
        $list.Control.Entries.Items.DisplayEntry.Value | Should -Contain 'FailureReason'
    }

    It 'shows a VmConfig as a table row' {
        $kernel = New-FakeKernel (Join-Path $TestDrive 'vmlinux')
        $text = New-VmConfig -Name fmt1 -Kernel $kernel -MemoryMB 128 -CpuCount 2 | Format-Table | Out-String
        $text | Should -Match 'Name\s+CPUs\s+MemoryMB\s+CpuProfile\s+Kernel'
        $text | Should -Match 'fmt1\s+2\s+128\s+Auto'
    }
}
