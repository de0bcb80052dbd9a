# Disks as objects: Get-/Set-/Remove-VirtioBlkPci, the flat disk objects of $config.BlockDevices,
# builders that never change their input, the ways a path reaches Add-VirtioBlkPci, the image
# checks, and the completers (no boot); then the same cmdlets on stopped and running VMs (tag
# Guest; skipped without /dev/kvm or the probe guest).

BeforeDiscovery {
    $probePath = Join-Path "$env:PSVMM_ROOT" 'out/guest/probe.elf'
    $skipReason = if (-not (Test-Path -LiteralPath $probePath)) { "the probe guest '$probePath' is not built (make -C tests/guest)" }
    elseif (-not (Test-Path -LiteralPath '/dev/kvm')) { 'this host has no /dev/kvm' }
    if ($skipReason) { Write-Warning "Skipping the disk tests on VMs: $skipReason." }
    $skip = [bool]$skipReason
}

BeforeAll {
    . "$PSScriptRoot/TestHelpers.ps1"
    Import-Module (Get-PSVmmModulePath) -Force
    $probe = Join-Path $env:PSVMM_ROOT 'out/guest/probe.elf'
    $kernel = New-FakeKernel (Join-Path $TestDrive 'vmlinux')

    function New-DiskImage([string] $Name, [int] $Bytes = 64KB) {
        $path = Join-Path $TestDrive $Name
        [IO.File]::WriteAllBytes($path, [byte[]]::new($Bytes))
        $path
    }
    function New-Config([string] $Name = 'cfg') { New-VmConfig -Name $Name -Kernel $kernel -MemoryMB 64 }
    function Complete([string] $Line) { (TabExpansion2 -inputScript $Line -cursorColumn $Line.Length).CompletionMatches.CompletionText }
    function Remove-AllVms { Get-Vm | Remove-Vm -Force -Confirm:$false }

    $a = New-DiskImage 'a.img'
    $b = New-DiskImage 'b.img'
    $c = New-DiskImage 'c.img'
}

AfterAll {
    Remove-AllVms
}

Describe 'The builder never changes its input' -Tag 'Blk' {
    It 'one base gives two configurations with one disk each, and the base keeps none' {
        $base = New-Config
        $one = $base | Add-VirtioBlkPci $a
        $two = $base | Add-VirtioBlkPci $b
        $one.BlockDevices.Path | Should -Be @($a)
        $two.BlockDevices.Path | Should -Be @($b)
        $base.BlockDevices.Count | Should -Be 0
    }

    It 'Set-VirtioBlkPci and Remove-VirtioBlkPci write new configurations' {
        $base = New-Config | Add-VirtioBlkPci $a
        $set = $base | Set-VirtioBlkPci -Serial NEW
        $removed = $base | Remove-VirtioBlkPci disk0
        $set.BlockDevices[0].Serial | Should -Be 'NEW'
        $removed.BlockDevices.Count | Should -Be 0
        $base.BlockDevices[0].Serial | Should -BeNullOrEmpty
        $base.BlockDevices.Count | Should -Be 1
    }
}

