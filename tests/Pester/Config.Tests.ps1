# New-VmConfig checks, and everything the cmdlets decide before any VM runs (no KVM needed).

BeforeAll {
    . "$PSScriptRoot/TestHelpers.ps1"
    Import-Module (Get-PSVmmModulePath) -Force
    $kernel = New-FakeKernel (Join-Path $TestDrive 'vmlinux') Elf
    $bzImage = New-FakeKernel (Join-Path $TestDrive 'bzImage') BzImage
    $junk = New-FakeKernel (Join-Path $TestDrive 'script.sh') Junk
    $initrd = Join-Path $TestDrive 'initrd.img'
    Set-Content -LiteralPath $initrd -Value 'not empty'
}

Describe 'New-VmConfig' {
    It 'returns a VmConfig with the given values' {
        $config = New-VmConfig -Name web1 -Kernel $kernel -Initrd $initrd -MemoryMB 512 -CpuCount 2 -KernelArgs 'console=ttyS0 quiet' -CpuProfile Host
        $config | Should -BeOfType ([PSVmm.Engine.Machine.VmConfig])
        $config.Name | Should -Be 'web1'
        $config.MemoryMB | Should -Be 512
        $config.CpuCount | Should -Be 2
        $config.KernelPath | Should -Be $kernel
        $config.InitrdPath | Should -Be $initrd
        $config.KernelArgs | Should -Be 'console=ttyS0 quiet'
        $config.CpuProfile | Should -Be 'Host'
    }

    It 'has defaults: 256 MB, one CPU, Auto profile' {
        $config = New-VmConfig vm1 -Kernel $kernel
        $config.MemoryMB | Should -Be 256
        $config.CpuCount | Should -Be 1
        $config.CpuProfile | Should -Be 'Auto'
        $config.InitrdPath | Should -BeNullOrEmpty
    }

    It 'accepts a bzImage and the KernelPath alias' {
        (New-VmConfig -Name bz -KernelPath $bzImage).KernelPath | Should -Be $bzImage
    }

    It 'resolves relative PowerShell paths against the current location' {
        Push-Location $TestDrive
        try {
            $config = New-VmConfig -Name rel -Kernel ./vmlinux -ConsoleLogPath ./console.log
            $config.KernelPath | Should -Be $kernel
            $config.ConsoleLogPath | Should -Be (Join-Path $TestDrive 'console.log')
        }
        finally { Pop-Location }
    }

    It 'resolves PSDrive paths' {
        $null = New-PSDrive -Name PSVmmTest -PSProvider FileSystem -Root $TestDrive
        try { (New-VmConfig -Name drv -Kernel PSVmmTest:/vmlinux).KernelPath | Should -Be $kernel }
        finally { Remove-PSDrive PSVmmTest }
    }

    It 'copies a piped configuration, with the parameters given replacing its values' {
        $first = New-VmConfig -Name first -Kernel $kernel -Initrd $initrd -MemoryMB 128 -CpuCount 2 -KernelArgs 'quiet' -CpuProfile Host
        $copy = $first | New-VmConfig -Name second -MemoryMB 512
        $copy.Name | Should -Be 'second'
        $copy.MemoryMB | Should -Be 512
        $copy.CpuCount | Should -Be 2
        $copy.KernelPath | Should -Be $kernel
        $copy.InitrdPath | Should -Be $initrd
        $copy.KernelArgs | Should -Be 'quiet'
        $copy.CpuProfile | Should -Be 'Host'
        [object]::ReferenceEquals($copy, $first) | Should -BeFalse
        $first.MemoryMB | Should -Be 128
    }

    It 'builds one configuration per row of piped data' {
        $rows = @(
            [pscustomobject]@{ Name = 'row1'; KernelPath = $kernel; MemoryMB = 64 }
            [pscustomobject]@{ Name = 'row2'; KernelPath = $bzImage }
        )
        $configs = @($rows | New-VmConfig)
        $configs.Name | Should -Be @('row1', 'row2')
        $configs[0].MemoryMB | Should -Be 64
        $configs[1].MemoryMB | Should -Be 256 -Because 'a row without MemoryMB gets the default, not the value of the row before'
        $configs[1].KernelPath | Should -Be $bzImage
    }

    It 'rejects a path of another provider' {
        { New-VmConfig -Name env -Kernel Env:/PATH -ErrorAction Stop } | Should -Throw -ErrorId 'KernelImageNotFound,*'
    }

    It 'rejects <Case> with <ErrorId>' -ForEach @(
        @{ Case = 'a missing kernel'; ErrorId = 'KernelImageNotFound'; Arguments = @{ Kernel = '/nonexistent/vmlinux' } }
        @{ Case = 'a file that is not a kernel'; ErrorId = 'InvalidKernelImage'; Arguments = @{ Kernel = 'JUNK' } }
        @{ Case = 'memory 0'; ErrorId = 'InvalidMemorySize'; Arguments = @{ MemoryMB = 0 } }
        @{ Case = 'memory 8 MB'; ErrorId = 'InvalidMemorySize'; Arguments = @{ MemoryMB = 8 } }
        @{ Case = 'a huge memory size'; ErrorId = 'InvalidMemorySize'; Arguments = @{ MemoryMB = [int]::MaxValue } }
        @{ Case = 'more memory than the host has'; ErrorId = 'InvalidMemorySize'; Arguments = @{ MemoryMB = 'HOST+1' } }
        @{ Case = 'CPU count 0'; ErrorId = 'InvalidCpuCount'; Arguments = @{ CpuCount = 0 } }
        @{ Case = 'CPU count 999'; ErrorId = 'InvalidCpuCount'; Arguments = @{ CpuCount = 999 } }
        @{ Case = 'a name with a space'; ErrorId = 'InvalidVmName'; Arguments = @{ Name = 'my vm' } }
        @{ Case = 'a name with a wildcard'; ErrorId = 'InvalidVmName'; Arguments = @{ Name = 'vm*' } }
        @{ Case = 'a name that is too long'; ErrorId = 'InvalidVmName'; Arguments = @{ Name = 'v' * 65 } }
        @{ Case = 'a missing initrd'; ErrorId = 'InitrdNotFound'; Arguments = @{ Initrd = '/nonexistent/initrd' } }
        @{ Case = 'kernel arguments with a line break'; ErrorId = 'InvalidKernelArgs'; Arguments = @{ KernelArgs = "console=ttyS0`nquiet" } }
        @{ Case = 'kernel arguments over 64 KiB'; ErrorId = 'InvalidKernelArgs'; Arguments = @{ KernelArgs = 'a' * 65536 } }
        @{ Case = 'a console log in a missing folder'; ErrorId = 'ConsoleLogPathNotFound'; Arguments = @{ ConsoleLogPath = '/nonexistent/dir/console.log' } }
    ) {
        $splat = @{ Name = 'bad'; Kernel = $kernel } + @{}
        foreach ($key in $Arguments.Keys) { $splat[$key] = $Arguments[$key] }
        if ($splat.Kernel -eq 'JUNK') { $splat.Kernel = $junk }
        if ($splat.MemoryMB -eq 'HOST+1') {
            $totalKiB = [long]((Get-Content /proc/meminfo | Select-String '^MemTotal:\s+(\d+)').Matches[0].Groups[1].Value)
            if ($totalKiB / 1024 + 1 -gt [int]::MaxValue) { Set-ItResult -Skipped -Because 'the host has more memory than an Int32 of MB'; return }
            $splat.MemoryMB = [int]($totalKiB / 1024) + 1
        }
        { New-VmConfig @splat -ErrorAction Stop } | Should -Throw -ErrorId "$ErrorId,*"
    }

    It 'reports a missing kernel as ObjectNotFound with a message that names the file' {
        $err = { New-VmConfig -Name bad -Kernel /nonexistent/vmlinux -ErrorAction Stop } | Should -Throw -PassThru
        $err.CategoryInfo.Category | Should -Be 'ObjectNotFound'
        $err.Exception.Message | Should -Match '/nonexistent/vmlinux'
        $err.FullyQualifiedErrorId | Should -Be 'KernelImageNotFound,PSVmm.Commands.NewVmConfigCommand'
    }

    It 'takes the name and the kernel by position' {
        Push-Location $TestDrive
        try { $config = New-VmConfig web ./vmlinux }
        finally { Pop-Location }
        $config.Name | Should -Be 'web'
        $config.KernelPath | Should -Be $kernel
    }

    It 'writes one non-terminating error for a bad row of imported data and builds the others' {
        $csv = Join-Path $TestDrive 'vms.csv'
        @(
            [pscustomobject]@{ Name = 'good1'; Kernel = $kernel; MemoryMB = 64 }
            [pscustomobject]@{ Name = 'bad'; Kernel = (Join-Path $TestDrive 'missing-vmlinux'); MemoryMB = 64 }
            [pscustomobject]@{ Name = 'good2'; Kernel = $kernel; MemoryMB = 128 }
        ) | Export-Csv -LiteralPath $csv
        $configs = @(Import-Csv -LiteralPath $csv | New-VmConfig -ErrorAction SilentlyContinue -ErrorVariable errors)
        $configs.Name | Should -Be @('good1', 'good2')
        $errors.Count | Should -Be 1
        $errors[0].FullyQualifiedErrorId | Should -Be 'KernelImageNotFound,PSVmm.Commands.NewVmConfigCommand'
        $errors[0].TargetObject | Should -Be (Join-Path $TestDrive 'missing-vmlinux') -Because 'the target is the offending path, not the whole configuration'
    }

    It 'names the offending value as the target: <Case>' -ForEach @(
        @{ Case = 'memory'; Arguments = @{ MemoryMB = 1 }; Target = 1 }
        @{ Case = 'CPU count'; Arguments = @{ CpuCount = 0 }; Target = 0 }
        @{ Case = 'name'; Arguments = @{ Name = 'a b' }; Target = 'a b' }
    ) {
        $splat = @{ Name = 'bad'; Kernel = $kernel }
        foreach ($key in $Arguments.Keys) { $splat[$key] = $Arguments[$key] }
        $err = { New-VmConfig @splat -ErrorAction Stop } | Should -Throw -PassThru
        $err.TargetObject | Should -Be $Target
    }

    It 'says that a directory given as <Parameter> is a directory' -ForEach @(
        @{ Parameter = 'Kernel'; ErrorId = 'KernelImageNotFound' }
        @{ Parameter = 'Initrd'; ErrorId = 'InitrdNotFound' }
    ) {
        $splat = @{ Name = 'dir'; Kernel = $kernel }
        $splat[$Parameter] = $TestDrive
        $err = { New-VmConfig @splat -ErrorAction Stop } | Should -Throw -ErrorId "$ErrorId,*" -PassThru
        $err.Exception.Message | Should -BeLike '*is a directory*'
        $err.TargetObject | Should -Be $TestDrive
    }

    It 'a copy keeps the disks of the configuration it copies' {
        $img = Join-Path $TestDrive 'copy.img'
        [IO.File]::WriteAllBytes($img, [byte[]]::new(64KB))
        $base = New-VmConfig -Name base -Kernel $kernel | Add-VirtioBlkPci $img -Serial COPY1
        $copy = $base | New-VmConfig -Name copy -MemoryMB 64
        $copy.BlockDevices.Id | Should -Be @('disk0')
        $copy.BlockDevices[0].Serial | Should -Be 'COPY1'
        $copy.BlockDevices[0].VmName | Should -Be 'copy'
        $base.Clone().BlockDevices.Id | Should -Be @('disk0')
    }

    It 'rejects an unknown CPU profile at binding' {
        { New-VmConfig -Name bad -Kernel $kernel -CpuProfile Turbo } | Should -Throw -ExceptionType ([System.Management.Automation.ParameterBindingException])
    }
}

