# Throwaway sshd instances on 127.0.0.1 that serve the PowerShell subsystem, for the remoting tests
# (dot-sourced; not a test file itself). Each one has its own directory: host key, authorized
# keys, sshd_config, pid file, log, and the pwsh that sshd starts for the subsystem. sshd runs in
# the foreground (-D) as a child of the test's pwsh, so the test can stop it and what it forked.

function Get-SshdPath {
    $sshd = Get-Command sshd -CommandType Application -ErrorAction SilentlyContinue | Select-Object -First 1
    if ($sshd) { return $sshd.Source }
    # Debian puts it in /usr/sbin, which is not on every user's PATH.
    if (Test-Path -LiteralPath '/usr/sbin/sshd') { return '/usr/sbin/sshd' }
    $null
}

function Get-FreeTcpPort {
    $listener = [Net.Sockets.TcpListener]::new([Net.IPAddress]::Loopback, 0)
    $listener.Start()
    try { $listener.LocalEndpoint.Port } finally { $listener.Stop() }
}

function ConvertTo-ShellLiteral([string] $Text) { "'" + $Text.Replace("'", "'\''") + "'" }

function New-SshKey([string] $Path) {
    & ssh-keygen -q -t ed25519 -N '' -C 'psvmm-remoting-test' -f $Path
    if ($LASTEXITCODE -ne 0) { throw "ssh-keygen could not create '$Path' (exit code $LASTEXITCODE)." }
    $Path
}

# sshd's subsystem must be one executable; the suite's pwsh is a dotnet tool ('dotnet pwsh.dll').
# This script execs that pwsh with the module under test on PSModulePath and the host's name in
# PSVMM_TEST_HOST, so a remote 'Import-Module PSVmm' loads the built module.
function New-PwshSubsystemScript([string] $Path, [string] $HostName, [string] $ModuleParent) {
    $pwsh = Get-PwshInvocation
    $command = (@($pwsh.Exe) + $pwsh.Prefix | ForEach-Object { ConvertTo-ShellLiteral $_ }) -join ' '
    $lines = @(
        '#!/bin/sh'
        "export PSModulePath=$(ConvertTo-ShellLiteral $ModuleParent)"
        "export PSVMM_TEST_HOST=$(ConvertTo-ShellLiteral $HostName)"
        "export PSVMM_MODULE=$(ConvertTo-ShellLiteral $env:PSVMM_MODULE)"
        "export PSVMM_ROOT=$(ConvertTo-ShellLiteral $env:PSVMM_ROOT)"
        $(if ($env:DOTNET_ROOT) { "export DOTNET_ROOT=$(ConvertTo-ShellLiteral $env:DOTNET_ROOT)" })
        "exec $command `"`$@`""
    )
    Set-Content -LiteralPath $Path -Value ($lines | Where-Object { $_ })
    & chmod 755 $Path
    $Path
}

# Starts one sshd; returns its name, port, process, directory and log. Throws with sshd's log when
# it does not listen within the timeout.
function Start-SshTestHost([string] $Name, [string] $Directory, [string] $ClientKey, [int] $TimeoutSec = 20) {
    $dir = (New-Item -ItemType Directory -Path (Join-Path $Directory $Name) -Force).FullName
    $hostKey = New-SshKey (Join-Path $dir 'host_ed25519')
    Copy-Item -LiteralPath "$ClientKey.pub" -Destination (Join-Path $dir 'authorized_keys')
    $moduleParent = Split-Path -Parent (Split-Path -Parent (Get-PSVmmModulePath))
    $subsystem = New-PwshSubsystemScript (Join-Path $dir 'pwsh') $Name $moduleParent
    # Run as root, sshd needs its privilege separation directory (the service's start script makes it).
    if ((& id -u) -eq '0' -and -not (Test-Path -LiteralPath '/run/sshd')) { $null = New-Item -ItemType Directory -Path '/run/sshd' }

    $port = Get-FreeTcpPort
    $config = Join-Path $dir 'sshd_config'
    Set-Content -LiteralPath $config -Value @(
        "Port $port"
        'ListenAddress 127.0.0.1'
        "HostKey $hostKey"
        "PidFile $(Join-Path $dir 'sshd.pid')"
        "AuthorizedKeysFile $(Join-Path $dir 'authorized_keys')"
        'PubkeyAuthentication yes'
        'PasswordAuthentication no'
        'KbdInteractiveAuthentication no'
        'PermitRootLogin prohibit-password'
        'UsePAM no'
        'StrictModes no'
        "Subsystem powershell $subsystem -sshs -NoLogo -NoProfile"
    )
    $log = Join-Path $dir 'sshd.log'
    $process = Start-Process -FilePath (Get-SshdPath) -ArgumentList '-D', '-f', $config, '-E', $log -PassThru
    $sshHost = [pscustomobject]@{ Name = $Name; Port = $port; Process = $process; Directory = $dir; Log = $log }

    $deadline = [DateTime]::UtcNow.AddSeconds($TimeoutSec)
    while (-not (Test-TcpPort $port)) {
        if ($process.HasExited -or [DateTime]::UtcNow -gt $deadline) {
            Stop-SshTestHost $sshHost
            $text = if (Test-Path -LiteralPath $log) { Get-Content -Raw -LiteralPath $log } else { '(no log)' }
            throw "sshd '$Name' did not listen on port $port within $TimeoutSec s: $text"
        }
        Start-Sleep -Milliseconds 100
    }
    $sshHost
}

