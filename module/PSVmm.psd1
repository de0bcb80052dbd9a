@{
    RootModule           = 'PSVmm.dll'
    ModuleVersion        = '0.1.0'
    GUID                 = '3eef5134-5276-4bfd-a5e2-68a89d2b54b4'
    Author               = 'PSVmm contributors'
    CompanyName          = 'PSVmm'
    Copyright            = '(c) PSVmm contributors.'
    Description          = 'Runs KVM virtual machines from PowerShell with an in-process virtual machine monitor: boot a Linux kernel or a multiboot guest, watch and type into its serial console, attach virtio-blk disks and inspect their PCI, MSI-X, virtqueue and virtio state; stop, wait for and remove it.'
    CompatiblePSEditions = @('Core')
    PowerShellVersion    = '7.6'
    TypesToProcess       = @('PSVmm.Types.ps1xml')
    FormatsToProcess     = @('PSVmm.Format.ps1xml')
    CmdletsToExport      = @(
        'New-VmConfig'
        'Start-Vm'
        'Stop-Vm'
        'Get-Vm'
        'Remove-Vm'
        'Wait-Vm'
        'Get-VmConsole'
        'Send-VmConsole'
        'Add-VirtioBlkPci'
        'Set-VirtioBlkPci'
        'Get-VirtioBlkPci'
        'Remove-VirtioBlkPci'
        'Set-Vm'
        'Get-VmPciDevice'
        'Get-VmMsixTable'
        'Get-VmVirtqueue'
        'Get-VmVirtioDevice'
        'Get-VmBlockStatistic'
        'Get-VmVcpu'
        'Get-VmEvent'
        'ConvertFrom-QemuCommandLine'
        'ConvertTo-QemuCommandLine'
        'New-VmDiskImage'
        'Resize-VmDiskImage'
    )
    NestedModules        = @('PSVmm.Pester.psm1')
    FunctionsToExport    = @(
        'Use-Vm'
        'Register-VmShouldOperator'
    )
    AliasesToExport      = @()
    VariablesToExport    = @()
    PrivateData          = @{
        PSData = @{
            Tags         = @('KVM', 'Virtualization', 'VM', 'Linux', 'virtio')
            # No ProjectUri or LicenseUri: the project has no public home or LICENSE file yet.
            ReleaseNotes = @'
0.1.0
- Runs KVM VMs from PowerShell 7.6 on Linux x64: Linux (bzImage, vmlinux with PVH) and multiboot guests,
  ACPI power button, serial console (Get-VmConsole, Send-VmConsole), Wait-Vm -For ConsolePattern|Exit.
- virtio-blk-pci disks (Add-VirtioBlkPci, Set-VirtioBlkPci): split and packed rings, MSI-X, io_uring,
  discard, write-zeroes, O_DIRECT, I/O limits applied live, image locking.
- Live device state as objects: Get-VmPciDevice, Get-VmMsixTable, Get-VmVirtqueue, Get-VmVirtioDevice,
  Get-VmBlockStatistic, Get-VmVcpu, Get-VmEvent.
- VM objects are live views (PSVmm.Model.Vm) that keep their Id across Stop-Vm/Start-Vm; Stop-Vm and
  Wait-Vm handle several VMs within one timeout; running VMs are shut down when pwsh exits.
'@
        }
    }
}
