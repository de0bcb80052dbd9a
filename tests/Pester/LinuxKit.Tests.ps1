# The Debian cloud kernel from the Linux test kit (tests/linux-kit) boots under PSVmm: its own
# console shows the banner, the e820 map PSVmm wrote, PSVmm's ACPI tables and the command line.
# One boot serves every check in this file. Slow: about a minute to the ACPI lines under PVM.
BeforeDiscovery {
    $script:kitEnv = '/var/cache/psvmm/linux-kit/kit.env'
    $script:skip = -not (Test-Path /dev/kvm) -or -not (Test-Path $kitEnv)
}

Describe 'Debian cloud kernel boots under PSVmm' -Tag 'Linux', 'Slow' -Skip:$skip {
    BeforeAll {
        Import-Module $env:PSVMM_MODULE -Force
        $kit = Get-Content /var/cache/psvmm/linux-kit/kit.env | ConvertFrom-StringData
        $script:kernelArgs = 'console=ttyS0 earlyprintk=serial,ttyS0 psvmm.marker=kit-42'
        $script:started = Get-Date
        $script:vm = New-VmConfig -Name linux-kit -Kernel $kit.KIT_VMLINUX -Initrd $kit.KIT_INITRAMFS `
            -MemoryMB 256 -KernelArgs $kernelArgs | Start-Vm -PassThru
        # ACPI tables are parsed early; the IOAPIC from the MADT is announced after them.
        Wait-Vm -Vm $vm -For ConsolePattern -Pattern 'IOAPIC\[0\]: .*GSI \d+-\d+\r?\n|Kernel panic' -TimeoutSec 420 -ErrorAction Continue
        $script:console = Get-VmConsole -Vm $vm -Raw
    }

    AfterAll {
        if ($vm) {
            # How far did it get? Recorded for the closing note and the benchmark, not asserted here.
            Wait-Vm -Vm $vm -For ConsolePattern -Pattern 'Run /init|Kernel panic' -TimeoutSec 20 -ErrorAction SilentlyContinue
            $text = Get-VmConsole -Vm $vm -Raw
            $last = ($text -split "`n" | Where-Object { $_ -match '\S' } | Select-Object -Last 1)
            Write-Host "linux-kit: state=$($vm.State) after $([int]((Get-Date) - $started).TotalSeconds)s; reached Run /init: $($text -match 'Run /init'); last line: $last"
            Remove-Vm -Vm $vm -Force
        }
    }

    It 'prints the kernel banner' {
        $console | Should -Match 'Linux version 6\.1\.\S+-cloud-amd64'
    }

    It 'receives the command line PSVmm passed' {
        $console | Should -Match 'Command line: .*psvmm\.marker=kit-42'
        $vm.EffectiveKernelArgs | Should -Match 'psvmm\.marker=kit-42'
    }

    It 'sees the e820 map with RAM below 640 KiB and from 1 MiB' {
        $console | Should -Match 'BIOS-e820: \[mem 0x0000000000000000-0x000000000009fbff\] usable'
        $console | Should -Match 'BIOS-e820: \[mem 0x0000000000100000-0x000000000fffffff\] usable'
    }

    It 'finds the ACPI tables PSVmm wrote' {
        $console | Should -Match 'ACPI: RSDP 0x00000000000E0000'
        foreach ($table in 'XSDT', 'FACP', 'DSDT', 'APIC', 'MCFG') {
            $console | Should -Match "ACPI: $table 0x"
        }
    }

    It 'finds the IOAPIC from the MADT' {
        $console | Should -Match 'IOAPIC\[0\]: apic_id \d+, version \d+, address 0xfec00000, GSI 0-23'
    }

    It 'has not failed' {
        $vm.State | Should -Not -Be 'Failed' -Because "$($vm.FailureReason)"
        $console | Should -Not -Match 'Kernel panic'
    }
}
