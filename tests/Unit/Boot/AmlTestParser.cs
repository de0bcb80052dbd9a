using System.Text;

namespace PSVmm.Tests.Boot;

internal abstract record AmlNode;
internal sealed record AmlScope(string Name, IReadOnlyList<AmlNode> Terms) : AmlNode;
internal sealed record AmlDevice(string Name, IReadOnlyList<AmlNode> Terms) : AmlNode;
internal sealed record AmlMethod(string Name, byte Flags, IReadOnlyList<AmlNode> Terms) : AmlNode;
internal sealed record AmlName(string Name, AmlNode Value) : AmlNode;
internal sealed record AmlReturn(AmlNode Value) : AmlNode;
internal sealed record AmlInteger(ulong Value) : AmlNode;
internal sealed record AmlString(string Value) : AmlNode;
internal sealed record AmlBuffer(byte[] Data) : AmlNode;
internal sealed record AmlPackage(IReadOnlyList<AmlNode> Elements) : AmlNode;
internal sealed record AmlOpRegion(string Name, byte Space, AmlNode Offset, AmlNode Length) : AmlNode;
internal sealed record AmlField(string Region, byte Flags, IReadOnlyList<(string Name, int Bits)> Fields) : AmlNode;
internal sealed record AmlNameRef(string Name) : AmlNode;
internal sealed record AmlLocal(int Index) : AmlNode;
internal sealed record AmlArg(int Index) : AmlNode;
internal sealed record AmlStore(AmlNode Value, AmlNode Target) : AmlNode;
internal sealed record AmlAnd(AmlNode Left, AmlNode Right, AmlNode Target) : AmlNode;
internal sealed record AmlIf(AmlNode Predicate, IReadOnlyList<AmlNode> Terms) : AmlNode;
internal sealed record AmlNotify(AmlNode Target, AmlNode Value) : AmlNode;

/// <summary>
/// An independent decoder for the AML subset the DSDT uses (ACPI 6.5 §20). It is strict: every
/// PkgLength must end exactly where its contents end and inside its parent, so an encoding error
/// in the writer shows up as an exception here.
/// </summary>
internal sealed class AmlTestParser
{
    private readonly byte[] _aml;
    private int _pos;

    private AmlTestParser(byte[] aml) => _aml = aml;

    public static IReadOnlyList<AmlNode> ParseTermList(byte[] aml)
    {
        var p = new AmlTestParser(aml);
        var terms = p.Terms(aml.Length);
        return terms;
    }

    /// <summary>Decodes a PkgLength at <paramref name="pos"/>: (value, bytes used).</summary>
    public static (int Value, int Size) DecodePkgLength(byte[] data, int pos)
    {
        byte lead = data[pos];
        int follow = lead >> 6;
        if (follow == 0)
            return (lead & 0x3F, 1);
        if ((lead & 0x30) != 0)
            throw new FormatException("PkgLength bits 5:4 must be zero in the multi-byte form.");
        int value = lead & 0x0F;
        for (int i = 0; i < follow; i++)
            value |= data[pos + 1 + i] << (4 + 8 * i);
        return (value, 1 + follow);
    }

    private List<AmlNode> Terms(int end)
    {
        var terms = new List<AmlNode>();
        while (_pos < end)
            terms.Add(Term(end));
        if (_pos != end)
            throw new FormatException($"Term list overran its end at {_pos} (end {end}).");
        return terms;
    }

    private int PkgEnd(int limit)
    {
        int start = _pos;
        var (value, size) = DecodePkgLength(_aml, _pos);
        _pos += size;
        int end = start + value;
        if (end > limit || end < _pos)
            throw new FormatException($"PkgLength at {start} ends at {end}, outside its parent (limit {limit}).");
        return end;
    }

