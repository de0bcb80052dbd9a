# Boots a Linux kernel under QEMU (-enable-kvm) for side-by-side runs with PSVmm, and reports
# how far it got. Dot-source it: . tests/linux-kit/QemuLinuxBoot.ps1
#
# Invoke-QemuLinuxBoot waits until the console matches -Pattern, QEMU reports a KVM emulation
# failure (it prints the registers and "Code=..." and then stays paused, so it is stopped there),
# QEMU exits, or -TimeoutSec passes; then it stops QEMU and returns:
#   Seconds (from start to the pattern, or to the stop), Reached (pattern seen),
#   EmulationFailure (QEMU's "KVM internal error" report, or $null), LastLine (last console
#   line), Console (the whole serial output).
# An ELF vmlinux is booted through its PVH note (-kernel vmlinux).
function Test-QemuAvailable {
    [bool](Get-Command qemu-system-x86_64 -ErrorAction SilentlyContinue)
}

function Invoke-QemuLinuxBoot {
    param(
        [Parameter(Mandatory)] [string] $Kernel,
        [string] $Initrd,
        [Parameter(Mandatory)] [string] $Append,
        [int] $MemoryMB = 256,
        [string] $Pattern = 'Run /init',
        [int] $TimeoutSec = 900,
        # `-cpu host` alone fails under PVM on MSR 0x10a (IA32_ARCH_CAPABILITIES).
        [string] $Cpu = $(if ($env:PSVMM_QEMU_CPU) { $env:PSVMM_QEMU_CPU } else { 'host,-arch-capabilities' })
    )
    $dir = [IO.Directory]::CreateTempSubdirectory('psvmm-qemu-').FullName
    $serial = Join-Path $dir serial.log
    $errLog = Join-Path $dir stderr.log
    $qemuArgs = @('-enable-kvm', '-cpu', $Cpu, '-m', "$MemoryMB", '-smp', '1', '-nodefaults', '-no-reboot',
        '-display', 'none', '-monitor', 'none', '-serial', "file:$serial", '-kernel', $Kernel, '-append', $Append)
    if ($Initrd) { $qemuArgs += @('-initrd', $Initrd) }
    # Through a shell only to send stderr to a file that can be read while QEMU runs; exec keeps the PID.
    $psi = [Diagnostics.ProcessStartInfo]::new('/bin/sh')
    foreach ($a in @('-c', 'exec "$@" </dev/null >/dev/null 2>"$QEMU_STDERR"', 'qemu-boot', 'qemu-system-x86_64') + $qemuArgs) {
        $psi.ArgumentList.Add($a)
    }
    $psi.Environment['QEMU_STDERR'] = $errLog
    $psi.UseShellExecute = $false
    $sw = [Diagnostics.Stopwatch]::StartNew()
    $p = [Diagnostics.Process]::Start($psi)
    $reached = $false; $seconds = $null
    function Read-Text([string] $Path) { if (Test-Path $Path) { [IO.File]::ReadAllText($Path) } else { '' } }
    try {
        while ($sw.Elapsed.TotalSeconds -lt $TimeoutSec) {
            if ((Read-Text $serial) -match $Pattern) { $reached = $true; $seconds = $sw.Elapsed.TotalSeconds; break }
            if ($p.HasExited -or (Read-Text $errLog) -match '(?m)^Code=') { break }
            Start-Sleep -Milliseconds 500
        }
    }
    finally {
        if ($null -eq $seconds) { $seconds = $sw.Elapsed.TotalSeconds }
        if (-not $p.HasExited) { $p.Kill(); $p.WaitForExit() }
    }
    $err = Read-Text $errLog
    $console = Read-Text $serial
    Remove-Item -Recurse -Force $dir
    $failure = if ($err -match 'KVM internal error|emulation failure') {
        ($err -split "`n" | Where-Object { $_ -match 'KVM internal error|emulation failure|^RIP=|^Code=' }) -join "`n"
    }
    [pscustomobject]@{
        Seconds = [math]::Round($seconds, 1)
        Reached = $reached
        EmulationFailure = $failure
        LastLine = ($console -split "`n" | Where-Object { $_ -match '\S' } | Select-Object -Last 1)
        Console = $console
    }
}
