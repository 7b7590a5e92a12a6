using Sluice.Core.Http;
using Sluice.Core.Listing;
using Sluice.Core.Paths;
using Sluice.Interop.Pal;

namespace Sluice.Server.Files;

public sealed partial class FileHandler
{
    private const string HtmlType = "text/html; charset=utf-8";

    private void HandleDirectory(HttpRequestHead request, ResponsePlan plan, string relative, bool trailingSlash, DateTimeOffset now)
    {
        string clientPath = relative.Length == 0 ? "/" : "/" + relative + "/";
        if (!trailingSlash)
        {
            // Relative links in the listing or index.html only resolve under "/dir/".
            plan.SetInline(301, ErrorBodies.ForReason(301, "Moved Permanently"), ErrorBodies.ContentType);
            plan.Location = EncodePath(relative) + "/" + QueryOf(request.Target);
            return;
        }

        string indexPath = relative.Length == 0 ? "index.html" : relative + "/index.html";
        if (AcquireFile(indexPath, out FileRef indexFile) == FileOpenStatus.Opened)
        {
            if (indexFile.Metadata.IsRegularFile)
            {
                ServeFile(request, plan, indexFile, indexPath, now);
                return;
            }

            indexFile.Release();
        }

        List<DirectoryEntry> entries;
        try
        {
            entries = ReadEntries(Path.Join(_rootPath, relative));
        }
        catch (UnauthorizedAccessException)
        {
            Error(plan, 403);
            return;
        }
        catch (IOException)
        {
            Error(plan, 404);
            return;
        }

        bool omit = plan.OmitBody;
        plan.SetInline(200, DirectoryListingRenderer.Render(clientPath, entries), HtmlType);
        plan.OmitBody = omit;
    }

    private static List<DirectoryEntry> ReadEntries(string directory)
    {
        var entries = new List<DirectoryEntry>();
        var options = new EnumerationOptions { IgnoreInaccessible = true, AttributesToSkip = 0, RecurseSubdirectories = false };
        foreach (FileSystemInfo info in new DirectoryInfo(directory).EnumerateFileSystemInfos("*", options))
        {
            bool isDirectory = info is DirectoryInfo;
            long size = info is FileInfo f ? SafeLength(f) : 0;
            entries.Add(new DirectoryEntry(info.Name, isDirectory, size, info.LastWriteTimeUtc));
        }

        return entries;
    }

    private static long SafeLength(FileInfo file)
    {
        try
        {
            return file.Length;
        }
        catch (IOException)
        {
            return 0;
        }
    }

    private static string EncodePath(string relative)
    {
        if (relative.Length == 0)
        {
            return "";
        }

        var builder = new System.Text.StringBuilder(relative.Length + 8);
        foreach (string segment in relative.Split('/'))
        {
            builder.Append('/').Append(RequestPathDecoder.EncodeSegment(segment));
        }

        return builder.ToString();
    }

    private static string QueryOf(string target)
    {
        int q = target.IndexOf('?');
        return q < 0 ? "" : target[q..];
    }
}
