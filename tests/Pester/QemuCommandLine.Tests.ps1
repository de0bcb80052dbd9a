# QEMU and StratoVirt command lines both ways: ConvertFrom-QemuCommandLine / New-VmConfig -QemuArgs
# read each option PSVmm understands, warn once about those that mean nothing to it and refuse
# those it cannot honour; ConvertTo-QemuCommandLine writes a runnable QEMU line that reads back
# the same. The last two blocks start VMs (tags Guest, Linux) and skip without /dev/kvm.

BeforeDiscovery {
    $probePath = Join-Path "$env:PSVMM_ROOT" 'out/guest/probe.elf'
    $skipReason = if (-not (Test-Path -LiteralPath $probePath)) { "the probe guest '$probePath' is not built (make -C tests/guest)" }
    elseif (-not (Test-Path -LiteralPath '/dev/kvm')) { 'this host has no /dev/kvm' }
    if ($skipReason) { Write-Warning "Skipping the QEMU command-line guest tests: $skipReason." }
    $skip = [bool]$skipReason
    $skipLinux = -not (Test-Path /dev/kvm)

    # Each case: a command line PSVmm must refuse, the ErrorId, and what the message must name.
    $refusals = @(
        @{ Line = '-drive file=a.img,if=virtio,format=qcow2'; Id = 'UnsupportedQemuOptionValue'; Names = 'format=qcow2' }
        @{ Line = '-drive file=a.img,if=virtio,aio=native'; Id = 'UnsupportedQemuOptionValue'; Names = 'aio=native' }
        @{ Line = '-drive file=a.img,if=virtio,cache=writethrough'; Id = 'UnsupportedQemuOptionValue'; Names = 'cache=writethrough' }
        @{ Line = '-drive file=a.img,if=ide'; Id = 'UnsupportedQemuOptionValue'; Names = 'if=ide' }
        @{ Line = '-drive file=a.img,if=virtio,discard=sometimes'; Id = 'UnsupportedQemuOptionValue'; Names = 'discard=sometimes' }
        @{ Line = '-drive file=a.img,if=virtio,werror=stop'; Id = 'UnsupportedQemuOption'; Names = 'werror=stop' }
        @{ Line = '-drive file=a.img,if=none,id=d -device virtio-blk-pci,drive=d,packed=off'; Id = 'UnsupportedQemuOptionValue'; Names = 'packed=off' }
        @{ Line = '-drive file=a.img,if=none,id=d -device virtio-blk-pci,drive=d,bus=pci.1'; Id = 'UnsupportedQemuOptionValue'; Names = 'bus=pci.1' }
        @{ Line = '-drive file=a.img,if=none,id=d -device virtio-blk-pci,drive=d,disable-modern=on'; Id = 'UnsupportedQemuOptionValue'; Names = 'disable-modern=on' }
        @{ Line = '-drive file=a.img,if=none,id=d -device virtio-blk-pci,drive=d,logical_block_size=4096'; Id = 'UnsupportedQemuOption'; Names = 'logical_block_size=4096' }
        @{ Line = '-device e1000,netdev=n0'; Id = 'UnsupportedQemuDevice'; Names = 'e1000' }
        @{ Line = '-netdev user,id=n0'; Id = 'UnsupportedQemuOption'; Names = '-netdev' }
        @{ Line = '-object memory-backend-ram,id=m,size=1G'; Id = 'UnsupportedQemuOption'; Names = 'memory-backend-ram' }
        @{ Line = '-object iothread,id=io,poll-max-ns=0,bogus=1'; Id = 'UnsupportedQemuOption'; Names = 'bogus=1' }
        @{ Line = '-m 1G,slots=2,maxmem=4G'; Id = 'UnsupportedQemuOption'; Names = 'maxmem=4G' }
        @{ Line = '-smp 2,maxcpus=4'; Id = 'UnsupportedQemuOptionValue'; Names = 'maxcpus=4' }
        @{ Line = '-snapshot'; Id = 'UnsupportedQemuOption'; Names = '-snapshot' }
        @{ Line = 'disk.img'; Id = 'UnsupportedQemuOption'; Names = 'disk.img' }
        @{ Line = '-drive file=a.img,if=none,id=d -device virtio-blk-pci,drive=other'; Id = 'QemuDriveNotFound'; Names = 'drive=other' }
        @{ Line = '-drive file=a.img,if=none,id=d -device virtio-blk-pci,drive=d,iothread=io9'; Id = 'QemuIoThreadNotFound'; Names = 'iothread=io9' }
        @{ Line = '-drive file=a.img,if=virtio,cache=none,direct=off'; Id = 'ConflictingQemuOptions'; Names = 'direct=off' }
        @{ Line = '-drive file=a.img,if=none,id=d,detect-zeroes=unmap -device virtio-blk-pci,drive=d,write-zeroes=off'; Id = 'ConflictingQemuOptions'; Names = 'write-zeroes=off' }
        @{ Line = '-drive file=a.img,if=none,id=d -device virtio-blk-pci,drive=d -device virtio-blk-pci,drive=d'; Id = 'ConflictingQemuOptions'; Names = 'drive d' }
        @{ Line = '-drive file=a.img,if=virtio,throttling.iops-total=100,iops=100'; Id = 'ConflictingQemuOptions'; Names = 'iops=' }
        @{ Line = '-drive file=a.img,if=none,id=d -device virtio-blk-pci,drive=d,addr=0x3.0x0,multifunction=off -drive file=b.img,if=none,id=e -device virtio-blk-pci,drive=e,addr=0x3.0x1'; Id = 'ConflictingQemuOptions'; Names = 'multifunction=off' }
        @{ Line = '-m 256 -m 512'; Id = 'ConflictingQemuOptions'; Names = '-m' }
        @{ Line = '-drive file=a.img,if=none,id=d -device virtio-blk-pci,drive=d,id=Root -drive file=b.img,if=none,id=e -device virtio-blk-pci,drive=e,id=root'; Id = 'ConflictingQemuOptions'; Names = "id 'root'" }
        @{ Line = '-drive file=a.img'; Id = 'UnsupportedQemuOptionValue'; Names = 'IDE' }
        @{ Line = "-append 'console=ttyS0"; Id = 'InvalidQemuCommandLine'; Names = "'" }
        @{ Line = '-m 12X'; Id = 'InvalidQemuCommandLine'; Names = '12X' }
        @{ Line = '-m 1.5M'; Id = 'InvalidQemuCommandLine'; Names = '1.5M' }
        @{ Line = '-smp two'; Id = 'InvalidQemuCommandLine'; Names = 'two' }
        @{ Line = '-drive file=a.img,if=virtio,readonly=maybe'; Id = 'InvalidQemuCommandLine'; Names = 'readonly=maybe' }
        @{ Line = '-drive if=virtio'; Id = 'InvalidQemuCommandLine'; Names = 'file=' }
        @{ Line = '-drive file=a.img,if=none,id=d -device virtio-blk-pci,drive=d,addr=0x20'; Id = 'InvalidQemuCommandLine'; Names = 'addr=0x20' }
        @{ Line = '-drive file=a.img,if=none,id=d -device virtio-blk-pci,drive=d,addr=3.x'; Id = 'InvalidQemuCommandLine'; Names = 'addr=3.x' }
        @{ Line = '-kernel'; Id = 'InvalidQemuCommandLine'; Names = '-kernel' }
        @{ Line = '-drive file=a.img,if=virtio,throttling.iops-total=100,throttling.iops-read=50'; Id = 'InvalidDiskLimits'; Names = 'iops-read' }
        @{ Line = '-drive file=a.img,if=virtio,throttling.bps-total=100,throttling.bps-total-max=50'; Id = 'InvalidDiskLimits'; Names = 'bps-total-max' }
        @{ Line = '-drive file=a.img,if=none,id=d -device virtio-blk-pci,drive=d,num-queues=0'; Id = 'InvalidDiskOptions'; Names = 'num-queues=0' }
        @{ Line = '-drive file=a.img,if=none,id=d -device virtio-blk-pci,drive=d,queue-size=100'; Id = 'InvalidDiskOptions'; Names = 'queue-size=100' }
    )
    $memorySizes = @(
        @{ Value = '512'; MB = 512 }, @{ Value = '512M'; MB = 512 }, @{ Value = '1G'; MB = 1024 }, @{ Value = '1.5g'; MB = 1536 },
        @{ Value = 'size=2G'; MB = 2048 }, @{ Value = '65536K'; MB = 64 }, @{ Value = '268435456B'; MB = 256 }
    )
    $booleans = @(
        @{ Word = 'on'; Value = $true }, @{ Word = 'yes'; Value = $true }, @{ Word = 'true'; Value = $true }, @{ Word = 'y'; Value = $true }, @{ Word = 'ON'; Value = $true },
        @{ Word = 'off'; Value = $false }, @{ Word = 'no'; Value = $false }, @{ Word = 'false'; Value = $false }, @{ Word = 'n'; Value = $false }
    )
}