Describe 'Set-Vm on a configuration' {
    It 'writes a changed copy and leaves the configuration given as it was' {
        $base = New-VmConfig -Name base -Kernel $kernel -MemoryMB 128
        $changed = $base | Set-Vm -MemoryMB 512 -CpuCount 2 -Kernel $bzImage -Initrd $initrd -KernelArgs 'quiet' -ConsoleLogPath (Join-Path $TestDrive 'c.log')
        $changed.MemoryMB | Should -Be 512
        $changed.CpuCount | Should -Be 2
        $changed.KernelPath | Should -Be $bzImage
        $changed.InitrdPath | Should -Be $initrd
        $changed.KernelArgs | Should -Be 'quiet'
        $changed.ConsoleLogPath | Should -Be (Join-Path $TestDrive 'c.log')
        $base.MemoryMB | Should -Be 128
        $base.KernelPath | Should -Be $kernel
        ($changed | Set-Vm -Initrd '' -ConsoleLogPath '').InitrdPath | Should -BeNullOrEmpty -Because 'an empty string removes the initrd'
    }

    It 'keeps the disks and resolves relative paths' {
        $img = Join-Path $TestDrive 'setvm.img'
        [IO.File]::WriteAllBytes($img, [byte[]]::new(64KB))
        Push-Location $TestDrive
        try { $changed = New-VmConfig -Name d -Kernel $kernel | Add-VirtioBlkPci $img | Set-Vm -Kernel ./bzImage }
        finally { Pop-Location }
        $changed.KernelPath | Should -Be $bzImage
        $changed.BlockDevices.Id | Should -Be @('disk0')
    }

    It 'checks as New-VmConfig does: <Case> is <ErrorId>' -ForEach @(
        @{ Case = 'memory 8 MB'; ErrorId = 'InvalidMemorySize'; Arguments = @{ MemoryMB = 8 } }
        @{ Case = 'CPU count 0'; ErrorId = 'InvalidCpuCount'; Arguments = @{ CpuCount = 0 } }
        @{ Case = 'a missing kernel'; ErrorId = 'KernelImageNotFound'; Arguments = @{ Kernel = '/nonexistent/vmlinux' } }
        @{ Case = 'a missing initrd'; ErrorId = 'InitrdNotFound'; Arguments = @{ Initrd = '/nonexistent/initrd' } }
        @{ Case = 'kernel arguments with a line break'; ErrorId = 'InvalidKernelArgs'; Arguments = @{ KernelArgs = "a`nb" } }
        @{ Case = 'a console log in a missing folder'; ErrorId = 'ConsoleLogPathNotFound'; Arguments = @{ ConsoleLogPath = '/nonexistent/dir/c.log' } }
    ) {
        $base = New-VmConfig -Name base -Kernel $kernel
        { $base | Set-Vm @Arguments -ErrorAction Stop } | Should -Throw -ErrorId "$ErrorId,*"
        $base.MemoryMB | Should -Be 256
    }

    It 'goes on with the next configuration after an error' {
        $small = New-VmConfig -Name small -Kernel $kernel -MemoryMB 64
        $out = @($small, $small | Set-Vm -CpuCount 999 -ErrorAction SilentlyContinue -ErrorVariable errors)
        $errors.Count | Should -Be 2
        $out.Count | Should -Be 0
    }

    It 'an unknown VM is VmNotFound' {
        { Set-Vm -Name nosuch -MemoryMB 64 -ErrorAction Stop } | Should -Throw -ErrorId 'VmNotFound,*'
    }

    It '-WhatIf writes the configuration unchanged' {
        ($base = New-VmConfig -Name w -Kernel $kernel) | Set-Vm -MemoryMB 64 -WhatIf | ForEach-Object MemoryMB | Should -Be 256
    }
}

