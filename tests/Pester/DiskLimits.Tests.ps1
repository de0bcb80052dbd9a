# I/O limits of virtio-blk disks through the cmdlets: Add-VirtioBlkPci's -Maximum* parameters and
# their checks, Set-VirtioBlkPci on configurations and stopped VMs (no boot), and on a running
# probe guest (tag Guest; skipped without /dev/kvm or the probe).

BeforeDiscovery {
    $probePath = Join-Path "$env:PSVMM_ROOT" 'out/guest/probe.elf'
    $skipReason = if (-not (Test-Path -LiteralPath $probePath)) { "the probe guest '$probePath' is not built (make -C tests/guest)" }
    elseif (-not (Test-Path -LiteralPath '/dev/kvm')) { 'this host has no /dev/kvm' }
    if ($skipReason) { Write-Warning "Skipping the live disk-limit tests: $skipReason." }
    $skip = [bool]$skipReason
}

BeforeAll {
    . "$PSScriptRoot/TestHelpers.ps1"
    Import-Module (Get-PSVmmModulePath) -Force
    $probe = Join-Path $env:PSVMM_ROOT 'out/guest/probe.elf'
    $kernel = New-FakeKernel (Join-Path $TestDrive 'vmlinux')
    $img = Join-Path $TestDrive 'a.img'
    [IO.File]::WriteAllBytes($img, [byte[]]::new(1MB))

    function New-Config([string] $Name = 'lim') { New-VmConfig -Name $Name -Kernel $kernel -MemoryMB 64 }
    function Remove-AllVms { Get-Vm | Remove-Vm -Force -Confirm:$false }
}

AfterAll {
    Remove-AllVms
}