BeforeAll {
    . "$PSScriptRoot/TestHelpers.ps1"
    Import-Module (Get-PSVmmModulePath) -Force
    $kernel = New-FakeKernel (Join-Path $TestDrive 'vmlinux')
    $initrd = Join-Path $TestDrive 'initrd.img'
    Set-Content -LiteralPath $initrd -Value 'initrd'
    $imgA = Join-Path $TestDrive 'a.img'
    $imgB = Join-Path $TestDrive 'b b.img'
    foreach ($img in $imgA, $imgB) { [IO.File]::WriteAllBytes($img, [byte[]]::new(1MB)) }

    # ConvertFrom-QemuCommandLine with its one warning captured, run from the test drive (relative paths).
    function Read-Qemu([Parameter(ValueFromPipeline)] [string[]] $Line, [switch] $Stream) {
        begin { $all = [Collections.Generic.List[string]]::new() }
        process { $all.AddRange($Line) }
        end {
            Push-Location $TestDrive
            try { ConvertFrom-QemuCommandLine -CommandLine $all.ToArray() -WarningVariable script:warnings -WarningAction SilentlyContinue }
            finally { Pop-Location }
        }
    }
    # The engine's disk records (BlockDevices shows the flat disk objects in PowerShell).
    function Get-Disk($Config, [int] $Index = 0) { [PSVmm.Engine.Machine.VmConfig].GetProperty('BlockDevices').GetValue($Config.PSObject.BaseObject)[$Index] }
}

