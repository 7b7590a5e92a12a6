using System.Globalization;

namespace Sluice.Core.Http;

// The Content-Range of a 206 answer to a single range (RFC 9110 §14.4): "bytes FIRST-LAST/LENGTH",
// LENGTH being "*" when the server does not know it. A client that asked for a range checks the
// answer against its request before it writes a byte: a server that answers another range than the
// one asked for (or a proxy that mixes answers up) must not land bytes at the wrong offset.
public readonly record struct ContentRange(long First, long Last, long? CompleteLength)
{
    public long Length => Last - First + 1;

    public static bool TryParse(string? value, out ContentRange range)
    {
        range = default;
        if (value is null || !value.StartsWith("bytes ", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        string rest = value[6..].Trim();
        int dash = rest.IndexOf('-', StringComparison.Ordinal);
        int slash = rest.IndexOf('/', StringComparison.Ordinal);
        if (dash <= 0 || slash < dash)
        {
            return false;
        }

        long? first = HttpResponseHead.ParseNonNegative(rest[..dash]);
        long? last = HttpResponseHead.ParseNonNegative(rest[(dash + 1)..slash]);
        string total = rest[(slash + 1)..];
        long? complete = total == "*" ? null : HttpResponseHead.ParseNonNegative(total);
        if (first is null || last is null || last < first || (total != "*" && (complete is null || last >= complete)))
        {
            return false;
        }

        range = new ContentRange(first.Value, last.Value, complete);
        return true;
    }

    public override string ToString() => string.Create(
        CultureInfo.InvariantCulture, $"bytes {First}-{Last}/{(CompleteLength is long l ? l.ToString(CultureInfo.InvariantCulture) : "*")}");
}
