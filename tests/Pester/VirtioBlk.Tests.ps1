# virtio-blk-pci disks through the cmdlets: Add-VirtioBlkPci's checks and builder shape (no boot),
# then the probe guest driving a real disk (tag Guest): its own verdict, the image it leaves, and
# what the device cmdlets show while it runs.

BeforeDiscovery {
    $probePath = Join-Path "$env:PSVMM_ROOT" 'out/guest/probe.elf'
    $skipReason = if (-not (Test-Path -LiteralPath $probePath)) { "the probe guest '$probePath' is not built (make -C tests/guest)" }
    elseif (-not (Test-Path -LiteralPath '/dev/kvm')) { 'this host has no /dev/kvm' }
    if ($skipReason) { Write-Warning "Skipping the virtio-blk guest tests: $skipReason." }
    $skip = [bool]$skipReason
}

BeforeAll {
    . "$PSScriptRoot/TestHelpers.ps1"
    Import-Module (Get-PSVmmModulePath) -Force
    $probe = Join-Path $env:PSVMM_ROOT 'out/guest/probe.elf'
    $checkDisk = Join-Path $env:PSVMM_ROOT 'tests/guest/host/check-disk.py'

    function New-DiskImage([string] $Path, [int] $Bytes = 1MB, [byte[]] $Content) {
        if ($Content) { [IO.File]::WriteAllBytes($Path, $Content) }
        else { [IO.File]::WriteAllBytes($Path, [byte[]]::new($Bytes)) }
        $Path
    }

    # The probe's own verdict line, e.g. "probe: blk done passed=38 failed=0" -> @{ Passed = 38; Failed = 0 }.
    function Get-BlkVerdict([string[]] $Console) {
        $lines = @($Console -match '^probe: blk done passed=\d+ failed=\d+$')
        if ($lines.Count -ne 1) { return $null }
        $null = $lines[0] -match 'passed=(\d+) failed=(\d+)'
        @{ Passed = [int]$Matches[1]; Failed = [int]$Matches[2] }
    }

    function Remove-AllVms { Get-Vm | Remove-Vm -Force -Confirm:$false }
}

AfterAll {
    Remove-AllVms
}

