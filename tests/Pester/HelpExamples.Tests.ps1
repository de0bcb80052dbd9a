# Runs every help example marked runnable (its code fence reads ```powershell runnable) in a fresh
# folder that holds the files the examples name (a fake kernel, small images). The "PS>" lines and
# their continuations are the script; the other lines are sample output and are not compared,
# since they show another machine's paths. An example passes when it writes no error.

BeforeDiscovery {
    . "$PSScriptRoot/TestHelpers.ps1"

    # The script of an example: its PS> lines, with ">>" lines and lines after one that ends
    # in | ` + , { or ( as their continuation.
    function Get-ExampleScript([string[]] $CodeLines) {
        $script = [System.Collections.Generic.List[string]]::new()
        $continues = $false
        foreach ($line in $CodeLines) {
            if ($line -match '^PS> ?(.*)$') { $script.Add($Matches[1]) }
            elseif ($line -match '^>> ?(.*)$') { $script.Add($Matches[1]) }
            elseif ($continues) { $script.Add($line) }
            else { $continues = $false; continue }
            $continues = $script[-1] -match '[|`+,{(]\s*$'
        }
        $script -join "`n"
    }

    $examples = foreach ($file in Get-ChildItem (Join-Path $PSScriptRoot '../../docs/help') -Filter '*-*.md') {
        $lines = Get-Content -LiteralPath $file.FullName
        $title = $null
        $code = $null
        foreach ($line in $lines) {
            if ($line -match '^### (Example .*)$') { $title = $Matches[1] }
            elseif ($null -eq $code -and $line -match '^```powershell runnable\s*$') { $code = [System.Collections.Generic.List[string]]::new() }
            elseif ($null -ne $code -and $line -match '^```\s*$') {
                @{ Command = $file.BaseName; Title = $title; Script = Get-ExampleScript $code }
                $code = $null
            }
            elseif ($null -ne $code) { $code.Add($line) }
        }
    }
    $runnableCommands = @($examples | ForEach-Object { $_.Command } | Sort-Object -Unique)
}

BeforeAll {
    . "$PSScriptRoot/TestHelpers.ps1"
    Import-Module (Get-PSVmmModulePath) -Force
}

Describe 'Help examples' {
    It 'marks at least one example of each configuration cmdlet runnable' -ForEach @{ Commands = $runnableCommands } {
        foreach ($name in 'New-VmConfig', 'Add-VirtioBlkPci', 'Get-VirtioBlkPci', 'Remove-VirtioBlkPci', 'Set-Vm', 'ConvertFrom-QemuCommandLine') {
            $Commands | Should -Contain $name
        }
    }

    It '<Command> <Title> runs without an error' -ForEach $examples {
        $folder = Join-Path ([IO.Path]::GetTempPath()) "psvmm-example-$([guid]::NewGuid())"
        $null = New-Item -ItemType Directory -Path $folder
        try {
            foreach ($kernel in 'vmlinux', 'vmlinuz') { $null = New-FakeKernel (Join-Path $folder $kernel) }
            foreach ($image in 'initrd.img', 'root.img', 'data.img', 'd1.img', 'd2.img', 'system.img', 'seed.iso', 'a.img', 'b.img', 'fast.img') {
                [IO.File]::WriteAllBytes((Join-Path $folder $image), [byte[]]::new(1MB))
            }
            Push-Location $folder
            try {
                $Error.Clear()
                $WarningPreference = 'SilentlyContinue'
                $null = & ([scriptblock]::Create($Script)) 2>&1
                @($Error | ForEach-Object { "$_" }) | Should -BeNullOrEmpty -Because "the example is:`n$Script"
            }
            finally { Pop-Location }
        }
        finally { Remove-Item -LiteralPath $folder -Recurse -Force }
    }
}
