# The VM objects the cmdlets write, how every VM cmdlet takes them, waits for several VMs, and what
# happens to running VMs when pwsh exits. Most of it runs anywhere on VMs that are registered but not
# started (State Off); the parts that need a running guest are tagged Guest and skip without KVM.

BeforeDiscovery {
    . "$PSScriptRoot/TestHelpers.ps1"
    $skipGuest = [bool](Get-ProbeGuestSkipReason 'VM object')
    $vmCmdlets = @('Get-Vm', 'Start-Vm', 'Stop-Vm', 'Wait-Vm', 'Remove-Vm', 'Get-VmConsole', 'Send-VmConsole', 'Get-VmEvent', 'Get-VmVcpu',
        'Get-VmPciDevice', 'Get-VmMsixTable', 'Get-VmVirtqueue', 'Get-VmVirtioDevice', 'Get-VmBlockStatistic', 'Add-VirtioBlkPci', 'Set-VirtioBlkPci') |
        ForEach-Object { @{ Name = $_ } }
}

BeforeAll {
    . "$PSScriptRoot/TestHelpers.ps1"
    $modulePath = Get-PSVmmModulePath
    Import-Module $modulePath -Force
    $probe = Join-Path $env:PSVMM_ROOT 'out/guest/probe.elf'

    # A VM registered the way Start-Vm registers one just before its machine starts, and never
    # started: this host may have no KVM, and the object surface, binding and waits do not need it.
    $script:registerMachine = {
        param([string] $Name)
        $kernel = New-FakeKernel (Join-Path $TestDrive "$Name.elf")
        $machine = [PSVmm.Engine.Machine.VirtualMachine]::Create((New-VmConfig -Name $Name -Kernel $kernel -MemoryMB 32 -CpuCount 2))
        $registry = [PSVmm.Model.Vm].Assembly.GetType('PSVmm.Session.VmRegistry', $true)
        $null = $registry.GetMethod('Register').Invoke($null, [object[]]@($machine, $null))
    }
    function New-UnstartedVm([string] $Name) {
        & $registerMachine $Name
        Get-Vm -Name $Name
    }
    function Remove-AllVms { Get-Vm | Remove-Vm -Force -Confirm:$false }

    # Another runspace of this process with the module imported, for a command to stop as Ctrl+C
    # would. (The import runs on its own: stopping a batch of statements can crash pwsh.)
    function New-ModuleShell {
        $ps = [powershell]::Create()
        $null = $ps.AddCommand('Import-Module').AddParameter('Name', $modulePath).Invoke()
        $ps.Commands.Clear()
        $ps
    }
}

AfterAll {
    Remove-AllVms
}

Describe 'A VM object' {
    BeforeAll {
        Remove-AllVms
        $vm = New-UnstartedVm obj1
    }

    It 'is the module''s own type, not the engine''s' {
        $vm | Should -BeOfType ([PSVmm.Model.Vm])
        $vm.PSObject.TypeNames[0] | Should -Be 'PSVmm.Model.Vm'
    }

    It 'has no method that changes the VM behind the cmdlets'' back' {
        $methods = ($vm | Get-Member -MemberType Method).Name
        foreach ($forbidden in 'Start', 'Dispose', 'TurnOff', 'RequestShutdown', 'SendConsoleInput', 'SetDiskLimits', 'WaitForExit') {
            $methods | Should -Not -Contain $forbidden
        }
        foreach ($property in $vm.PSObject.Properties) {
            $property.TypeNameOfValue | Should -Not -BeLike 'PSVmm.Engine.Machine.VirtualMachine*' -Because "-$($property.Name) must not hand out the machine"
            $property.TypeNameOfValue | Should -Not -BeLike 'PSVmm.Engine.Machine.ConsoleLog*'
        }
    }

    It 'shows the VM''s configuration as properties and a copy as Config' {
        $vm.Name | Should -Be 'obj1'
        $vm.CpuCount | Should -Be 2
        $vm.MemoryMB | Should -Be 32
        $vm.Kernel | Should -BeLike '*obj1.elf'
        $vm.Config.MemoryMB = 64
        (Get-Vm obj1).MemoryMB | Should -Be 32 -Because 'Config is a copy'
    }

    It 'says what it is in a string' {
        "$vm" | Should -Be 'obj1 (Off)'
        "$($vm.Config)" | Should -Be 'obj1: 2 CPUs, 32 MB, obj1.elf, 0 disks'
    }

    It 'is the same VM as another object of it' {
        $again = Get-Vm obj1
        $again.Id | Should -Be $vm.Id
        $again -eq $vm | Should -BeTrue
    }

    It 'shows in the Get-Vm table' {
        $vm | Format-Table | Out-String | Should -Match 'obj1\s+Off\s+2\s+32\s+00:00:00\s+0'
    }
}

