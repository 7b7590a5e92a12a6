using System.Text;
using Microsoft.Win32.SafeHandles;
using Sluice.Core.Content;
using Sluice.Core.Http;
using Sluice.Core.Paths;
using Sluice.Core.Preconditions;
using Sluice.Interop.Pal;
using Sluice.Server.Disk;

namespace Sluice.Server.Files;

// Describe: maps a request to a response plan. It opens the file (confined to the root by the
// kernel), evaluates RFC 9110 preconditions and ranges, and describes the body; it never moves
// bytes, never decides how they move (that is the planner's), and never knows which mechanism will.
//
// Threading: HandleAsync runs on whatever thread serves the connection (an event thread when
// socket completions run inline), so it never waits on the disk itself. An open-file cache hit
// and an open whose path walk the dentry cache can serve (openat2 RESOLVE_CACHED) complete
// inline and synchronously (no allocation); a walk that would need I/O, and every directory
// listing the ListingCache cannot answer, run on the disk engine and the handler resumes on the
// thread pool when they are done.
public sealed partial class FileHandler
{
    private readonly SafeFileHandle _root;
    private readonly bool _followSymlinks;
    private readonly bool _serveDotfiles;
    private readonly OpenFileCache _cache;
    private readonly IDiskEngine _disk;
    private readonly int _maxListingEntries;
    // The kernel refused RESOLVE_CACHED (EINVAL: before 5.12): every cache miss opens on the engine.
    private volatile bool _resolveCachedRefused;
    private long _engineOpens;
    private long _engineListings;

    // The root as the kernel names it (symlinks in its own path resolved), the prefix of every
    // resolved path below it.
    private readonly string _rootResolved;

    public FileHandler(SafeFileHandle root, bool followSymlinks, OpenFileCache cache, IDiskEngine disk, bool serveDotfiles = false, int maxListingEntries = DefaultMaxListingEntries)
    {
        _root = root;
        _followSymlinks = followSymlinks;
        _serveDotfiles = serveDotfiles;
        _cache = cache;
        _disk = disk;
        _maxListingEntries = maxListingEntries;
        _rootResolved = FilePal.TryGetResolvedPath(root) ?? throw new IOException("cannot resolve the root directory's path through /proc/self/fd");
    }

    public const int DefaultMaxListingEntries = 10_000;

    public ListingCache Listings { get; } = new();

    // Opens (open + statx + readlink) that ran on the disk engine because the walk was not cached.
    public long EngineOpens => Interlocked.Read(ref _engineOpens);

    // Directory listings read on the disk engine.
    public long EngineListings => Interlocked.Read(ref _engineListings);

    // Test switch: treat every open-file cache miss as a walk that would need I/O.
    internal bool ForceEngineOpens { get; set; }

    // Paths up to this many characters are decoded on the stack (longer ones are rare and limited
    // by the request-line limit): the decoded path of a cache hit never becomes a string.
    private const int StackPathChars = 512;

    public ValueTask HandleAsync(HttpRequestHead request, ResponsePlan plan, DateTimeOffset now)
    {
        if (!TryGetRawPath(request, plan, out ReadOnlySpan<byte> rawPath))
        {
            return default;
        }

        Span<char> decoded = rawPath.Length <= StackPathChars ? stackalloc char[StackPathChars] : new char[rawPath.Length];
        if (!TryGetRelativePath(rawPath, plan, decoded, out int length, out bool trailingSlash))
        {
            return default;
        }

        ReadOnlySpan<char> relative = decoded[..length];
        FileOpenStatus opened = TryAcquireInline(relative, out FileRef file);
        return opened == FileOpenStatus.WouldBlock
            ? HandleColdAsync(request, plan, relative.ToString(), trailingSlash, now)
            : Describe(request, plan, opened, file, relative, trailingSlash, now);
    }

    private async ValueTask HandleColdAsync(HttpRequestHead request, ResponsePlan plan, string relative, bool trailingSlash, DateTimeOffset now)
    {
        (FileOpenStatus opened, FileRef file) = await AcquireOnEngineAsync(relative).ConfigureAwait(false);
        await Describe(request, plan, opened, file, relative, trailingSlash, now).ConfigureAwait(false);
    }

