using System.Text;
using System.Text.RegularExpressions;

namespace PSVmm.Engine.Machine;

/// <summary>
/// Serial console output of one VM: appended by the UART on a vCPU thread, read and waited on
/// by cmdlets. Keeps at most <see cref="Capacity"/> characters (oldest dropped) and counts the
/// total ever written so waiters can resume where they left off.
/// </summary>
public sealed class ConsoleLog
{
    public const int Capacity = 4 * 1024 * 1024;

    private readonly object _lock = new();
    private readonly StringBuilder _text = new();
    private readonly Decoder _utf8 = Encoding.UTF8.GetDecoder();
    private readonly char[] _decoded = new char[2];
    private long _dropped;
    private StreamWriter? _file;

    public ConsoleLog(string? filePath = null)
    {
        if (filePath is not null)
            _file = new StreamWriter(new FileStream(filePath, FileMode.Create, FileAccess.Write, FileShare.Read)) { AutoFlush = true };
    }

    /// <summary>Total characters ever appended.</summary>
    public long Length
    {
        get { lock (_lock) return _dropped + _text.Length; }
    }

    public void Append(byte b)
    {
        lock (_lock)
        {
            int n = _utf8.GetChars([b], 0, 1, _decoded, 0, flush: false);
            if (n == 0)
                return;
            _text.Append(_decoded, 0, n);
            try { _file?.Write(_decoded, 0, n); } catch (IOException) { _file = null; }
            if (_text.Length > Capacity)
            {
                int drop = _text.Length - Capacity;
                _text.Remove(0, drop);
                _dropped += drop;
            }
            Monitor.PulseAll(_lock);
        }
    }

    public void Append(string s)
    {
        foreach (var b in Encoding.UTF8.GetBytes(s))
            Append(b);
    }

    public string Text
    {
        get { lock (_lock) return _text.ToString(); }
    }

    /// <summary>The last <paramref name="lines"/> lines.</summary>
    public string[] Tail(int lines)
    {
        var all = Text.Split('\n');
        int count = all.Length > 0 && all[^1].Length == 0 ? all.Length - 1 : all.Length;
        int start = Math.Max(0, count - lines);
        return all[start..count].Select(l => l.TrimEnd('\r')).ToArray();
    }

    /// <summary>
    /// Waits until <paramref name="pattern"/> matches the text from character <paramref name="from"/> on,
    /// or <paramref name="stopWaiting"/> returns true, or the timeout or token ends the wait.
    /// Returns the match, or null.
    /// </summary>
    public Match? WaitFor(Regex pattern, TimeSpan timeout, CancellationToken token, long from = 0, Func<bool>? stopWaiting = null)
    {
        var deadline = DateTime.UtcNow + timeout;
        using var reg = token.Register(() => { lock (_lock) Monitor.PulseAll(_lock); });
        lock (_lock)
        {
            while (true)
            {
                int start = (int)Math.Clamp(from - _dropped, 0, _text.Length);
                var m = pattern.Match(_text.ToString(start, _text.Length - start));
                if (m.Success)
                    return m;
                if (token.IsCancellationRequested || (stopWaiting?.Invoke() ?? false))
                    return null;
                var left = deadline - DateTime.UtcNow;
                if (left <= TimeSpan.Zero)
                    return null;
                Monitor.Wait(_lock, left < TimeSpan.FromMilliseconds(200) ? left : TimeSpan.FromMilliseconds(200));
            }
        }
    }

    public void Close()
    {
        lock (_lock)
        {
            _file?.Dispose();
            _file = null;
        }
    }
}
