# Many hosts through PowerShell remoting over SSH: two sshd instances on localhost stand for two
# hosts, each serving the PowerShell subsystem with the built module. What comes back is
# Deserialized.* objects; they must keep the properties the module's views read and format with
# them. The probe VMs need /dev/kvm (tag Guest); the rest runs on any host with openssh-server.

BeforeDiscovery {
    . "$PSScriptRoot/TestHelpers.ps1"
    . "$PSScriptRoot/SshTestHost.ps1"
    $noSshReason = if (-not (Get-SshdPath)) { 'sshd is not installed (Debian: openssh-server; tools/install-deps.sh brings it)' }
    elseif (-not (Get-Command ssh -CommandType Application -ErrorAction SilentlyContinue)) { 'the ssh client is not installed (openssh-client)' }
    if ($noSshReason) { Write-Warning "Skipping the SSH remoting tests: $noSshReason." }
    $noSsh = [bool]$noSshReason

    $probePath = Join-Path "$env:PSVMM_ROOT" 'out/guest/probe.elf'
    $noGuestReason = if (-not (Test-Path -LiteralPath $probePath)) { "the probe guest '$probePath' is not built (make -C tests/guest)" }
    elseif (-not (Test-Path -LiteralPath '/dev/kvm')) { 'this host has no /dev/kvm' }
    if ($noGuestReason -and -not $noSsh) { Write-Warning "Skipping the remote probe VMs: $noGuestReason." }
    $noGuest = [bool]$noGuestReason

    # Every type the module has a view for, and every PSVmm type a cmdlet writes (strings, files and
    # the script block output of Use-Vm format with PowerShell's own views).
    Import-Module (Get-PSVmmModulePath) -Force
    $viewTypeCases = @(Get-FormatData -TypeName 'PSVmm.*').TypeNames | Where-Object { $_ -notlike 'Deserialized.*' } |
        Sort-Object -Unique | ForEach-Object { @{ TypeName = $_ } }
    $outputTypeCases = Get-Command -Module PSVmm | ForEach-Object { $_.OutputType.Name } |
        Where-Object { $_ -like 'PSVmm.*' } | Sort-Object -Unique | ForEach-Object { @{ TypeName = $_ } }
}

BeforeAll {
    . "$PSScriptRoot/TestHelpers.ps1"
    . "$PSScriptRoot/SshTestHost.ps1"
    $modulePath = Get-PSVmmModulePath
    Import-Module $modulePath -Force
}

Describe 'Views for deserialized PSVmm objects' -Tag 'Remoting' {
    It 'the views of <TypeName> also select Deserialized.<TypeName>' -ForEach $viewTypeCases {
        $local = @((Get-FormatData -TypeName $TypeName).FormatViewDefinition.Name | Sort-Object)
        $remote = @((Get-FormatData -TypeName "Deserialized.$TypeName").FormatViewDefinition.Name | Sort-Object)
        $remote | Should -Be $local
    }

    It '<TypeName>, written by a cmdlet, has a view for its deserialized copy' -ForEach $outputTypeCases {
        Get-FormatData -TypeName "Deserialized.$TypeName" | Should -Not -BeNullOrEmpty
    }
}

