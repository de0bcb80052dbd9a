# The stock Debian cloud kernel from the Linux test kit (tests/linux-kit) boots under PSVmm to
# `Run /init`, past the CPL0 instructions the PVM emulator rejects (PLATFORM.md), which PSVmm
# fixes up itself. QEMU boots the same vmlinux, initramfs and command line in the same run, and
# the test records how far it got. One PSVmm boot (minutes under PVM), then one QEMU boot.
BeforeDiscovery {
    $script:kitEnv = '/var/cache/psvmm/linux-kit/kit.env'
    $script:skip = -not (Test-Path /dev/kvm) -or -not (Test-Path $kitEnv)
    $script:isPvm = Test-Path /sys/module/kvm_pvm
    $script:noQemu = -not (Get-Command qemu-system-x86_64 -ErrorAction SilentlyContinue)
}

Describe 'Stock Debian cloud kernel reaches /init under PSVmm' -Tag 'Linux', 'Slow', 'StockKernel' -Skip:$skip {
    BeforeAll {
        Import-Module $env:PSVMM_MODULE -Force
        . "$env:PSVMM_ROOT/tests/linux-kit/QemuLinuxBoot.ps1"
        $kit = Get-Content $kitEnv | ConvertFrom-StringData
        $sw = [Diagnostics.Stopwatch]::StartNew()
        $script:vm = New-VmConfig -Name stock-kernel -Kernel $kit.KIT_VMLINUX -Initrd $kit.KIT_INITRAMFS `
            -MemoryMB 256 -KernelArgs 'console=ttyS0 earlyprintk=serial,ttyS0' | Start-Vm -PassThru
        Wait-Vm -Vm $vm -For ConsolePattern -Pattern 'Run /init|Kernel panic' -TimeoutSec 1200 -ErrorAction Continue
        $script:seconds = [math]::Round($sw.Elapsed.TotalSeconds, 1)
        $script:console = Get-VmConsole -Vm $vm -Raw
        $script:reached = $console -match 'Run /init'
        $script:state = $vm.State
        $script:failure = $vm.FailureReason
        $script:fixups = (Get-VmVcpu -Vm $vm)[0].EmulationFixups
        $script:kernelArgs = $vm.EffectiveKernelArgs
        $last = $console -split "`n" | Where-Object { $_ -match '\S' } | Select-Object -Last 1
        Write-Host "stock-kernel: PSVmm reached Run /init: $reached after $seconds s; fix-ups: $(($fixups.GetEnumerator() | ForEach-Object { "$($_.Key)=$($_.Value)" }) -join ', '); last line: $last"
        Remove-Vm -Vm $vm -Force

        $script:qemu = $null
        if (Test-QemuAvailable) {
            # PSVmm hides CX16 from the guest (else SLUB runs cmpxchg16b at CPL0); QEMU is given the same.
            $script:qemu = Invoke-QemuLinuxBoot -Kernel $kit.KIT_VMLINUX -Initrd $kit.KIT_INITRAMFS -Append $kernelArgs `
                -Cpu 'host,-arch-capabilities,-cx16' -Pattern 'Run /init' -TimeoutSec ([math]::Max(300, $seconds + 120))
            Write-Host "stock-kernel: QEMU reached Run /init: $($qemu.Reached) after $($qemu.Seconds) s; emulation failure: $([bool]$qemu.EmulationFailure); last line: $($qemu.LastLine)"
            if ($qemu.EmulationFailure) { Write-Host $qemu.EmulationFailure }
        }
    }

    It 'reaches Run /init' {
        $reached | Should -BeTrue -Because "state $state $failure; console tail: $(($console -split "`n" | Select-Object -Last 5) -join ' | ')"
        $console | Should -Match 'Linux version 6\.1\.\S+-cloud-amd64'
        $console | Should -Not -Match 'Kernel panic'
    }

    It 'finds soft-off (S5) in PSVmm''s ACPI tables' {
        $console | Should -Match 'ACPI: PM: \(supports S0 S5\)'
    }

    It 'got past the int3 self-test by injecting #BP' -Skip:(-not $isPvm) {
        $fixups['Int3'] | Should -BeGreaterOrEqual 1
    }

    It 'gets further than QEMU on this PVM host' -Skip:($noQemu -or -not $isPvm) {
        $qemu.Reached | Should -BeFalse -Because 'QEMU stops on the first CPL0 instruction the PVM emulator rejects'
        $qemu.EmulationFailure | Should -Not -BeNullOrEmpty
        $reached | Should -BeTrue
    }

    It 'boots under QEMU as well on a host with hardware virtualization' -Skip:($noQemu -or $isPvm) {
        $qemu.Reached | Should -BeTrue -Because "QEMU last line: $($qemu.LastLine)"
    }
}
