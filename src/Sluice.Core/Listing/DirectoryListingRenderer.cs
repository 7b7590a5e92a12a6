using System.Globalization;
using System.Text;
using Sluice.Core.Paths;

namespace Sluice.Core.Listing;

// Renders an HTML index of one directory. File names are attacker-controlled text (anyone who can
// create a file can choose its name), so every name is HTML-escaped for display and percent-encoded
// for its href; the hrefs are relative, so the page works under any prefix a proxy adds.
public static class DirectoryListingRenderer
{
    private static readonly string[] s_units = ["KiB", "MiB", "GiB", "TiB", "PiB", "EiB"];

    private const string Style =
        "body{font-family:system-ui,sans-serif;margin:2em}table{border-collapse:collapse}"
        + "th,td{padding:.2em 1em;text-align:left}td.size{text-align:right;font-variant-numeric:tabular-nums}";

    // The page has no script and one inline style: the policy allows exactly that style (by its
    // hash, CSP3 §8.3) and nothing else, so a file name that slipped past escaping still could not
    // run script, load anything, or frame the page.
    public static string ContentSecurityPolicy { get; } =
        "default-src 'none'; style-src 'sha256-" + Convert.ToBase64String(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(Style)))
        + "'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    // includeHidden: list names that start with '.' (the server's --dotfiles); "." and ".." never.
    // truncated: the caller stopped reading the directory at its entry cap; the page says so.
    public static byte[] Render(string requestPath, IEnumerable<DirectoryEntry> entries, bool includeHidden = false, bool truncated = false)
    {
        ArgumentNullException.ThrowIfNull(requestPath);
        ArgumentNullException.ThrowIfNull(entries);

        // Dotfiles are hidden by convention unless the server serves them.
        var visible = entries.Where(e => e.Name is not ("." or "..") && (includeHidden || !e.Name.StartsWith('.'))).ToList();
        visible.Sort(static (a, b) => a.IsDirectory != b.IsDirectory
            ? (a.IsDirectory ? -1 : 1)
            : string.CompareOrdinal(a.Name, b.Name));

        string title = HtmlEscape(requestPath);
        var html = new StringBuilder(1024 + (visible.Count * 160));
        html.Append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
            .Append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
            .Append("<title>Index of ").Append(title).Append("</title>\n")
            .Append("<style>").Append(Style).Append("</style>\n")
            .Append("</head>\n<body>\n<h1>Index of ").Append(title).Append("</h1>\n")
            .Append("<table>\n<thead><tr><th>Name</th><th>Size</th><th>Modified</th></tr></thead>\n<tbody>\n");

        if (requestPath != "/")
        {
            html.Append("<tr><td><a href=\"../\">../</a></td><td class=\"size\">-</td><td></td></tr>\n");
        }

        foreach (DirectoryEntry entry in visible)
        {
            string slash = entry.IsDirectory ? "/" : string.Empty;
            html.Append("<tr><td><a href=\"").Append(HtmlEscape(RequestPathDecoder.EncodeSegment(entry.Name))).Append(slash).Append("\">")
                .Append(HtmlEscape(entry.Name)).Append(slash).Append("</a></td><td class=\"size\">")
                .Append(entry.IsDirectory ? "-" : FormatSize(entry.Size)).Append("</td><td>")
                .Append(entry.Modified.UtcDateTime.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture))
                .Append("</td></tr>\n");
        }

        html.Append("</tbody>\n</table>\n");
        if (truncated)
        {
            html.Append("<p class=\"truncated\">Listing truncated: only ")
                .Append(visible.Count.ToString(CultureInfo.InvariantCulture))
                .Append(" entries of this directory are shown (the server's --max-listing-entries).</p>\n");
        }

        html.Append("</body>\n</html>\n");
        return Encoding.UTF8.GetBytes(html.ToString());
    }

    // Binary units, one decimal at most: "512 B", "1.5 MiB".
    public static string FormatSize(long size)
    {
        if (size < 1024)
        {
            return size.ToString(CultureInfo.InvariantCulture) + " B";
        }

        double value = size;
        int unit = -1;
        while (value >= 1024 && unit < s_units.Length - 1)
        {
            value /= 1024;
            unit++;
        }

        return value.ToString("0.#", CultureInfo.InvariantCulture) + " " + s_units[unit];
    }

    internal static string HtmlEscape(string text)
    {
        if (text.AsSpan().IndexOfAny("&<>\"'") < 0)
        {
            return text;
        }

        var builder = new StringBuilder(text.Length + 16);
        foreach (char c in text)
        {
            _ = c switch
            {
                '&' => builder.Append("&amp;"),
                '<' => builder.Append("&lt;"),
                '>' => builder.Append("&gt;"),
                '"' => builder.Append("&quot;"),
                '\'' => builder.Append("&#39;"),
                _ => builder.Append(c),
            };
        }

        return builder.ToString();
    }
}
