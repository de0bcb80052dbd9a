# The Pester helpers PSVmm ships for users: Should -HaveConsoleLine (against objects that show their
# console as a VM does, and against a real guest) and Use-Vm (boots, runs, always removes).

BeforeDiscovery {
    . "$PSScriptRoot/TestHelpers.ps1"
    $skip = [bool](Get-ProbeGuestSkipReason 'Pester helper')
}

BeforeAll {
    . "$PSScriptRoot/TestHelpers.ps1"
    $modulePath = Get-PSVmmModulePath
    Import-Module $modulePath -Force   # Pester is loaded: the import registers the operator
    $pesterPath = (Get-Module Pester).Path
    $probe = Join-Path $env:PSVMM_ROOT 'out/guest/probe.elf'

    # An object that shows its console the way a VM does: Name, State and a Console whose Text grows.
    function New-ConsoleSource([string] $Text, [string] $State = 'Running', [string] $Name = 'fake') {
        $console = [PSVmm.Engine.Machine.ConsoleLog]::new()
        $console.Append($Text)
        [pscustomobject]@{ Name = $Name; State = $State; Console = $console }
    }
    # A console whose text appears only after $DelaySeconds, read on the caller's thread.
    function New-LateConsoleSource([string] $Text, [double] $DelaySeconds) {
        $clock = [Diagnostics.Stopwatch]::StartNew()
        $console = [pscustomobject]@{ Clock = $clock; Late = $Text; Delay = $DelaySeconds }
        $console | Add-Member -MemberType ScriptProperty -Name Text -Value {
            if ($this.Clock.Elapsed.TotalSeconds -ge $this.Delay) { "booting`n$($this.Late)`n" } else { "booting`n" }
        }
        [pscustomobject]@{ Name = 'late'; State = 'Running'; Console = $console }
    }
    # The message of a failed Should.
    function Get-ShouldFailure([scriptblock] $Assertion) {
        try { & $Assertion; $null }
        catch { $_.Exception.Message }
    }

    $boot = "[    0.000000] Linux version 6.1.0`r`n[    2.100000] EXT4-fs (vda): mounted filesystem`r`n[    2.200000] VFS: Mounted root (ext4 filesystem) on device 254:0.`r`n"
}