Describe 'Flat disk objects' -Tag 'Blk' {
    BeforeAll {
        $config = New-Config | Add-VirtioBlkPci $a -Serial S1 -PciAddress 5 -MaximumIops 100 | Add-VirtioBlkPci $b -ReadOnly -Direct -IoThread io1
    }

    It '$config.BlockDevices and Get-VirtioBlkPci give the same flat objects' {
        $fromProperty = $config.BlockDevices
        $fromCmdlet = @($config | Get-VirtioBlkPci)
        $fromProperty | ForEach-Object { $_ | Should -BeOfType ([PSVmm.Model.VirtioBlkPciDisk]) }
        $fromCmdlet.Count | Should -Be 2
        $fromCmdlet.Id | Should -Be $fromProperty.Id
        $fromCmdlet[0].Path | Should -Be $a
        $fromCmdlet[0].VmName | Should -Be 'cfg'
        $fromCmdlet[0].Serial | Should -Be 'S1'
        $fromCmdlet[0].PciAddress | Should -Be '00:05.0'
        $fromCmdlet[0].MaximumIops | Should -Be 100
        $fromCmdlet[1].ReadOnly | Should -BeTrue
        $fromCmdlet[1].Direct | Should -BeTrue
        $fromCmdlet[1].Cache | Should -Be 'None'
        $fromCmdlet[1].IoThread | Should -Be 'io1'
        $fromCmdlet[1].PciAddress | Should -BeNullOrEmpty
    }

    It 'Format-List and ConvertTo-Json show the properties, not a record dump' {
        $list = $config.BlockDevices[0] | Format-List | Out-String
        foreach ($name in 'Path', 'Id', 'ReadOnly', 'Serial', 'Cache', 'Direct', 'NumQueues', 'QueueSize', 'IoThread', 'Discard', 'WriteZeroes', 'PciAddress', 'MaximumIops', 'Limits') {
            $list | Should -Match "(?m)^$name\s+:"
        }
        $list | Should -Not -Match 'Disk\s+:'
        $json = $config.BlockDevices[0] | ConvertTo-Json | ConvertFrom-Json
        $json.Path | Should -Be $a
        $json.Serial | Should -Be 'S1'
        $json.PSObject.Properties.Name | Should -Not -Contain 'Disk'
    }

    It 'has a table view and a ToString that name the disk and its image' {
        $view = (Get-FormatData -TypeName PSVmm.Model.VirtioBlkPciDisk).FormatViewDefinition[0]
        $view.Control.Headers.Label | Should -Be @('VmName', 'Id', 'PciAddress', 'ReadOnly', 'Cache', 'Serial', 'Path')
        "$($config.BlockDevices[1])" | Should -Be "disk1: $b (read-only)"
        ($config | Format-List | Out-String) | Should -Match "BlockDevices\s+: \{disk0: .*a\.img, disk1: .*b\.img \(read-only\)\}"
    }

    It 'changing a flat object changes no configuration' {
        { $config.BlockDevices[0].Serial = 'X' } | Should -Throw
        $config.BlockDevices[0].Serial | Should -Be 'S1'
    }
}

Describe 'Get-VirtioBlkPci on a configuration' -Tag 'Blk' {
    BeforeAll {
        $config = New-Config | Add-VirtioBlkPci $a -Id system | Add-VirtioBlkPci $b -Id data1 | Add-VirtioBlkPci $c -Id data2
    }

    It '-Id selects with wildcards, each disk once, in order' {
        @($config | Get-VirtioBlkPci -Id 'data*').Id | Should -Be @('data1', 'data2')
        @(Get-VirtioBlkPci -Config $config -Id data2, 'DATA*', system).Id | Should -Be @('system', 'data1', 'data2')
        @($config | Get-VirtioBlkPci -Id 'none*').Count | Should -Be 0
    }

    It 'an unknown id is DiskNotFound naming the disks, and the others are still written' {
        $out = @($config | Get-VirtioBlkPci -Id data1, nope -ErrorAction SilentlyContinue -ErrorVariable errors)
        $out.Id | Should -Be @('data1')
        $errors.Count | Should -Be 1
        $errors[0].FullyQualifiedErrorId | Should -BeLike 'DiskNotFound,*'
        $errors[0].Exception.Message | Should -BeLike '*Its disks: system, data1, data2*'
        $errors[0].TargetObject | Should -Be 'nope'
    }

    It 'an unknown VM is VmNotFound' {
        { Get-VirtioBlkPci nosuch -ErrorAction Stop } | Should -Throw -ErrorId 'VmNotFound,*'
    }
}