Describe 'Add-VirtioBlkPci on a configuration' -Tag 'Blk' {
    BeforeAll {
        $kernel = New-FakeKernel (Join-Path $TestDrive 'vmlinux')
        $img = New-DiskImage (Join-Path $TestDrive 'a.img')
        $img2 = New-DiskImage (Join-Path $TestDrive 'b.img')
        function New-Config { New-VmConfig -Name cfg -Kernel $kernel -MemoryMB 64 }
    }

    It 'is a builder: the configuration comes out with the disks, ids disk0, disk1, ...' {
        $out = @(New-Config | Add-VirtioBlkPci -Path $img -Serial WEB01 | Add-VirtioBlkPci -Path $img2)
        $out.Count | Should -Be 1
        $out[0] | Should -BeOfType ([PSVmm.Engine.Machine.VmConfig])
        $out[0].BlockDevices.Id | Should -Be @('disk0', 'disk1')
        $out[0].BlockDevices[0].Serial | Should -Be 'WEB01'
        $out[0].BlockDevices[1].Path | Should -Be $img2
        $out[0].BlockDevices[0].PciAddress | Should -BeNullOrEmpty -Because 'without -PciAddress the slot is chosen at start'
    }

    It 'writes a new configuration and leaves the one given as it was' {
        $config = New-Config
        $system = $config | Add-VirtioBlkPci -Path $img -Id system
        $config.BlockDevices.Count | Should -Be 0
        $system.BlockDevices.Id | Should -Be @('system')
        # The next default id skips the ones in use.
        $two = Add-VirtioBlkPci -Config $system -Path $img2 -Id disk0
        $three = Add-VirtioBlkPci -Config $two -Path (New-DiskImage (Join-Path $TestDrive 'c.img'))
        $three.BlockDevices.Id | Should -Be @('system', 'disk0', 'disk1')
        $system.BlockDevices.Id | Should -Be @('system')
    }

    It 'resolves relative PowerShell paths' {
        Push-Location $TestDrive
        try { $config = New-Config | Add-VirtioBlkPci -Path ./a.img }
        finally { Pop-Location }
        $config.BlockDevices[0].Path | Should -Be $img
    }

    It 'passes every option to the disk' {
        $disk = (New-Config | Add-VirtioBlkPci -Path $img -Id d -ReadOnly -Serial S1 -NumQueues 3 -QueueSize 128 -Cache None `
                -IoThread io1 -NoDiscard -WriteZeroes Off -PciAddress 00:07.0 -Transitional).BlockDevices[0]
        $disk.ReadOnly | Should -BeTrue
        $disk.NumQueues | Should -Be 3
        $disk.QueueSize | Should -Be 128
        $disk.Cache | Should -Be 'None'
        $disk.IoThread | Should -Be 'io1'
        $disk.Discard | Should -BeFalse
        $disk.WriteZeroes | Should -Be 'Off'
        $disk.Transitional | Should -BeTrue
        $disk.PciAddress | Should -Be '00:07.0'
    }

    It 'keeps the defaults of the engine' {
        $disk = (New-Config | Add-VirtioBlkPci -Path $img).BlockDevices[0]
        $default = [PSVmm.Engine.Devices.Block.BlockDeviceOptions]::new($img)
        $disk.Discard | Should -BeTrue
        $disk.ReadOnly | Should -BeFalse
        $disk.NumQueues | Should -BeNullOrEmpty -Because 'the engine gives a disk one queue per vCPU when the VM starts, like QEMU'
        $disk.QueueSize | Should -Be $default.QueueSize
        $disk.WriteZeroes | Should -Be $default.WriteZeroes
        $disk.Cache | Should -Be 'Writeback'
    }

    It '-Direct is -Cache None and wins over -Cache' {
        (New-Config | Add-VirtioBlkPci -Path $img -Direct).BlockDevices[0].Cache | Should -Be 'None'
        (New-Config | Add-VirtioBlkPci -Path $img -Direct -Cache Writeback).BlockDevices[0].Cache | Should -Be 'None'
    }

    It 'gives a disk one queue per vCPU unless -NumQueues says otherwise' {
        $config = New-VmConfig -Name cfg2 -Kernel $kernel -MemoryMB 64 -CpuCount 3 | Add-VirtioBlkPci -Path $img
        $config.BlockDevices[0].NumQueues | Should -BeNullOrEmpty -Because 'the engine gives it one queue per vCPU (3) when the VM starts'
    }

    It 'reads -PciAddress <Text> as <Address>' -ForEach @(
        @{ Text = '00:05.0'; Address = '00:05.0' }
        @{ Text = '0000:00:1f.0'; Address = '00:1f.0' }
        @{ Text = '5'; Address = '00:05.0' }
        @{ Text = '0x0a'; Address = '00:0a.0' }
        @{ Text = '10'; Address = '00:10.0' }
    ) {
        (New-Config | Add-VirtioBlkPci -Path $img -PciAddress $Text).BlockDevices[0].PciAddress | Should -Be $Address
    }

    It 'puts a second function into a slot whose function 0 is taken' {
        $config = New-Config | Add-VirtioBlkPci -Path $img -PciAddress 5 | Add-VirtioBlkPci -Path $img2 -PciAddress 5.1
        $config.BlockDevices.PciAddress | Should -Be @('00:05.0', '00:05.1')
    }

    It 'a missing image is DiskImageNotFound' {
        $err = { New-Config | Add-VirtioBlkPci -Path (Join-Path $TestDrive 'missing.img') -ErrorAction Stop } |
            Should -Throw -ErrorId 'DiskImageNotFound,*' -PassThru
        $err.CategoryInfo.Category | Should -Be 'ObjectNotFound'
        $err.Exception.Message | Should -Match 'missing\.img'
    }

    It 'a second disk with the same id is DriveIdInUse' {
        $config = New-Config | Add-VirtioBlkPci -Path $img -Id data
        { $config | Add-VirtioBlkPci -Path $img2 -Id DATA -ErrorAction Stop } | Should -Throw -ErrorId 'DriveIdInUse,*'
    }

    It 'a PCI address <Text> is InvalidPciAddress' -ForEach @(
        @{ Text = 'zz' }, @{ Text = '00:05.0.1' }, @{ Text = '01:05.0' }, @{ Text = '0' }, @{ Text = '20' }, @{ Text = '5.8' }, @{ Text = '9.2' }
    ) {
        { New-Config | Add-VirtioBlkPci -Path $img -PciAddress $Text -ErrorAction Stop } | Should -Throw -ErrorId 'InvalidPciAddress,*'
    }

    It 'two disks at one address is PciAddressInUse' {
        $config = New-Config | Add-VirtioBlkPci -Path $img -PciAddress 00:04.0
        { $config | Add-VirtioBlkPci -Path $img2 -PciAddress 4 -ErrorAction Stop } | Should -Throw -ErrorId 'PciAddressInUse,*'
    }

    It 'a serial of more than 20 bytes is InvalidDiskOptions, and the message says why' {
        $err = { New-Config | Add-VirtioBlkPci -Path $img -Serial ('S' * 21) -ErrorAction Stop } | Should -Throw -ErrorId 'InvalidDiskOptions,*' -PassThru
        $err.Exception.Message | Should -Match '21 bytes'
        { New-Config | Add-VirtioBlkPci -Path $img -QueueSize 100 -ErrorAction Stop } | Should -Throw -ErrorId 'InvalidDiskOptions,*'
        { New-Config | Add-VirtioBlkPci -Path $img -NumQueues 0 -ErrorAction Stop } | Should -Throw -ErrorId 'InvalidDiskOptions,*'
    }

    It 'a disk that fails is not added, the disks before it stay, and the config is not written on' {
        $config = New-Config | Add-VirtioBlkPci -Path $img
        $out = @($config | Add-VirtioBlkPci -Path (Join-Path $TestDrive 'nope.img') -ErrorAction SilentlyContinue -ErrorVariable errors)
        $out.Count | Should -Be 0 -Because 'Start-Vm after it must not start a VM without the disk'
        $errors.Count | Should -Be 1
        $config.BlockDevices.Id | Should -Be @('disk0')
    }

    It 'writes one error per configuration and goes on with the next' {
        $good = New-Config
        $bad = New-Config | Add-VirtioBlkPci -Path $img -Id x
        $out = @(Add-VirtioBlkPci -Config $bad, $good -Path $img2 -Id x -ErrorAction SilentlyContinue -ErrorVariable errors)
        $errors.Count | Should -Be 1
        $errors[0].FullyQualifiedErrorId | Should -BeLike 'DriveIdInUse,*'
        $out.Count | Should -Be 1
        $out[0].BlockDevices.Id | Should -Be @('x') -Because 'the good configuration came out with the disk'
        $good.BlockDevices.Count | Should -Be 0
    }

    It '-WhatIf adds nothing and passes the configuration on unchanged' {
        $config = New-Config
        $out = $config | Add-VirtioBlkPci -Path $img -WhatIf
        $out.Name | Should -Be $config.Name
        $out.BlockDevices.Count | Should -Be 0
        $config.BlockDevices.Count | Should -Be 0
    }

    It 'Start-Vm checks the disks again' {
        $gone = New-DiskImage (Join-Path $TestDrive 'gone.img')
        $config = New-Config | Add-VirtioBlkPci -Path $gone
        Remove-Item -LiteralPath $gone
        { $config | Start-Vm -ErrorAction Stop } | Should -Throw -ErrorId 'DiskImageNotFound,*'
        Get-Vm -Name cfg -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
    }

    It 'shows the disks of a configuration as a table' {
        $config = New-Config | Add-VirtioBlkPci -Path $img -Serial WEB01 -PciAddress 6 | Add-VirtioBlkPci -Path $img2 -ReadOnly
        $text = $config.BlockDevices | Format-Table | Out-String
        $text | Should -Match 'VmName\s+Id\s+PciAddress\s+ReadOnly\s+Cache\s+Serial\s+Path'
        $text | Should -Match 'cfg\s+disk0\s+00:06\.0\s+False\s+Writeback\s+WEB01'
        $text | Should -Match 'disk1\s+auto\s+True'
    }
}

Describe 'The device cmdlets' -Tag 'Blk' {
    It '<Name> writes its objects with a default view' -ForEach @(
        @{ Name = 'Get-VmPciDevice'; Type = 'PSVmm.Model.VmPciDevice'; Headers = @('Address', 'VendorId', 'DeviceId', 'Class', 'Name') }
        @{ Name = 'Get-VmMsixTable'; Type = 'PSVmm.Model.VmMsixEntry'; Headers = @('Vector', 'Address', 'Data', 'Masked', 'Pending') }
        @{ Name = 'Get-VmVirtqueue'; Type = 'PSVmm.Model.VmVirtqueue'; Headers = @('Index', 'Size', 'Enabled', 'Vector', 'AvailIdx', 'UsedIdx', 'Notifications', 'Interrupts') }
        @{ Name = 'Get-VmVirtioDevice'; Type = 'PSVmm.Model.VmVirtioDevice'; Headers = @('VmName', 'DeviceId', 'PciAddress', 'Queues', 'Broken', 'Status') }
        @{ Name = 'Get-VmBlockStatistic'; Type = 'PSVmm.Model.VmBlockStatistic'; Headers = @('VmName', 'DeviceId', 'Reads', 'ReadBytes', 'Writes', 'WriteBytes', 'Flushes', 'Errors', 'InFlight', 'Throttled') }
    ) {
        (Get-Command $Name -Module PSVmm).OutputType.Name | Should -Be $Type
        $views = (Get-FormatData -TypeName $Type).FormatViewDefinition
        $table = @($views | Where-Object { $_.Control -is [System.Management.Automation.TableControl] })[0]
        $table.Control.Headers.Label | Should -Be $Headers
    }

    It 'Add-VirtioBlkPci declares VmConfig and Vm outputs' {
        (Get-Command Add-VirtioBlkPci -Module PSVmm).OutputType.Name | Should -Be @('PSVmm.Engine.Machine.VmConfig', 'PSVmm.Model.Vm')
    }
}

Describe 'The probe guest with a virtio-blk disk' -Tag 'Guest' -Skip:$skip {
    BeforeAll {
        Remove-AllVms
        $img = New-DiskImage (Join-Path $TestDrive 'blk.img')
        $vm = New-VmConfig -Name blk -Kernel $probe -MemoryMB 64 -KernelArgs 'blk blk.queues=2 blk.ring=both blk.seed=7 blk.serial=PSVMM0001 ecam=0xE0000000' |
            Add-VirtioBlkPci -Path $img -Serial PSVMM0001 -NumQueues 2 | Start-Vm -PassThru
        $null = $vm | Wait-Vm -For Exit -TimeoutSec 180
        $console = @(Get-VmConsole -Name blk)
    }

    It 'runs the blk tests on both ring formats with no failure and exits with 0' {
        $verdict = Get-BlkVerdict $console
        $verdict | Should -Not -BeNullOrEmpty -Because ($console | Select-Object -Last 20 | Out-String)
        $verdict.Failed | Should -Be 0 -Because (($console -match 'FAIL') -join "`n")
        $verdict.Passed | Should -BeGreaterOrEqual 30
        $vm.State | Should -Be 'Stopped'
        $vm.ExitCode | Should -Be 0
        $console | Should -Contain 'probe: blk init ok ring=split'
        $console | Should -Contain 'probe: blk init ok ring=packed'
    }

    It 'finds the disk as a modern virtio-blk function, through ECAM too' {
        @($console -match '^probe: virtio-blk pci=00:[0-9a-f]+\.0 id=1af4:1042$').Count | Should -Be 1
        @($console -match '^probe: ecam ok base=0xe0000000 ').Count | Should -Be 1
    }

    It 'Get-VmEvent shows the requests the disk refused, once per ring, kept after the VM stopped' {
        $events = @(Get-VmEvent -Name blk)
        $events.Count | Should -Be 4 -Because (($events | ForEach-Object Message) -join "`n")
        $events | ForEach-Object { $_.VmName | Should -Be 'blk'; $_.Source | Should -Be 'disk0' }
        @($events.Message -match 'run past the capacity').Count | Should -Be 2 -Because 'the probe reads at sector = capacity on each ring'
        @($events.Message -match 'request type 255 is not supported').Count | Should -Be 2
        $events[0].Time | Should -BeLessOrEqual $events[-1].Time
        @(Get-VmEvent -Name blk -Newest 1).Message | Should -Be $events[-1].Message
        @(Get-VmEvent -Name blk -Source 'nodisk*').Count | Should -Be 0
    }

    It 'reads the serial given to Add-VirtioBlkPci' {
        $console | Should -Contain 'probe: blk serial=PSVMM0001'
        $console | Should -Contain 'probe: blk get_id ok ring=packed'
    }

    It 'leaves the disk pattern in the image (check-disk.py)' {
        $out = & python3 $checkDisk $img --seed 7 2>&1
        $LASTEXITCODE | Should -Be 0 -Because "$out"
        # The check can fail: another seed does not match.
        $null = & python3 $checkDisk $img --seed 8 2>&1
        $LASTEXITCODE | Should -Not -Be 0
    }

    It '<Name> reports VmNotRunning for the stopped VM' -ForEach @(
        @{ Name = 'Get-VmPciDevice' }, @{ Name = 'Get-VmMsixTable' }, @{ Name = 'Get-VmVirtqueue' }, @{ Name = 'Get-VmVirtioDevice' }, @{ Name = 'Get-VmBlockStatistic' }
    ) {
        { & $Name -Name blk -ErrorAction Stop } | Should -Throw -ErrorId 'VmNotRunning,*'
    }

    It 'a stopped VM takes another disk, and -PassThru writes the VM' {
        $img2 = New-DiskImage (Join-Path $TestDrive 'blk2.img')
        $out = Add-VirtioBlkPci -Name blk -Path $img2 -PassThru
        $out.Name | Should -Be 'blk'
        (Get-Vm -Name blk).Config.BlockDevices.Id | Should -Be @('disk0', 'disk1')
        $img3 = New-DiskImage (Join-Path $TestDrive 'blk3.img')
        @(Add-VirtioBlkPci -Vm (Get-Vm -Name blk) -Path $img3 -Id disk2).Count | Should -Be 0 -Because 'without -PassThru nothing is written'
        (Get-Vm -Name blk | Format-Table | Out-String) | Should -Match 'blk\s+Stopped\s+1\s+64\s+\S+\s+3'
    }
}

Describe 'A running VM''s virtio-blk disk' -Tag 'Guest' -Skip:$skip {
    BeforeAll {
        Remove-AllVms
        $img = New-DiskImage (Join-Path $TestDrive 'live.img')
        # Split ring only; blk.hold keeps the driver up after the request tests until the console
        # gets a line, so the state below is taken while the device is live. Then the timed reads
        # run, the probe resets the device and idles until Stop-Vm.
        $args_ = 'blk blk.queues=2 blk.seed=3 blk.hold blk.iters=2000 ecam=0xE0000000 idle'
        $vm = New-VmConfig -Name live -Kernel $probe -MemoryMB 64 -KernelArgs $args_ |
            Add-VirtioBlkPci -Path $img -NumQueues 2 | Start-Vm -PassThru
        Wait-Vm -Vm $vm -For ConsolePattern -Pattern '^probe: blk hold split' -TimeoutSec 120 -ErrorAction Stop
        $pci = @(Get-VmPciDevice -Name live)
        $msix = @(Get-VmMsixTable -Name live)
        $queues = @(Get-VmVirtqueue -Vm $vm)
        $virtio = Get-VmVirtioDevice -Name live -Id disk0
        $stats = Get-VmBlockStatistic -Name live
        $stillHeld = -not (@(Get-VmConsole -Name live) -match '^probe: stat blk_read_4k_cycles').Count
        $console = @(Get-VmConsole -Name live)
        $null = (@($console -match '^probe: blk features device=0x[0-9a-f]+ driver=0x[0-9a-f]+$')[0]) -match 'device=0x([0-9a-f]+) driver=0x([0-9a-f]+)'
        $probeOffered = [Convert]::ToUInt64($Matches[1], 16)
        $probeDriver = [Convert]::ToUInt64($Matches[2], 16)
        $null = (@($console -match '^probe: virtio-blk pci=')[0]) -match 'pci=00:([0-9a-f]+)\.0'
        $probeAddress = '00:{0:x2}.0' -f [Convert]::ToInt32($Matches[1], 16)

        Send-VmConsole -Name live -InputObject 'go'
        Wait-Vm -Vm $vm -For ConsolePattern -Pattern '^probe: idle' -TimeoutSec 300 -ErrorAction Stop
        $virtioIdle = Get-VmVirtioDevice -Name live
        $statsIdle = Get-VmBlockStatistic -Name live
        $msixIdle = @(Get-VmMsixTable -Name live)
    }

    AfterAll {
        if ((Get-Vm -Name live -ErrorAction SilentlyContinue).State -eq 'Running') { Stop-Vm -Name live -TurnOff -Force }
    }

    It 'held the device up (blk.hold) until the state was taken and went on after a console line' {
        $stillHeld | Should -BeTrue -Because 'the live checks below need the driver up'
        @(Get-VmConsole -Name live) -match '^probe: stat blk_read_4k_cycles' | Should -Not -BeNullOrEmpty
    }

    It 'Get-VmPciDevice shows the host bridge at 00:00.0 and the disk at the probe''s address' {
        $bridge = $pci | Where-Object Address -EQ '00:00.0'
        $bridge.VendorId | Should -Be 0x8086
        $bridge.Class | Should -Be 'Host bridge'
        $disk = $pci | Where-Object Address -EQ $probeAddress
        $disk.VendorId | Should -Be 0x1af4
        $disk.DeviceId | Should -Be 0x1042
        $disk.SubsystemId | Should -Be 2 -Because 'virtio device type 2 is block'
        $disk.ClassCode -shr 16 | Should -Be 1 -Because 'mass storage'
        $disk.Command.ToString() | Should -Match 'MemorySpace' -Because 'the probe enabled memory decoding'
        $disk.Command.ToString() | Should -Match 'BusMaster'
        @($disk.Bars | Where-Object { $_.Enabled -and $_.Address -ne 0 }).Count | Should -BeGreaterOrEqual 1
        @($disk.Capabilities | Where-Object Id -EQ 0x09).Count | Should -Be 5 -Because 'common, notify, ISR, device and PCI configuration access'
        @($disk.Capabilities | Where-Object Id -EQ 0x11).Count | Should -Be 1 -Because 'MSI-X'
        $text = $pci | Out-String
        $text | Should -Match '00:00\.0\s+8086\s+[0-9a-f]{4}\s+Host bridge'
        $text | Should -Match ([regex]::Escape($probeAddress) + '\s+1af4\s+1042\s+Mass storage controller')
    }

    It 'Get-VmMsixTable shows the vectors the probe programmed: 0x41 + entry to APIC 0' {
        $msix.Count | Should -Be 3 -Because 'one configuration vector and one per queue'
        foreach ($entry in $msix) {
            $entry.VmName | Should -Be 'live'
            $entry.DeviceId | Should -Be 'disk0'
            $entry.Enabled | Should -BeTrue
            $entry.FunctionMasked | Should -BeFalse
            ($entry.Address -band 0xFFF00000u) | Should -Be 0xFEE00000u
            $entry.Data | Should -Be (0x41 + $entry.Vector)
            $entry.InterruptVector | Should -Be (0x41 + $entry.Vector)
            $entry.DeliveryMode | Should -Be 'Fixed'
            $entry.Masked | Should -BeFalse
            $entry.Pending | Should -BeFalse -Because 'the msix_pending test delivered the held-back message'
        }
        $msix.Vector | Should -Be @(0, 1, 2)
        $text = $msix | Out-String
        $text | Should -Match '(?m)^\s+1 0xFEE0[0-9A-F]{4}\s+0x00000042 False\s+False'
    }

    It 'Get-VmVirtqueue shows both queues enabled, on their vectors, with used buffers' {
        $queues.Count | Should -Be 2
        foreach ($q in $queues) {
            $q.Enabled | Should -BeTrue
            $q.Format | Should -Be 'Split'
            $q.Size | Should -Be 64 -Because 'the probe asks for 64 entries'
            $q.Vector | Should -Be (1 + $q.Index)
            $q.DescAddress | Should -BeGreaterThan 0
            $q.Active | Should -BeTrue
            $q.Notifications | Should -BeGreaterThan 0
            $q.UsedIdx | Should -BeGreaterThan 0 -Because "queue $($q.Index) completed requests (the ring the device serves must be the one shown)"
            $q.Interrupts | Should -BeGreaterThan 0
        }
        @(Get-VmVirtqueue -Name live -Index 1).Index | Should -Be @(1)
    }

    It 'Get-VmVirtioDevice shows DRIVER_OK and the features the probe negotiated' {
        $virtio.StatusNames | Should -Contain 'DRIVER_OK'
        $virtio.StatusNames | Should -Contain 'FEATURES_OK'
        $virtio.Status.ToString() | Should -Match 'DriverOk'
        $virtio.Broken | Should -BeFalse
        $virtio.Active | Should -BeTrue
        $virtio.NegotiatedFeatureNames | Should -Contain 'VIRTIO_F_VERSION_1'
        $virtio.NegotiatedFeatureNames | Should -Contain 'VIRTIO_BLK_F_MQ'
        $virtio.OfferedFeatures | Should -Be $probeOffered
        $virtio.NegotiatedFeatures | Should -Be $probeDriver
        $virtio.EnabledQueues | Should -Be 2
        $virtio.Transitional | Should -BeFalse
        ($virtio | Out-String -Width 200) | Should -Match 'live\s+disk0\s+\S+\s+2/2\s+False\s+ACKNOWLEDGE,DRIVER,DRIVER_OK,FEATURES_OK'
    }

    It 'Get-VmBlockStatistic counts the probe''s requests' {
        $stats.DeviceId | Should -Be 'disk0'
        $stats.ReadRequests | Should -BeGreaterThan 0
        $stats.WriteRequests | Should -BeGreaterThan 0
        $stats.ReadBytes | Should -BeGreaterThan 0
        $stats.WriteBytes | Should -Be ($stats.WriteRequests * 4096) -Because 'every write of the probe is 4 KiB'
        $stats.GetIdRequests | Should -BeGreaterOrEqual 1
        $stats.FlushRequests | Should -BeGreaterOrEqual 1
        $stats.UnsupportedRequests | Should -BeGreaterOrEqual 1 -Because 'the probe sends request type 0xff'
        $stats.ReadErrors | Should -BeGreaterOrEqual 1 -Because 'the probe reads at sector = capacity'
    }

    It 'after the probe reset the device: no status, counters kept, MSI-X table still programmed' {
        $virtioIdle.StatusNames | Should -BeNullOrEmpty
        $virtioIdle.Active | Should -BeFalse
        $virtioIdle.Resets | Should -BeGreaterThan $virtio.Resets
        $statsIdle.ReadRequests | Should -BeGreaterThan $stats.ReadRequests -Because 'the timed reads went on'
        $statsIdle.WriteRequests | Should -Be $stats.WriteRequests
        @($msixIdle | Where-Object { $_.Enabled -and $_.Data -eq 0x41 + $_.Vector }).Count | Should -Be 3
    }

    It '-Id selects disks by id with wildcards; an unknown id is DiskNotFound' {
        @(Get-VmBlockStatistic -Name live -Id 'dis*').DeviceId | Should -Be @('disk0')
        @(Get-VmMsixTable -Name live -Id disk0).Count | Should -Be 3
        @(Get-VmVirtqueue -Name live -Id 'none*').Count | Should -Be 0
        { Get-VmVirtioDevice -Name live -Id disk9 -ErrorAction Stop } | Should -Throw -ErrorId 'DiskNotFound,*'
    }

    It 'the device objects pipe into the next device cmdlet by VM name' {
        @(Get-VmVirtioDevice -Name live | Get-VmVirtqueue).Count | Should -Be 2
    }

    It 'a running VM cannot get a disk: HotplugNotSupported' {
        $img2 = New-DiskImage (Join-Path $TestDrive 'hot.img')
        $err = { Add-VirtioBlkPci -Name live -Path $img2 -ErrorAction Stop } | Should -Throw -ErrorId 'HotplugNotSupported,*' -PassThru
        $err.Exception.Message | Should -Match 'Stop-Vm'
        (Get-Vm -Name live).Config.BlockDevices.Count | Should -Be 1
    }

    It 'Get-Vm counts the disk in Devices' {
        (Get-Vm -Name live | Out-String) | Should -Match 'live\s+Running\s+1\s+64\s+\S+\s+1'
    }

    It 'shuts down with exit code 0 and leaves the pattern in the image' {
        $stopped = Stop-Vm -Name live -TimeoutSec 30 -PassThru
        $stopped.ExitCode | Should -Be 0
        (Get-BlkVerdict @(Get-VmConsole -Name live)).Failed | Should -Be 0
        $out = & python3 $checkDisk $img --seed 3 2>&1
        $LASTEXITCODE | Should -Be 0 -Because "$out"
    }
}

Describe 'A read-only virtio-blk disk' -Tag 'Guest' -Skip:$skip {
    BeforeAll {
        Remove-AllVms
        $content = [byte[]]::new(1MB)
        [Random]::new(42).NextBytes($content)
        $img = New-DiskImage (Join-Path $TestDrive 'ro.img') -Content $content
        $vm = New-VmConfig -Name ro -Kernel $probe -MemoryMB 64 -KernelArgs 'blk blk.seed=5' |
            Add-VirtioBlkPci -Path $img -ReadOnly -NumQueues 1 | Start-Vm -PassThru
        $null = $vm | Wait-Vm -For Exit -TimeoutSec 120
        $console = @(Get-VmConsole -Name ro)
    }

    It 'the probe sees VIRTIO_BLK_F_RO, its writes fail, and it passes' {
        $console | Should -Contain 'probe: blk device is read-only (VIRTIO_BLK_F_RO)'
        $console | Should -Contain 'probe: blk read_only ok ring=split'
        (Get-BlkVerdict $console).Failed | Should -Be 0
        $vm.ExitCode | Should -Be 0
    }

    It 'leaves the image unchanged byte for byte' {
        $after = [IO.File]::ReadAllBytes($img)
        $after.Length | Should -Be $content.Length
        [Linq.Enumerable]::SequenceEqual($after, $content) | Should -BeTrue
    }
}
