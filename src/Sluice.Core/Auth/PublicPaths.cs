namespace Sluice.Core.Auth;

// Path prefixes served without credentials (--public). A prefix matches whole segments only:
// "/pub" covers "/pub" and "/pub/a.txt" but not "/pubkeys". Matching runs on the decoded,
// dot-segment-free relative path that the file handler will open (RequestPathDecoder), never on
// the raw target, so "/pub/../secret" or "/p%75b/.." cannot borrow a public prefix.
public sealed class PublicPaths
{
    private readonly string[] _prefixes;

    public PublicPaths(IEnumerable<string> prefixes)
    {
        _prefixes = prefixes.Select(Normalize).Distinct(StringComparer.Ordinal).ToArray();
    }

    public bool IsEmpty => _prefixes.Length == 0;

    // relativePath: as RequestPathDecoder gives it, without the leading '/'.
    public bool Contains(ReadOnlySpan<char> relativePath)
    {
        foreach (string prefix in _prefixes)
        {
            if (relativePath.StartsWith(prefix, StringComparison.Ordinal)
                && (relativePath.Length == prefix.Length || relativePath[prefix.Length] == '/'))
            {
                return true;
            }
        }

        return false;
    }

    // "/pub/", "pub", "/pub" → "pub". The root ("/") is refused by validation: with everything
    // public there is nothing to protect.
    public static string Normalize(string prefix) => prefix.Trim().Trim('/');

    public static string? Validate(string prefix)
    {
        string normalized = Normalize(prefix);
        if (normalized.Length == 0)
        {
            return $"--public '{prefix}' would make everything public; leave out --auth instead";
        }

        foreach (string segment in normalized.Split('/'))
        {
            if (segment is "" or "." or "..")
            {
                return $"--public '{prefix}' must be a plain path such as /pub (no empty, '.' or '..' segments)";
            }
        }

        return null;
    }
}