    private AmlNode Term(int limit)
    {
        byte op = _aml[_pos++];
        switch (op)
        {
            case 0x00: return new AmlInteger(0);
            case 0x01: return new AmlInteger(1);
            case 0xFF: return new AmlInteger(ulong.MaxValue);
            case 0x0A: return new AmlInteger(ReadLe(1));
            case 0x0B: return new AmlInteger(ReadLe(2));
            case 0x0C: return new AmlInteger(ReadLe(4));
            case 0x0E: return new AmlInteger(ReadLe(8));
            case 0x0D:
            {
                int start = _pos;
                while (_aml[_pos] != 0) _pos++;
                var s = Encoding.ASCII.GetString(_aml, start, _pos - start);
                _pos++;
                return new AmlString(s);
            }
            case 0x08:
            {
                string name = NameString();
                return new AmlName(name, Term(limit));
            }
            case 0x10:
            {
                int end = PkgEnd(limit);
                string name = NameString();
                return Check(new AmlScope(name, Terms(end)), end);
            }
            case 0x14:
            {
                int end = PkgEnd(limit);
                string name = NameString();
                byte flags = _aml[_pos++];
                return Check(new AmlMethod(name, flags, Terms(end)), end);
            }
            case 0x5B when _aml[_pos] == 0x82:
            {
                _pos++;
                int end = PkgEnd(limit);
                string name = NameString();
                return Check(new AmlDevice(name, Terms(end)), end);
            }
            case 0xA4: return new AmlReturn(Term(limit));
            case >= 0x60 and <= 0x67: return new AmlLocal(op - 0x60);
            case >= 0x68 and <= 0x6E: return new AmlArg(op - 0x68);
            case 0x70:
            {
                var value = Term(limit);
                return new AmlStore(value, Term(limit));
            }
            case 0x7B:
            {
                var left = Term(limit);
                var right = Term(limit);
                return new AmlAnd(left, right, Term(limit));
            }
            case 0x86:
            {
                var target = Term(limit);
                return new AmlNotify(target, Term(limit));
            }
            case 0xA0:
            {
                int end = PkgEnd(limit);
                var predicate = Term(end);
                return Check(new AmlIf(predicate, Terms(end)), end);
            }
            case 0x5B when _aml[_pos] == 0x80:
            {
                _pos++;
                string name = NameString();
                byte space = _aml[_pos++];
                var offset = Term(limit);
                return new AmlOpRegion(name, space, offset, Term(limit));
            }
            case 0x5B when _aml[_pos] == 0x81:
            {
                _pos++;
                int end = PkgEnd(limit);
                string region = NameString();
                byte flags = _aml[_pos++];
                var fields = new List<(string, int)>();
                while (_pos < end)
                {
                    string field = Encoding.ASCII.GetString(_aml, _pos, 4).TrimEnd('_');
                    _pos += 4;
                    var (bits, size) = DecodePkgLength(_aml, _pos);
                    _pos += size;
                    fields.Add((field, bits));
                }
                return Check(new AmlField(region, flags, fields), end);
            }
            case 0x5C or 0x5E or 0x2E or 0x2F or (>= (byte)'A' and <= (byte)'Z') or (byte)'_':
            {
                _pos--;
                return new AmlNameRef(NameString());
            }
            case 0x11:
            {
                int end = PkgEnd(limit);
                var size = Term(end) as AmlInteger ?? throw new FormatException("Buffer size must be an integer here.");
                int count = end - _pos;
                if ((ulong)count != size.Value)
                    throw new FormatException($"Buffer declares {size.Value} bytes but holds {count}.");
                var data = _aml[_pos..end];
                _pos = end;
                return new AmlBuffer(data);
            }
            case 0x12:
            {
                int end = PkgEnd(limit);
                int count = _aml[_pos++];
                var elements = Terms(end);
                if (elements.Count != count)
                    throw new FormatException($"Package declares {count} elements but holds {elements.Count}.");
                return new AmlPackage(elements);
            }
            default:
                throw new FormatException($"Unexpected AML opcode 0x{op:X2} at {_pos - 1}.");
        }
    }

    private AmlNode Check(AmlNode node, int end) =>
        _pos == end ? node : throw new FormatException($"Package ended at {_pos}, PkgLength said {end}.");

    private ulong ReadLe(int size)
    {
        ulong v = 0;
        for (int i = 0; i < size; i++)
            v |= (ulong)_aml[_pos + i] << (8 * i);
        _pos += size;
        return v;
    }

    private string NameString()
    {
        var sb = new StringBuilder();
        if (_aml[_pos] == 0x5C) { sb.Append('\\'); _pos++; }
        while (_aml[_pos] == 0x5E) { sb.Append('^'); _pos++; }
        int segments;
        if (_aml[_pos] == 0x2E) { segments = 2; _pos++; }
        else if (_aml[_pos] == 0x2F) { segments = _aml[_pos + 1]; _pos += 2; }
        else if (_aml[_pos] == 0x00) { _pos++; return sb.ToString(); }
        else
        {
            segments = 1;
        }

        for (int i = 0; i < segments; i++)
        {
            if (i > 0) sb.Append('.');
            sb.Append(Encoding.ASCII.GetString(_aml, _pos, 4).TrimEnd('_'));
            _pos += 4;
        }
        return sb.ToString();
    }
}
