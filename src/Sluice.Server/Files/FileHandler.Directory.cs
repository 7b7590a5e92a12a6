using Microsoft.Win32.SafeHandles;
using Sluice.Core.Auth;
using Sluice.Core.Content;
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
            ListingQuery query = ListingQuery.Parse(QueryOf(request.Target).TrimStart('?'));

            // Without ?json the representation depends on Accept; always on Accept-Encoding.
            plan.VaryAccept = !query.Json;
            if (!query.Json && request.HasAccept && ListingFormat.PrefersJson(request.AcceptBytes))
            {
                query = query with { Json = true };
            }

            plan.VaryAcceptEncoding = true;
            bool canWrite = plan.ListingCanWrite && !query.Json;
            string key = ListingCache.KeyOf(relative, query.CacheKey + (canWrite ? "w" : ""));
            ContentCoding coding = ListingCompression.Choose(request);
            if (coding != ContentCoding.Identity && listings.TryGetEncoded(key, directory.Metadata, coding, out byte[] encoded))
            {
                SetListing(plan, encoded, query.Json, coding);
                return;
            }

            if (listings.TryGet(key, directory.Metadata, out byte[] cached))
            {
                SetListing(plan, Encode(listings, key, directory.Metadata, cached, coding), query.Json, coding);
                return;
            }

            ListingPage page;
            try
            {
                Interlocked.Increment(ref _engineListings);
                page = await _disk.RunAsync(
                    static s => s.Self.ReadPage(s.Directory, s.Relative, s.PublicOnly, s.Query, s.ClientPath, s.CanWrite),
                    (Self: this, Directory: directory, Relative: relative, PublicOnly: publicOnly, Query: query, ClientPath: clientPath, CanWrite: canWrite)).ConfigureAwait(false);
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

            byte[] body = query.Json ? ListingJson.Render(page) : DirectoryListingRenderer.Render(page);
            listings.Add(key, directory.Metadata, body);
            SetListing(plan, Encode(listings, key, directory.Metadata, body, coding), query.Json, coding);
        }
        finally
        {
            directory.Release();
        }
    }

    private static readonly byte[] s_listingPolicy = System.Text.Encoding.ASCII.GetBytes(DirectoryListingRenderer.ContentSecurityPolicy);

    private const string JsonType = "application/json";

    // Compressed once per cached page: the form is kept beside the plain page.
    private static byte[] Encode(ListingCache listings, string key, in FileMetadata directory, byte[] body, ContentCoding coding)
    {
        if (coding == ContentCoding.Identity)
        {
            return body;
        }

        byte[] encoded = ListingCompression.Compress(body, coding);
        listings.AddEncoded(key, directory, coding, encoded);
        return encoded;
    }

    private static void SetListing(ResponsePlan plan, byte[] body, bool json, ContentCoding coding)
    {
        bool omit = plan.OmitBody;
        plan.SetInline(200, body, json ? JsonType : HtmlType);
        plan.OmitBody = omit;
        plan.ContentSecurityPolicy = s_listingPolicy;
        plan.ContentEncoding = coding == ContentCoding.Identity ? null : PrecompressedVariant.Token(coding);
    }

    // One page of the listing in the requested order (disk engine only).
    private ListingPage ReadPage(FileRef directory, string relative, PublicPaths? publicOnly, ListingQuery query, string clientPath, bool canWrite)
    {
        int pageSize = ListingPageSize;
        List<DirectoryEntry> entries = ReadEntries(directory, relative, publicOnly, query, pageSize, out int total, out bool truncated);
        entries.Sort(ListingOrder.For(query.Sort, query.Descending));
        int listed = Math.Min(total, _maxListingEntries);
        int skip = (int)Math.Min(entries.Count, (long)(query.Page - 1) * pageSize);
        return new ListingPage(
            clientPath, query, entries.GetRange(skip, Math.Min(pageSize, entries.Count - skip)), listed,
            ListingPage.PagesFor(listed, pageSize), truncated, canWrite, pageSize);
    }

    // Entries per listing page (?page=N); tests make it small.
    internal int ListingPageSize { get; init; } = ListingQuery.PageSize;

    // Lists the directory that was opened confined to the root, through its descriptor
    // ("." opened beneath it), never through the path again: a directory swapped for a symlink after
    // the open cannot redirect the listing. A symlink entry is shown with what a request for it
    // would get (opened like a request, so with its target's size and date) and hidden when that
    // open is refused: the listing never reveals anything outside the root or a hidden file
    // behind a visible link.
    // Of all entries, the first min(_maxListingEntries, page × pageSize) in the page's order are
    // kept in a bounded heap whose order is the requested one, so a truncated listing or a later
    // page shows the right slice of the whole directory, not whichever entries readdir returned
    // first. In name order the names are read in full (readdir only, no stat) and only the kept
    // ones are stat'ed: one huge directory costs one pass over its names, not a million stats.
    // Size and time orders need every entry's metadata, so they cost a statx per entry (memory
    // stays bounded by the heap); total counts the entries seen (names, in name order).
    // Disk engine only (getdents and a statx per entry).
    // With publicOnly, a link that resolves outside the public prefixes is hidden too.
    private List<DirectoryEntry> ReadEntries(FileRef directory, string relative, PublicPaths? publicOnly, ListingQuery query, int pageSize, out int total, out bool truncated)
    {
        BlockingGuard.Check("getdents");
        int seen = 0;
        int keep = (int)Math.Min(_maxListingEntries, (long)query.Page * pageSize);
        bool descending = query.Descending;
        var entries = new List<DirectoryEntry>();
        if (query.Sort == ListingSortKey.Name)
        {
            // A max-heap on the page's order: the root is the last of the entries kept so far.
            var kept = new PriorityQueue<(string Name, bool IsDirectory, bool IsLink), (string Name, bool IsDirectory, bool IsLink)>(
                descending ? s_lastFirstDescending : s_lastFirst);
            ReadNames(directory, name =>
            {
                seen++;
                kept.Enqueue(name, name);
                if (kept.Count > keep)
                {
                    kept.Dequeue();
                }
            });

            while (kept.TryDequeue(out (string Name, bool IsDirectory, bool IsLink) name, out _))
            {
                if (TryDescribe(directory, relative, publicOnly, name, out DirectoryEntry entry))
                {
                    entries.Add(entry);
                }
            }
        }
        else
        {
            ListingSortKey key = query.Sort;
            var kept = new PriorityQueue<DirectoryEntry, DirectoryEntry>(
                Comparer<DirectoryEntry>.Create((a, b) => ListingOrder.Compare(b, a, key, descending)));
            ReadNames(directory, name =>
            {
                if (!TryDescribe(directory, relative, publicOnly, name, out DirectoryEntry entry))
                {
                    return;
                }

                seen++;
                kept.Enqueue(entry, entry);
                if (kept.Count > keep)
                {
                    kept.Dequeue();
                }
            });

            while (kept.TryDequeue(out DirectoryEntry entry, out _))
            {
                entries.Add(entry);
            }
        }

        total = seen;
        truncated = seen > _maxListingEntries;
        return entries;
    }

    // Names as the kernel stores them (getdents64), made text by FileNameEncoding so that a name
    // that is not UTF-8 maps back to its exact bytes for the statx in TryDescribe and in the link's
    // href. .NET's enumeration would turn its bad bytes into U+FFFD and name a file that does not
    // exist. Dotfiles are left out here unless the server serves them.
    private void ReadNames(FileRef directory, Action<(string Name, bool IsDirectory, bool IsLink)> visit)
    {
        FileOpenStatus opened = DirectoryReader.TryOpen(directory.Handle, out DirectoryReader reader);
        if (opened != FileOpenStatus.Opened)
        {
            throw opened == FileOpenStatus.PermissionDenied ? new UnauthorizedAccessException() : new IOException(opened.ToString());
        }

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

                visit((name, type == DirectoryEntryType.Directory, type == DirectoryEntryType.Symlink));
            }

            if (read == DirectoryReadStatus.Failed)
            {
                throw new IOException("getdents64 failed");
            }
        }
    }

    // The entry as a request for it would see it; false when it is hidden or gone.
    private bool TryDescribe(FileRef directory, string relative, PublicPaths? publicOnly, (string Name, bool IsDirectory, bool IsLink) name, out DirectoryEntry entry)
    {
        entry = default;
        if (name.IsLink)
        {
            string target = relative.Length == 0 ? name.Name : relative + "/" + name.Name;
            if (OpenBeneath(target, cachedOnly: false, out SafeFileHandle linked, out string? resolved) != FileOpenStatus.Opened)
            {
                return false;
            }

            if (publicOnly is not null && !IsUnderPublic(publicOnly, resolved))
            {
                linked.Dispose();
                return false;
            }

            using (linked)
            {
                if (!FilePal.TryGetMetadata(linked, out FileMetadata metadata))
                {
                    return false;
                }

                entry = new DirectoryEntry(name.Name, metadata.IsDirectory, metadata.IsDirectory ? 0 : metadata.Length, metadata.Modified);
                return true;
            }
        }

        // statx of the name beside the descriptor (not following a symlink swapped in since readdir).
        DirectoryEntryKind entryKind = FilePal.GetEntry(directory.Handle, name.Name, out FileMetadata entryMetadata);
        if (entryKind is DirectoryEntryKind.Missing or DirectoryEntryKind.Symlink or DirectoryEntryKind.Failed)
        {
            return false; // removed or replaced since readdir, or not stat-able
        }

        entry = new DirectoryEntry(name.Name, entryMetadata.IsDirectory, entryMetadata.IsDirectory ? 0 : entryMetadata.Length, entryMetadata.Modified);
        return true;
    }

    // The page's name order (directories first, natural by name), reversed: the heap's root is the
    // entry that drops out first.
    private static readonly Comparer<(string Name, bool IsDirectory, bool IsLink)> s_lastFirst = Comparer<(string Name, bool IsDirectory, bool IsLink)>.Create(
        static (a, b) => ListingOrder.CompareNames(b.Name, b.IsDirectory, a.Name, a.IsDirectory, descending: false));

    private static readonly Comparer<(string Name, bool IsDirectory, bool IsLink)> s_lastFirstDescending = Comparer<(string Name, bool IsDirectory, bool IsLink)>.Create(
        static (a, b) => ListingOrder.CompareNames(b.Name, b.IsDirectory, a.Name, a.IsDirectory, descending: true));

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