Describe 'ConvertTo-Json of PSVmm objects' {
    BeforeAll {
        Remove-AllVms
        $vm = New-UnstartedVm json1
        $json = $vm | ConvertTo-Json
        $parsed = $json | ConvertFrom-Json
    }

    It 'writes the VM''s state and CPU profile by name' {
        $json | Should -Match '"State": "Off"'
        $parsed.State | Should -Be 'Off'
        $parsed.CpuProfile | Should -Be 'Auto'
        $parsed.Config.CpuProfile | Should -Be 'Auto'
    }

    It 'works for a VM with a disk, and says what the disk is' {
        $image = Join-Path $TestDrive 'json-disk.img'
        [IO.File]::WriteAllBytes($image, [byte[]]::new(1MB))
        $withDisk = Get-Vm json1 | ForEach-Object Config | Add-VirtioBlkPci -Path $image -PciAddress 5
        $withDisk.Name = 'json2'
        $machine = [PSVmm.Engine.Machine.VirtualMachine]::Create($withDisk)
        $null = [PSVmm.Model.Vm].Assembly.GetType('PSVmm.Session.VmRegistry', $true).GetMethod('Register').Invoke($null, [object[]]@($machine, $null))
        $diskJson = Get-Vm json2 | ConvertTo-Json -WarningAction SilentlyContinue
        $diskJson | Should -Match '"disk0: [^"]*json-disk\.img at 00:05\.0"'
        (Get-Vm json2).Devices.Count | Should -Be 1
    }

    It 'holds no engine internals and no huge dump' {
        $parsed.PSObject.Properties.Name | Should -Not -Contain 'Console'
        $parsed.PSObject.Properties.Name | Should -Not -Contain 'Events'
        $json.Length | Should -BeLessThan 3000
    }

    It 'writes enums of the device objects by name too (<Text>)' -ForEach @(
        @{ Text = 'a BAR'; Object = { [PSVmm.Engine.Pci.PciBarInfo]::new(4, 'Memory64', $true, 0xe0000000L, 16KB, $true) }; Expected = '"Kind":"Memory64"' }
        @{ Text = 'a flags enum'; Object = { @{ Command = [PSVmm.Engine.Pci.PciCommand]'MemorySpace, BusMaster' } }; Expected = '"Command":"MemorySpace, BusMaster"' }
    ) {
        & $Object | ConvertTo-Json -Compress | Should -Match ([regex]::Escape($Expected))
    }

    It 'leaves other enums alone' {
        @{ Day = [DayOfWeek]::Monday } | ConvertTo-Json -Compress | Should -Be '{"Day":1}'
    }
}

Describe 'BAR and capability objects' {
    It 'a BAR says <Expected>' -ForEach @(
        @{ Bar = @(4, 'Memory64', $true, 0xe0000000L, 16KB, $true); Expected = 'BAR4 Memory64 0xe0000000 16 KiB prefetchable' }
        @{ Bar = @(1, 'Memory32', $false, 0xfebd1000L, 4KB, $false); Expected = 'BAR1 Memory32 0xfebd1000 4 KiB, disabled' }
        @{ Bar = @(0, 'Io', $false, 0xc000, 64, $true); Expected = 'BAR0 Io 0xc000 64 B' }
    ) {
        "$([PSVmm.Engine.Pci.PciBarInfo]::new($Bar[0], $Bar[1], $Bar[2], $Bar[3], $Bar[4], $Bar[5]))" | Should -Be $Expected
    }

    It 'a capability says its name and offset' {
        "$([PSVmm.Engine.Pci.PciCapabilityInfo]::new(0x11, 0x40, 'MSI-X'))" | Should -Be 'MSI-X at 0x40'
    }
}

