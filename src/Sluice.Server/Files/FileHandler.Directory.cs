using Microsoft.Win32.SafeHandles;
using Sluice.Core.Auth;
using Sluice.Core.Http;
using Sluice.Core.Listing;
using Sluice.Core.Paths;
using Sluice.Interop.Pal;

namespace Sluice.Server.Files;

public sealed partial class FileHandler
{
    private const string HtmlType = "text/html; charset=utf-8";

    // Releases directory when done. Both steps that can wait on the disk — the index.html open
    // when its walk is not cached, the listing when the ListingCache has no page — run on the engine.
    private async ValueTask HandleDirectoryAsync(HttpRequestHead request, ResponsePlan plan, FileRef directory, string relative, bool trailingSlash, DateTimeOffset now)
    {
        try
        {
            string clientPath = relative.Length == 0 ? "/" : "/" + relative + "/";
            if (!trailingSlash)
            {
                // Relative links in the listing or index.html only resolve under "/dir/".
                plan.SetInline(301, ErrorBodies.For(301), ErrorBodies.ContentType);
                plan.Location = EncodePath(relative) + "/" + QueryOf(request.Target);
                return;
            }

            string indexPath = relative.Length == 0 ? "index.html" : relative + "/index.html";
            FileOpenStatus opened = TryAcquireInline(indexPath, out FileRef indexFile);
            if (opened == FileOpenStatus.WouldBlock)
            {
                (opened, indexFile) = await AcquireOnEngineAsync(indexPath).ConfigureAwait(false);
            }

            if (opened == FileOpenStatus.Opened)
            {
                if (indexFile.Metadata.IsRegularFile)
                {
                    if (!AdmitsPublicOnly(plan, indexFile))
                    {
                        return;
                    }

                    await ServeFileOrVariant(request, plan, indexFile, indexPath, now).ConfigureAwait(false);
                    return;
                }

                indexFile.Release();
            }

            // A public-only listing hides links that leave the public prefixes, so it is a different
            // page from the full one and is cached apart from it.
            PublicPaths? publicOnly = plan.PublicOnly;
            ListingCache listings = publicOnly is null ? Listings : _publicListings;
            if (listings.TryGet(relative, directory.Metadata, out byte[] cached))
            {
                SetListing(plan, cached);
                return;
            }

            List<DirectoryEntry> entries;
            bool truncated;
            try
            {
                Interlocked.Increment(ref _engineListings);
                (entries, truncated) = await _disk.RunAsync(
                    static s => (s.Self.ReadEntries(s.Directory, s.Relative, s.PublicOnly, out bool truncated), truncated),
                    (Self: this, Directory: directory, Relative: relative, PublicOnly: publicOnly)).ConfigureAwait(false);
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

            byte[] html = DirectoryListingRenderer.Render(clientPath, entries, includeHidden: _serveDotfiles, truncated);
            listings.Add(relative, directory.Metadata, html);
            SetListing(plan, html);
        }
        finally
        {
            directory.Release();
        }
    }

    private static readonly byte[] s_listingPolicy = System.Text.Encoding.ASCII.GetBytes(DirectoryListingRenderer.ContentSecurityPolicy);

    private static void SetListing(ResponsePlan plan, byte[] html)
    {
        bool omit = plan.OmitBody;
        plan.SetInline(200, html, HtmlType);
        plan.OmitBody = omit;
        plan.ContentSecurityPolicy = s_listingPolicy;
    }

    // Lists the directory that was opened confined to the root, through its descriptor
    // ("." opened beneath it), never through the path again: a directory swapped for a symlink after
    // the open cannot redirect the listing. A symlink entry is shown with what a request for it
    // would get (opened like a request, so with its target's size and date) and hidden when that
    // open is refused: the listing never reveals anything outside the root or a hidden file
    // behind a visible link. Names are read in full (readdir only, no stat), and of them the
    // first _maxListingEntries in the page's order (directories first, then by name) are kept in
    // a bounded heap and only those are stat'ed: one huge directory costs one pass over its
    // names, not a million stats, and a truncated page shows the start of the list, not whichever
    // entries readdir happened to return first.
    // Disk engine only (getdents and a statx per entry).
    // With publicOnly, a link that resolves outside the public prefixes is hidden too.
    private List<DirectoryEntry> ReadEntries(FileRef directory, string relative, PublicPaths? publicOnly, out bool truncated)
    {
        BlockingGuard.Check("getdents");
        truncated = false;
        // Names as the kernel stores them (getdents64), made text by FileNameEncoding so that a name
        // that is not UTF-8 maps back to its exact bytes for the statx below and in the link's href.
        // .NET's enumeration would turn its bad bytes into U+FFFD and name a file that does not exist.
        FileOpenStatus opened = DirectoryReader.TryOpen(directory.Handle, out DirectoryReader reader);
        if (opened != FileOpenStatus.Opened)
        {
            throw opened == FileOpenStatus.PermissionDenied ? new UnauthorizedAccessException() : new IOException(opened.ToString());
        }

        // A max-heap on the page's order: the root is the last of the entries kept so far.
        var kept = new PriorityQueue<(string Name, bool IsDirectory, bool IsLink), (string Name, bool IsDirectory, bool IsLink)>(s_lastFirst);
        using (reader)
        {
            DirectoryReadStatus read;
            while ((read = reader.Next(out ReadOnlySpan<byte> nameBytes, out DirectoryEntryType type)) == DirectoryReadStatus.Entry)
            {
                if (!_serveDotfiles && nameBytes[0] == (byte)'.')
                {
                    continue;
                }

                string name = FileNameEncoding.GetString(nameBytes);
                if (type == DirectoryEntryType.Unknown)
                {
                    // A file system without d_type: only here does listing a name cost a stat.
                    DirectoryEntryKind kind = FilePal.GetEntry(directory.Handle, name, out _);
                    type = kind switch
                    {
                        DirectoryEntryKind.Directory => DirectoryEntryType.Directory,
                        DirectoryEntryKind.Symlink => DirectoryEntryType.Symlink,
                        _ => DirectoryEntryType.RegularFile,
                    };
                }

                (string Name, bool IsDirectory, bool IsLink) entry = (name, type == DirectoryEntryType.Directory, type == DirectoryEntryType.Symlink);
                kept.Enqueue(entry, entry);
                if (kept.Count > _maxListingEntries)
                {
                    kept.Dequeue();
                    truncated = true;
                }
            }

            if (read == DirectoryReadStatus.Failed)
            {
                throw new IOException("getdents64 failed");
            }
        }

        var entries = new List<DirectoryEntry>(kept.Count);
        while (kept.TryDequeue(out (string Name, bool IsDirectory, bool IsLink) name, out _))
        {
            if (name.IsLink)
            {
                string target = relative.Length == 0 ? name.Name : relative + "/" + name.Name;
                if (OpenBeneath(target, cachedOnly: false, out SafeFileHandle linked, out string? resolved) != FileOpenStatus.Opened)
                {
                    continue;
                }

                if (publicOnly is not null && !IsUnderPublic(publicOnly, resolved))
                {
                    linked.Dispose();
                    continue;
                }

                using (linked)
                {
                    if (FilePal.TryGetMetadata(linked, out FileMetadata metadata))
                    {
                        entries.Add(new DirectoryEntry(name.Name, metadata.IsDirectory, metadata.IsDirectory ? 0 : metadata.Length, metadata.Modified));
                    }
                }

                continue;
            }

            // statx of the name beside the descriptor (not following a symlink swapped in since readdir).
            DirectoryEntryKind entryKind = FilePal.GetEntry(directory.Handle, name.Name, out FileMetadata entryMetadata);
            if (entryKind is DirectoryEntryKind.Missing or DirectoryEntryKind.Symlink or DirectoryEntryKind.Failed)
            {
                continue; // removed or replaced since readdir, or not stat-able
            }

            entries.Add(new DirectoryEntry(name.Name, entryMetadata.IsDirectory, entryMetadata.IsDirectory ? 0 : entryMetadata.Length, entryMetadata.Modified));
        }

        return entries;
    }

    // Directories before files, then ordinal by name (the renderer's order), reversed.
    private static readonly Comparer<(string Name, bool IsDirectory, bool IsLink)> s_lastFirst = Comparer<(string Name, bool IsDirectory, bool IsLink)>.Create(
        static (a, b) => a.IsDirectory != b.IsDirectory ? (a.IsDirectory ? 1 : -1) : string.CompareOrdinal(b.Name, a.Name));

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
