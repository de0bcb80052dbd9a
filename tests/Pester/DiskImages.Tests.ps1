# New-VmDiskImage and Resize-VmDiskImage: raw images (sparse, preallocated, sizes, overwrite,
# -WhatIf), ext4 images built from a folder and checked on the host with debugfs and e2fsck,
# resizing with the file system, and the image lock a running VM (or any other process) holds.

BeforeDiscovery {
    . "$PSScriptRoot/TestHelpers.ps1"
    $skip = [bool](Get-ProbeGuestSkipReason 'disk image')
}

BeforeAll {
    . "$PSScriptRoot/TestHelpers.ps1"
    $modulePath = Get-PSVmmModulePath
    Import-Module $modulePath -Force

    # The bytes the host's file system has allocated to a file.
    function Get-AllocatedBytes([string] $Path) {
        $blocks, $unit = (& stat -c '%b %B' $Path) -split ' '
        [long]$blocks * [long]$unit
    }
    function Get-Ext4Field([string] $Path, [string] $Field) {
        $line = & dumpe2fs -h $Path 2>$null | Where-Object { $_ -like "${Field}:*" }
        ($line -replace "^${Field}:\s*", '').Trim()
    }
    # Runs a script in a new runspace with the module; returns its output and progress records.
    function Invoke-WithProgress([string] $Script) {
        $ps = [powershell]::Create()
        try {
            $null = $ps.AddScript("Import-Module '$modulePath'; $Script")
            $output = $ps.Invoke()
            [pscustomobject]@{ Output = $output; Progress = @($ps.Streams.Progress); Errors = @($ps.Streams.Error) }
        }
        finally { $ps.Dispose() }
    }
    # Holds a POSIX (fcntl) write lock on a file from another process, as QEMU or a second pwsh would.
    function Lock-FileElsewhere([string] $Path) {
        $start = [Diagnostics.ProcessStartInfo]::new('python3')
        foreach ($a in '-c', "import fcntl,sys,time`nf=open(sys.argv[1],'r+b')`nfcntl.lockf(f,fcntl.LOCK_EX)`nprint('locked',flush=True)`ntime.sleep(300)", $Path) {
            $start.ArgumentList.Add($a)
        }
        $start.RedirectStandardOutput = $true
        $process = [Diagnostics.Process]::Start($start)
        $process.StandardOutput.ReadLine() | Should -Be 'locked'
        $process
    }
}