Describe 'PSVmm objects from another process' -Tag 'Remoting' {
    BeforeAll {
        $kernel = New-FakeKernel (Join-Path $TestDrive 'vmlinux')
        $image = Join-Path $TestDrive 'disk.img'
        [IO.File]::WriteAllBytes($image, [byte[]]::new(1MB))
        # A background job is a pwsh process that sends its output back through the remoting
        # serializer, as a remote session does.
        $config = Start-Job -ScriptBlock {
            Import-Module $using:modulePath
            New-VmConfig -Name job1 -Kernel $using:kernel -MemoryMB 64 -CpuCount 2 |
                Add-VirtioBlkPci -Path $using:image -Serial JOBDISK -ReadOnly
        } | Receive-Job -Wait -AutoRemoveJob
    }

    It 'arrive as Deserialized copies' {
        $config.PSTypeNames[0] | Should -Be 'Deserialized.PSVmm.Engine.Machine.VmConfig'
        $config.BlockDevices[0].PSTypeNames[0] | Should -Be 'Deserialized.PSVmm.Model.VirtioBlkPciDisk'
    }

    It 'a configuration keeps its disks and their options' {
        $config.Name | Should -Be 'job1'
        @($config.BlockDevices).Count | Should -Be 1
        $disk = $config.BlockDevices[0]
        $disk.Id | Should -Be 'disk0'
        $disk.Path | Should -Be $image
        $disk.Serial | Should -Be 'JOBDISK'
        $disk.ReadOnly | Should -BeTrue
    }

    It 'enums arrive as their names, which scripts can compare' {
        $config.CpuProfile | Should -BeOfType [string]
        $config.CpuProfile | Should -Be 'Auto'
        $config.BlockDevices[0].Cache | Should -BeOfType [string]
        $config.BlockDevices[0].Cache | Should -Be 'Writeback'
    }

    It 'a configuration and its disks format with the module''s table views' {
        $table = $config | Format-Table | Out-String
        $table | Should -Match 'Name\s+CPUs\s+MemoryMB\s+CpuProfile\s+Kernel\s+KernelArgs'
        $table | Should -Match 'job1\s+2\s+64\s+Auto\s+/\S+'
        $disks = $config.BlockDevices | Format-Table | Out-String
        $disks | Should -Match 'VmName\s+Id\s+PciAddress\s+ReadOnly\s+Cache\s+Serial\s+Path'
        $disks | Should -Match 'job1\s+disk0\s+auto\s+True\s+Writeback\s+JOBDISK\s+/\S+'
    }
}

