using System.Text;

namespace PSVmm.Engine.Boot.Acpi;

/// <summary>
/// Encoders for the ACPI Machine Language constructs the DSDT needs (ACPI 6.5 §20, "ACPI Machine
/// Language (AML) Specification"). Each method returns the complete encoding of one term, so
/// terms compose by nesting: <c>Device("COM1", Name("_HID", EisaId("PNP0501")))</c>.
/// </summary>
public static class AmlWriter
{
    // §20.2.5 / §20.2.3 opcodes.
    public const byte ZeroOp = 0x00;
    public const byte OneOp = 0x01;
    public const byte NameOp = 0x08;
    public const byte BytePrefix = 0x0A;
    public const byte WordPrefix = 0x0B;
    public const byte DWordPrefix = 0x0C;
    public const byte StringPrefix = 0x0D;
    public const byte QWordPrefix = 0x0E;
    public const byte ScopeOp = 0x10;
    public const byte BufferOp = 0x11;
    public const byte PackageOp = 0x12;
    public const byte MethodOp = 0x14;
    public const byte ExtOpPrefix = 0x5B;
    public const byte DeviceOp = 0x82;     // after ExtOpPrefix
    public const byte OpRegionOp = 0x80;   // after ExtOpPrefix
    public const byte FieldOp = 0x81;      // after ExtOpPrefix
    public const byte Local0Op = 0x60;
    public const byte Arg0Op = 0x68;
    public const byte StoreOp = 0x70;
    public const byte AndOp = 0x7B;
    public const byte NotifyOp = 0x86;
    public const byte IfOp = 0xA0;
    public const byte ReturnOp = 0xA4;
    public const byte OnesOp = 0xFF;
    public const byte RootChar = 0x5C;      // '\'
    public const byte ParentPrefixChar = 0x5E; // '^'
    public const byte DualNamePrefix = 0x2E;
    public const byte MultiNamePrefix = 0x2F;

    /// <summary>The largest value a PkgLength can encode (§20.2.4: 28 bits).</summary>
    public const int MaxPackageLength = (1 << 28) - 1;

    /// <summary>
    /// PkgLength for a body of <paramref name="bodyLength"/> bytes (§20.2.4). The encoded length
    /// counts the PkgLength bytes themselves. One byte holds lengths up to 63 in bits 5:0; otherwise
    /// bits 7:6 of the lead byte give the count (1-3) of following bytes, bits 3:0 hold the
    /// least significant nibble and each following byte the next 8 bits.
    /// </summary>
    public static byte[] PkgLength(int bodyLength)
    {
        if (bodyLength < 0)
            throw new ArgumentOutOfRangeException(nameof(bodyLength));
        if (bodyLength + 1 <= 0x3F)
            return [(byte)(bodyLength + 1)];
        for (int extra = 1; extra <= 3; extra++)
        {
            int total = bodyLength + 1 + extra;
            if (total < 1 << (4 + 8 * extra))
            {
                var encoded = new byte[1 + extra];
                encoded[0] = (byte)((extra << 6) | (total & 0x0F));
                for (int i = 1; i <= extra; i++)
                    encoded[i] = (byte)(total >> (4 + 8 * (i - 1)));
                return encoded;
            }
        }
        throw new ArgumentOutOfRangeException(nameof(bodyLength), "An AML package cannot exceed 2^28 - 1 bytes.");
    }

    /// <summary>
    /// A NameString (§20.2.2): optional root '\' or parent '^' prefixes, then NameSegs separated by
    /// '.', each padded with '_' to 4 characters; 2 segments use DualNamePrefix, more MultiNamePrefix.
    /// </summary>
    public static byte[] NameString(string path)
    {
        var result = new List<byte>();
        int i = 0;
        if (path.StartsWith('\\'))
        {
            result.Add(RootChar);
            i = 1;
        }
        while (i < path.Length && path[i] == '^')
        {
            result.Add(ParentPrefixChar);
            i++;
        }
        string rest = path[i..];
        string[] segments = rest.Length == 0 ? [] : rest.Split('.');
        if (segments.Length == 0)
        {
            result.Add(0); // NullName
        }
        else if (segments.Length == 2)
        {
            result.Add(DualNamePrefix);
        }
        else if (segments.Length > 2)
        {
            if (segments.Length > 255)
                throw new ArgumentException("Too many name segments.", nameof(path));
            result.Add(MultiNamePrefix);
            result.Add((byte)segments.Length);
        }
        foreach (var segment in segments)
            result.AddRange(NameSeg(segment));
        return result.ToArray();
    }

