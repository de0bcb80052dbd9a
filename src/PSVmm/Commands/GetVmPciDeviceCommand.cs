using System.Management.Automation;
using PSVmm.Model;

namespace PSVmm.Commands;

/// <summary>Get-VmPciDevice: every function on a running VM's PCI bus 0 (host bridge included) as the guest sees it now.</summary>
[Cmdlet(VerbsCommon.Get, "VmPciDevice", DefaultParameterSetName = NameSet)]
[OutputType(typeof(VmPciDevice))]
public sealed class GetVmPciDeviceCommand : VmDeviceCommandBase
{
    protected override void ProcessRecord()
    {
        foreach (var vm in RunningVms())
        {
            var devices = vm.GetPciDevices();
            if (devices.Count == 0)
            {
                WriteNotRunning(vm); // stopped since RunningVms looked
                continue;
            }
            foreach (var device in devices)
                WriteObject(new VmPciDevice(vm.Name, device));
        }
    }
}