Describe '<Name> takes a VM the same way as every VM cmdlet' -ForEach $vmCmdlets {
    It 'has -Vm (PSVmm.Model.Vm[]) and -Name at position 0, in two parameter sets' {
        $command = Get-Command $Name -Module PSVmm
        $vmParam = $command.Parameters['Vm']
        $vmParam.ParameterType | Should -Be ([PSVmm.Model.Vm[]])
        $vmParam.ParameterSets['Vm'].Position | Should -Be 0
        $vmParam.ParameterSets['Vm'].ValueFromPipeline | Should -BeTrue
        $command.Parameters['Name'].ParameterSets['Name'].Position | Should -Be 0
    }
}

Describe 'Binding a VM object' {
    BeforeAll {
        Remove-AllVms
        $vm = New-UnstartedVm bind1
        $other = New-UnstartedVm bind2
    }

    It 'Get-Vm <Text> gets that VM' -ForEach @(
        @{ Text = '-Vm $vm'; Call = { Get-Vm -Vm $vm } }
        @{ Text = '$vm (by position)'; Call = { Get-Vm $vm } }
        @{ Text = '-Name $vm'; Call = { Get-Vm -Name $vm } }
        @{ Text = 'from the pipeline'; Call = { $vm | Get-Vm } }
        @{ Text = '-Name with an array of objects'; Call = { Get-Vm -Name @($vm) } }
    ) {
        $got = @(& $Call)
        $got.Count | Should -Be 1
        $got[0].Name | Should -Be 'bind1'
    }

    It 'every other VM cmdlet takes it by position and by -Name' {
        { Get-VmConsole $vm -ErrorAction Stop } | Should -Not -Throw
        { Get-VmConsole -Name $vm -ErrorAction Stop } | Should -Not -Throw
        { Get-VmEvent $vm -ErrorAction Stop } | Should -Not -Throw
        { Get-VmVcpu -Name $vm, $other -ErrorAction Stop } | Should -Not -Throw
        { Wait-Vm $vm -TimeoutSec 1 -ErrorAction Stop } | Should -Throw -ErrorId 'WaitTimeout,*'
    }

    It 'a removed VM''s object is VmNotFound, naming the VM' {
        $gone = New-UnstartedVm bind3
        Remove-Vm $gone -Force
        $gone.IsRegistered | Should -BeFalse
        $err = { Get-Vm -Vm $gone -ErrorAction Stop } | Should -Throw -ErrorId 'VmNotFound,*' -PassThru
        $err.Exception.Message | Should -Match "'bind3'"
        $err.TargetObject | Should -Be $gone
        $gone.State | Should -Be 'Off' -Because 'it still shows its last state'
    }

    It 'Remove-Vm -PassThru writes the removed VM' {
        $null = New-UnstartedVm bind4
        $removed = Remove-Vm bind4 -Force -PassThru
        $removed | Should -BeOfType ([PSVmm.Model.Vm])
        $removed.IsRegistered | Should -BeFalse
    }
}