Describe 'New-VmDiskImage: raw images' {
    It 'creates a sparse image of the size asked for and writes its FileInfo' {
        $path = Join-Path $TestDrive 'sparse.img'
        $file = New-VmDiskImage -Path $path -SizeBytes 1GB
        $file | Should -BeOfType ([IO.FileInfo])
        $file.FullName | Should -Be $path
        (Get-Item $path).Length | Should -Be 1GB
        Get-AllocatedBytes $path | Should -BeLessThan 1MB -Because 'a sparse image takes no space until written'
    }

    It 'resolves a relative PowerShell path against the current location' {
        Push-Location $TestDrive
        try { $file = New-VmDiskImage rel.img 1MB }
        finally { Pop-Location }
        $file.FullName | Should -Be (Join-Path $TestDrive 'rel.img')
    }

    It 'preallocates every byte with -Preallocate and shows progress' {
        $path = Join-Path $TestDrive 'full.img'
        $run = Invoke-WithProgress "New-VmDiskImage -Path '$path' -SizeBytes 512MB -Preallocate"
        $run.Errors | Should -BeNullOrEmpty
        $run.Output[0].Length | Should -Be 512MB
        Get-AllocatedBytes $path | Should -BeGreaterOrEqual 512MB
        $shown = @($run.Progress | Where-Object RecordType -eq 'Processing')
        $shown.Count | Should -BeGreaterOrEqual 2 -Because 'each 256 MiB step is reported'
        $shown[0].Activity | Should -Match 'Preallocating'
        $shown[-1].PercentComplete | Should -Be 50
        $run.Progress[-1].RecordType | Should -Be 'Completed'
    }

    It 'refuses a size of <Size> bytes: not a positive multiple of 512' -ForEach @(
        @{ Size = 1000 }, @{ Size = 0 }, @{ Size = -512 }, @{ Size = 513 }
    ) {
        $path = Join-Path $TestDrive "bad$Size.img"
        $err = { New-VmDiskImage -Path $path -SizeBytes $Size -ErrorAction Stop } | Should -Throw -ErrorId 'InvalidDiskImageSize,*' -PassThru
        $err.Exception.Message | Should -Match 'multiple of 512'
        $path | Should -Not -Exist
    }

    It 'refuses to replace an existing file without -Force and leaves it alone' {
        $path = Join-Path $TestDrive 'keep.img'
        [IO.File]::WriteAllBytes($path, [byte[]](1..100))
        $err = { New-VmDiskImage -Path $path -SizeBytes 1MB -ErrorAction Stop } | Should -Throw -ErrorId 'DiskImageExists,*' -PassThru
        $err.Exception.Message | Should -Match '-Force'
        $err.TargetObject | Should -Be $path
        [IO.File]::ReadAllBytes($path) | Should -Be ([byte[]](1..100))
    }

    It 'replaces an existing file with -Force' {
        $path = Join-Path $TestDrive 'replace.img'
        [IO.File]::WriteAllBytes($path, [byte[]](1..100))
        $null = New-VmDiskImage -Path $path -SizeBytes 4KB -Force
        $bytes = [IO.File]::ReadAllBytes($path)
        $bytes.Length | Should -Be 4KB
        ($bytes | Where-Object { $_ -ne 0 }).Count | Should -Be 0 -Because 'the old content is gone'
    }

    It 'creates nothing with -WhatIf, and -WhatIf -Force replaces nothing' {
        $path = Join-Path $TestDrive 'whatif.img'
        New-VmDiskImage -Path $path -SizeBytes 1MB -WhatIf | Should -BeNullOrEmpty
        $path | Should -Not -Exist
        [IO.File]::WriteAllBytes($path, [byte[]](1..10))
        New-VmDiskImage -Path $path -SizeBytes 1MB -Force -WhatIf
        [IO.File]::ReadAllBytes($path) | Should -Be ([byte[]](1..10))
    }

    It 'says when the folder is missing or the path is a directory' {
        { New-VmDiskImage -Path (Join-Path $TestDrive 'no/such/x.img') -SizeBytes 1MB -ErrorAction Stop } | Should -Throw -ErrorId 'DiskImageFolderNotFound,*'
        { New-VmDiskImage -Path $TestDrive -SizeBytes 1MB -Force -ErrorAction Stop } | Should -Throw -ErrorId 'DiskImagePathIsDirectory,*'
    }

    It 'never replaces an image another process holds the lock of' {
        $path = Join-Path $TestDrive 'held.img'
        [IO.File]::WriteAllBytes($path, [byte[]](1..10))
        $holder = Lock-FileElsewhere $path
        try {
            { New-VmDiskImage -Path $path -SizeBytes 1MB -Force -ErrorAction Stop } | Should -Throw -ErrorId 'DiskImageLocked,*'
        }
        finally { $holder.Kill(); $holder.WaitForExit() }
        [IO.File]::ReadAllBytes($path) | Should -Be ([byte[]](1..10))
    }
}