    // Method and target checks; false when the plan already holds the answer.
    private static bool TryGetRawPath(HttpRequestHead request, ResponsePlan plan, out ReadOnlySpan<byte> rawPath)
    {
        rawPath = default;

        // RFC 9110 §15.5.6: a read-only origin answers 405 to the methods it knows but does not
        // allow, listing those it does; §15.6.2: a method it does not recognize gets 501.
        if (request.Method is not (HttpMethod.Get or HttpMethod.Head))
        {
            int status = request.Method == HttpMethod.Unknown ? 501 : 405;
            plan.SetInline(status, ErrorBodies.For(status), ErrorBodies.ContentType);
            plan.AllowGetHead = true;
            return false;
        }

        plan.OmitBody = request.Method == HttpMethod.Head;

        if (!TryGetPath(request.TargetBytes, out rawPath))
        {
            Error(plan, 400);
            return false;
        }

        return true;
    }

    // Decoding and confinement checks of the path into decoded (at least rawPath.Length
    // characters); false when the plan already holds the answer.
    private bool TryGetRelativePath(ReadOnlySpan<byte> rawPath, ResponsePlan plan, Span<char> decoded, out int length, out bool trailingSlash)
    {
        if (RequestPathDecoder.TryDecode(rawPath, decoded, out length, out trailingSlash) != PathRejection.None)
        {
            Error(plan, 400);
            return false;
        }

        // Hidden files (.git/, .env, .htpasswd …) are not served unless asked for: a server started
        // in a working copy must not publish its repository. 404, so their existence stays private.
        if (!_serveDotfiles && HasHiddenSegment(decoded[..length]))
        {
            Error(plan, 404);
            return false;
        }

        return true;
    }

    private ValueTask Describe(HttpRequestHead request, ResponsePlan plan, FileOpenStatus opened, FileRef file, ReadOnlySpan<char> relative, bool trailingSlash, DateTimeOffset now)
    {
        if (opened != FileOpenStatus.Opened)
        {
            OpenFailed(plan, opened);
            return default;
        }

        if (!AdmitsPublicOnly(plan, file))
        {
            return default;
        }

        FileMetadata metadata = file.Metadata;
        if (metadata.IsDirectory)
        {
            // ?archive=tar: the folder as a tar stream (FileHandler.Archive.cs).
            if (trailingSlash && TryDescribeArchive(request, plan, file, relative))
            {
                return default;
            }

            return HandleDirectoryAsync(request, plan, file, relative.ToString(), trailingSlash, now);
        }

        if (!metadata.IsRegularFile || trailingSlash)
        {
            // Devices, FIFOs and sockets are never served; "file/" names no directory.
            file.Release();
            Error(plan, metadata.IsRegularFile ? 404 : 403);
            return default;
        }

        return ServeFileOrVariant(request, plan, file, relative, now);
    }

    // Without waiting on the disk: a hot file comes from the open-file cache (one statx);
    // otherwise openat2 with RESOLVE_CACHED, then statx of the descriptor (an open inode is in
    // memory). WouldBlock: the walk needs I/O, so the open goes to the engine (AcquireOnEngineAsync).
    // The path is a span so that a cache hit makes no string; a miss makes the one it caches.
    private FileOpenStatus TryAcquireInline(ReadOnlySpan<char> relativePath, out FileRef file)
    {
        file = default;
        if (_cache.Enabled && _cache.TryLease(_root, relativePath, out file))
        {
            return FileOpenStatus.Opened;
        }

        if (ForceEngineOpens || _resolveCachedRefused)
        {
            return FileOpenStatus.WouldBlock;
        }

        string relative = relativePath.ToString();
        FileOpenStatus opened = OpenBeneath(relative, cachedOnly: true, out SafeFileHandle handle, out string? resolved);
        if (opened == FileOpenStatus.NotSupported)
        {
            // Only RESOLVE_CACHED can make this openat2 fail with EINVAL: learned once.
            _resolveCachedRefused = true;
            return FileOpenStatus.WouldBlock;
        }

        return opened == FileOpenStatus.Opened ? Lease(relative, handle, resolved, out file) : opened;
    }