Describe 'Waiting for several VMs' {
    BeforeAll {
        Remove-AllVms
        $a = New-UnstartedVm wait1
        $b = New-UnstartedVm wait2
        $c = New-UnstartedVm wait3
    }

    It 'Wait-Vm <Text> has one timeout for all of them' -ForEach @(
        @{ Text = 'with an array'; Call = { Wait-Vm -Vm $a, $b, $c -For Exit -TimeoutSec 2 -ErrorAction SilentlyContinue -ErrorVariable errs } }
        @{ Text = 'from the pipeline'; Call = { $a, $b, $c | Wait-Vm -For Exit -TimeoutSec 2 -ErrorAction SilentlyContinue -ErrorVariable errs } }
        @{ Text = 'by wildcard'; Call = { Wait-Vm -Name wait* -Pattern 'never' -TimeoutSec 2 -ErrorAction SilentlyContinue -ErrorVariable errs } }
    ) {
        $errs = $null
        $watch = [Diagnostics.Stopwatch]::StartNew()
        . $Call
        $watch.Elapsed.TotalSeconds | Should -BeLessThan 4 -Because 'three VMs share one 2 s timeout (6 s if each had its own)'
        $watch.Elapsed.TotalSeconds | Should -BeGreaterOrEqual 1.9
        @($errs | Where-Object FullyQualifiedErrorId -like 'WaitTimeout,*').Count | Should -Be 3
        @($errs.TargetObject.Name | Sort-Object) | Should -Be @('wait1', 'wait2', 'wait3')
    }

    It 'Wait-Vm -Infinite waits until Ctrl+C' {
        $ps = New-ModuleShell
        try {
            $null = $ps.AddCommand('Wait-Vm').AddParameter('Name', 'wait1').AddParameter('For', 'Exit').AddParameter('Infinite')
            $async = $ps.BeginInvoke()
            Start-Sleep -Seconds 2
            $async.IsCompleted | Should -BeFalse -Because 'the VM never exits and there is no limit'
            $ps.Stop()
            $ps.InvocationStateInfo.State | Should -Be 'Stopped'
        }
        finally { $ps.Dispose() }
    }

    It 'Wait-Vm -TimeoutSec 0 means no limit too' {
        $ps = New-ModuleShell
        try {
            $null = $ps.AddCommand('Wait-Vm').AddParameter('Name', 'wait1').AddParameter('TimeoutSec', 0)
            $async = $ps.BeginInvoke()
            Start-Sleep -Seconds 2
            $async.IsCompleted | Should -BeFalse
            $ps.Stop()
        }
        finally { $ps.Dispose() }
    }

    It 'Wait-Vm refuses -Infinite with a limit' {
        { Wait-Vm wait1 -Infinite -TimeoutSec 5 -ErrorAction Stop } | Should -Throw -ErrorId 'TimeoutConflict,*'
    }

    It 'Stop-Vm -TurnOff pulls every plug and writes each VM' {
        $stopped = @(Stop-Vm -Vm $a, $b -TurnOff -Force -PassThru)
        @($stopped.Name | Sort-Object) | Should -Be @('wait1', 'wait2')
    }
}

Describe 'Wait-Vm -For completion' {
    It 'offers each condition once' {
        $completion = TabExpansion2 -inputScript 'Wait-Vm -For ' -cursorColumn 'Wait-Vm -For '.Length
        @($completion.CompletionMatches.CompletionText) | Should -Be @('ConsolePattern', 'Exit')
    }

    It 'still takes Shutdown for Exit' {
        { Wait-Vm -Name nosuch -For Shutdown -ErrorAction Stop } | Should -Throw -ErrorId 'VmNotFound,*'
        { Wait-Vm -Name nosuch -For shutdown -Pattern x } | Should -Throw -ErrorId 'PatternNotApplicable,*'
    }
}

Describe 'Running VMs when pwsh exits' {
    BeforeAll {
        $register = $registerMachine.ToString()
        $prelude = @"
`$ErrorActionPreference = 'Stop'
. '$PSScriptRoot/TestHelpers.ps1'
Import-Module '$modulePath'
`$TestDrive = '$TestDrive'
`$registerMachine = { $register }
"@
    }

    It 'says nothing when no VM runs' {
        $result = Invoke-FreshPwsh "$prelude`nGet-Vm | Out-Null"
        $result.ExitCode | Should -Be 0
        $result.Error | Should -BeNullOrEmpty
    }

    It 'stops the VMs that are left, says so on stderr, and exits promptly' {
        $watch = [Diagnostics.Stopwatch]::StartNew()
        $result = Invoke-FreshPwsh "$prelude`n& `$registerMachine exit1; & `$registerMachine exit2; 'registered'; exit 3"
        $watch.Elapsed.TotalSeconds | Should -BeLessThan 30
        $result.Output | Should -Contain 'registered'
        $result.ExitCode | Should -Be 3 -Because 'the exit code of the script stays'
        $result.Error | Should -Match 'WARNING: PSVmm: pwsh is exiting with 2 VMs running \(exit1, exit2\)'
        $result.Error | Should -Match 'turned off: exit1, exit2\.'
    }

    It 'Remove-Module leaves them running and says so' {
        $result = Invoke-FreshPwsh "$prelude`n& `$registerMachine keep1; Remove-Module PSVmm; Import-Module '$modulePath'; (Get-Vm keep1).Name"
        $result.Output[-1] | Should -Be 'keep1'
        $result.Error | Should -Match 'WARNING: PSVmm was removed with 1 VM running \(keep1\): they keep running'
    }
}