    /// <summary>A NameSeg (§20.2.2): a lead character A-Z or '_', then A-Z, 0-9 or '_', padded with '_'.</summary>
    public static byte[] NameSeg(string segment)
    {
        if (segment.Length is < 1 or > 4)
            throw new ArgumentException($"Name segment '{segment}' must have 1 to 4 characters.", nameof(segment));
        if (!IsLeadNameChar(segment[0]) || !segment.All(c => IsLeadNameChar(c) || c is >= '0' and <= '9'))
            throw new ArgumentException($"Name segment '{segment}' has characters AML does not allow.", nameof(segment));
        return Encoding.ASCII.GetBytes(segment.PadRight(4, '_'));
    }

    private static bool IsLeadNameChar(char c) => c is (>= 'A' and <= 'Z') or '_';

    /// <summary>An Integer in the shortest form (§20.2.3): ZeroOp, OneOp, OnesOp or a Byte/Word/DWord/QWord prefix.</summary>
    public static byte[] Integer(ulong value)
    {
        if (value == 0) return [ZeroOp];
        if (value == 1) return [OneOp];
        if (value == ulong.MaxValue) return [OnesOp];
        if (value <= byte.MaxValue) return [BytePrefix, (byte)value];
        if (value <= ushort.MaxValue) return Prefixed(WordPrefix, value, 2);
        if (value <= uint.MaxValue) return Prefixed(DWordPrefix, value, 4);
        return Prefixed(QWordPrefix, value, 8);
    }

    private static byte[] Prefixed(byte prefix, ulong value, int size)
    {
        var bytes = new byte[1 + size];
        bytes[0] = prefix;
        for (int i = 0; i < size; i++)
            bytes[1 + i] = (byte)(value >> (8 * i));
        return bytes;
    }

    /// <summary>A String (§20.2.3): StringPrefix, ASCII characters 0x01-0x7F, NullChar.</summary>
    public static byte[] String(string value)
    {
        if (value.Any(c => c is < (char)1 or > (char)0x7F))
            throw new ArgumentException("AML strings hold ASCII characters 0x01-0x7F.", nameof(value));
        return [StringPrefix, .. Encoding.ASCII.GetBytes(value), 0];
    }

    /// <summary>
    /// A compressed EISA id such as "PNP0A08" as a DWord integer (ACPI 6.5 §19.6, the ASL EISAID macro): three
    /// letters of 5 bits each ('A' = 1) then four hex digits, stored big-endian in the 4 bytes.
    /// </summary>
    public static byte[] EisaId(string id)
    {
        if (id.Length != 7 || !id[..3].All(c => c is >= 'A' and <= 'Z') || !id[3..].All(Uri.IsHexDigit))
            throw new ArgumentException($"'{id}' is not an EISA id (3 letters, 4 hex digits).", nameof(id));
        uint value = (uint)(id[0] - 0x40) << 26 | (uint)(id[1] - 0x40) << 21 | (uint)(id[2] - 0x40) << 16
            | Convert.ToUInt32(id[3..], 16);
        return [DWordPrefix, (byte)(value >> 24), (byte)(value >> 16), (byte)(value >> 8), (byte)value];
    }

    /// <summary>DefName (§20.2.5.1): NameOp NameString DataRefObject.</summary>
    public static byte[] Name(string name, byte[] value) => [NameOp, .. NameString(name), .. value];

    /// <summary>DefScope (§20.2.5.1): ScopeOp PkgLength NameString TermList.</summary>
    public static byte[] Scope(string name, params byte[][] terms) =>
        WithPkgLength([ScopeOp], [.. NameString(name), .. Concat(terms)]);

    /// <summary>DefDevice (§20.2.5.2): ExtOpPrefix DeviceOp PkgLength NameString TermList.</summary>
    public static byte[] Device(string name, params byte[][] terms) =>
        WithPkgLength([ExtOpPrefix, DeviceOp], [.. NameString(name), .. Concat(terms)]);

    /// <summary>
    /// DefMethod (§20.2.5.2): MethodOp PkgLength NameString MethodFlags TermList. MethodFlags:
    /// bits 2:0 ArgCount, bit 3 SerializeFlag, bits 7:4 SyncLevel.
    /// </summary>
    public static byte[] Method(string name, int argCount, bool serialized, params byte[][] terms)
    {
        if (argCount is < 0 or > 7)
            throw new ArgumentOutOfRangeException(nameof(argCount));
        byte flags = (byte)(argCount | (serialized ? 0x08 : 0));
        return WithPkgLength([MethodOp], [.. NameString(name), flags, .. Concat(terms)]);
    }