    private Task<(FileOpenStatus Status, FileRef File)> AcquireOnEngineAsync(string relative)
    {
        Interlocked.Increment(ref _engineOpens);
        return _disk.RunAsync(
            static s =>
            {
                FileOpenStatus opened = s.Self.OpenBeneath(s.Relative, cachedOnly: false, out SafeFileHandle handle, out string? resolved);
                if (opened != FileOpenStatus.Opened)
                {
                    return (opened, default(FileRef));
                }

                opened = s.Self.Lease(s.Relative, handle, resolved, out FileRef file);
                return (opened, file);
            },
            (Self: this, Relative: relative));
    }

    // statx of the new descriptor, then into the open-file cache (only regular files are cached).
    private FileOpenStatus Lease(string relative, SafeFileHandle handle, string? resolved, out FileRef file)
    {
        if (!FilePal.TryGetMetadata(handle, out FileMetadata metadata))
        {
            handle.Dispose();
            file = default;
            return FileOpenStatus.Failed;
        }

        file = metadata.IsRegularFile ? _cache.AddAndLease(relative, handle, metadata, resolved) : FileRef.Owned(handle, metadata, resolved);
        return FileOpenStatus.Opened;
    }

    // Opens relative below the root (confined unless --follow-symlinks) and, unless dotfiles are
    // served, refuses a file whose *resolved* path has a hidden component. The request path was
    // already checked, but an in-root symlink ("docs -> .git") reaches a hidden file under a
    // visible name. Checking the path the kernel actually walked, read back from the opened
    // descriptor (/proc/self/fd/N), is race-free: it describes this open, whatever the links
    // point to a moment later, where a check of each component before the open could be raced
    // by swapping a symlink. The cost is one readlink per open; cache hits skip it (a hit is the
    // same inode the checked open returned).
    // readlink of /proc/self/fd/N never waits on the disk: d_path walks dentries the open pinned.
    // The resolved path is read with --dotfiles too: --public needs it (FileHandler.PublicOnly.cs).
    private FileOpenStatus OpenBeneath(string relative, bool cachedOnly, out SafeFileHandle handle, out string? resolved)
    {
        resolved = null;
        FileOpenStatus opened = FilePal.TryOpenBeneath(_root, relative, confine: !_followSymlinks, direct: false, cachedOnly, out handle);
        if (opened != FileOpenStatus.Opened)
        {
            return opened;
        }

        resolved = FilePal.TryGetResolvedPath(handle);
        if (_serveDotfiles)
        {
            return opened;
        }

        if (resolved is null || HasHiddenSegment(BelowRoot(resolved)))
        {
            handle.Dispose();
            handle = null!;
            resolved = null;
            return FileOpenStatus.NotFound;
        }

        return FileOpenStatus.Opened;
    }

    // The part of a resolved path below the root; a path outside it (only with --follow-symlinks)
    // is checked whole.
    private string BelowRoot(string resolved)
    {
        if (resolved == _rootResolved)
        {
            return "";
        }

        string prefix = _rootResolved.EndsWith('/') ? _rootResolved : _rootResolved + "/";
        return resolved.StartsWith(prefix, StringComparison.Ordinal) ? resolved[prefix.Length..] : resolved.TrimStart('/');
    }

