# Linux as the ground-truth client of PSVmm's virtio-blk-pci: the small kernel of the Linux kit
# (tests/linux-kit/build-small-kernel.sh: virtio-pci, virtio-blk and ext4 built in) enumerates
# PCI, sets up MSI-X, probes the disk and mounts an ext4 root made on the host, all before
# /init (guest user space cannot run under PVM, PLATFORM.md). One boot per configuration.
BeforeDiscovery {
    $script:skip = -not (Test-Path /dev/kvm)
}

BeforeAll {
    Import-Module $env:PSVMM_MODULE -Force
    $root = $env:PSVMM_ROOT
    $kitDir = & "$root/tests/linux-kit/build-small-kernel.sh"
    if ($LASTEXITCODE -ne 0) { throw "build-small-kernel.sh failed" }
    $script:kernel = (Get-Content "$kitDir/small-kernel.env" | ConvertFrom-StringData).SMALL_VMLINUX

    function script:New-Ext4Image([string] $Path, [int] $MiB = 64) {
        $null = New-VmDiskImage -Path $Path -SizeBytes ($MiB * 1MB) -FileSystem ext4 -Label psvmm-root -Force -ErrorAction Stop
    }
    function script:Get-Superblock([string] $Path) {
        $lines = & dumpe2fs -h $Path 2>$null
        [pscustomobject]@{
            MountCount = [int](($lines | Where-Object { $_ -like 'Mount count:*' }) -replace '\D', '')
            WriteTime  = ($lines | Where-Object { $_ -like 'Last write time:*' }) -replace '^Last write time:\s*', ''
        }
    }
    # Boots until the kernel has mounted its root (or failed), then leaves the VM running for live checks.
    function script:Start-SmallKernel([string] $Name, [string] $Image, [int] $Cpus = 1, [hashtable] $Disk = @{}, [string] $ExtraArgs = '') {
        $vm = New-VmConfig -Name $Name -Kernel $kernel -MemoryMB 256 -CpuCount $Cpus `
                -KernelArgs "console=ttyS0 root=/dev/vda rw panic=-1 $ExtraArgs".Trim() |
            Add-VirtioBlkPci -Path $Image -Serial "$Name-disk" @Disk |
            Start-Vm -PassThru
        Wait-Vm -Vm $vm -For ConsolePattern -Pattern 'Run /sbin/init|Kernel panic|VFS: Cannot open root' -TimeoutSec 600 -ErrorAction Continue
        $vm
    }
}

Describe 'Small kernel with an ext4 root on virtio-blk-pci' -Tag 'Linux', 'Slow' -Skip:$skip {
    BeforeAll {
        $script:image = Join-Path ([IO.Path]::GetTempPath()) "psvmm-rw-$PID.img"
        New-Ext4Image $image
        $script:before = Get-Superblock $image
        Start-Sleep -Seconds 1   # the superblock's write time has a resolution of a second
        $script:vm = Start-SmallKernel -Name small-rw -Image $image
        $script:console = Get-VmConsole -Vm $vm -Raw
        $script:msix = @(Get-VmMsixTable -Vm $vm)
        $script:queues = @(Get-VmVirtqueue -Vm $vm)
        $script:vcpus = @(Get-VmVcpu -Vm $vm)
        Stop-Vm -Vm $vm -TurnOff -Force
        $script:after = Get-Superblock $image
    }
    AfterAll {
        Remove-Vm -Name small-rw -Force -ErrorAction SilentlyContinue
        Remove-Item $image -ErrorAction SilentlyContinue
    }

    It 'probes the disk with its capacity' {
        $console | Should -Match 'virtio_blk virtio0: \[vda\] 131072 512-byte logical blocks'
    }

    It 'programs MSI-X: enabled, unmasked entries with the guest''s LAPIC addresses' {
        $msix.Count | Should -BeGreaterThan 1
        $msix[0].Enabled | Should -BeTrue
        $used = @($msix | Where-Object { -not $_.Masked -and $_.Address -ge 0xFEE00000L -and $_.Address -lt 0xFEF00000L })
        $used.Count | Should -BeGreaterOrEqual 2 -Because 'Linux gives the config change and the queue a vector each'
    }

    It 'runs the request queue' {
        $queues[0].Enabled | Should -BeTrue
        $queues[0].UsedIdx | Should -BeGreaterThan 0
    }

    It 'mounts the root file system read-write' {
        $console | Should -Match 'EXT4-fs \(vda\): mounted filesystem'
        $console | Should -Match 'VFS: Mounted root \(ext4 filesystem\) on device'
        $console | Should -Not -Match 'Mounted root \(ext4 filesystem\) readonly'
    }

    It 'has PSVmm run the int3 of the alternatives self-test where KVM''s emulator cannot (PVM hosts)' {
        $vcpus.Count | Should -Be 1
        if (Test-Path /sys/module/kvm_pvm) {
            $vcpus[0].Int3 | Should -BeGreaterOrEqual 1
        } else {
            $vcpus[0].Int3 | Should -Be 0 -Because 'with VT-x/AMD-V int3 never leaves the guest'
        }
        $vcpus[0].Exits | Should -BeGreaterThan 0
    }

    It 'leaves the mount in the superblock the host reads' {
        $after.MountCount | Should -Be ($before.MountCount + 1)
        $after.WriteTime | Should -Not -Be $before.WriteTime
    }
}

Describe 'Small kernel with the root disk added -ReadOnly' -Tag 'Linux', 'Slow' -Skip:$skip {
    BeforeAll {
        $script:image = Join-Path ([IO.Path]::GetTempPath()) "psvmm-ro-$PID.img"
        New-Ext4Image $image
        $script:hashBefore = (Get-FileHash $image -Algorithm SHA256).Hash
        $script:vm = Start-SmallKernel -Name small-ro -Image $image -Disk @{ ReadOnly = $true }
        # The empty root has no init: the kernel panics and, with panic=-1, reboots through the
        # FADT's reset register, which stops the VM.
        $script:exited = Wait-Vm -Vm $vm -For Exit -TimeoutSec 300 -PassThru -ErrorAction SilentlyContinue
        $script:console = Get-VmConsole -Vm $vm -Raw
        $script:events = @(Get-VmEvent -Vm $vm)
        Stop-Vm -Vm $vm -TurnOff -Force
    }
    AfterAll {
        Remove-Vm -Name small-ro -Force -ErrorAction SilentlyContinue
        Remove-Item $image -ErrorAction SilentlyContinue
    }

    It 'offers the disk read-only and the kernel mounts the root read-only' {
        $console | Should -Match 'virtio_blk virtio0: \[vda\] 131072 512-byte logical blocks'
        $console | Should -Match 'VFS: Mounted root \(ext4 filesystem\) readonly on device'
    }

    It 'leaves the image byte-for-byte unchanged' {
        (Get-FileHash $image -Algorithm SHA256).Hash | Should -Be $hashBefore
    }

    It 'stops when the kernel reboots through the ACPI reset register after its panic' {
        $exited | Should -Not -BeNullOrEmpty -Because "the VM is $($vm.State); console tail: $(($console -split "`n" | Select-Object -Last 3) -join ' | ')"
        $vm.State | Should -Be 'Stopped'
        $console | Should -Match 'Kernel panic - not syncing'
        @($events | Where-Object Message -like '*ACPI reset register*').Count | Should -BeGreaterOrEqual 1 -Because (($events.Message) -join '; ')
    }
}

