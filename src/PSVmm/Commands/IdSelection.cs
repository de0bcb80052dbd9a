using System.Management.Automation;

namespace PSVmm.Commands;

/// <summary>Selecting items by id patterns as the -Id parameters do: wildcards allowed, case-insensitive, each item once, in the items' order.</summary>
internal static class IdSelection
{
    /// <summary>
    /// The <paramref name="items"/> whose id matches one of <paramref name="patterns"/> (all when none
    /// is given). A pattern without wildcards that matches nothing is passed to <paramref name="notFound"/>.
    /// </summary>
    public static List<T> Select<T>(IReadOnlyList<T> items, Func<T, string> id, string[]? patterns, Action<string> notFound)
    {
        if (patterns is null or { Length: 0 })
            return [.. items];

        var selected = new HashSet<T>(ReferenceEqualityComparer.Instance as IEqualityComparer<T> ?? EqualityComparer<T>.Default);
        foreach (var text in patterns.Where(p => !string.IsNullOrEmpty(p)))
        {
            var pattern = new WildcardPattern(text, WildcardOptions.IgnoreCase);
            var matches = items.Where(item => pattern.IsMatch(id(item))).ToList();
            if (matches.Count == 0 && !WildcardPattern.ContainsWildcardCharacters(text))
                notFound(text);
            selected.UnionWith(matches);
        }
        return [.. items.Where(selected.Contains)];
    }
}