Describe 'How a path reaches Add-VirtioBlkPci' -Tag 'Blk' {
    It 'binds a path by position after a piped configuration' {
        Push-Location $TestDrive
        try { $config = New-Config | Add-VirtioBlkPci ./a.img }
        finally { Pop-Location }
        $config.BlockDevices.Path | Should -Be @($a)
    }

    It 'takes Get-ChildItem output (PSPath), all files into one configuration when -Config is named' {
        $dir = Join-Path $TestDrive 'gci'
        $null = New-Item -ItemType Directory $dir
        $files = 'x1.img', 'x2.img' | ForEach-Object { New-DiskImage "gci/$_" }
        $base = New-Config
        $out = @(Get-ChildItem -LiteralPath $dir | Add-VirtioBlkPci -Config $base)
        $out.Count | Should -Be 1
        $out[0].BlockDevices.Path | Should -Be $files
        $out[0].BlockDevices.Id | Should -Be @('disk0', 'disk1')
        $base.BlockDevices.Count | Should -Be 0
    }

    It 'expands wildcards in -Path, and a pattern that matches nothing is DiskImageNotFound' {
        $dir = Join-Path $TestDrive 'wild'
        $null = New-Item -ItemType Directory $dir
        $files = 'w1.img', 'w2.img' | ForEach-Object { New-DiskImage "wild/$_" }
        (New-Config | Add-VirtioBlkPci -Path (Join-Path $dir 'w*.img')).BlockDevices.Path | Should -Be $files
        $err = { New-Config | Add-VirtioBlkPci -Path (Join-Path $dir 'zz*.img') -ErrorAction Stop } | Should -Throw -ErrorId 'DiskImageNotFound,*' -PassThru
        $err.TargetObject | Should -BeLike '*zz`*.img'
    }

    It '-LiteralPath takes brackets as they are' {
        $odd = New-DiskImage 'disk[1].img'
        (New-Config | Add-VirtioBlkPci -LiteralPath $odd).BlockDevices.Path | Should -Be @($odd)
    }

    It 'a disk object from Get-VirtioBlkPci gives its Path to another configuration' {
        $source = New-Config src | Add-VirtioBlkPci $a
        ($source | Get-VirtioBlkPci | Add-VirtioBlkPci -Config (New-Config dst)).BlockDevices.Path | Should -Be @($a)
    }

    It 'neither -Path nor -LiteralPath is DiskPathRequired' {
        { New-Config | Add-VirtioBlkPci -ReadOnly -ErrorAction Stop } | Should -Throw -ErrorId 'DiskPathRequired,*'
    }
}

Describe 'Bad disk images' -Tag 'Blk' {
    It '<Case> is <ErrorId>, names the image, and adds nothing' -ForEach @(
        @{ Case = 'a 0-byte image'; Bytes = 0; ErrorId = 'InvalidDiskImageSize'; Message = '*is empty (0 bytes)*' }
        @{ Case = 'an image of 1000 bytes'; Bytes = 1000; ErrorId = 'InvalidDiskImageSize'; Message = '*not a multiple of 512*' }
    ) {
        $img = New-DiskImage "bad$Bytes.img" $Bytes
        $out = @(New-Config | Add-VirtioBlkPci $img -ErrorAction SilentlyContinue -ErrorVariable errors)
        $out.Count | Should -Be 0
        $errors.Count | Should -Be 1
        $errors[0].FullyQualifiedErrorId | Should -BeLike "$ErrorId,*"
        $errors[0].Exception.Message | Should -BeLike $Message
        $errors[0].TargetObject | Should -Be $img
    }

    It 'a directory says it is a directory' {
        $err = { New-Config | Add-VirtioBlkPci -LiteralPath $TestDrive -ErrorAction Stop } | Should -Throw -ErrorId 'DiskImageNotFound,*' -PassThru
        $err.Exception.Message | Should -BeLike '*is a directory*'
        $err.TargetObject | Should -Be $TestDrive
    }

    It 'the same image twice read-write is DiskImageInUse when added' {
        $config = New-Config | Add-VirtioBlkPci $a
        $err = { $config | Add-VirtioBlkPci $a -ErrorAction Stop } | Should -Throw -ErrorId 'DiskImageInUse,*' -PassThru
        $err.Exception.Message | Should -BeLike "*already disk 'disk0'*"
        { $config | Add-VirtioBlkPci $a -ReadOnly -ErrorAction Stop } | Should -Throw -ErrorId 'DiskImageInUse,*' -Because 'the first disk still writes to it'
    }

    It 'the same image twice read-only is fine' {
        (New-Config | Add-VirtioBlkPci $a -ReadOnly | Add-VirtioBlkPci $a -ReadOnly).BlockDevices.Count | Should -Be 2
    }

    It 'one bad configuration in a pipeline is one error and the others go on' {
        $withA = New-Config one | Add-VirtioBlkPci $a
        $out = @((New-Config two), $withA, (New-Config three) | Add-VirtioBlkPci $a -ErrorAction SilentlyContinue -ErrorVariable errors)
        $out.Name | Should -Be @('two', 'three')
        $errors.Count | Should -Be 1
    }
}