Describe 'The module manifest and package' {
    BeforeAll {
        $manifest = Import-PowerShellDataFile -LiteralPath $modulePath
        $psData = $manifest.PrivateData.PSData
    }

    It 'has release notes' {
        $psData.ReleaseNotes | Should -Match '0\.1\.0'
    }

    It 'names a license only if the project has one' {
        if (Test-Path (Join-Path $env:PSVMM_ROOT 'LICENSE*')) { $psData.LicenseUri | Should -Not -BeNullOrEmpty }
        else { $psData.LicenseUri | Should -BeNullOrEmpty }
    }

    It 'invents no project address' {
        # The repository has no public remote: a ProjectUri would be made up.
        $psData.ProjectUri | Should -BeNullOrEmpty
    }

    It 'ships only the linux-x64 runtime' {
        @(Get-ChildItem (Join-Path (Split-Path $modulePath) 'runtimes') -Directory).Name | Should -Be @('linux-x64')
    }
}

Describe 'VM objects of running guests' -Tag 'Guest' -Skip:$skipGuest {
    BeforeAll {
        Remove-AllVms
        function Start-IdleProbe([string] $Name) {
            New-VmConfig -Name $Name -Kernel $probe -MemoryMB 64 -KernelArgs idle | Start-Vm -PassThru -ErrorAction Stop
        }
    }

    AfterAll { Remove-AllVms }

    It 'a running VM is "State": "Running" in JSON' {
        $vm = Start-IdleProbe json2
        ($vm | ConvertTo-Json | ConvertFrom-Json).State | Should -Be 'Running'
        Stop-Vm $vm -TurnOff -Force
        $vm.State | Should -Be 'Stopped' -Because 'the object is a live view'
    }

    It 'Wait-Vm waits for two guests together and writes each' {
        $vms = 'pair1', 'pair2' | ForEach-Object { Start-IdleProbe $_ }
        $ready = @($vms | Wait-Vm -Pattern '^probe: idle' -TimeoutSec 60 -PassThru -ErrorAction Stop)
        @($ready.Name | Sort-Object) | Should -Be @('pair1', 'pair2')
    }

    It 'Stop-Vm presses both power buttons first, then waits for both' {
        $watch = [Diagnostics.Stopwatch]::StartNew()
        $stopped = @(Get-Vm pair* | Stop-Vm -TimeoutSec 30 -PassThru -ErrorAction Stop)
        $watch.Elapsed.TotalSeconds | Should -BeLessThan 30
        @($stopped.State) | Should -Be @('Stopped', 'Stopped')
        @($stopped.ExitCode) | Should -Be @(0, 0)
        foreach ($name in 'pair1', 'pair2') { Get-VmConsole $name | Should -Contain 'probe: shutdown requested' }
    }

    It 'pwsh exiting with a running guest presses its power button and the guest shuts down' {
        $img = Join-Path $TestDrive 'exit-disk.img'
        [IO.File]::WriteAllBytes($img, [byte[]]::new(1MB))
        $result = Invoke-FreshPwsh @"
`$ErrorActionPreference = 'Stop'
Import-Module '$modulePath'
`$vm = New-VmConfig -Name exitprobe -Kernel '$probe' -MemoryMB 64 -KernelArgs idle | Add-VirtioBlkPci -Path '$img' | Start-Vm -PassThru
Wait-Vm `$vm -Pattern '^probe: idle' -TimeoutSec 60
'idle'
"@
        $result.Output | Should -Contain 'idle'
        $result.ExitCode | Should -Be 0
        $result.Error | Should -Match 'pwsh is exiting with 1 VM running \(exitprobe\)'
        $result.Error | Should -Match 'shut down: exitprobe\.'
        # The image lock went with the VM: a VM here can open the image read-write.
        $vm = New-VmConfig -Name lockcheck -Kernel $probe -MemoryMB 64 | Add-VirtioBlkPci -Path $img | Start-Vm -PassThru -ErrorAction Stop
        Stop-Vm $vm -TurnOff -Force
    }
}
