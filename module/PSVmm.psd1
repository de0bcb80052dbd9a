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
            Tags       = @('KVM', 'Virtualization', 'VM', 'Linux', 'virtio')
            ProjectUri = 'https://github.com/psvmm/psvmm'
        }
    }
}
