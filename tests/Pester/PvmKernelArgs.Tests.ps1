# The PVM boot-argument fragment: appended to a Linux command line under the Pvm profile, shown in
# EffectiveKernelArgs, received by the kernel, and left out with -NoPvmKernelArgs or the Host profile.
BeforeDiscovery {
    $script:skip = -not (Test-Path /dev/kvm) -or -not (Test-Path /var/cache/psvmm/linux-kit/kit.env)
}

BeforeAll {
    Import-Module $env:PSVMM_MODULE -Force
    $script:kit = Get-Content /var/cache/psvmm/linux-kit/kit.env -ErrorAction SilentlyContinue | ConvertFrom-StringData
    # Boots the stock kernel until it has printed its command line, then removes it.
    function script:Get-KernelCommandLine([string] $Name, [hashtable] $Options) {
        New-VmConfig -Name $Name -Kernel $kit.KIT_VMLINUX -MemoryMB 128 -KernelArgs 'console=ttyS0 psvmm.mark=1' @Options | Use-Vm {
            param($vm)
            $vm | Should -HaveConsoleLine 'Command line: ' -Within 120
            [pscustomobject]@{
                Effective = $vm.EffectiveKernelArgs
                Kernel    = ((Get-VmConsole -Vm $vm) -match 'Command line: ' | Select-Object -First 1) -replace '^.*Command line: ', ''
            }
        }
    }
}

Describe 'New-VmConfig -NoPvmKernelArgs' {
    It 'is off by default and recorded in the configuration' {
        $probe = "$env:PSVMM_ROOT/out/guest/probe.elf"
        (New-VmConfig -Name a -Kernel $probe).PvmKernelArgs | Should -BeTrue
        (New-VmConfig -Name a -Kernel $probe -NoPvmKernelArgs).PvmKernelArgs | Should -BeFalse
    }
}

Describe 'The PVM boot arguments reach the kernel' -Tag 'Linux' -Skip:$skip {
    It 'appends the fragment under the Pvm profile and the kernel receives it' {
        $line = Get-KernelCommandLine -Name pvm-args -Options @{ CpuProfile = 'Pvm' }
        $line.Effective | Should -Match '^console=ttyS0 psvmm\.mark=1 .*noxsave.*clearcpuid='
        $line.Kernel.Trim() | Should -Be $line.Effective
    }

    It 'boots with the user''s arguments alone with -NoPvmKernelArgs' {
        $line = Get-KernelCommandLine -Name pvm-noargs -Options @{ CpuProfile = 'Pvm'; NoPvmKernelArgs = $true }
        $line.Effective | Should -Be 'console=ttyS0 psvmm.mark=1'
        $line.Kernel.Trim() | Should -Be 'console=ttyS0 psvmm.mark=1'
    }
}