Describe 'Small kernel with two vCPUs and two request queues' -Tag 'Linux', 'Slow' -Skip:$skip {
    BeforeAll {
        $script:image = Join-Path ([IO.Path]::GetTempPath()) "psvmm-mq-$PID.img"
        New-Ext4Image $image
        $script:vm = Start-SmallKernel -Name small-mq -Image $image -Cpus 2 -Disk @{ NumQueues = 2 }
        $script:console = Get-VmConsole -Vm $vm -Raw
        $script:queues = @(Get-VmVirtqueue -Vm $vm)
        Stop-Vm -Vm $vm -TurnOff -Force
    }
    AfterAll {
        Remove-Vm -Name small-mq -Force -ErrorAction SilentlyContinue
        Remove-Item $image -ErrorAction SilentlyContinue
    }

    It 'brings up both CPUs' {
        $console | Should -Match 'smp: Brought up 1 node, 2 CPUs'
    }

    It 'has the kernel use two request queues' {
        $console | Should -Match 'virtio_blk virtio0: 2/0/0 default/read/poll queues'
        $queues.Count | Should -Be 2
        $queues | ForEach-Object { $_.Enabled | Should -BeTrue }
    }

    It 'mounts the root' {
        $console | Should -Match 'VFS: Mounted root \(ext4 filesystem\) on device'
    }
}