Describe 'New-VmDiskImage -FileSystem ext4' {
    BeforeAll {
        $tree = Join-Path $TestDrive 'rootfs'
        $null = New-Item -ItemType Directory -Path "$tree/etc", "$tree/usr/share/doc"
        Set-Content -LiteralPath "$tree/etc/greeting" -Value 'hello from the host' -NoNewline
        $blob = [byte[]]::new(3MB)
        [Random]::new(7).NextBytes($blob)   # mke2fs -d leaves zero blocks out: the bytes must take space
        [IO.File]::WriteAllBytes("$tree/usr/share/doc/blob.bin", $blob)
        $null = New-Item -ItemType SymbolicLink -Path "$tree/etc/link" -Target greeting
        $image = Join-Path $TestDrive 'root.img'
        $run = Invoke-WithProgress "New-VmDiskImage -Path '$image' -SizeBytes 64MB -FileSystem ext4 -SourcePath '$tree' -Label psvmm-test"
    }

    It 'builds an ext4 file system that e2fsck finds clean' {
        $run.Errors | Should -BeNullOrEmpty
        $run.Output[0].FullName | Should -Be $image
        (Get-Item $image).Length | Should -Be 64MB
        $null = & e2fsck -fn $image 2>&1
        $LASTEXITCODE | Should -Be 0
        Get-Ext4Field $image 'Filesystem volume name' | Should -Be 'psvmm-test'
        Get-Ext4Field $image 'Filesystem features' | Should -Match 'extent'
    }

    It 'holds the files of -SourcePath' {
        (& debugfs -R 'cat /etc/greeting' $image 2>$null) -join "`n" | Should -Be 'hello from the host'
        (& debugfs -R 'stat /usr/share/doc/blob.bin' $image 2>$null) -join ' ' | Should -Match ('Size: ' + 3MB)
        (& debugfs -R 'stat /etc/link' $image 2>$null) -join ' ' | Should -Match 'Type: symlink'
    }

    It 'shows progress while mke2fs copies the files' {
        $shown = @($run.Progress | Where-Object RecordType -eq 'Processing')
        $shown.Count | Should -BeGreaterOrEqual 1
        $shown.Activity | Should -Match 'Building an ext4 file system'
        ($shown.StatusDescription -join ' ') | Should -Match 'Copying 3 files \(3 MiB\)'
        $run.Progress[-1].RecordType | Should -Be 'Completed'
    }

    It 'makes an empty file system without -SourcePath' {
        $empty = Join-Path $TestDrive 'empty.img'
        $null = New-VmDiskImage -Path $empty -SizeBytes 8MB -FileSystem Ext4
        $null = & e2fsck -fn $empty 2>&1
        $LASTEXITCODE | Should -Be 0
        (& debugfs -R 'ls /' $empty 2>$null) -join ' ' | Should -Match 'lost\+found'
    }

    It 'refuses a -SourcePath that <Case>, and leaves no image' -ForEach @(
        @{ Case = 'does not exist'; Source = 'missing'; ErrorId = 'SourcePathNotFound' }
        @{ Case = 'is a file'; Source = 'rootfs/etc/greeting'; ErrorId = 'SourcePathNotDirectory' }
    ) {
        $path = Join-Path $TestDrive "src-$ErrorId.img"
        $err = { New-VmDiskImage -Path $path -SizeBytes 8MB -FileSystem ext4 -SourcePath (Join-Path $TestDrive $Source) -ErrorAction Stop } |
            Should -Throw -ErrorId "$ErrorId,*" -PassThru
        $err.Exception.Message | Should -Match 'folder'
        $path | Should -Not -Exist
    }

    It 'refuses a label longer than 16 bytes' {
        { New-VmDiskImage -Path (Join-Path $TestDrive 'label.img') -SizeBytes 8MB -FileSystem ext4 -Label ('x' * 17) -ErrorAction Stop } |
            Should -Throw -ErrorId 'InvalidFileSystemLabel,*'
    }

    It 'reports what mke2fs said when the files do not fit, and deletes the image' {
        $path = Join-Path $TestDrive 'small.img'
        $err = { New-VmDiskImage -Path $path -SizeBytes 2MB -FileSystem ext4 -SourcePath $tree -ErrorAction Stop } |
            Should -Throw -ErrorId 'FileSystemBuildFailed,*' -PassThru
        $err.Exception.Message | Should -Match 'mke2fs'
        $path | Should -Not -Exist
    }

    It 'stops mke2fs and deletes the image on Ctrl+C' {
        # A stand-in mke2fs that says where it runs and then hangs, found through PSVMM_E2FSPROGS.
        $tools = Join-Path $TestDrive 'slow-tools'
        $null = New-Item -ItemType Directory -Path $tools
        $pidFile = Join-Path $TestDrive 'mke2fs.pid'
        Set-Content -LiteralPath "$tools/mke2fs" -Value "#!/bin/sh`necho `$`$ > '$pidFile'`nexec sleep 300"
        & chmod +x "$tools/mke2fs"
        $path = Join-Path $TestDrive 'stopped.img'
        $ps = [powershell]::Create()
        try {
            $null = $ps.AddScript("`$env:PSVMM_E2FSPROGS = '$tools'; Import-Module '$modulePath'; New-VmDiskImage -Path '$path' -SizeBytes 8MB -FileSystem ext4")
            $null = $ps.BeginInvoke()
            $clock = [Diagnostics.Stopwatch]::StartNew()
            while (-not ((Test-Path $pidFile) -and (Get-Content $pidFile)) -and $clock.Elapsed.TotalSeconds -lt 60) { Start-Sleep -Milliseconds 100 }
            $toolPid = [int](Get-Content $pidFile)
            $path | Should -Exist
            $ps.Stop()
            $ps.InvocationStateInfo.State | Should -Be 'Stopped'
            Get-Process -Id $toolPid -ErrorAction Ignore | Should -BeNullOrEmpty -Because 'the tool is killed'
            $path | Should -Not -Exist
        }
        finally {
            $ps.Dispose()
            Remove-Item Env:PSVMM_E2FSPROGS -ErrorAction Ignore
        }
    }

    It 'names the Debian package when mke2fs is not installed' {
        $env:PSVMM_E2FSPROGS = Join-Path $TestDrive 'no-tools'
        try {
            $path = Join-Path $TestDrive 'notools.img'
            $err = { New-VmDiskImage -Path $path -SizeBytes 8MB -FileSystem ext4 -ErrorAction Stop } |
                Should -Throw -ErrorId 'E2fsprogsNotInstalled,*' -PassThru
            $err.Exception.Message | Should -Match 'mke2fs'
            $err.Exception.Message | Should -Match 'e2fsprogs'
            $path | Should -Not -Exist
        }
        finally { Remove-Item Env:PSVMM_E2FSPROGS }
    }
}

