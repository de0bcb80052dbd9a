# Boots the probe guest (tests/guest, built into out/guest/probe.elf) through the cmdlets.
# Skipped only when the probe or /dev/kvm is missing; any other problem (no access to /dev/kvm,
# an engine error) fails.

BeforeDiscovery {
    $probePath = Join-Path "$env:PSVMM_ROOT" 'out/guest/probe.elf'
    $skipReason = if (-not (Test-Path -LiteralPath $probePath)) { "the probe guest '$probePath' is not built (make -C tests/guest)" }
    elseif (-not (Test-Path -LiteralPath '/dev/kvm')) { 'this host has no /dev/kvm' }
    if ($skipReason) { Write-Warning "Skipping the probe guest tests: $skipReason." }
    $skip = [bool]$skipReason
}

BeforeAll {
    . "$PSScriptRoot/TestHelpers.ps1"
    Import-Module (Get-PSVmmModulePath) -Force
    $probe = Join-Path $env:PSVMM_ROOT 'out/guest/probe.elf'

    # A probe VM that runs its tests, prints "probe: idle" and waits for a shutdown request.
    function Start-IdleProbe([string] $Name, [int] $MemoryMB = 64) {
        $vm = New-VmConfig -Name $Name -Kernel $probe -MemoryMB $MemoryMB -KernelArgs idle | Start-Vm -PassThru -ErrorAction Stop
        Wait-Vm -Vm $vm -For ConsolePattern -Pattern '^probe: idle' -TimeoutSec 60 -ErrorAction Stop
        $vm
    }

    function Remove-AllVms { Get-Vm | Remove-Vm -Force -Confirm:$false }
}

AfterAll {
    Remove-AllVms
}

Describe 'The probe guest' -Tag 'Guest' -Skip:$skip {
    BeforeAll {
        Remove-AllVms
        $vm = New-VmConfig -Name probe -Kernel $probe -MemoryMB 64 | Start-Vm -PassThru | Wait-Vm -For Exit -TimeoutSec 60 -PassThru
        $console = @(Get-VmConsole -Name probe)
    }

    It 'runs to the end and exits with status 0' {
        $vm | Should -Not -BeNullOrEmpty
        $vm.State | Should -Be 'Stopped'
        $vm.ExitCode | Should -Be 0
        $vm.FailureReason | Should -BeNullOrEmpty
    }

    It 'reports <Line> on the console' -ForEach @(
        @{ Line = 'probe: boot ok cpl=3' }
        @{ Line = 'probe: pio ok' }
        @{ Line = 'probe: mmio ok' }
        @{ Line = 'probe: msi ok' }
    ) {
        # A probe may add details after "ok" (e.g. "probe: msi ok count=1000").
        $pattern = '^' + [regex]::Escape($Line) + '(\s|$)'
        @($console -match $pattern).Count | Should -Be 1 -Because "the console should have one '$Line' line"
    }

    It 'reports every probe passed and none failed' {
        $done = @($console | Where-Object { $_ -match '^probe: done passed=(\d+) failed=(\d+)$' })
        $done.Count | Should -Be 1
        $null = $done[0] -match '^probe: done passed=(\d+) failed=(\d+)$'
        [int]$Matches[2] | Should -Be 0
        [int]$Matches[1] | Should -BeGreaterOrEqual 4
    }

    It 'Get-VmConsole -Tail gives the last lines and -Raw one string' {
        $tail = @(Get-VmConsole -Name probe -Tail 1)
        $tail.Count | Should -Be 1
        $tail[0] | Should -Match '^probe: done passed=\d+ failed=0$'
        @(Get-VmConsole -Vm $vm -Tail 2).Count | Should -Be 2
        $raw = @(Get-VmConsole -Name probe -Raw)
        $raw.Count | Should -Be 1
        $raw[0] | Should -Match 'probe: boot ok cpl=3\r?\n'
    }

    It 'Get-Vm shows it with CPUs, memory and uptime' {
        $got = Get-Vm -Name probe
        $got.Name | Should -Be 'probe'
        $got.CpuCount | Should -Be 1
        $got.MemoryMB | Should -Be 64
        $got.Uptime | Should -BeGreaterThan ([TimeSpan]::Zero)
        $table = Get-Vm -Name probe | Format-Table | Out-String
        $table | Should -Match 'probe\s+Stopped\s+1\s+64\s+\d\d:\d\d:\d\d\s+\d+'
    }

    It 'Wait-Vm for a pattern that never came ends with VmNotRunning once the VM is stopped' {
        { Wait-Vm -Name probe -Pattern 'never printed' -TimeoutSec 5 -ErrorAction Stop } | Should -Throw -ErrorId 'VmNotRunning,*'
    }

    It 'a stopped VM starts again from its configuration' {
        $again = Start-Vm -Name probe -PassThru | Wait-Vm -For Exit -TimeoutSec 60 -PassThru
        $again.State | Should -Be 'Stopped'
        $again.ExitCode | Should -Be 0
        $again.Id | Should -Be $vm.Id -Because 'a VM keeps its Id across Stop-Vm and Start-Vm'
        (Get-Vm -Name probe).Id | Should -Be $again.Id
        $vm.State | Should -Be 'Stopped' -Because 'the older object is a live view of the same VM'
        $vm.Uptime | Should -Be $again.Uptime
        @(Get-VmConsole -Name probe | Where-Object { $_ -eq 'probe: boot ok cpl=3' }).Count | Should -Be 1
    }

    It 'Remove-Vm -WhatIf keeps it and Remove-Vm removes it' {
        Remove-Vm -Name probe -WhatIf
        Get-Vm -Name probe | Should -Not -BeNullOrEmpty
        Remove-Vm -Name probe -Confirm:$false
        { Get-Vm -Name probe -ErrorAction Stop } | Should -Throw -ErrorId 'VmNotFound,*'
    }
}