function Test-TcpPort([int] $Port) {
    $client = [Net.Sockets.TcpClient]::new()
    try { $client.Connect([Net.IPAddress]::Loopback, $Port); $true }
    catch { $false }
    finally { $client.Dispose() }
}

# What New-PSSession -Options and -SSHConnection need to reach a test host without prompts.
function Get-SshTestOption([pscustomobject] $SshHost) {
    @{
        StrictHostKeyChecking = 'no'
        UserKnownHostsFile    = Join-Path $SshHost.Directory 'known_hosts'
        BatchMode             = 'yes'
        IdentitiesOnly        = 'yes'
        LogLevel              = 'ERROR'
    }
}

# The ids of the running processes, from /proc.
function Get-ProcId {
    foreach ($dir in [IO.Directory]::GetDirectories('/proc')) {
        $id = 0
        if ([int]::TryParse([IO.Path]::GetFileName($dir), [ref] $id)) { $id }
    }
}

# /proc/<id>/<file> as text, or $null once the process has gone.
function Read-ProcFile([int] $Id, [string] $File) {
    try { [IO.File]::ReadAllText("/proc/$Id/$File") } catch { $null }
}

# Process ids of a process and everything it forked (read before they can be re-parented when
# their parent goes).
function Get-ProcessTreeId([int] $RootId) {
    $parents = @{}
    foreach ($id in Get-ProcId) {
        $stat = Read-ProcFile $id 'stat'
        if (-not $stat) { continue }
        # pid (comm) state ppid ...: comm may hold spaces and parentheses, so split after the last ')'.
        $parents[$id] = [int]$stat.Substring($stat.LastIndexOf(')') + 2).Split(' ')[1]
    }
    $tree = [Collections.Generic.List[int]]::new()
    $tree.Add($RootId)
    for ($i = 0; $i -lt $tree.Count; $i++) {
        foreach ($child in $parents.Keys.Where({ $parents[$_] -eq $tree[$i] })) { $tree.Add($child) }
    }
    $tree
}

# The remote pwsh processes of a host: their environment names the host (PSVMM_TEST_HOST) and
# this test's module (PSVMM_MODULE), as its subsystem script set them.
function Get-SshTestHostPwshId([pscustomobject] $SshHost) {
    $hostMarker = "PSVMM_TEST_HOST=$($SshHost.Name)`0"
    $moduleMarker = "PSVMM_MODULE=$env:PSVMM_MODULE`0"
    foreach ($id in Get-ProcId) {
        $environ = Read-ProcFile $id 'environ'
        if ($environ -and $environ.Contains($hostMarker) -and $environ.Contains($moduleMarker)) { $id }
    }
}

# Stops sshd, the sessions it forked and the pwsh they run; returns the ids that were still alive.
function Stop-SshTestHost([pscustomobject] $SshHost) {
    $ids = @(Get-ProcessTreeId $SshHost.Process.Id) + @(Get-SshTestHostPwshId $SshHost) | Select-Object -Unique
    foreach ($id in $ids) { Stop-Process -Id $id -Force -ErrorAction SilentlyContinue }
    foreach ($id in $ids) {
        $process = Get-Process -Id $id -ErrorAction SilentlyContinue
        if ($process) { $null = $process.WaitForExit(10000) }
    }
    @($ids | Where-Object { Get-Process -Id $_ -ErrorAction SilentlyContinue })
}
