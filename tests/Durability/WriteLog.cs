using System.Globalization;
using System.Text.RegularExpressions;

namespace PSVmm.Durability;

/// <summary>
/// The helper's stdout protocol, one event a line, each ending in " ." so that a line cut by the
/// kill is never taken for a whole one:
/// <c>MODE cache writeback=0|1 .</c>, <c>READY .</c>, <c>W seq block .</c> (the device acknowledged
/// write seq to block), <c>S n .</c> (flush n is about to be submitted), <c>F n .</c> (flush n
/// completed), <c>END .</c> (every block written).
/// </summary>
public static partial class WriteLog
{
    public static string Written(long seq, long block) => string.Create(CultureInfo.InvariantCulture, $"W {seq} {block} .");

    public static string FlushSubmitted(long flush) => string.Create(CultureInfo.InvariantCulture, $"S {flush} .");

    public static string FlushCompleted(long flush) => string.Create(CultureInfo.InvariantCulture, $"F {flush} .");

    /// <summary>Whole lines only: the event letter and its numbers, or null for anything else.</summary>
    public static (char Kind, long A, long B)? Parse(string line)
    {
        var m = Event().Match(line);
        if (!m.Success)
            return null;
        long Number(int group) => m.Groups[group].Success ? long.Parse(m.Groups[group].Value, CultureInfo.InvariantCulture) : 0;
        return (m.Groups[1].Value[0], Number(2), Number(3));
    }

    [GeneratedRegex(@"^([WSF]) (\d+)(?: (\d+))? \.$")]
    private static partial Regex Event();
}
