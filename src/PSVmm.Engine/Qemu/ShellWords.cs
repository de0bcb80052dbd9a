using System.Text;
using System.Text.RegularExpressions;
using PSVmm.Engine.Machine;

namespace PSVmm.Engine.Qemu;

/// <summary>
/// A command line as a POSIX shell splits it into words, and words quoted so a shell gives them
/// back: single quotes are literal, double quotes keep \" \\ \$ \` escapes, a backslash outside
/// quotes escapes the next character, backslash-newline continues the line, and '#' at the start
/// of a word begins a comment. Nothing is expanded ($VAR and globs stay as written).
/// </summary>
public static partial class ShellWords
{
    [GeneratedRegex(@"^[A-Za-z0-9_./=:,+@%^-]+\z")]
    private static partial Regex SafeWord();

    /// <summary>The words of <paramref name="line"/>; throws <see cref="VmException"/> InvalidQemuCommandLine for an unterminated quote.</summary>
    public static IReadOnlyList<string> Split(string line)
    {
        ArgumentNullException.ThrowIfNull(line);
        var words = new List<string>();
        var word = new StringBuilder();
        bool inWord = false;
        for (int i = 0; i < line.Length; i++)
        {
            char c = line[i];
            if (c == '\\' && i + 1 < line.Length && line[i + 1] is '\n' or '\r')
            {
                i += line[i + 1] == '\r' && i + 2 < line.Length && line[i + 2] == '\n' ? 2 : 1;
                continue;
            }
            if (char.IsWhiteSpace(c))
            {
                if (inWord)
                    words.Add(word.ToString());
                word.Clear();
                inWord = false;
                continue;
            }
            if (c == '#' && !inWord)
            {
                while (i + 1 < line.Length && line[i + 1] != '\n')
                    i++;
                continue;
            }
            inWord = true;
            switch (c)
            {
                case '\\':
                    if (i + 1 < line.Length)
                        word.Append(line[++i]);
                    break;
                case '\'':
                    int end = line.IndexOf('\'', i + 1);
                    if (end < 0)
                        throw Unterminated('\'', i, line);
                    word.Append(line, i + 1, end - i - 1);
                    i = end;
                    break;
                case '"':
                    i = ReadDoubleQuoted(line, i, word);
                    break;
                default:
                    word.Append(c);
                    break;
            }
        }
        if (inWord)
            words.Add(word.ToString());
        return words;
    }

    /// <summary><paramref name="word"/> as a shell reads it back as one word: unchanged when it has no special character, single-quoted otherwise.</summary>
    public static string Quote(string word) =>
        word.Length > 0 && SafeWord().IsMatch(word) ? word : "'" + word.Replace("'", @"'\''", StringComparison.Ordinal) + "'";

    /// <summary>The words joined into one line that <see cref="Split"/> (and a shell) splits back into them.</summary>
    public static string Join(IEnumerable<string> words) => string.Join(' ', words.Select(Quote));

    private static int ReadDoubleQuoted(string line, int open, StringBuilder word)
    {
        for (int i = open + 1; i < line.Length; i++)
        {
            char c = line[i];
            if (c == '"')
                return i;
            if (c == '\\' && i + 1 < line.Length && line[i + 1] is '"' or '\\' or '$' or '`' or '\n')
            {
                if (line[++i] != '\n')
                    word.Append(line[i]);
                continue;
            }
            word.Append(c);
        }
        throw Unterminated('"', open, line);
    }

    private static VmException Unterminated(char quote, int at, string line) =>
        new("InvalidQemuCommandLine", VmErrorCategory.InvalidArgument,
            $"The command line has a {quote} at character {at + 1} that is never closed: ...{line[at..Math.Min(line.Length, at + 40)]}. Close the quote.");
}