Describe 'Should -HaveConsoleLine' {
    It 'is registered when PSVmm is imported into a session with Pester' {
        (Get-ShouldOperator).Name | Should -Contain 'HaveConsoleLine'
        $help = Get-ShouldOperator -Name HaveConsoleLine
        $help.Help.Synopsis | Should -Match 'HaveConsoleLine' -Because 'Get-ShouldOperator shows the help of Register-VmShouldOperator'
    }

    It 'passes when a console line contains the text, and -Not passes when none does' {
        $vm = New-ConsoleSource $boot
        $vm | Should -HaveConsoleLine 'VFS: Mounted root'
        $vm | Should -HaveConsoleLine '[    0.000000] Linux version' -Because 'the text is compared exactly, not as a pattern'
        $vm | Should -Not -HaveConsoleLine 'Kernel panic'
    }

    It 'fails with the text, the VM and its last console lines' {
        $text = (1..30 | ForEach-Object { "line $_" }) -join "`n"
        $message = Get-ShouldFailure { New-ConsoleSource $text -Name web | Should -HaveConsoleLine 'login:' -Because 'the guest should come up' }
        $message | Should -Match "Expected VM 'web' to write a console line containing 'login:', because the guest should come up, but it did not"
        $message | Should -Match 'line 30'
        $message | Should -Match 'line 21'
        $message | Should -Not -Match 'line 20\b' -Because 'only the last ten lines are shown'
    }

    It 'fails under -Not with the line that was found' {
        $message = Get-ShouldFailure { New-ConsoleSource $boot | Should -Not -HaveConsoleLine 'EXT4-fs' }
        $message | Should -Match "not to write a console line containing 'EXT4-fs'"
        $message | Should -Match ([regex]::Escape("'[    2.100000] EXT4-fs (vda): mounted filesystem'"))
    }

    It 'waits up to -Within seconds for the line' {
        $vm = New-LateConsoleSource 'Run /init as init process' -DelaySeconds 1
        $clock = [Diagnostics.Stopwatch]::StartNew()
        $vm | Should -HaveConsoleLine 'Run /init' -Within 20
        $clock.Elapsed.TotalSeconds | Should -BeGreaterOrEqual 0.9
        $clock.Elapsed.TotalSeconds | Should -BeLessThan 10
    }

    It 'counts a line the guest is still writing only once it ends or the VM stops' {
        New-ConsoleSource "booting`nlogin: " | Should -Not -HaveConsoleLine 'login:'
        New-ConsoleSource "booting`nlogin: `n" | Should -HaveConsoleLine 'login:'
        New-ConsoleSource "booting`nlogin: " -State Stopped | Should -HaveConsoleLine 'login:'
    }

    It 'does not wait without -Within' {
        $message = Get-ShouldFailure { New-LateConsoleSource 'Run /init' -DelaySeconds 1 | Should -HaveConsoleLine 'Run /init' }
        $message | Should -Match 'but it did not'
    }

    It 'gives up after -Within seconds and says how long it waited' {
        $clock = [Diagnostics.Stopwatch]::StartNew()
        $message = Get-ShouldFailure { New-ConsoleSource 'nothing useful' | Should -HaveConsoleLine 'login:' -Within 1 }
        $clock.Elapsed.TotalSeconds | Should -BeGreaterOrEqual 1
        $message | Should -Match 'within 1 s'
        $message | Should -Match 'after 1(\.\d)? s'
        $message | Should -Match 'nothing useful'
    }

    It 'stops waiting when the VM is <State>' -ForEach @(@{ State = 'Stopped' }, @{ State = 'Failed' }) {
        $clock = [Diagnostics.Stopwatch]::StartNew()
        $message = Get-ShouldFailure { New-ConsoleSource 'probe: done' -State $State | Should -HaveConsoleLine 'login:' -Within 60 }
        $clock.Elapsed.TotalSeconds | Should -BeLessThan 10
        $message | Should -Match "and it is $State"
    }

    It 'fails for a value that is not one VM: <Case>' -ForEach @(
        @{ Case = 'a string'; Value = 'VFS: Mounted root'; Expected = 'a System.String' }
        @{ Case = 'two VMs'; Value = 'two'; Expected = '2 objects' }
    ) {
        $actual = if ($Value -eq 'two') { , @((New-ConsoleSource $boot), (New-ConsoleSource $boot)) } else { $Value }
        $message = Get-ShouldFailure { Should -ActualValue $actual -HaveConsoleLine 'VFS' }
        $message | Should -Match 'Expected one VM'
        $message | Should -Match $Expected
    }

    It 'reads what Start-Vm and Get-Vm return: VM objects, whose console Get-VmConsole reads' {
        foreach ($command in 'Start-Vm', 'Get-Vm') {
            foreach ($type in (Get-Command $command -Module PSVmm).OutputType.Type) {
                $type.GetProperty('Name') | Should -Not -BeNullOrEmpty -Because "$command writes $type"
                $type.GetProperty('State') | Should -Not -BeNullOrEmpty -Because "$command writes $type"
                $type | Should -Be ([PSVmm.Model.Vm]) -Because "HaveConsoleLine reads a VM's console through Get-VmConsole"
            }
        }
    }
}