Describe 'ConvertFrom-QemuCommandLine: the machine' {
    It 'reads -name, -m, -smp, -kernel, -initrd and -append from one quoted line' {
        $c = Read-Qemu "qemu-system-x86_64 -name web1 -m 512 -smp 2 -kernel ./vmlinux -initrd '$initrd' -append `"console=ttyS0 root=/dev/vda rw`""
        $c | Should -BeOfType ([PSVmm.Engine.Machine.VmConfig])
        $c.Name | Should -Be 'web1'
        $c.MemoryMB | Should -Be 512
        $c.CpuCount | Should -Be 2
        $c.KernelPath | Should -Be $kernel
        $c.InitrdPath | Should -Be $initrd
        $c.KernelArgs | Should -Be 'console=ttyS0 root=/dev/vda rw'
        $warnings | Should -BeNullOrEmpty
    }

    It 'takes an argument array, each element one argument, also from the pipeline' {
        $arguments = @('-name', 'arr', '-m', '128', '-kernel', $kernel, '-append', 'console=ttyS0 quiet')
        foreach ($c in (ConvertFrom-QemuCommandLine $arguments), ($arguments | ConvertFrom-QemuCommandLine)) {
            $c.Name | Should -Be 'arr'
            $c.MemoryMB | Should -Be 128
            $c.KernelArgs | Should -Be 'console=ttyS0 quiet'
        }
    }

    It 'splits backslash-newline continuations, escapes and comments as a shell does' {
        $c = Read-Qemu "qemu-system-x86_64 \`n  -name 'it''s' \`n  -append a\ b # the arguments`n -m 64"
        $c.Name | Should -Be 'its'
        $c.KernelArgs | Should -Be 'a b'
        $c.MemoryMB | Should -Be 64
    }

    It 'reads -m <Value> as <MB> MiB' -ForEach $memorySizes {
        (Read-Qemu "-m $Value").MemoryMB | Should -Be $MB
    }

    It 'reads -smp with cpus= and with a topology (warned about)' {
        (Read-Qemu '-smp cpus=3').CpuCount | Should -Be 3
        (Read-Qemu '-smp 4,maxcpus=4').CpuCount | Should -Be 4
        $c = Read-Qemu '-smp sockets=1,cores=2,threads=2'
        $c.CpuCount | Should -Be 4
        $warnings.Count | Should -Be 1
        "$warnings" | Should -Match 'sockets=1,cores=2,threads=2'
    }

    It 'reads -name guest= and warns about debug-threads=' {
        $c = Read-Qemu '-name guest=db1,debug-threads=on'
        $c.Name | Should -Be 'db1'
        "$warnings" | Should -Match 'debug-threads=on'
    }

    It 'accepts --option spellings' {
        (Read-Qemu '--m 96 --name dash').MemoryMB | Should -Be 96
    }

    It 'names every option that means nothing to PSVmm in one warning' {
        $c = Read-Qemu '/usr/bin/qemu-system-x86_64 -enable-kvm -machine q35,accel=kvm -cpu host -nodefaults -display none -vga none -monitor none -serial stdio -bios /usr/share/seabios/bios.bin -no-reboot -nographic -m 64'
        $c.MemoryMB | Should -Be 64
        $warnings.Count | Should -Be 1
        foreach ($option in '-enable-kvm', '-machine q35,accel=kvm', '-cpu host', '-nodefaults', '-display none', '-vga none', '-monitor none', '-serial stdio', '-bios /usr/share/seabios/bios.bin', '-no-reboot', '-nographic') {
            "$warnings" | Should -BeLike "*$option*"
        }
    }
}

