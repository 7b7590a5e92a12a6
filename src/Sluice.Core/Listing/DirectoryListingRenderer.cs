using System.Globalization;
using System.Text;
using Sluice.Core.Paths;

namespace Sluice.Core.Listing;

// Renders an HTML index of one directory page. File names are attacker-controlled text (anyone who
// can create a file can choose its name), so every name is HTML-escaped wherever it appears (text,
// data-name, data-href) and percent-encoded for its href; every link is relative, so the page works
// under any prefix a proxy adds. Everything works without script (sorting and paging are links the
// server answers); the script only adds the filter box, uploads and delete buttons.
public static class DirectoryListingRenderer
{
    private static readonly string[] s_units = ["KiB", "MiB", "GiB", "TiB", "PiB", "EiB"];

    public static string ContentSecurityPolicy => ListingAssets.ContentSecurityPolicy;

    // A whole directory's entries, first page, name order (kept for callers that have no query).
    // includeHidden: list names that start with '.' (the server's --dotfiles); "." and ".." never.
    // truncated: the caller stopped reading the directory at its entry cap; the page says so.
    public static byte[] Render(string requestPath, IEnumerable<DirectoryEntry> entries, bool includeHidden = false, bool truncated = false)
    {
        ArgumentNullException.ThrowIfNull(requestPath);
        ArgumentNullException.ThrowIfNull(entries);

        // Dotfiles are hidden by convention unless the server serves them.
        IEnumerable<DirectoryEntry> visible = entries.Where(e => e.Name is not ("." or "..") && (includeHidden || !e.Name.StartsWith('.')));
        return Render(ListingPage.From(requestPath, ListingQuery.Default, visible, truncated));
    }

    public static byte[] Render(ListingPage page)
    {
        ArgumentNullException.ThrowIfNull(page);
        string requestPath = page.RequestPath;
        ListingQuery q = page.Query;
        string title = HtmlEscape(requestPath);
        var html = new StringBuilder(4096 + (page.Entries.Count * 240));
        html.Append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
            .Append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
            .Append("<title>Index of ").Append(title).Append("</title>\n")
            .Append("<style>").Append(ListingAssets.Style).Append("</style>\n")
            .Append("</head>\n<body>\n<h1>Index of ");
        AppendBreadcrumbs(html, requestPath);
        html.Append("</h1>\n<p class=\"tools\"><input id=\"filter\" type=\"search\" placeholder=\"Filter names\" aria-label=\"Filter names\" hidden>")
            .Append(" <a class=\"tar\" href=\"?archive=tar\">Download folder (tar)</a></p>\n");

        if (page.CanWrite)
        {
            html.Append("<section id=\"upload\"><label>Upload files: <input id=\"files\" type=\"file\" multiple></label>")
                .Append("<div id=\"drop\">or drop files here</div><ul id=\"progress\"></ul></section>\n");
        }

        html.Append("<table>\n<thead><tr>");
        AppendHeader(html, q, ListingSortKey.Name, "name", "Name");
        AppendHeader(html, q, ListingSortKey.Size, "size", "Size");
        AppendHeader(html, q, ListingSortKey.Time, "time", "Modified");
        if (page.CanWrite)
        {
            html.Append("<th class=\"act\"></th>");
        }

        html.Append("</tr></thead>\n<tbody>\n");
        if (requestPath != "/")
        {
            html.Append("<tr><td class=\"name\"><a href=\"../\">../</a></td><td class=\"size\">-</td><td class=\"time\"></td>")
                .Append(page.CanWrite ? "<td></td>" : "").Append("</tr>\n");
        }

        foreach (DirectoryEntry entry in page.Entries)
        {
            string slash = entry.IsDirectory ? "/" : string.Empty;
            string name = HtmlEscape(entry.Name);
            string href = HtmlEscape(RequestPathDecoder.EncodeSegment(entry.Name)) + slash;
            html.Append("<tr data-name=\"").Append(name).Append("\"><td class=\"name\"><a href=\"").Append(href).Append("\">")
                .Append(name).Append(slash).Append("</a></td><td class=\"size\" data-size=\"")
                .Append(entry.IsDirectory ? "-1" : entry.Size.ToString(CultureInfo.InvariantCulture)).Append("\">")
                .Append(entry.IsDirectory ? "-" : FormatSize(entry.Size)).Append("</td><td class=\"time\"><time datetime=\"")
                .Append(ListingJson.FormatTime(entry.Modified)).Append("\">")
                .Append(entry.Modified.UtcDateTime.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture)).Append(" UTC</time></td>");
            if (page.CanWrite)
            {
                html.Append("<td><button class=\"del\" type=\"button\" data-href=\"").Append(href).Append("\">Delete</button></td>");
            }

            html.Append("</tr>\n");
        }

