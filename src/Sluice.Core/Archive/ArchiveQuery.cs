namespace Sluice.Core.Archive;

public enum ArchiveRequest : byte
{
    // No archive= parameter: the directory is answered as before (index.html or the listing).
    None,
    Tar,
    // archive= names a format this server does not make.
    Unsupported,
}

// Reads "archive=" from a request-target's query ("/dir/?archive=tar"). Other parameters are
// ignored; the last archive= wins, as in most query parsers.
public static class ArchiveQuery
{
    public static ArchiveRequest Parse(ReadOnlySpan<char> target)
    {
        int question = target.IndexOf('?');
        if (question < 0)
        {
            return ArchiveRequest.None;
        }

        ReadOnlySpan<char> query = target[(question + 1)..];
        int fragment = query.IndexOf('#');
        if (fragment >= 0)
        {
            query = query[..fragment];
        }

        ArchiveRequest found = ArchiveRequest.None;
        foreach (Range part in query.Split('&'))
        {
            ReadOnlySpan<char> pair = query[part];
            if (pair.StartsWith("archive=", StringComparison.Ordinal))
            {
                found = pair[8..].SequenceEqual("tar") ? ArchiveRequest.Tar : ArchiveRequest.Unsupported;
            }
        }

        return found;
    }
}