Describe 'Cmdlets before any VM exists' {
    BeforeAll {
        Get-Vm | Remove-Vm -Force -Confirm:$false
    }

    It 'Start-Vm -WhatIf creates and starts nothing' {
        New-VmConfig -Name whatif1 -Kernel $kernel | Start-Vm -WhatIf
        Start-Vm -Config (New-VmConfig -Name whatif2 -Kernel $kernel) -WhatIf -PassThru | Should -BeNullOrEmpty
        Get-Vm | Should -BeNullOrEmpty
        { Get-Vm whatif1 -ErrorAction Stop } | Should -Throw -ErrorId 'VmNotFound,*'
    }

    It 'Start-Vm checks a config changed after New-VmConfig before creating anything' {
        $config = New-VmConfig -Name changed -Kernel $kernel
        $config.CpuCount = 0
        { $config | Start-Vm -ErrorAction Stop } | Should -Throw -ErrorId 'InvalidCpuCount,*'
        Get-Vm | Should -BeNullOrEmpty
    }

    It 'Get-Vm with no VMs returns nothing' {
        Get-Vm | Should -BeNullOrEmpty
    }

    It 'Get-Vm with an unmatched wildcard returns nothing and no error' {
        Get-Vm 'nosuch*' -ErrorVariable errors | Should -BeNullOrEmpty
        $errors | Should -BeNullOrEmpty
    }

    It '<Command> reports an unknown name as VmNotFound' -ForEach @(
        @{ Command = 'Get-Vm'; Extra = @{} }
        @{ Command = 'Start-Vm'; Extra = @{} }
        @{ Command = 'Stop-Vm'; Extra = @{} }
        @{ Command = 'Remove-Vm'; Extra = @{ Confirm = $false } }
        @{ Command = 'Wait-Vm'; Extra = @{ TimeoutSec = 1 } }
        @{ Command = 'Get-VmConsole'; Extra = @{} }
        @{ Command = 'Get-VmVcpu'; Extra = @{} }
        @{ Command = 'Get-VmEvent'; Extra = @{} }
        @{ Command = 'Send-VmConsole'; Extra = @{ InputObject = 'x' } }
    ) {
        $err = { & $Command -Name nosuch @Extra -ErrorAction Stop } | Should -Throw -ErrorId 'VmNotFound,*' -PassThru
        $err.CategoryInfo.Category | Should -Be 'ObjectNotFound'
        $err.TargetObject | Should -Be 'nosuch'
    }

    It 'writes VmNotFound once per unknown name and goes on' {
        $null = Stop-Vm -Name a1, a2 -ErrorAction SilentlyContinue -ErrorVariable errors
        $errors.Count | Should -Be 2
        $errors.FullyQualifiedErrorId | ForEach-Object { $_ | Should -BeLike 'VmNotFound,*' }
    }

    It 'Wait-Vm -For ConsolePattern needs -Pattern' {
        { Wait-Vm -Name nosuch -For ConsolePattern } | Should -Throw -ErrorId 'PatternRequired,*'
    }

    It 'Wait-Vm rejects an invalid regular expression' {
        { Wait-Vm -Name nosuch -Pattern '(unclosed' } | Should -Throw -ErrorId 'InvalidPattern,*'
    }

    It 'Wait-Vm -For Exit does not take -Pattern' {
        { Wait-Vm -Name nosuch -For Exit -Pattern 'x' } | Should -Throw -ErrorId 'PatternNotApplicable,*'
    }

    It 'Wait-Vm -For Shutdown is Exit' {
        { Wait-Vm -Name nosuch -For Shutdown -Pattern 'x' } | Should -Throw -ErrorId 'PatternNotApplicable,*'
    }

    It 'Stop-Vm rejects a zero timeout' {
        { Stop-Vm -Name nosuch -TimeoutSec 0 } | Should -Throw -ErrorId 'ParameterArgumentValidationError,*'
    }

    It 'completes no names when there are no VMs' {
        $completion = TabExpansion2 -inputScript 'Get-Vm -Name ' -cursorColumn 'Get-Vm -Name '.Length
        $completion.CompletionMatches.Count | Should -Be 0
    }
}
