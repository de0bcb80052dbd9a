using System.Text;
using PSVmm.Engine.Machine;

namespace PSVmm.Engine.Qemu;

/// <summary>
/// The value of one QEMU option with suboptions, such as <c>-drive file=a.img,if=none,id=d0</c>:
/// keys and values split at single commas, ",," standing for a comma inside a value. The first
/// part may leave out its key (<c>-device virtio-blk-pci,...</c>, <c>-m 1G</c>): it then belongs to
/// the option's implied key. A bare key means key=on. Every key must be read through
/// <see cref="Take"/>; <see cref="Rest"/> is what nothing read, so nothing is dropped unseen.
/// </summary>
public sealed class QemuOptionList
{
    private readonly Dictionary<string, string> _values = new(StringComparer.Ordinal);
    private readonly List<string> _order = [];

    private QemuOptionList(string option) => Option = option;

    /// <summary>The option these keys belong to, e.g. "-drive".</summary>
    public string Option { get; }

    /// <summary>Splits <paramref name="text"/>; throws InvalidQemuCommandLine for an empty key, and ConflictingQemuOptions for a key given twice.</summary>
    public static QemuOptionList Parse(string option, string text, string? impliedKey)
    {
        var list = new QemuOptionList(option);
        var parts = SplitParts(text);
        for (int i = 0; i < parts.Count; i++)
        {
            string part = parts[i];
            int eq = part.IndexOf('=');
            string key, value;
            if (eq >= 0)
                (key, value) = (part[..eq], part[(eq + 1)..]);
            else if (i == 0 && impliedKey is not null)
                (key, value) = (impliedKey, part);
            else
                (key, value) = (part, "on");

            if (key.Length == 0)
            {
                throw new VmException("InvalidQemuCommandLine", VmErrorCategory.InvalidArgument,
                    $"{option} {text}: '{part}' has no key. Write key=value pairs separated by commas.");
            }
            if (!list._values.TryAdd(key, value))
            {
                throw new VmException("ConflictingQemuOptions", VmErrorCategory.InvalidArgument,
                    $"{option} {text}: {key}= is given twice ('{list._values[key]}' and '{value}'). Give it once.");
            }
            list._order.Add(key);
        }
        return list;
    }

    /// <summary>The value of <paramref name="key"/> (null when absent), marking it read.</summary>
    public string? Take(string key)
    {
        if (!_values.Remove(key, out var value))
            return null;
        return value;
    }

    /// <summary>The keys nobody took, in the order written, as key=value.</summary>
    public IReadOnlyList<string> Rest => _order.Where(_values.ContainsKey).Select(k => $"{k}={_values[k]}").ToList();

    /// <summary>"key=value" pairs joined with commas, commas inside values doubled.</summary>
    public static string Format(IEnumerable<(string Key, string Value)> pairs) =>
        string.Join(',', pairs.Select(p => p.Key.Length == 0 ? Escape(p.Value) : $"{p.Key}={Escape(p.Value)}"));

    public static string Escape(string value) => value.Replace(",", ",,", StringComparison.Ordinal);

    private static List<string> SplitParts(string text)
    {
        var parts = new List<string>();
        var part = new StringBuilder();
        for (int i = 0; i < text.Length; i++)
        {
            if (text[i] != ',')
            {
                part.Append(text[i]);
                continue;
            }
            if (i + 1 < text.Length && text[i + 1] == ',')
            {
                part.Append(',');
                i++;
                continue;
            }
            parts.Add(part.ToString());
            part.Clear();
        }
        parts.Add(part.ToString());
        return parts;
    }
}