Describe 'Resize-VmDiskImage' {
    It 'grows a raw image, keeps its data and leaves the new part sparse' {
        $path = Join-Path $TestDrive 'grow.img'
        $null = New-VmDiskImage -Path $path -SizeBytes 1MB
        $stream = [IO.File]::OpenWrite($path)
        try { $stream.Write([byte[]](1..16), 0, 16) } finally { $stream.Dispose() }
        Resize-VmDiskImage -Path $path -SizeBytes 1GB | Should -BeNullOrEmpty
        (Get-Item $path).Length | Should -Be 1GB
        Get-AllocatedBytes $path | Should -BeLessThan 1MB
        $bytes = [byte[]]::new(16)
        $read = [IO.File]::OpenRead($path)
        try { $null = $read.Read($bytes, 0, 16) } finally { $read.Dispose() }
        $bytes | Should -Be ([byte[]](1..16))
    }

    It 'takes files from Get-ChildItem and writes them with -PassThru' {
        $null = New-VmDiskImage -Path (Join-Path $TestDrive 'many1.img') -SizeBytes 1MB
        $null = New-VmDiskImage -Path (Join-Path $TestDrive 'many2.img') -SizeBytes 1MB
        $out = @(Get-ChildItem (Join-Path $TestDrive 'many*.img') | Resize-VmDiskImage -SizeBytes 2MB -PassThru)
        $out.Count | Should -Be 2
        $out.ForEach('Length') | Should -Be @(2MB, 2MB)
    }

    It 'refuses a size that is not a multiple of 512' {
        $path = Join-Path $TestDrive 'odd.img'
        $null = New-VmDiskImage -Path $path -SizeBytes 1MB
        { Resize-VmDiskImage -Path $path -SizeBytes (1MB + 100) -ErrorAction Stop } | Should -Throw -ErrorId 'InvalidDiskImageSize,*'
        (Get-Item $path).Length | Should -Be 1MB
    }

    It 'says when the image does not exist' {
        { Resize-VmDiskImage -Path (Join-Path $TestDrive 'none.img') -SizeBytes 1MB -ErrorAction Stop } | Should -Throw -ErrorId 'DiskImageNotFound,*'
    }

    It 'shrinks only with -AllowShrink, and -WhatIf changes nothing' {
        $path = Join-Path $TestDrive 'shrink.img'
        $null = New-VmDiskImage -Path $path -SizeBytes 4MB
        $err = { Resize-VmDiskImage -Path $path -SizeBytes 1MB -ErrorAction Stop } | Should -Throw -ErrorId 'DiskImageShrinkRefused,*' -PassThru
        $err.Exception.Message | Should -Match '-AllowShrink'
        Resize-VmDiskImage -Path $path -SizeBytes 1MB -AllowShrink -WhatIf
        Resize-VmDiskImage -Path $path -SizeBytes 8MB -WhatIf
        (Get-Item $path).Length | Should -Be 4MB
        Resize-VmDiskImage -Path $path -SizeBytes 1MB -AllowShrink -Force
        (Get-Item $path).Length | Should -Be 1MB
    }

    It 'refuses an image another process holds the lock of' {
        $path = Join-Path $TestDrive 'locked.img'
        $null = New-VmDiskImage -Path $path -SizeBytes 1MB
        $holder = Lock-FileElsewhere $path
        try {
            $err = { Resize-VmDiskImage -Path $path -SizeBytes 2MB -ErrorAction Stop } | Should -Throw -ErrorId 'DiskImageLocked,*' -PassThru
            $err.Exception.Message | Should -Match 'Stop-Vm'
        }
        finally { $holder.Kill(); $holder.WaitForExit() }
        (Get-Item $path).Length | Should -Be 1MB
    }

    It 'refuses -ResizeFileSystem on an image without an ext file system' {
        $path = Join-Path $TestDrive 'rawfs.img'
        $null = New-VmDiskImage -Path $path -SizeBytes 1MB
        { Resize-VmDiskImage -Path $path -SizeBytes 2MB -ResizeFileSystem -ErrorAction Stop } | Should -Throw -ErrorId 'NotAnExtFileSystem,*'
        (Get-Item $path).Length | Should -Be 1MB
    }
}