    // relative names the resource (its Content-Type); file may be its precompressed sibling.
    private void ServeFile(HttpRequestHead request, ResponsePlan plan, FileRef file, ReadOnlySpan<char> relative, DateTimeOffset now, ContentCoding coding = ContentCoding.Identity)
    {
        FileMetadata metadata = file.Metadata;
        string etag = coding == ContentCoding.Identity ? file.ETag : PrecompressedVariant.ETagOf(file.ETag, coding);
        // HTTP dates have 1-second resolution: Last-Modified and its comparisons use whole seconds.
        // RFC 9110 §8.8.2.1: an origin MUST NOT send a Last-Modified later than its Date; a file
        // with a future mtime (clock skew, touch -d, an archive) gets the response's time. `now`
        // is taken before the Date field is formatted, so its whole second is never after Date.
        DateTimeOffset lastModified = DateTimeOffset.FromUnixTimeSeconds(Math.Min(
            Math.DivRem(metadata.ModifiedUnixNanoseconds, 1_000_000_000L) is var (q, r) && r < 0 ? q - 1 : q,
            now.ToUnixTimeSeconds()));
        plan.ETag = etag;
        plan.LastModified = lastModified;
        plan.AcceptRanges = true;
        plan.ContentType = Sluice.Core.Content.MimeTypes.GetContentType(relative);

        var conditions = new RequestConditions(request.IfMatch, request.IfNoneMatch, request.IfModifiedSince, request.IfUnmodifiedSince, request.IfRange);
        switch (PreconditionEvaluator.Evaluate(conditions, etag, lastModified, isGetOrHead: true))
        {
            case PreconditionResult.NotModified:
                // RFC 9110 §15.4.5: 304 carries the validators but no content.
                file.Release();
                plan.Status = 304;
                plan.ContentType = null;
                plan.AcceptRanges = false;
                plan.OmitBody = true;
                return;
            case PreconditionResult.PreconditionFailed:
                file.Release();
                plan.ETag = null;
                plan.LastModified = null;
                plan.AcceptRanges = false;
                Error(plan, 412);
                return;
        }

        if (coding != ContentCoding.Identity)
        {
            plan.ContentEncoding = PrecompressedVariant.Token(coding);
        }

        string? reprDigest = ReprDigestFor(request, file);

        // RFC 9110 §14.2: Range applies only to GET; If-Range decides whether it applies at all.
        // With a precompressed variant, ranges count bytes of the encoded representation.
        if (request.Method == HttpMethod.Get && request.Range is not null
            && PreconditionEvaluator.RangeApplies(request.IfRange, etag, lastModified, now)
            && TryServeRanges(request.Range, plan, file))
        {
            plan.ReprDigest = plan.Status == 206 ? reprDigest : null;
            return;
        }

        plan.Status = 200;
        plan.ReprDigest = reprDigest;
        plan.ContentLength = metadata.Length;
        var whole = new Transfer.FileSegment(ReadOnlyMemory<byte>.Empty, 0, metadata.Length);
        AttachFile(plan, file, new ReadOnlySpan<Transfer.FileSegment>(in whole), ReadOnlyMemory<byte>.Empty, metadata.Length);
    }

    // The body as a description only: which file, which ranges. How it moves (strategy,
    // residency, fadvise) is the planner's step (Planning/TransferPlanner), after this one.
    private static void AttachFile(ResponsePlan plan, FileRef file, ReadOnlySpan<Transfer.FileSegment> segments, ReadOnlyMemory<byte> epilogue, long contentLength)
    {
        plan.ContentLength = contentLength;
        if (plan.OmitBody || contentLength == 0)
        {
            file.Release();
            return;
        }

        plan.AttachFile(file, segments, epilogue);
    }

    private static void OpenFailed(ResponsePlan plan, FileOpenStatus status)
    {
        int code = OpenErrorMapping.StatusFor(status);
        Error(plan, code);
        if (code == 503)
        {
            plan.RetryAfterSeconds = OpenErrorMapping.RetryAfterSeconds;
        }
    }

    internal static void Error(ResponsePlan plan, int status)
    {
        bool omit = plan.OmitBody;
        plan.SetInline(status, ErrorBodies.For(status), ErrorBodies.ContentType);
        plan.ContentEncoding = null;
        plan.OmitBody = omit;
    }

    private static bool HasHiddenSegment(ReadOnlySpan<char> relative) =>
        relative.StartsWith('.') || relative.Contains("/.", StringComparison.Ordinal);

    // origin-form "/path?query" or absolute-form "http://host/path?query" (RFC 9112 §3.2).
    internal static bool TryGetPath(ReadOnlySpan<byte> target, out ReadOnlySpan<byte> path)
    {
        ReadOnlySpan<byte> t = target;
        if (!t.StartsWith((byte)'/'))
        {
            int scheme = t.IndexOf("://"u8);
            if (scheme <= 0 || !(Ascii.EqualsIgnoreCase(t[..scheme], "http"u8) || Ascii.EqualsIgnoreCase(t[..scheme], "https"u8)))
            {
                path = default;
                return false;
            }

            ReadOnlySpan<byte> afterAuthority = t[(scheme + 3)..];
            int slash = afterAuthority.IndexOfAny((byte)'/', (byte)'?');
            t = slash < 0 ? "/"u8 : afterAuthority[slash] == (byte)'?' ? "/"u8 : afterAuthority[slash..];
        }

        int query = t.IndexOfAny((byte)'?', (byte)'#');
        path = query < 0 ? t : t[..query];
        return path.Length > 0;
    }
}