Describe 'Set-VirtioBlkPci on a configuration' -Tag 'Blk' {
    It 'changes every option it names and keeps the others' {
        $config = New-Config | Add-VirtioBlkPci $a -Serial OLD -MaximumIops 50
        $disk = ($config | Set-VirtioBlkPci disk0 -ReadOnly -Serial NEW -Cache None -NumQueues 2 -QueueSize 128 -IoThread io2 `
                -Discard:$false -WriteZeroes Off -PciAddress 00:09.0 -Transitional).BlockDevices[0]
        $disk.ReadOnly | Should -BeTrue
        $disk.Serial | Should -Be 'NEW'
        $disk.Direct | Should -BeTrue
        $disk.NumQueues | Should -Be 2
        $disk.QueueSize | Should -Be 128
        $disk.IoThread | Should -Be 'io2'
        $disk.Discard | Should -BeFalse
        $disk.WriteZeroes | Should -Be 'Off'
        $disk.PciAddress | Should -Be '00:09.0'
        $disk.Transitional | Should -BeTrue
        $disk.MaximumIops | Should -Be 50
        $disk.Path | Should -Be $a
    }

    It 'undoes options: -ReadOnly:$false, -Direct:$false, empty -Serial, -PciAddress auto' {
        $config = New-Config | Add-VirtioBlkPci $a -ReadOnly -Direct -Serial S -PciAddress 4
        $disk = ($config | Set-VirtioBlkPci -ReadOnly:$false -Direct:$false -Serial '' -PciAddress auto).BlockDevices[0]
        $disk.ReadOnly | Should -BeFalse
        $disk.Cache | Should -Be 'Writeback'
        $disk.Serial | Should -BeNullOrEmpty
        $disk.PciAddress | Should -BeNullOrEmpty
    }

    It 'without -Id changes the only disk; with several disks it is DiskIdRequired' {
        (New-Config | Add-VirtioBlkPci $a | Set-VirtioBlkPci -MaximumIops 5).BlockDevices[0].MaximumIops | Should -Be 5
        $two = New-Config | Add-VirtioBlkPci $a | Add-VirtioBlkPci $b
        $err = { $two | Set-VirtioBlkPci -MaximumIops 5 -ErrorAction Stop } | Should -Throw -ErrorId 'DiskIdRequired,*' -PassThru
        $err.Exception.Message | Should -BeLike '*disk0, disk1*-Id*'
        { New-Config | Set-VirtioBlkPci -MaximumIops 5 -ErrorAction Stop } | Should -Throw -ErrorId 'DiskNotFound,*'
    }

    It 'changes every disk -Id matches' {
        $two = New-Config | Add-VirtioBlkPci $a | Add-VirtioBlkPci $b
        ($two | Set-VirtioBlkPci 'disk*' -Serial ALL).BlockDevices.Serial | Should -Be @('ALL', 'ALL')
    }

    It 'checks the result as Start-Vm will: <Case> is <ErrorId> and nothing is written' -ForEach @(
        @{ Case = 'a taken address'; ErrorId = 'PciAddressInUse'; Arguments = @{ Id = 'disk1'; PciAddress = '5' } }
        @{ Case = 'a bad queue size'; ErrorId = 'InvalidDiskOptions'; Arguments = @{ Id = 'disk1'; QueueSize = 100 } }
        @{ Case = 'a long serial'; ErrorId = 'InvalidDiskOptions'; Arguments = @{ Id = 'disk1'; Serial = 'S' * 21 } }
        @{ Case = 'a shared image made writable'; ErrorId = 'DiskImageInUse'; Arguments = @{ Id = 'disk2'; ReadOnly = $false } }
    ) {
        $config = New-Config | Add-VirtioBlkPci $a -PciAddress 5 -ReadOnly | Add-VirtioBlkPci $b | Add-VirtioBlkPci $a -ReadOnly
        $out = @($config | Set-VirtioBlkPci @Arguments -ErrorAction SilentlyContinue -ErrorVariable errors)
        $out.Count | Should -Be 0
        $errors[0].FullyQualifiedErrorId | Should -BeLike "$ErrorId,*"
    }

    It 'a -PciAddress that is no address ends the command with InvalidPciAddress (it fits no input)' {
        { New-Config | Add-VirtioBlkPci $a | Set-VirtioBlkPci -PciAddress zz } | Should -Throw -ErrorId 'InvalidPciAddress,*'
    }

    It 'goes down the pipeline from Get-VirtioBlkPci by Id' {
        $config = New-Config | Add-VirtioBlkPci $a -Id sys | Add-VirtioBlkPci $b -Id data
        ($config | Get-VirtioBlkPci -Id data | Set-VirtioBlkPci -Config $config -ReadOnly).BlockDevices.ReadOnly | Should -Be @($false, $true)
    }
}

Describe 'Remove-VirtioBlkPci on a configuration' -Tag 'Blk' {
    BeforeAll {
        $config = New-Config | Add-VirtioBlkPci $a -Id sys | Add-VirtioBlkPci $b -Id data1 | Add-VirtioBlkPci $c -Id data2
    }

    It 'removes the disks -Id matches, with wildcards' {
        ($config | Remove-VirtioBlkPci 'data*').BlockDevices.Id | Should -Be @('sys')
        ($config | Remove-VirtioBlkPci -Id DATA1, sys).BlockDevices.Id | Should -Be @('data2')
        $config.BlockDevices.Count | Should -Be 3
    }

    It 'an unknown id is DiskNotFound and no configuration is written' {
        $out = @($config | Remove-VirtioBlkPci nope -ErrorAction SilentlyContinue -ErrorVariable errors)
        $out.Count | Should -Be 0
        $errors[0].FullyQualifiedErrorId | Should -BeLike 'DiskNotFound,*'
    }

    It '-WhatIf removes nothing; ShouldProcess is declared' {
        ($config | Remove-VirtioBlkPci sys -WhatIf).BlockDevices.Count | Should -Be 3
        (Get-Command Remove-VirtioBlkPci).Parameters.Keys | Should -Contain 'Confirm'
    }

    It 'leaves the image file where it is' {
        $null = $config | Remove-VirtioBlkPci sys
        Test-Path -LiteralPath $a | Should -BeTrue
    }
}

Describe 'Completers' -Tag 'Blk' {
    BeforeAll {
        $global:PSVmmCompletionConfig = New-Config | Add-VirtioBlkPci $a -Id system -IoThread fast -PciAddress 1 |
            Add-VirtioBlkPci $b -Id data1 -IoThread slow | Add-VirtioBlkPci $c -Id data2 -PciAddress 4
    }
    AfterAll { Remove-Variable -Scope Global PSVmmCompletionConfig }

    It '-Id of <Command> offers the disk ids of a piped or named configuration' -ForEach @(
        @{ Command = 'Get-VirtioBlkPci' }, @{ Command = 'Set-VirtioBlkPci' }, @{ Command = 'Remove-VirtioBlkPci' }
    ) {
        Complete "`$PSVmmCompletionConfig | $Command -Id " | Should -Be @('system', 'data1', 'data2')
        Complete "$Command -Config `$PSVmmCompletionConfig -Id da" | Should -Be @('data1', 'data2')
    }

    It '-IoThread offers the IoThreads the disks use' {
        Complete '$PSVmmCompletionConfig | Add-VirtioBlkPci -Path x -IoThread ' | Should -Be @('fast', 'slow')
        Complete '$PSVmmCompletionConfig | Set-VirtioBlkPci -IoThread s' | Should -Be @('slow')
    }

    It '-PciAddress offers the free slots, counting the slot a disk without an address will get' {
        $offered = Complete '$PSVmmCompletionConfig | Add-VirtioBlkPci -Path x -PciAddress '
        $offered | Should -Not -Contain '00:01.0'
        $offered | Should -Not -Contain '00:02.0' -Because 'data1 has no address and takes the first free slot, 2'
        $offered | Should -Not -Contain '00:04.0'
        $offered[0] | Should -Be '00:03.0'
        $offered.Count | Should -Be 28
    }
}

Describe 'The disk cmdlets on a stopped VM' -Tag 'Guest' -Skip:$skip {
    BeforeAll {
        Remove-AllVms
        $null = New-VmConfig -Name stopped -Kernel $probe -MemoryMB 64 | Add-VirtioBlkPci $a |
            Start-Vm -PassThru | Wait-Vm -For Exit -TimeoutSec 60 -PassThru
    }

    It 'Get-VirtioBlkPci by -Name and from Get-Vm' {
        (Get-VirtioBlkPci stopped).Path | Should -Be $a
        (Get-Vm stopped | Get-VirtioBlkPci).VmName | Should -Be 'stopped'
    }

    It 'Get-Vm | Set-VirtioBlkPci without -Id changes the only disk (the VM''s own Id is no disk id)' {
        Get-Vm stopped | Set-VirtioBlkPci -MaximumIops 5
        (Get-VirtioBlkPci -Name stopped).MaximumIops | Should -Be 5
        $vm = Get-Vm stopped | Set-VirtioBlkPci -ReadOnly -PassThru
        $vm.Name | Should -Be 'stopped'
        (Get-VirtioBlkPci -Name stopped).ReadOnly | Should -BeTrue
    }

    It 'Add, then Remove-VirtioBlkPci by pipeline from Get-VirtioBlkPci' {
        Add-VirtioBlkPci -Name stopped $b -Id extra
        (Get-VirtioBlkPci stopped).Id | Should -Be @('disk0', 'extra')
        Get-VirtioBlkPci stopped -Id extra | Remove-VirtioBlkPci
        (Get-VirtioBlkPci stopped).Id | Should -Be @('disk0')
    }

    It 'Set-Vm changes the VM for its next start' {
        Set-Vm -Name stopped -MemoryMB 96 -KernelArgs 'idle'
        (Get-Vm stopped).Config.MemoryMB | Should -Be 96
        (Get-Vm stopped).Config.KernelArgs | Should -Be 'idle'
    }
}

Describe 'The disk cmdlets on a running VM' -Tag 'Guest' -Skip:$skip {
    BeforeAll {
        Remove-AllVms
        $vm = New-VmConfig -Name running -Kernel $probe -MemoryMB 64 -KernelArgs 'idle' | Add-VirtioBlkPci $c | Start-Vm -PassThru
        Wait-Vm -Vm $vm -For ConsolePattern -Pattern '^probe: idle' -TimeoutSec 120 -ErrorAction Stop
    }
    AfterAll {
        if ((Get-Vm -Name running -ErrorAction SilentlyContinue).State -eq 'Running') { Stop-Vm -Name running -TurnOff -Force }
    }

    It '<Case> is VmIsRunning and changes nothing' -ForEach @(
        @{ Case = 'Set-Vm'; Script = { Set-Vm -Name running -MemoryMB 128 -ErrorAction Stop } }
        @{ Case = 'Remove-VirtioBlkPci'; Script = { Remove-VirtioBlkPci -Name running -Id disk0 -ErrorAction Stop } }
        @{ Case = 'Set-VirtioBlkPci -ReadOnly'; Script = { Set-VirtioBlkPci -Name running -ReadOnly -ErrorAction Stop } }
    ) {
        $Script | Should -Throw -ErrorId 'VmIsRunning,*'
        (Get-Vm running).Config.MemoryMB | Should -Be 64
        (Get-VirtioBlkPci running).ReadOnly | Should -BeFalse
    }

    It 'Get-Vm | Set-VirtioBlkPci changes the limits of the running disk' {
        Get-Vm running | Set-VirtioBlkPci -MaximumIops 300
        (Get-VmBlockStatistic running).MaximumIops | Should -Be 300
        (Get-VirtioBlkPci running).MaximumIops | Should -Be 300
    }
}