Describe 'Resize-VmDiskImage -ResizeFileSystem on an ext4 image' {
    BeforeAll {
        $tree = Join-Path $TestDrive 'tree'
        $null = New-Item -ItemType Directory -Path $tree
        Set-Content -LiteralPath "$tree/kept.txt" -Value 'still here' -NoNewline
        $image = Join-Path $TestDrive 'fs.img'
        $null = New-VmDiskImage -Path $image -SizeBytes 32MB -FileSystem ext4 -SourcePath $tree
        $blockSize = [long](Get-Ext4Field $image 'Block size')
        $blocksBefore = [long](Get-Ext4Field $image 'Block count')
    }

    It 'grows the file and the file system, and keeps the files' {
        $run = Invoke-WithProgress "Resize-VmDiskImage -Path '$image' -SizeBytes 64MB -ResizeFileSystem"
        $run.Errors | Should -BeNullOrEmpty
        (Get-Item $image).Length | Should -Be 64MB
        [long](Get-Ext4Field $image 'Block count') * $blockSize | Should -Be 64MB
        $blocksBefore * $blockSize | Should -Be 32MB
        $null = & e2fsck -fn $image 2>&1
        $LASTEXITCODE | Should -Be 0
        (& debugfs -R 'cat /kept.txt' $image 2>$null) -join '' | Should -Be 'still here'
        ($run.Progress | Where-Object RecordType -eq 'Processing').StatusDescription | Should -Contain 'Growing the file system (resize2fs)'
    }

    It 'shrinks the file system before the file with -AllowShrink' {
        Resize-VmDiskImage -Path $image -SizeBytes 16MB -ResizeFileSystem -AllowShrink -Force
        (Get-Item $image).Length | Should -Be 16MB
        [long](Get-Ext4Field $image 'Block count') * $blockSize | Should -Be 16MB
        $null = & e2fsck -fn $image 2>&1
        $LASTEXITCODE | Should -Be 0
        (& debugfs -R 'cat /kept.txt' $image 2>$null) -join '' | Should -Be 'still here'
    }
}

Describe 'Disk images of a running VM' -Tag 'Guest' -Skip:$skip {
    BeforeAll {
        $probe = Join-Path $env:PSVMM_ROOT 'out/guest/probe.elf'
        $image = Join-Path $TestDrive 'running.img'
        $null = New-VmDiskImage -Path $image -SizeBytes 1MB
    }

    It 'cannot be resized or replaced while the VM runs, and can once it is removed' {
        $config = New-VmConfig -Name image-lock -Kernel $probe -MemoryMB 64 -KernelArgs idle | Add-VirtioBlkPci -Path $image
        Use-Vm $config {
            param($vm)
            $vm | Should -HaveConsoleLine 'probe: idle' -Within 60
            { Resize-VmDiskImage -Path $image -SizeBytes 2MB -ErrorAction Stop } | Should -Throw -ErrorId 'DiskImageLocked,*'
            { New-VmDiskImage -Path $image -SizeBytes 2MB -Force -ErrorAction Stop } | Should -Throw -ErrorId 'DiskImageLocked,*'
        }
        (Get-Item $image).Length | Should -Be 1MB
        Resize-VmDiskImage -Path $image -SizeBytes 2MB
        (Get-Item $image).Length | Should -Be 2MB
    }
}
