namespace PSVmm.Engine.Memory;

/// <summary>A guest-controlled address or length fell outside guest RAM.</summary>
public sealed class GuestMemoryException : Exception
{
    public GuestMemoryException(ulong address, ulong length)
        : base($"Guest memory access [0x{address:x}, +0x{length:x}) is outside guest RAM.")
    {
        Address = address;
        Length = length;
    }

    public ulong Address { get; }

    public ulong Length { get; }
}
