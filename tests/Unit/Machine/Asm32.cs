namespace PSVmm.Tests.Machine;

/// <summary>The few 32-bit x86 instructions the test guests use, encoded by hand (Intel SDM Vol. 2).</summary>
internal static class Asm32
{
    public static byte[] MovDx(ushort v) => [0x66, 0xBA, (byte)v, (byte)(v >> 8)];
    public static byte[] MovAl(byte v) => [0xB0, v];
    public static byte[] MovEax(uint v) => [0xB8, .. BitConverter.GetBytes(v)];
    public static byte[] MovEsp(uint v) => [0xBC, .. BitConverter.GetBytes(v)];
    public static byte[] MovEsi(uint v) => [0xBE, .. BitConverter.GetBytes(v)];
    public static byte[] MovEcx(uint v) => [0xB9, .. BitConverter.GetBytes(v)];
    public static byte[] MovEaxEbx => [0x89, 0xD8];
    public static byte[] OutDxAl => [0xEE];
    public static byte[] OutAl(byte port) => [0xE6, port];
    public static byte[] OutEax(byte port) => [0xE7, port];
    public static byte[] MovMemImm32(uint address, uint value) => [0xC7, 0x05, .. BitConverter.GetBytes(address), .. BitConverter.GetBytes(value)];
    public static byte[] MovEaxMem(uint address) => [0xA1, .. BitConverter.GetBytes(address)];
    public static byte[] Lgdt(uint address) => [0x0F, 0x01, 0x15, .. BitConverter.GetBytes(address)];
    public static byte[] Lidt(uint address) => [0x0F, 0x01, 0x1D, .. BitConverter.GetBytes(address)];
    public static byte[] RepOutsb => [0xF3, 0x6E];
    public static byte[] RepMovsb => [0xF3, 0xA4];
    public static byte[] MovEdi(uint v) => [0xBF, .. BitConverter.GetBytes(v)];
    public static byte[] JmpSelf => [0xEB, 0xFE];
    public static byte[] Cld => [0xFC];
    public static byte[] Int3 => [0xCC];
    public static byte[] PopEax => [0x58];
    public static byte[] JmpEax => [0xFF, 0xE0];
    public static byte[] Popcnt => [0xF3, 0x0F, 0xB8, 0xC3];
    public static byte[] HltLoop => [0xF4, 0xEB, 0xFD];
    public static byte[] Cli => [0xFA];
    public static byte[] Sti => [0xFB];

    public static byte[] Concat(params byte[][] parts) => parts.SelectMany(p => p).ToArray();

    /// <summary>Null, flat 32-bit code (0x08), flat data (0x10).</summary>
    public static byte[] FlatGdt() =>
    [
        0, 0, 0, 0, 0, 0, 0, 0,
        0xFF, 0xFF, 0, 0, 0, 0x9A, 0xCF, 0,
        0xFF, 0xFF, 0, 0, 0, 0x92, 0xCF, 0,
    ];

    /// <summary>A 6-byte GDTR/IDTR operand.</summary>
    public static byte[] TablePointer(ushort limit, uint address) => [(byte)limit, (byte)(limit >> 8), .. BitConverter.GetBytes(address)];

    /// <summary>A 32-bit interrupt gate (type 0xE, DPL 0, present) to <paramref name="handler"/> in selector 0x08.</summary>
    public static byte[] InterruptGate(uint handler) =>
        [(byte)handler, (byte)(handler >> 8), 0x08, 0x00, 0x00, 0x8E, (byte)(handler >> 16), (byte)(handler >> 24)];
}