        html.Append("</tbody>\n</table>\n");
        if (page.PageCount > 1 || q.Page > 1)
        {
            html.Append("<nav class=\"pages\">");
            if (q.Page > 1)
            {
                html.Append("<a rel=\"prev\" href=\"").Append(HtmlEscape(q.Link(q.Sort, q.Descending, Math.Min(q.Page - 1, page.PageCount)))).Append("\">Previous</a> ");
            }

            html.Append("Page ").Append(q.Page.ToString(CultureInfo.InvariantCulture)).Append(" of ").Append(page.PageCount.ToString(CultureInfo.InvariantCulture));
            if (q.Page < page.PageCount)
            {
                html.Append(" <a rel=\"next\" href=\"").Append(HtmlEscape(q.Link(q.Sort, q.Descending, q.Page + 1))).Append("\">Next</a>");
            }

            html.Append("</nav>\n");
        }

        if (page.Truncated)
        {
            html.Append("<p class=\"truncated\">Listing truncated: only ")
                .Append(page.Total.ToString(CultureInfo.InvariantCulture))
                .Append(" entries of this directory are listed (the server's --max-listing-entries).</p>\n");
        }

        html.Append("<script>").Append(ListingAssets.Script).Append("</script>\n</body>\n</html>\n");
        return Encoding.UTF8.GetBytes(html.ToString());
    }

    // "/a/b/" → "/" and "a" as links to "../../" and "../", "b" as plain text: each ancestor one
    // click away, relative so a proxy's prefix is kept.
    private static void AppendBreadcrumbs(StringBuilder html, string requestPath)
    {
        string[] segments = requestPath.Split('/', StringSplitOptions.RemoveEmptyEntries);
        if (segments.Length == 0)
        {
            html.Append('/');
            return;
        }

        html.Append("<a class=\"crumb\" href=\"").Append(Up(segments.Length)).Append("\">/</a>");
        for (int i = 0; i < segments.Length; i++)
        {
            int up = segments.Length - 1 - i;
            if (up == 0)
            {
                html.Append(HtmlEscape(segments[i])).Append('/');
            }
            else
            {
                html.Append("<a class=\"crumb\" href=\"").Append(Up(up)).Append("\">").Append(HtmlEscape(segments[i])).Append("</a>/");
            }
        }
    }

    private static string Up(int levels) => string.Concat(Enumerable.Repeat("../", levels));

    // A column header links to its own sort; the current column's link flips the direction.
    private static void AppendHeader(StringBuilder html, ListingQuery q, ListingSortKey key, string cssClass, string label)
    {
        bool current = q.Sort == key;
        bool nextDescending = current && !q.Descending;
        html.Append("<th class=\"").Append(cssClass).Append('"');
        if (current)
        {
            html.Append(" aria-sort=\"").Append(q.Descending ? "descending" : "ascending").Append('"');
        }

        html.Append("><a class=\"sort\" href=\"").Append(HtmlEscape(q.Link(key, nextDescending, 1))).Append("\">").Append(label).Append("</a>");
        if (current)
        {
            html.Append(q.Descending ? " ▼" : " ▲");
        }

        html.Append("</th>");
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