    /// <summary>DefReturn (§20.2.5.3): ReturnOp ArgObject.</summary>
    public static byte[] Return(byte[] value) => [ReturnOp, .. value];

    /// <summary>Region spaces of DefOpRegion (§19.6.100).</summary>
    public const byte RegionSpaceSystemMemory = 0;
    public const byte RegionSpaceSystemIo = 1;

    /// <summary>DefOpRegion (§20.2.5.2): ExtOpPrefix OpRegionOp NameString RegionSpace RegionOffset RegionLen.</summary>
    public static byte[] OperationRegion(string name, byte space, ulong offset, ulong length) =>
        [ExtOpPrefix, OpRegionOp, .. NameString(name), space, .. Integer(offset), .. Integer(length)];

    /// <summary>
    /// DefField (§20.2.5.2) with ByteAcc, NoLock, Preserve (FieldFlags 0x01) and named fields of
    /// the given bit widths, in order from the region's start. A NamedField is a NameSeg and its
    /// width as a PkgLength-style count that does not include its own bytes.
    /// </summary>
    public static byte[] Field(string region, params (string Name, int Bits)[] fields)
    {
        var list = new List<byte>();
        foreach (var (name, bits) in fields)
        {
            if (bits is < 1 or > 63)
                throw new ArgumentOutOfRangeException(nameof(fields), bits, "Field widths here are 1 to 63 bits.");
            list.AddRange(NameSeg(name));
            list.Add((byte)bits);
        }
        return WithPkgLength([ExtOpPrefix, FieldOp], [.. NameString(region), 0x01, .. list]);
    }

    /// <summary>LocalN (§20.2.6.2), N = 0-7.</summary>
    public static byte[] Local(int n) => n is >= 0 and <= 7 ? [(byte)(Local0Op + n)] : throw new ArgumentOutOfRangeException(nameof(n));

    /// <summary>ArgN (§20.2.6.1), N = 0-6.</summary>
    public static byte[] Arg(int n) => n is >= 0 and <= 6 ? [(byte)(Arg0Op + n)] : throw new ArgumentOutOfRangeException(nameof(n));

    /// <summary>A reference to a named object, as a TermArg or SuperName.</summary>
    public static byte[] Path(string name) => NameString(name);

    /// <summary>DefStore (§20.2.5.4): StoreOp TermArg SuperName.</summary>
    public static byte[] Store(byte[] value, byte[] target) => [StoreOp, .. value, .. target];

    /// <summary>DefAnd (§20.2.5.4): AndOp Operand Operand Target, here without a target (NullName).</summary>
    public static byte[] And(byte[] left, byte[] right) => [AndOp, .. left, .. right, 0x00];

    /// <summary>DefIfElse without Else (§20.2.5.3): IfOp PkgLength Predicate TermList.</summary>
    public static byte[] If(byte[] predicate, params byte[][] terms) =>
        WithPkgLength([IfOp], [.. predicate, .. Concat(terms)]);

    /// <summary>DefNotify (§20.2.5.3): NotifyOp NotifyObject NotifyValue.</summary>
    public static byte[] Notify(string device, ulong value) => [NotifyOp, .. NameString(device), .. Integer(value)];

    /// <summary>DefBuffer (§20.2.5.4): BufferOp PkgLength BufferSize ByteList, the size an Integer.</summary>
    public static byte[] Buffer(ReadOnlySpan<byte> data) =>
        WithPkgLength([BufferOp], [.. Integer((ulong)data.Length), .. data]);

    /// <summary>DefPackage (§20.2.5.4): PackageOp PkgLength NumElements(byte) PackageElementList.</summary>
    public static byte[] Package(params byte[][] elements)
    {
        if (elements.Length > 255)
            throw new ArgumentException("A Package holds at most 255 elements (use VarPackage).", nameof(elements));
        return WithPkgLength([PackageOp], [(byte)elements.Length, .. Concat(elements)]);
    }

    private static byte[] WithPkgLength(byte[] opcode, byte[] body) =>
        [.. opcode, .. PkgLength(body.Length), .. body];

    public static byte[] Concat(IEnumerable<byte[]> parts)
    {
        var all = new List<byte>();
        foreach (var part in parts)
            all.AddRange(part);
        return all.ToArray();
    }
}