Describe 'Small kernel with MSI off (pci=nomsi): the disk on INTx' -Tag 'Linux', 'Slow' -Skip:$skip {
    BeforeAll {
        $script:image = Join-Path ([IO.Path]::GetTempPath()) "psvmm-intx-$PID.img"
        New-Ext4Image $image
        $script:vm = Start-SmallKernel -Name small-intx -Image $image -ExtraArgs 'pci=nomsi'
        $script:console = Get-VmConsole -Vm $vm -Raw
        $script:pci = Get-VmPciDevice -Vm $vm | Where-Object Name -like 'virtio-blk*'
        $script:msix = @(Get-VmMsixTable -Vm $vm)
        $script:queues = @(Get-VmVirtqueue -Vm $vm)
        $script:device = Get-VmVirtioDevice -Vm $vm
        Stop-Vm -Vm $vm -TurnOff -Force
    }
    AfterAll {
        Remove-Vm -Name small-intx -Force -ErrorAction SilentlyContinue
        Remove-Item $image -ErrorAction SilentlyContinue
    }

    It 'routes the PCI interrupt through the DSDT''s _PRT' {
        $console | Should -Match 'PCI: Using ACPI for IRQ routing'
        $pci.InterruptPin | Should -Be 1 -Because 'virtio-blk raises INTA#'
        $pci.InterruptLine | Should -BeGreaterThan 0
    }

    It 'leaves MSI-X disabled' {
        $msix.Count | Should -BeGreaterThan 0
        $msix | ForEach-Object { $_.Enabled | Should -BeFalse }
    }

    It 'completes the kernel''s requests with INTx interrupts' {
        $queues[0].Enabled | Should -BeTrue
        $queues[0].Vector | Should -BeNullOrEmpty -Because 'no MSI-X vector is assigned'
        $queues[0].Interrupts | Should -BeGreaterThan 0
        $device.QueueInterrupts | Should -BeGreaterThan 0
        $device.Isr | Should -Be 0 -Because 'the driver''s ISR reads cleared every interrupt'
    }

    It 'probes the disk and mounts the root' {
        $console | Should -Match 'virtio_blk virtio0: \[vda\] 131072 512-byte logical blocks'
        $console | Should -Match 'VFS: Mounted root \(ext4 filesystem\) on device'
    }
}

Describe 'Small kernel: the ACPI power button and soft-off' -Tag 'Linux', 'Slow' -Skip:$skip {
    BeforeAll {
        # rootwait on a disk that never comes keeps the kernel alive and idle (no panic, no init),
        # with interrupts and kernel threads running, on any host.
        $script:vm = New-VmConfig -Name small-power -Kernel $kernel -MemoryMB 256 `
                -KernelArgs 'console=ttyS0 root=/dev/vdz rootwait panic=-1' | Start-Vm -PassThru
        Wait-Vm -Vm $vm -For ConsolePattern -Pattern 'Waiting for root device|Kernel panic' -TimeoutSec 600 -ErrorAction Continue
        $script:console = Get-VmConsole -Vm $vm -Raw
        Stop-Vm -Vm $vm -TimeoutSec 30 -ErrorAction SilentlyContinue -ErrorVariable stopErrors
        $script:stopErrors = $stopErrors
        $script:events = @(Get-VmEvent -Vm $vm -Source acpi)
        $script:state = $vm.State
        Stop-Vm -Vm $vm -TurnOff -Force
    }
    AfterAll {
        Remove-Vm -Name small-power -Force -ErrorAction SilentlyContinue
    }

    It 'binds the power button the DSDT declares and supports soft-off (S5)' {
        $console | Should -Match 'Waiting for root device'
        $console | Should -Match 'ACPI: button: Power Button \[PWRB\]'
        $console | Should -Match 'ACPI: PM: \(supports S0 S5\)'
    }

    It 'Stop-Vm presses the power button and the kernel takes the event through the GED' {
        $events.Message | Should -Contain 'power button pressed (ACPI GED interrupt)'
        $events.Message | Should -Contain 'the guest took the power-button event (its ACPI _EVT read the GED event selector)'
    }

    It 'times out when nothing in the guest shuts down on the button (no init here), and the VM keeps running' {
        $stopErrors.Count | Should -Be 1
        $stopErrors[0].FullyQualifiedErrorId | Should -BeLike 'VmStopTimeout,*'
        $state | Should -Be 'Running'
    }
}