Describe 'Add-VirtioBlkPci -Maximum*' -Tag 'Blk' {
    It 'puts every limit, burst and burst length into the disk' {
        $config = New-Config | Add-VirtioBlkPci -Path $img -MaximumReadIops 100 -MaximumReadIopsBurst 500 -MaximumReadIopsBurstSeconds 3 `
            -MaximumWriteIops 50 -MaximumBytesPerSecond 10MB -MaximumBytesPerSecondBurst 20MB
        $disk = $config.BlockDevices[0]
        $disk.MaximumReadIops | Should -Be 100
        $disk.MaximumWriteIops | Should -Be 50
        $disk.MaximumBytesPerSecond | Should -Be 10MB
        $disk.MaximumIops | Should -Be 0
        $disk.Limits | Should -Be 'read 100 IOPS (burst 500 for 3 s), write 50 IOPS, 10485760 B/s (burst 20971520 for 1 s)'
    }

    It 'leaves a disk without -Maximum* unlimited' {
        (New-Config | Add-VirtioBlkPci -Path $img).BlockDevices[0].Limits | Should -Be 'none'
    }

    It '<Case> is InvalidDiskLimits naming the parameter to fix' -ForEach @(
        @{ Case = 'a negative rate'; Params = @{ MaximumIops = -1 }; Message = '-MaximumIops is -1; it cannot be negative' }
        @{ Case = 'a negative burst length'; Params = @{ MaximumIops = 10; MaximumIopsBurst = 20; MaximumIopsBurstSeconds = -1 }; Message = '-MaximumIopsBurstSeconds is -1' }
        @{ Case = 'a burst below the rate'; Params = @{ MaximumWriteBytesPerSecond = 1MB; MaximumWriteBytesPerSecondBurst = 1KB }; Message = 'is below -MaximumWriteBytesPerSecond' }
        @{ Case = 'a burst without a rate'; Params = @{ MaximumReadIopsBurst = 10 }; Message = '-MaximumReadIopsBurst needs -MaximumReadIops' }
        @{ Case = 'a burst length without a burst'; Params = @{ MaximumIops = 10; MaximumIopsBurstSeconds = 5 }; Message = '-MaximumIopsBurstSeconds needs -MaximumIopsBurst' }
        @{ Case = 'total and read IOPS'; Params = @{ MaximumIops = 10; MaximumReadIops = 5 }; Message = 'cannot both be set' }
        @{ Case = 'total and write bandwidth'; Params = @{ MaximumBytesPerSecond = 10; MaximumWriteBytesPerSecond = 5 }; Message = 'cannot both be set' }
    ) {
        $config = New-Config
        $err = { $config | Add-VirtioBlkPci -Path $img @Params -ErrorAction Stop } | Should -Throw -ErrorId 'InvalidDiskLimits,*' -PassThru
        $err.Exception.Message | Should -BeLike "*$Message*"
        $err.CategoryInfo.Category | Should -Be 'InvalidArgument'
        $config.BlockDevices.Count | Should -Be 0
    }
}

Describe 'Set-VirtioBlkPci on a configuration' -Tag 'Blk' {
    It 'changes only the limits it names and keeps the rest of the disk' {
        $config = New-Config | Add-VirtioBlkPci -Path $img -Id data -Serial S1 -PciAddress 5 -MaximumReadIops 100 -MaximumWriteIops 10
        $out = $config | Set-VirtioBlkPci -Id DATA -MaximumWriteIops 20 -MaximumWriteIopsBurst 40
        $disk = $out.BlockDevices[0]
        $disk.Limits | Should -Be 'read 100 IOPS, write 20 IOPS (burst 40 for 1 s)'
        $disk.Serial | Should -Be 'S1'
        $disk.PciAddress | Should -Be '00:05.0'
        $config.BlockDevices[0].MaximumWriteIops | Should -Be 10 -Because 'the configuration given is not changed'
    }

    It 'a rate of 0 removes the limit with its burst' {
        $config = New-Config | Add-VirtioBlkPci -Path $img -MaximumIops 10 -MaximumIopsBurst 20 -MaximumIopsBurstSeconds 4
        (Set-VirtioBlkPci -Config $config -Id disk0 -MaximumIops 0).BlockDevices[0].Limits | Should -Be 'none'
    }

    It 'always writes the changed configuration, and with -WhatIf an unchanged one' {
        $config = New-Config | Add-VirtioBlkPci -Path $img
        $five = $config | Set-VirtioBlkPci -Id disk0 -MaximumIops 5
        $five.BlockDevices[0].MaximumIops | Should -Be 5
        ($five | Set-VirtioBlkPci -Id disk0 -MaximumIops 7 -WhatIf).BlockDevices[0].MaximumIops | Should -Be 5
    }

    It 'an unknown disk is DiskNotFound listing the disks' {
        $config = New-Config | Add-VirtioBlkPci -Path $img
        $err = { $config | Set-VirtioBlkPci -Id nope -MaximumIops 5 -ErrorAction Stop } | Should -Throw -ErrorId 'DiskNotFound,*' -PassThru
        $err.Exception.Message | Should -BeLike '*Its disks: disk0*'
        $err.CategoryInfo.Category | Should -Be 'ObjectNotFound'
    }

    It 'invalid limits are InvalidDiskLimits and change nothing' {
        $config = New-Config | Add-VirtioBlkPci -Path $img -MaximumReadIops 100
        { $config | Set-VirtioBlkPci -Id disk0 -MaximumIops 10 -ErrorAction Stop } | Should -Throw -ErrorId 'InvalidDiskLimits,*'
        { $config | Set-VirtioBlkPci -Id disk0 -MaximumReadIopsBurst 50 -ErrorAction Stop } | Should -Throw -ErrorId 'InvalidDiskLimits,*'
        $config.BlockDevices[0].Limits | Should -Be 'read 100 IOPS'
        # Replacing the read limit by a total one in one go is fine.
        ($config | Set-VirtioBlkPci -Id disk0 -MaximumReadIops 0 -MaximumIops 10).BlockDevices[0].Limits | Should -Be '10 IOPS'
    }

    It 'an unknown VM is VmNotFound' {
        $err = { Set-VirtioBlkPci -Name nosuch -Id disk0 -MaximumIops 1 -ErrorAction Stop } | Should -Throw -ErrorId 'VmNotFound,*' -PassThru
        $err.TargetObject | Should -Be 'nosuch'
    }

    It 'declares VmConfig and Vm outputs and supports -WhatIf and -Confirm' {
        $command = Get-Command Set-VirtioBlkPci -Module PSVmm
        $command.OutputType.Name | Should -Be @('PSVmm.Engine.Machine.VmConfig', 'PSVmm.Model.Vm')
        $command.Parameters.Keys | Should -Contain 'WhatIf'
        $command.Parameters.Keys | Should -Contain 'Confirm'
    }
}

# A failed start unregisters the VM, so a stopped VM needs a guest that ran: the probe.
Describe 'Set-VirtioBlkPci on a VM that is not running' -Tag 'Guest' -Skip:$skip {
    BeforeAll {
        Remove-AllVms
        $null = New-VmConfig -Name stopped -Kernel $probe -MemoryMB 64 | Add-VirtioBlkPci -Path $img |
            Start-Vm -PassThru | Wait-Vm -For Exit -TimeoutSec 60 -PassThru
    }

    It 'keeps the limits in the VM''s configuration for the next start, by -Name and by -Vm' {
        (Get-Vm -Name stopped).State | Should -Be 'Stopped'
        Set-VirtioBlkPci -Name stopped -Id disk0 -MaximumWriteBytesPerSecond 1MB
        $vm = Get-Vm -Name stopped | Set-VirtioBlkPci -Id disk0 -MaximumReadIops 30 -PassThru
        $vm.Name | Should -Be 'stopped'
        $vm.Config.BlockDevices[0].MaximumWriteBytesPerSecond | Should -Be 1MB
        $vm.Config.BlockDevices[0].MaximumReadIops | Should -Be 30
    }

    It 'an unknown disk is DiskNotFound' {
        { Set-VirtioBlkPci -Name stopped -Id disk7 -MaximumIops 1 -ErrorAction Stop } | Should -Throw -ErrorId 'DiskNotFound,*'
    }
}

Describe 'Set-VirtioBlkPci on a running VM' -Tag 'Guest' -Skip:$skip {
    BeforeAll {
        Remove-AllVms
        $live = Join-Path $TestDrive 'live.img'
        [IO.File]::WriteAllBytes($live, [byte[]]::new(1MB))
        # blk.hold keeps the driver up after the request tests until a console line arrives: the
        # limits change while the device is live, then the timed reads run under them.
        $args_ = 'blk blk.queues=1 blk.seed=5 blk.hold blk.iters=400 ecam=0xE0000000 idle'
        $vm = New-VmConfig -Name limited -Kernel $probe -MemoryMB 64 -KernelArgs $args_ |
            Add-VirtioBlkPci -Path $live -NumQueues 1 | Start-Vm -PassThru
        Wait-Vm -Vm $vm -For ConsolePattern -Pattern '^probe: blk hold split' -TimeoutSec 120 -ErrorAction Stop
    }

    AfterAll {
        if ((Get-Vm -Name limited -ErrorAction SilentlyContinue).State -eq 'Running') { Stop-Vm -Name limited -TurnOff -Force }
    }

    It 'applies new limits to the live disk and keeps them in the configuration' {
        Set-VirtioBlkPci -Name limited -Id disk0 -MaximumIops 200 -MaximumIopsBurst 400
        $stats = Get-VmBlockStatistic -Name limited -Id disk0
        $stats.MaximumIops | Should -Be 200
        $stats.Limits | Should -Be '200 IOPS (burst 400 for 1 s)'
        (Get-Vm -Name limited).Config.BlockDevices[0].MaximumIops | Should -Be 200
    }

    It 'throttles the guest''s requests and loses none of them' {
        Send-VmConsole -Name limited -InputObject 'go'
        Wait-Vm -Name limited -For ConsolePattern -Pattern '^probe: idle' -TimeoutSec 300 -ErrorAction Stop
        $console = @(Get-VmConsole -Name limited)
        @($console -match '^probe: blk done passed=\d+ failed=0$').Count | Should -Be 1 -Because (($console -match 'FAIL') -join "`n")
        $stats = Get-VmBlockStatistic -Name limited -Id disk0
        $stats.Throttled | Should -BeGreaterThan 0
        $stats.ThrottledTime | Should -BeGreaterThan ([TimeSpan]::Zero)
        $stats.ThrottledWaiting | Should -Be 0
        $stats.Errors | Should -Be 0
    }

    It 'lifts the limits live and a restart keeps the last ones' {
        Set-VirtioBlkPci -Name limited -Id disk0 -MaximumIops 0 -MaximumReadIops 1000
        (Get-VmBlockStatistic -Name limited -Id disk0).Limits | Should -Be 'read 1000 IOPS'
        Stop-Vm -Name limited -TurnOff -Force
        $again = Start-Vm -Name limited -PassThru
        Wait-Vm -Vm $again -For ConsolePattern -Pattern '^probe: blk hold split' -TimeoutSec 120 -ErrorAction Stop
        (Get-VmBlockStatistic -Name limited -Id disk0).MaximumReadIops | Should -Be 1000
    }
}
