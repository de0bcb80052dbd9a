namespace PSVmm.Engine.Machine;

/// <summary>CONTRACT STUB (the cmdlets work fills it): checks a VmConfig and the files it names; throws VmException with a stable ErrorId.</summary>
public static class VmConfigValidator
{
    public static void Validate(VmConfig config) => throw new NotImplementedException();
}