Describe 'Register-VmShouldOperator' {
    It 'registers the operator when Pester is imported after PSVmm' {
        $result = Invoke-FreshPwsh @"
`$ErrorActionPreference = 'Stop'
Import-Module '$modulePath'
Import-Module '$pesterPath'
"before: `$(@(Get-ShouldOperator | Where-Object Name -eq HaveConsoleLine).Count)"
Register-VmShouldOperator
Register-VmShouldOperator
"after: `$(@(Get-ShouldOperator | Where-Object Name -eq HaveConsoleLine).Count)"
`$console = [PSVmm.Engine.Machine.ConsoleLog]::new(); `$console.Append("ready`n")
[pscustomobject]@{ Name = 'x'; State = 'Running'; Console = `$console } | Should -HaveConsoleLine 'ready'
'passed'
"@
        $result.Error | Should -BeNullOrEmpty
        $result.Output | Should -Be @('before: 0', 'after: 1', 'passed')
    }

    It 'says so when Pester is not imported' {
        $result = Invoke-FreshPwsh @"
Import-Module '$modulePath'
try { Register-VmShouldOperator -ErrorAction Stop } catch { `$_.FullyQualifiedErrorId; `$_.Exception.Message }
"@
        $result.Output[0] | Should -BeLike 'PesterNotImported,*'
        $result.Output[1] | Should -Match 'Import-Module Pester'
    }
}

Describe 'Use-Vm without a guest' {
    It 'stops with the Start-Vm error and does not run the script block when the VM cannot start' {
        $kernel = New-FakeKernel (Join-Path $TestDrive 'vmlinux')
        $config = New-VmConfig -Name use-nostart -Kernel $kernel -MemoryMB 64
        Remove-Item $kernel
        $script:ran = $false
        { Use-Vm $config { $script:ran = $true } } | Should -Throw -ErrorId 'KernelImageNotFound,*'
        $ran | Should -BeFalse
        Get-Vm -Name use-nostart -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
    }

    It 'finds Start-Vm when PSVmm is imported with -Prefix' {
        $kernel = New-FakeKernel (Join-Path $TestDrive 'vmlinux3')
        $result = Invoke-FreshPwsh @"
Import-Module '$modulePath' -Prefix Kvm
`$config = New-KvmVmConfig -Name use-prefix -Kernel '$kernel' -MemoryMB 64
Remove-Item '$kernel'
try { Use-KvmVm `$config { 'ran' } } catch { `$_.FullyQualifiedErrorId }
"@
        $result.Output | Should -HaveCount 1
        $result.Output[0] | Should -BeLike 'KernelImageNotFound,*'
    }

    It 'does nothing with -WhatIf' {
        $config = New-VmConfig -Name use-whatif -Kernel (New-FakeKernel (Join-Path $TestDrive 'vmlinux2')) -MemoryMB 64
        $script:ran = $false
        $config | Use-Vm -ScriptBlock { $script:ran = $true } -WhatIf | Should -BeNullOrEmpty
        $ran | Should -BeFalse
        Get-Vm -Name use-whatif -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
    }
}

Describe 'Use-Vm and Should -HaveConsoleLine with the probe guest' -Tag 'Guest' -Skip:$skip {
    BeforeAll {
        $config = New-VmConfig -Name use-probe -Kernel $probe -MemoryMB 64 -KernelArgs idle
    }
    AfterEach {
        Get-Vm -Name use-probe -ErrorAction SilentlyContinue | Remove-Vm -Force
    }

    It 'runs the script block with the running VM, returns its output and removes the VM' {
        $out = Use-Vm $config {
            param($vm)
            $vm | Should -HaveConsoleLine 'probe: idle' -Within 60
            "$($vm.State)"
            'second'
        }
        @($out) | Should -Be @('Running', 'second')
        Get-Vm -Name use-probe -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
    }

    It 'removes the VM when the script block fails, and the failure comes out' {
        { Use-Vm $config { param($vm) $vm | Should -HaveConsoleLine 'never printed' -Within 2 } } |
            Should -Throw -ExpectedMessage "*Expected VM 'use-probe' to write a console line containing 'never printed' within 2 s*probe: *"
        Get-Vm -Name use-probe -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
    }

    It 'is content when the script block removed the VM itself' {
        Use-Vm $config { param($vm) Remove-Vm -Vm $vm -Force } -ErrorVariable useErrors
        $useErrors | Should -BeNullOrEmpty
    }

    It 'sees a stopped guest as no longer writing' {
        $probeExits = New-VmConfig -Name use-probe -Kernel $probe -MemoryMB 64
        $message = Use-Vm $probeExits {
            param($vm)
            Wait-Vm -Vm $vm -For Exit -TimeoutSec 60
            Get-ShouldFailure { $vm | Should -HaveConsoleLine 'never printed' -Within 60 }
        }
        $message | Should -Match 'and it is Stopped'
        $message | Should -Match 'probe: done'
    }
}