Describe 'A running VM' -Tag 'Guest' -Skip:$skip {
    BeforeAll {
        Remove-AllVms
        $idle = Start-IdleProbe idle1
    }

    It 'is Running and completes by name' {
        $idle.State | Should -Be 'Running'
        $completion = TabExpansion2 -inputScript 'Stop-Vm -Name id' -cursorColumn 'Stop-Vm -Name id'.Length
        $completion.CompletionMatches.CompletionText | Should -Contain 'idle1'
    }

    It 'keeps its name: a second VM of that name is VmNameInUse' {
        { New-VmConfig -Name idle1 -Kernel $probe -MemoryMB 64 | Start-Vm -ErrorAction Stop } | Should -Throw -ErrorId 'VmNameInUse,*'
    }

    It 'cannot be started twice' {
        { Start-Vm -Name idle1 -ErrorAction Stop } | Should -Throw -ErrorId 'VmAlreadyRunning,*'
    }

    It 'is not removed without -Force' {
        { Remove-Vm -Name idle1 -Confirm:$false -ErrorAction Stop } | Should -Throw -ErrorId 'VmIsRunning,*'
        (Get-Vm -Name idle1).State | Should -Be 'Running'
    }

    It 'is not touched by -WhatIf' {
        Stop-Vm -Name idle1 -TurnOff -WhatIf
        Stop-Vm -Name idle1 -WhatIf
        Remove-Vm -Name idle1 -Force -WhatIf
        (Get-Vm -Name idle1).State | Should -Be 'Running'
    }

    It 'Wait-Vm -For Exit times out with WaitTimeout' {
        $err = { Wait-Vm -Name idle1 -For Exit -TimeoutSec 1 -ErrorAction Stop } | Should -Throw -ErrorId 'WaitTimeout,*' -PassThru
        $err.CategoryInfo.Category | Should -Be 'OperationTimeout'
    }

    It 'accepts console input' {
        { Send-VmConsole -Name idle1 -InputObject 'hello' -ErrorAction Stop } | Should -Not -Throw
        { 'a', 'b' | Send-VmConsole -Vm $idle -NoNewline -ErrorAction Stop } | Should -Not -Throw
    }

    It 'completes names with wildcards' {
        $completion = TabExpansion2 -inputScript 'Get-Vm -Name *dle' -cursorColumn 'Get-Vm -Name *dle'.Length
        $completion.CompletionMatches.CompletionText | Should -Contain 'idle1'
    }

    It 'Wait-Vm ends promptly when the pipeline is stopped (Ctrl+C)' {
        $ps = [powershell]::Create()
        try {
            # The import on its own: stopping a batch of statements (AddStatement) can crash pwsh
            # ("Objects cannot be added to a closed buffer"), seen in VmObjects.Tests.ps1.
            $null = $ps.AddCommand('Import-Module').AddParameter('Name', (Get-PSVmmModulePath)).Invoke()
            $ps.Commands.Clear()
            $null = $ps.AddCommand('Wait-Vm').AddParameter('Name', 'idle1').AddParameter('For', 'Exit').AddParameter('TimeoutSec', 60)
            $async = $ps.BeginInvoke()
            Start-Sleep -Milliseconds 1500
            $async.IsCompleted | Should -BeFalse -Because 'the VM is still running'
            $watch = [Diagnostics.Stopwatch]::StartNew()
            $ps.Stop()
            $watch.Elapsed.TotalSeconds | Should -BeLessThan 5
            $ps.InvocationStateInfo.State | Should -Be 'Stopped'
        }
        finally { $ps.Dispose() }
        (Get-Vm -Name idle1).State | Should -Be 'Running'
    }

    It 'shuts down gracefully with Stop-Vm and exit code 0' {
        $stopped = Stop-Vm -Name idle1 -TimeoutSec 30 -PassThru
        $stopped.State | Should -Be 'Stopped'
        $stopped.ExitCode | Should -Be 0
        Get-VmConsole -Name idle1 | Should -Contain 'probe: shutdown requested'
        (Get-VmEvent -Name idle1 -Source acpi).Message | Should -Contain 'power button pressed (ACPI GED interrupt)'
    }
}