Describe 'Two hosts through PowerShell remoting over SSH' -Tag 'Remoting' -Skip:$noSsh {
    BeforeAll {
        $work = (New-Item -ItemType Directory -Path (Join-Path ([IO.Path]::GetTempPath()) "psvmm-remoting-$([guid]::NewGuid())")).FullName
        $clientKey = New-SshKey (Join-Path $work 'client_ed25519')
        $user = [Environment]::UserName
        $sshHosts = [Collections.Generic.List[object]]::new()
        $sessions = [Collections.Generic.List[object]]::new()

        # Stops everything this Describe started; safe to call twice. Returns the processes that survived.
        function Stop-TestHosts {
            if ($sessions.Count) { Remove-PSSession -Session $sessions -ErrorAction SilentlyContinue; $sessions.Clear() }
            $left = foreach ($sshHost in $sshHosts) { Stop-SshTestHost $sshHost }
            $sshHosts.Clear()
            @($left)
        }

        # Two hosts, reached as 'localhost' and '127.0.0.1' so that PSComputerName tells them apart.
        foreach ($target in @{ Name = 'h1'; HostName = 'localhost' }, @{ Name = 'h2'; HostName = '127.0.0.1' }) {
            $sshHost = Start-SshTestHost $target.Name $work $clientKey
            $sshHost | Add-Member -NotePropertyName HostName -NotePropertyValue $target.HostName
            $sshHosts.Add($sshHost)
            $sessions.Add((New-PSSession -HostName $target.HostName -Port $sshHost.Port -UserName $user -KeyFilePath $clientKey `
                        -Options (Get-SshTestOption $sshHost) -ConnectingTimeout 120000 -ErrorAction Stop))
        }

        # The files a remote New-VmConfig names; both "hosts" are this machine, so they see them.
        $kernel = New-FakeKernel (Join-Path $work 'vmlinux')
        foreach ($name in 'h1', 'h2') { [IO.File]::WriteAllBytes((Join-Path $work "$name.img"), [byte[]]::new(1MB)) }
    }

    AfterAll {
        $null = Stop-TestHosts
        if ($work) { Remove-Item -LiteralPath $work -Recurse -Force -ErrorAction SilentlyContinue }
    }

    Context 'Sessions and configurations' {
        It 'opens a session to each host, where Import-Module PSVmm loads the built module' {
            $answers = Invoke-Command -Session $sessions {
                Import-Module PSVmm -ErrorAction Stop
                [pscustomobject]@{ Host = $env:PSVMM_TEST_HOST; Module = (Get-Module PSVmm).ModuleBase; ProcessId = $PID }
            }
            @($answers).Count | Should -Be 2
            @($answers.Host | Sort-Object) | Should -Be @('h1', 'h2')
            $answers.Module | Should -Be @((Split-Path -Parent $modulePath), (Split-Path -Parent $modulePath))
            $answers.ProcessId | Should -Not -Contain $PID
            @($answers.ProcessId | Sort-Object -Unique).Count | Should -Be 2
        }

        It 'builds a configuration with a disk on each host and brings both back with one Invoke-Command' {
            $configs = @(Invoke-Command -Session $sessions {
                    New-VmConfig -Name "web-$env:PSVMM_TEST_HOST" -Kernel $using:kernel -MemoryMB 64 |
                        Add-VirtioBlkPci -Path (Join-Path $using:work "$env:PSVMM_TEST_HOST.img") -Serial "disk-$env:PSVMM_TEST_HOST"
                } | Sort-Object Name)
            $configs.Count | Should -Be 2
            $configs.Name | Should -Be @('web-h1', 'web-h2')
            $configs.PSComputerName | Should -Be @('localhost', '127.0.0.1')
            $configs | ForEach-Object { $_.PSTypeNames[0] | Should -Be 'Deserialized.PSVmm.Engine.Machine.VmConfig' }
            $configs.BlockDevices.Serial | Should -Be @('disk-h1', 'disk-h2')
            $configs.BlockDevices.Path | Should -Be @((Join-Path $work 'h1.img'), (Join-Path $work 'h2.img'))
        }

        It 'formats the deserialized configurations and disks with the module''s views' {
            $configs = Invoke-Command -Session $sessions {
                New-VmConfig -Name "fmt-$env:PSVMM_TEST_HOST" -Kernel $using:kernel -MemoryMB 96 |
                    Add-VirtioBlkPci -Path (Join-Path $using:work "$env:PSVMM_TEST_HOST.img") -Serial "disk-$env:PSVMM_TEST_HOST"
            }
            $table = $configs | Format-Table | Out-String
            # The view's columns, and PowerShell's own PSComputerName column for objects from remote hosts.
            $table | Should -Match 'Name\s+CPUs\s+MemoryMB\s+CpuProfile\s+Kernel\s+KernelArgs\s+PSComputer'
            $table | Should -Match 'fmt-h1\s+1\s+96\s+Auto\s+/\S+\s+localhost'
            $table | Should -Match 'fmt-h2\s+1\s+96\s+Auto\s+/\S+\s+127\.0\.0\.1'
            $disks = $configs.BlockDevices | Format-Table | Out-String
            $disks | Should -Match 'VmName\s+Id\s+PciAddress\s+ReadOnly\s+Cache\s+Serial\s+Path'
            $disks | Should -Match 'disk0\s+auto\s+False\s+Writeback\s+disk-h1\s+/\S+'
            $disks | Should -Match 'disk0\s+auto\s+False\s+Writeback\s+disk-h2\s+/\S+'
        }

        It 'opens sessions to both hosts from -SSHConnection hashtables in one New-PSSession' {
            # PowerShell 7.6 quirks: a Port key can lose to the cmdlet's default port depending on
            # the hashtable's key order (HostName 'name:port' cannot), ConnectingTimeout defaults to
            # 0 (fails at once), and Invoke-Command -SSHConnection ignores Options (New-PSSession does not).
            $connections = foreach ($sshHost in $sshHosts) {
                @{ HostName = "$($sshHost.HostName):$($sshHost.Port)"; UserName = $user; KeyFilePath = $clientKey
                    ConnectingTimeout = 120000; Options = Get-SshTestOption $sshHost }
            }
            $more = New-PSSession -SSHConnection $connections -ErrorAction Stop
            try {
                $answers = Invoke-Command -Session $more {
                    Import-Module PSVmm -ErrorAction Stop
                    New-VmConfig -Name "once-$env:PSVMM_TEST_HOST" -Kernel $using:kernel
                }
                @($answers.Name | Sort-Object) | Should -Be @('once-h1', 'once-h2')
            }
            finally { Remove-PSSession -Session $more }
        }
    }

    Context 'A probe VM on each host' -Tag 'Guest' -Skip:$noGuest {
        BeforeAll {
            $probe = Join-Path $env:PSVMM_ROOT 'out/guest/probe.elf'
            # The probe runs its virtio-blk tests on the disk (reads, writes, MSI-X) and then idles
            # until a shutdown request; the state below is taken while it idles.
            Invoke-Command -Session $sessions {
                $vm = New-VmConfig -Name probe -Kernel $using:probe -MemoryMB 64 -KernelArgs 'blk idle' |
                    Add-VirtioBlkPci -Path (Join-Path $using:work "$env:PSVMM_TEST_HOST.img") |
                    Start-Vm -PassThru -ErrorAction Stop
                $null = Wait-Vm -Vm $vm -For ConsolePattern -Pattern '^probe: idle' -TimeoutSec 180 -ErrorAction Stop
            } -ErrorAction Stop
            # One Invoke-Command collects the VMs, their disks' counters and MSI-X tables from both hosts.
            $collected = @(Invoke-Command -Session $sessions {
                    Get-Vm -Name probe
                    Get-VmBlockStatistic -Name probe
                    Get-VmMsixTable -Name probe
                } -ErrorAction Stop)
            $vms = @($collected | Where-Object { $_.PSObject.Properties['State'] } | Sort-Object PSComputerName)
            $stats = @($collected | Where-Object { $_.PSTypeNames[0] -eq 'Deserialized.PSVmm.Model.VmBlockStatistic' })
            $msix = @($collected | Where-Object { $_.PSTypeNames[0] -eq 'Deserialized.PSVmm.Model.VmMsixEntry' })
            $stopped = @(Invoke-Command -Session $sessions { Stop-Vm -Name probe -TimeoutSec 60 -PassThru } -ErrorAction Stop)
        }

        AfterAll {
            Invoke-Command -Session $sessions { Get-Vm | Remove-Vm -Force -Confirm:$false } -ErrorAction SilentlyContinue
        }

        It 'Get-Vm came back from both hosts, running, and formats with the VM table view' {
            $vms.Count | Should -Be 2
            @($vms.PSComputerName | Sort-Object) | Should -Be @('127.0.0.1', 'localhost')
            $vms | ForEach-Object { $_.State | Should -Be 'Running' -Because 'Where-Object State -EQ Running must work on remote VMs' }
            $table = $vms | Format-Table | Out-String
            $table | Should -Match 'Name\s+State\s+CPUs\s+MemoryMB\s+Uptime\s+Devices'
            @([regex]::Matches($table, 'probe\s+Running\s+1\s+64\s+\d\d:\d\d:\d\d\s+1')).Count | Should -Be 2
        }

        It 'Get-VmBlockStatistic came back from both hosts with the probe''s requests' {
            $stats.Count | Should -Be 2
            @($stats.PSComputerName | Sort-Object) | Should -Be @('127.0.0.1', 'localhost')
            $stats | ForEach-Object { $_.ReadRequests | Should -BeGreaterThan 0; $_.WriteRequests | Should -BeGreaterThan 0 }
            $table = $stats | Format-Table | Out-String
            $table | Should -Match 'VmName\s+DeviceId\s+Reads\s+ReadBytes\s+Writes\s+WriteBytes\s+Flushes\s+Errors'
            @([regex]::Matches($table, 'probe\s+disk0\s+[1-9]\d*\s+[1-9]\d*')).Count | Should -Be 2
        }

        It 'Get-VmMsixTable came back from both hosts with the vectors the probe programmed' {
            foreach ($computer in 'localhost', '127.0.0.1') {
                $entries = @($msix | Where-Object PSComputerName -EQ $computer)
                $entries.Count | Should -BeGreaterOrEqual 2 -Because "$computer's disk has a configuration vector and a queue vector"
                # x86 MSI messages go to the local APIC window at 0xFEE00000.
                @($entries | Where-Object { $_.Enabled -and ($_.Address -shr 20) -eq 0xFEE }).Count | Should -BeGreaterOrEqual 2
            }
            $table = $msix | Format-Table | Out-String
            $table | Should -Match 'Vector\s+Address\s+Data\s+Masked\s+Pending'
            # One group per host: the disks have the same name and address on both.
            $table | Should -Match 'Device: probe disk0 \(00:[0-9a-f]{2}\.0\) on localhost'
            $table | Should -Match 'Device: probe disk0 \(00:[0-9a-f]{2}\.0\) on 127\.0\.0\.1'
            $table | Should -Match '0\s+0xFEE[0-9A-F]{5}\s+0x[0-9A-F]{8}\s+(True|False)\s+(True|False)'
        }

        It 'Stop-Vm through both sessions stops both VMs' {
            $stopped.Count | Should -Be 2
            $stopped | ForEach-Object { $_.State | Should -Be 'Stopped' }
        }
    }

    Context 'Teardown' {
        It 'stopping the hosts leaves no sshd, session or remote pwsh behind' {
            $hostsBefore = @($sshHosts)
            Stop-TestHosts | Should -BeNullOrEmpty
            foreach ($sshHost in $hostsBefore) {
                $sshHost.Process.HasExited | Should -BeTrue
                Get-SshTestHostPwshId $sshHost | Should -BeNullOrEmpty
            }
        }
    }
}