Describe 'ConvertFrom-QemuCommandLine: disks' {
    It 'reads every -drive and -device key into the disk' {
        $c = Read-Qemu ("-object iothread,id=io1 " +
            "-drive file=a.img,if=none,id=drv0,format=raw,readonly=on,cache=none,aio=io_uring,discard=unmap,detect-zeroes=on " +
            "-device virtio-blk-pci,drive=drv0,id=root,bus=pci.0,addr=0x5,num-queues=2,queue-size=128,serial=SER1,iothread=io1,discard=on,write-zeroes=on,packed=on,disable-legacy=off")
        $d = Get-Disk $c
        $d.Disk.Path | Should -Be $imgA
        $d.Id | Should -Be 'root'
        $d.Disk.ReadOnly | Should -BeTrue
        $d.Disk.CacheMode | Should -Be 'None'
        $d.Disk.Engine | Should -Be 'IoUring'
        $d.Disk.Discard | Should -BeTrue
        $d.Disk.WriteZeroes | Should -Be 'On'
        $d.Slot | Should -Be 5
        $d.Function | Should -Be 0
        $d.Disk.NumQueues | Should -Be 2
        $d.Disk.QueueSize | Should -Be 128
        $d.Disk.Serial | Should -Be 'SER1'
        $d.Disk.IoThread | Should -Be 'io1'
        $d.Transitional | Should -BeTrue
        $warnings | Should -BeNullOrEmpty
    }

    It 'gives PSVmm''s defaults where the line says nothing, and the drive id as disk id' {
        $d = Get-Disk (Read-Qemu '-drive file=a.img,if=none,id=plain -device virtio-blk-pci,drive=plain')
        $d.Id | Should -Be 'plain'
        $d.Disk.ReadOnly | Should -BeFalse
        $d.Disk.CacheMode | Should -Be 'Writeback'
        $d.Disk.Engine | Should -Be 'Auto'
        $d.Disk.Discard | Should -BeTrue
        $d.Disk.WriteZeroes | Should -Be 'Unmap'
        $d.Disk.NumQueues | Should -BeNullOrEmpty
        $d.Disk.QueueSize | Should -Be 256
        $d.Slot | Should -BeNullOrEmpty
        $d.Transitional | Should -BeFalse
    }

    It 'reads -drive if=virtio as a disk by itself, named disk0, disk1, ... without an id' {
        $c = Read-Qemu "-drive file=a.img,if=virtio -drive `"file=b b.img,if=virtio,readonly=on`""
        $c.BlockDevices.Count | Should -Be 2
        (Get-Disk $c 0).Id | Should -Be 'disk0'
        (Get-Disk $c 1).Id | Should -Be 'disk1'
        (Get-Disk $c 1).Disk.Path | Should -Be $imgB
        (Get-Disk $c 1).Disk.ReadOnly | Should -BeTrue
    }

    It 'reads the boolean <Word> as <Value>' -ForEach $booleans {
        (Get-Disk (Read-Qemu "-drive file=a.img,if=virtio,readonly=$Word")).Disk.ReadOnly | Should -Be $Value
    }

    It 'maps aio=<Aio> to the <Engine> engine' -ForEach @(@{ Aio = 'io_uring'; Engine = 'IoUring' }, @{ Aio = 'threads'; Engine = 'ThreadPool' }) {
        (Get-Disk (Read-Qemu "-drive file=a.img,if=virtio,aio=$Aio")).Disk.Engine | Should -Be $Engine
    }

    It 'maps <Keys> to cache <Mode>' -ForEach @(
        @{ Keys = 'cache=none'; Mode = 'None' }, @{ Keys = 'cache=writeback'; Mode = 'Writeback' },
        @{ Keys = 'cache.direct=on'; Mode = 'None' }, @{ Keys = 'direct=on'; Mode = 'None' }, @{ Keys = 'direct=off'; Mode = 'Writeback' },
        @{ Keys = 'cache=none,direct=on'; Mode = 'None' }) {
        (Get-Disk (Read-Qemu "-drive file=a.img,if=virtio,$Keys")).Disk.CacheMode | Should -Be $Mode
    }

    It 'maps drive <Drive> and device <Device> to Discard <Discard>, WriteZeroes <WriteZeroes>' -ForEach @(
        @{ Drive = 'discard=unmap'; Device = 'discard=on'; Discard = $true; WriteZeroes = 'Unmap' }
        @{ Drive = 'discard=ignore'; Device = 'discard=on'; Discard = $false; WriteZeroes = 'Unmap' }
        @{ Drive = 'discard=unmap'; Device = 'discard=off'; Discard = $false; WriteZeroes = 'Unmap' }
        @{ Drive = 'detect-zeroes=off'; Device = 'write-zeroes=off'; Discard = $true; WriteZeroes = 'Off' }
        @{ Drive = 'detect-zeroes=off'; Device = 'discard=on'; Discard = $true; WriteZeroes = 'Off' }
        @{ Drive = 'detect-zeroes=unmap,discard=unmap'; Device = 'write-zeroes=on'; Discard = $true; WriteZeroes = 'Unmap' }
        @{ Drive = 'detect-zeroes=on'; Device = 'write-zeroes=on'; Discard = $true; WriteZeroes = 'On' }
        @{ Drive = 'format=raw'; Device = 'write-zeroes=off'; Discard = $true; WriteZeroes = 'Off' }) {
        $d = Get-Disk (Read-Qemu "-drive file=a.img,if=none,id=d,$Drive -device virtio-blk-pci,drive=d,$Device")
        $d.Disk.Discard | Should -Be $Discard
        $d.Disk.WriteZeroes | Should -Be $WriteZeroes
    }

    It 'reads every throttling limit with its burst and burst length' {
        $keys = 'throttling.iops-read=100,throttling.iops-read-max=200,throttling.iops-read-max-length=5,throttling.iops-write=50,' +
            'throttling.bps-total=1048576,throttling.bps-total-max=2097152,throttling.bps-total-max-length=2'
        $t = (Get-Disk (Read-Qemu "-drive file=a.img,if=virtio,$keys")).Disk.Throttle
        $t.ReadIops.PerSecond | Should -Be 100
        $t.ReadIops.BurstPerSecond | Should -Be 200
        $t.ReadIops.BurstSeconds | Should -Be 5
        $t.WriteIops.PerSecond | Should -Be 50
        $t.TotalBytesPerSecond.PerSecond | Should -Be 1048576
        $t.TotalBytesPerSecond.BurstPerSecond | Should -Be 2097152
        $t.TotalBytesPerSecond.BurstSeconds | Should -Be 2
        $t.TotalIops.IsUnlimited | Should -BeTrue
    }

    It 'reads the short limit names (iops=, bps_rd=, bps_wr_max=, ...)' {
        $t = (Get-Disk (Read-Qemu '-drive file=a.img,if=virtio,iops=300,iops_max=600,iops_max_length=3,bps_rd=4096,bps_wr=8192,bps_wr_max=16384')).Disk.Throttle
        $t.TotalIops | Should -Be ([PSVmm.Engine.Devices.Block.Throttle.ThrottleRate]::new(300, 600, 3))
        $t.ReadBytesPerSecond.PerSecond | Should -Be 4096
        $t.WriteBytesPerSecond.PerSecond | Should -Be 8192
        $t.WriteBytesPerSecond.BurstPerSecond | Should -Be 16384
    }

    It 'reads addr=<Addr> as slot <Slot>, function <Function>' -ForEach @(
        @{ Addr = '0x3.0x1'; Slot = 3; Function = 1 }, @{ Addr = '3.1'; Slot = 3; Function = 1 }, @{ Addr = '1f.7'; Slot = 31; Function = 7 }, @{ Addr = '0x0a'; Slot = 10; Function = 0 }) {
        $d = Get-Disk (Read-Qemu "-drive file=a.img,if=none,id=f0 -device virtio-blk-pci,drive=f0,addr=0x3.0x0,multifunction=on -drive file=b.img,if=none,id=x -device virtio-blk-pci,drive=x,addr=$Addr") 1
        $d.Slot | Should -Be $Slot
        $d.Function | Should -Be $Function
    }

    It 'reads two disks at 00:03.0 (multifunction=on) and 00:03.1' {
        $c = Read-Qemu '-drive file=a.img,if=none,id=a -device virtio-blk-pci,drive=a,id=fa,addr=0x3.0x0,multifunction=on -drive "file=b b.img,if=none,id=b" -device virtio-blk-pci,drive=b,id=fb,addr=0x3.0x1'
        $c.BlockDevices.PciAddress | Should -Be @('00:03.0', '00:03.1')
    }

    It 'reads <Driver> as Transitional <Transitional>' -ForEach @(
        @{ Driver = 'virtio-blk-pci-transitional'; Transitional = $true }, @{ Driver = 'virtio-blk-pci-non-transitional'; Transitional = $false },
        @{ Driver = 'virtio-blk-pci,disable-legacy=on'; Transitional = $false }, @{ Driver = 'virtio-blk,disable-legacy=off'; Transitional = $true }) {
        (Get-Disk (Read-Qemu "-drive file=a.img,if=none,id=d -device $Driver,drive=d")).Transitional | Should -Be $Transitional
    }

    It 'reads a StratoVirt command line' {
        $line = 'stratovirt -machine q35 -kernel ./vmlinux -append "console=ttyS0 root=/dev/vda" -m 1G -smp 2 ' +
            '-drive id=drive0,file=a.img,direct=on,readonly=off,iops=200 ' +
            '-device virtio-blk-pci,id=blk0,drive=drive0,bus=pcie.0,addr=0x3.0x0,iothread=iothread1,serial=sv0,num-queues=2,bootindex=1 ' +
            '-object iothread,id=iothread1 -qmp unix:/tmp/sv.sock,server,nowait -serial stdio -disable-seccomp'
        $c = Read-Qemu $line
        $c.MemoryMB | Should -Be 1024
        $c.CpuCount | Should -Be 2
        $d = Get-Disk $c
        $d.Id | Should -Be 'blk0'
        $d.Disk.CacheMode | Should -Be 'None'
        $d.Disk.Throttle.TotalIops.PerSecond | Should -Be 200
        $d.Disk.IoThread | Should -Be 'iothread1'
        $d.Disk.NumQueues | Should -Be 2
        $d.PciAddress | Should -Be '00:03.0'
        $warnings.Count | Should -Be 1
        foreach ($option in '-machine q35', '-qmp', '-serial stdio', '-disable-seccomp', 'bootindex=1') { "$warnings" | Should -BeLike "*$option*" }
    }

    It 'warns about an unused drive, an unused iothread and firmware drives, and drops none silently' {
        $c = Read-Qemu '-object iothread,id=spare -drive file=a.img,if=none,id=unused -drive file=bios.fd,if=pflash,format=raw -drive file=b.img,if=virtio'
        $c.BlockDevices.Count | Should -Be 1
        $warnings.Count | Should -Be 1
        "$warnings" | Should -Match 'id=spare \(no disk uses it\)'
        "$warnings" | Should -Match 'id=unused \(no -device uses it\)'
        "$warnings" | Should -Match 'if=pflash'
    }

    It 'refuses <Line> with <Id>, naming <Names>' -ForEach $refusals {
        $err = $null
        try { Read-Qemu $Line } catch { $err = $_ }
        $err | Should -Not -BeNullOrEmpty
        $err.FullyQualifiedErrorId | Should -BeLike "$Id,*"
        $err.Exception.Message | Should -BeLike "*$Names*"
    }
}

Describe 'New-VmConfig -QemuArgs' {
    It 'builds a checked VmConfig, with -CpuProfile and -ConsoleLogPath from its own parameters' {
        Push-Location $TestDrive
        try {
            $c = New-VmConfig -QemuArgs "-name q1 -m 64 -kernel vmlinux -drive file=a.img,if=virtio,id=root" -CpuProfile Host -ConsoleLogPath ./console.log
        }
        finally { Pop-Location }
        $c.Name | Should -Be 'q1'
        $c.KernelPath | Should -Be $kernel
        $c.CpuProfile | Should -Be 'Host'
        $c.ConsoleLogPath | Should -Be (Join-Path $TestDrive 'console.log')
        (Get-Disk $c).Disk.Path | Should -Be $imgA
    }

    It 'checks the files as New-VmConfig does' {
        { New-VmConfig -QemuArgs "-kernel $TestDrive/missing-vmlinux" } | Should -Throw -ErrorId 'KernelImageNotFound,*'
        { New-VmConfig -QemuArgs "-kernel $kernel -drive file=$TestDrive/missing.img,if=virtio" } | Should -Throw -ErrorId 'DiskImageNotFound,*'
    }

    It 'checks the PCI placement: function 1 needs a function 0' {
        { New-VmConfig -QemuArgs @('-kernel', $kernel, '-drive', "file=$imgA,if=none,id=d", '-device', 'virtio-blk-pci,drive=d,addr=0x4.0x1') } |
            Should -Throw -ErrorId 'InvalidPciAddress,*'
    }

    It 'gives the same errors and warning as ConvertFrom-QemuCommandLine' {
        { New-VmConfig -QemuArgs '-drive file=a.img,if=virtio,format=qcow2' } | Should -Throw -ErrorId 'UnsupportedQemuOptionValue,*'
        $null = New-VmConfig -QemuArgs "-kernel $kernel -enable-kvm" -WarningVariable w -WarningAction SilentlyContinue
        "$w" | Should -Match '-enable-kvm'
    }

    It 'is its own parameter set: -QemuArgs does not mix with -Name or -Kernel' {
        { New-VmConfig -QemuArgs "-kernel $kernel" -Name x } | Should -Throw -ErrorId 'AmbiguousParameterSet,*'
    }
}

Describe 'ConvertTo-QemuCommandLine' {
    BeforeAll {
        $config = New-VmConfig -Name conv -Kernel $kernel -Initrd $initrd -MemoryMB 128 -CpuCount 2 -KernelArgs "console=ttyS0 it's" |
            Add-VirtioBlkPci -Path $imgA -Id root -Serial 'S,1' -NumQueues 2 -QueueSize 64 -PciAddress 3.0 -MaximumIops 500 -MaximumIopsBurst 1000 -MaximumIopsBurstSeconds 2 |
            Add-VirtioBlkPci -Path $imgB -Id data -ReadOnly -Cache None -IoThread io7 -NoDiscard -WriteZeroes Off -PciAddress 3.1 -Transitional -MaximumReadBytesPerSecond 1048576
    }

    It 'writes the arguments one string each, a runnable KVM machine' {
        $a = @(ConvertTo-QemuCommandLine $config)
        $a | Should -BeOfType ([string])
        $a.Count | Should -BeGreaterThan 20
        $a | Should -Contain '-enable-kvm'
        $a | Should -Contain '-nodefaults'
        $a[$a.IndexOf('-serial') + 1] | Should -Be 'stdio'
        $a[$a.IndexOf('-kernel') + 1] | Should -Be $kernel
        $a[$a.IndexOf('-append') + 1] | Should -Be "console=ttyS0 it's"
        $a | Should -Contain 'iothread,id=io7'
        ($a | Where-Object { $_ -like 'virtio-blk-pci,drive=drive-root*' }) | Should -BeLike '*addr=0x3.0x0,multifunction=on*'
        ($a | Where-Object { $_ -like "file=$imgA*" }) | Should -BeLike '*throttling.iops-total=500,throttling.iops-total-max=1000,throttling.iops-total-max-length=2*'
        ($a | Where-Object { $_ -like 'virtio-blk-pci,drive=drive-root*' }) | Should -BeLike '*serial=S,,1*'
    }

    It 'reads back as the same configuration, as an array and as a line' {
        $line = ConvertTo-QemuCommandLine -Config $config -AsString
        $line | Should -BeLike 'qemu-system-x86_64 *'
        foreach ($back in (ConvertTo-QemuCommandLine $config | ConvertFrom-QemuCommandLine -WarningAction SilentlyContinue),
            (ConvertFrom-QemuCommandLine $line -WarningAction SilentlyContinue)) {
            foreach ($p in 'Name', 'MemoryMB', 'CpuCount', 'KernelPath', 'InitrdPath', 'KernelArgs') { $back.$p | Should -Be $config.$p }
            $back.BlockDevices.Count | Should -Be 2
            for ($i = 0; $i -lt 2; $i++) { Get-Disk $back $i | Should -Be (Get-Disk $config $i) }
        }
    }

    It '-Fastest adds an iothread, aio=io_uring and cache=none where the config leaves them open, and no detect-zeroes' {
        $plain = New-VmConfig -Name fast -Kernel $kernel | Add-VirtioBlkPci -Path $imgA -Id d0
        $a = ConvertTo-QemuCommandLine $plain -Fastest
        $a | Should -Contain 'iothread,id=iothread0'
        $drive = $a | Where-Object { $_ -like "file=*" }
        $drive | Should -BeLike '*cache=none*'
        $drive | Should -BeLike '*aio=io_uring*'
        $drive | Should -Not -BeLike '*detect-zeroes*'
        ($a | Where-Object { $_ -like 'virtio-blk-pci*' }) | Should -BeLike '*iothread=iothread0*'
        (ConvertTo-QemuCommandLine $plain -Fastest -Aio Native | Where-Object { $_ -like "file=*" }) | Should -BeLike '*aio=native*'
    }

    It '-Fastest keeps what the config says (its IoThread, its I/O engine)' {
        $own = Read-Qemu '-kernel vmlinux -object iothread,id=mine -drive file=a.img,if=none,id=d,aio=threads -device virtio-blk-pci,drive=d,iothread=mine'
        $a = ConvertTo-QemuCommandLine $own -Fastest
        $a | Should -Contain 'iothread,id=mine'
        $a | Should -Not -Contain 'iothread,id=iothread0'
        ($a | Where-Object { $_ -like "file=*" }) | Should -BeLike '*aio=threads*'
    }

    It 'refuses -Aio Native for a disk on the host page cache' {
        $plain = New-VmConfig -Name nat -Kernel $kernel | Add-VirtioBlkPci -Path $imgA
        $err = $null
        $null = ConvertTo-QemuCommandLine $plain -Aio Native -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -BeLike 'QemuAioNeedsDirectCache,*'
        $err[0].Exception.Message | Should -BeLike '*aio=native*'
    }

    It 'writes -cpu from -Cpu and the program from -QemuPath' {
        $line = ConvertTo-QemuCommandLine $config -AsString -Cpu 'host,-arch-capabilities' -QemuPath /opt/qemu/bin/qemu-system-x86_64
        $line | Should -BeLike '/opt/qemu/bin/qemu-system-x86_64 -enable-kvm -cpu host,-arch-capabilities *'
    }
}

Describe 'Multifunction disks from a QEMU line on a running VM' -Tag 'Guest' -Skip:$skip {
    BeforeAll {
        $probe = Join-Path $env:PSVMM_ROOT 'out/guest/probe.elf'
        $vm = New-VmConfig -QemuArgs @('-name', 'qemu-mf', '-m', '64', '-kernel', $probe, '-append', 'idle',
            '-drive', "file=$imgA,if=none,id=a", '-device', 'virtio-blk-pci,drive=a,id=fa,addr=0x3.0x0,multifunction=on',
            '-drive', "file=$imgB,if=none,id=b", '-device', 'virtio-blk-pci,drive=b,id=fb,addr=0x3.0x1') | Start-Vm -PassThru
        $devices = @(Get-VmPciDevice -Vm $vm)
    }
    AfterAll { Remove-Vm -Name qemu-mf -Force -ErrorAction SilentlyContinue }

    It 'shows both functions of slot 3 as virtio-blk, function 0 multi-function' {
        $f0 = $devices | Where-Object Address -EQ '00:03.0'
        $f1 = $devices | Where-Object Address -EQ '00:03.1'
        $f0.VendorId, $f1.VendorId | Should -Be @(0x1af4, 0x1af4)
        $f0.DeviceId, $f1.DeviceId | Should -Be @(0x1042, 0x1042)
        $f0.HeaderType -band 0x80 | Should -Be 0x80
    }
}

Describe 'Linux enumerates multifunction disks from a QEMU line' -Tag 'Linux', 'Slow' -Skip:$skipLinux {
    BeforeAll {
        $kitDir = & "$env:PSVMM_ROOT/tests/linux-kit/build-small-kernel.sh"
        if ($LASTEXITCODE -ne 0) { throw 'build-small-kernel.sh failed' }
        $small = (Get-Content "$kitDir/small-kernel.env" | ConvertFrom-StringData).SMALL_VMLINUX
        $vm = New-VmConfig -QemuArgs @('-name', 'qemu-mf-linux', '-m', '256', '-kernel', $small, '-append', 'console=ttyS0 panic=-1',
            '-drive', "file=$imgA,if=none,id=a", '-device', 'virtio-blk-pci,drive=a,addr=0x3.0x0,multifunction=on',
            '-drive', "file=$imgB,if=none,id=b", '-device', 'virtio-blk-pci,drive=b,addr=0x3.0x1') | Start-Vm -PassThru
        Wait-Vm -Vm $vm -For ConsolePattern -Pattern 'virtio_blk virtio1: \[vdb\]|Kernel panic' -TimeoutSec 600 -ErrorAction Continue
        $console = Get-VmConsole -Vm $vm -Raw
    }
    AfterAll { Remove-Vm -Name qemu-mf-linux -Force -ErrorAction SilentlyContinue }

    It 'finds both functions of slot 3 and probes a disk on each' {
        $console | Should -Match 'pci 0000:00:03\.0: \[1af4:1042\]'
        $console | Should -Match 'pci 0000:00:03\.1: \[1af4:1042\]'
        $console | Should -Match 'virtio_blk virtio0: \[vda\]'
        $console | Should -Match 'virtio_blk virtio1: \[vdb\]'
    }
}
