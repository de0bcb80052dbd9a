namespace PSVmm.Engine.Machine;

/// <summary>
/// A private copy of a <see cref="VmConfig"/> that <see cref="VmConfigValidator.Validate"/> found
/// valid: what <see cref="VirtualMachine.Create(ValidatedVmConfig)"/> takes, so a configuration is
/// checked once per start even when the caller checked it first (Start-Vm does, before -WhatIf).
/// </summary>
public sealed class ValidatedVmConfig
{
    internal ValidatedVmConfig(VmConfig config) => Config = config;

    internal VmConfig Config { get; }

    public string Name => Config.Name;
}