Describe 'The probe guest powering off through ACPI' -Tag 'Guest' -Skip:$skip {
    BeforeAll {
        Remove-AllVms
        # `poweroff`: the probe finds the FADT through the RSDP PSVmm leaves in the BIOS area and
        # writes \_S5's SLP_TYPa with SLP_EN to the FADT's sleep control register.
        $vm = New-VmConfig -Name poweroff -Kernel $probe -MemoryMB 64 -KernelArgs 'pio=1 mmio=1 msi=1 int3=1 poweroff' |
            Start-Vm -PassThru | Wait-Vm -For Exit -TimeoutSec 60 -PassThru
        $console = @(Get-VmConsole -Name poweroff)
    }

    It 'finds the sleep control register and S5 in the tables' {
        $console | Should -Contain 'probe: acpi poweroff port=0x600 slp_typ=5'
    }

    It 'stops the VM as Stopped without an exit code, and the event log says why' {
        $vm.State | Should -Be 'Stopped'
        $vm.ExitCode | Should -BeNullOrEmpty -Because 'the probe did not use the debug-exit port'
        $console | Should -Not -Contain 'probe: acpi poweroff FAIL still running after the S5 write'
        (Get-VmEvent -Name poweroff).Message | Should -Be @('the guest powered off (ACPI S5)')
    }
}

Describe 'Stop-Vm -TurnOff' -Tag 'Guest' -Skip:$skip {
    BeforeAll {
        Remove-AllVms
        $idle = Start-IdleProbe idle2
    }

    It 'stops the VM at once' {
        $vm = Stop-Vm -Vm $idle -TurnOff -Force -PassThru
        $vm.State | Should -Be 'Stopped'
        Get-VmConsole -Name idle2 | Should -Not -Contain 'probe: shutdown requested'
    }

    It 'turns off without a prompt with -Confirm:$false' {
        $vm = Start-IdleProbe idle4
        Stop-Vm -Name idle4 -TurnOff -Confirm:$false
        $vm.State | Should -Be 'Stopped'
    }

    It 'Remove-Vm -Force turns off and removes a running VM' {
        $null = Start-IdleProbe idle3
        Remove-Vm -Name idle3 -Force
        { Get-Vm -Name idle3 -ErrorAction Stop } | Should -Throw -ErrorId 'VmNotFound,*'
    }
}

Describe 'Start and stop cycles' -Tag 'Guest', 'Soak' -Skip:$skip {
    BeforeAll {
        Remove-AllVms

        function Invoke-Cycle([int] $Index) {
            if ($Index % 2) {
                $null = Start-IdleProbe "soak$Index" $soakMemoryMB
                Stop-Vm -Name "soak$Index" -TurnOff -Force
            }
            else {
                $vm = New-VmConfig -Name "soak$Index" -Kernel $probe -MemoryMB $soakMemoryMB | Start-Vm -PassThru -ErrorAction Stop |
                    Wait-Vm -For Exit -TimeoutSec 60 -PassThru -ErrorAction Stop
                if ($vm.ExitCode -ne 0) { throw "cycle $Index exited with $($vm.ExitCode)" }
            }
            Remove-Vm -Name "soak$Index" -Force
        }

        # Big enough that a leaked guest RAM mapping stands out in the address space size.
        $soakMemoryMB = 128

        function Get-ProcessResources {
            [GC]::Collect(); [GC]::WaitForPendingFinalizers(); [GC]::Collect()
            $fds = @(Get-ChildItem "/proc/$PID/fd" | ForEach-Object LinkTarget)
            # The JIT's W^X double mapping adds mappings for every method it compiles (Pester compiles
            # a lot): leave it out; every other mapping counts.
            $maps = @(Get-Content "/proc/$PID/maps" | Where-Object { $_ -notmatch '/memfd:doublemapper' })
            [pscustomobject]@{
                Fds         = $fds.Count
                Threads     = @(Get-ChildItem "/proc/$PID/task").Count
                Mappings    = $maps.Count
                KvmFds      = @($fds -match 'kvm').Count        # /dev/kvm, anon_inode:kvm-vm, kvm-vcpu:N
                KvmMappings = @($maps -match 'kvm').Count       # the vCPUs' kvm_run areas
                # Guest RAM is anonymous memory that the kernel may merge with a neighbour: watch the address space size.
                VmSizeMB    = [long]((Get-Content "/proc/$PID/status" | Select-String '^VmSize:\s+(\d+) kB').Matches[0].Groups[1].Value) / 1024
            }
        }
    }

    It 'sees what a running VM holds (so the leak checks can fail)' {
        $idle = Get-ProcessResources
        $null = Start-IdleProbe soak0 $soakMemoryMB
        $running = Get-ProcessResources
        Remove-Vm -Name soak0 -Force
        $running.KvmFds | Should -BeGreaterOrEqual 2 -Because '/dev/kvm (or the VM fd) and a vCPU fd are open'
        $running.KvmMappings | Should -BeGreaterOrEqual 1
        # The runtime may release a few MB of its own in between: three quarters of the RAM is proof enough.
        ($running.VmSizeMB - $idle.VmSizeMB) | Should -BeGreaterOrEqual (0.75 * $soakMemoryMB) -Because 'the guest RAM is mapped'
    }

    It 'leaks no file descriptors, threads or mappings over 50 cycles' {
        foreach ($i in 1..4) { Invoke-Cycle $i }    # warm up: JIT, thread pool, first-use allocations
        $start = Get-ProcessResources
        foreach ($i in 5..29) { Invoke-Cycle $i }
        $middle = Get-ProcessResources
        foreach ($i in 30..54) { Invoke-Cycle $i }
        $end = Get-ProcessResources
        Get-Vm | Should -BeNullOrEmpty

        # What a VM holds must be gone entirely once it is removed.
        $end.KvmFds | Should -Be 0 -Because 'removed VMs must close /dev/kvm, the VM and vCPU fds'
        $end.KvmMappings | Should -Be 0 -Because 'removed VMs must unmap the vCPU run areas'
        $because = "the address space went $($start.VmSizeMB) -> $($middle.VmSizeMB) -> $($end.VmSizeMB) MB; each VM maps $soakMemoryMB MB of guest RAM"
        ($end.VmSizeMB - $start.VmSizeMB) | Should -BeLessThan (10 * $soakMemoryMB) -Because $because

        # The runtime adds a few fds, threads and mappings once (lazily loaded assemblies, GC regions);
        # a leak adds at least one per cycle: 25 over the second half, 50 over all cycles.
        foreach ($kind in 'Fds', 'Threads') {
            $because = "$kind went $($start.$kind) -> $($middle.$kind) -> $($end.$kind) over 25 + 25 cycles"
            ($end.$kind - $middle.$kind) | Should -BeLessThan 10 -Because $because
            ($end.$kind - $start.$kind) | Should -BeLessThan 25 -Because $because
        }
        $because = "mappings went $($start.Mappings) -> $($middle.Mappings) -> $($end.Mappings) over 25 + 25 cycles"
        ($end.Mappings - $start.Mappings) | Should -BeLessThan 100 -Because $because
    }
}
