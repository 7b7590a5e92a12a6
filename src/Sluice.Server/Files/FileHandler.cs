using System.Text;
using Microsoft.Win32.SafeHandles;
using Sluice.Core.Http;
using Sluice.Core.Paths;
using Sluice.Core.Policy;
using Sluice.Core.Preconditions;
using Sluice.Server.Files;
using Sluice.Interop.Pal;

namespace Sluice.Server.Files;

// Describe: maps a request to a response plan. It opens the file (confined to the root by the
// kernel), evaluates RFC 9110 preconditions and ranges, and describes the body; it never moves
// bytes and never knows which mechanism will.
public sealed partial class FileHandler
{
    private readonly SafeFileHandle _root;
    private readonly bool _followSymlinks;
    private readonly bool _serveDotfiles;
    private readonly TransferPolicyOptions _policy;
    private readonly OpenFileCache _cache;
    private readonly int _maxListingEntries;

    // The root as the kernel names it (symlinks in its own path resolved), the prefix of every
    // resolved path below it.
    private readonly string _rootResolved;

    public FileHandler(SafeFileHandle root, bool followSymlinks, TransferPolicyOptions policy, OpenFileCache cache, bool serveDotfiles = false, int maxListingEntries = DefaultMaxListingEntries)
    {
        _root = root;
        _followSymlinks = followSymlinks;
        _serveDotfiles = serveDotfiles;
        _policy = policy;
        _cache = cache;
        _maxListingEntries = maxListingEntries;
        _rootResolved = FilePal.TryGetResolvedPath(root) ?? throw new IOException("cannot resolve the root directory's path through /proc/self/fd");
    }

    public const int DefaultMaxListingEntries = 10_000;

    public ListingCache Listings { get; } = new();

    public void Handle(HttpRequestHead request, ResponsePlan plan, DateTimeOffset now)
    {
        // RFC 9110 §15.5.6: a read-only origin answers 405 to the methods it knows but does not
        // allow, listing those it does; §15.6.2: a method it does not recognize gets 501.
        if (request.Method is not (HttpMethod.Get or HttpMethod.Head))
        {
            int status = request.Method == HttpMethod.Unknown ? 501 : 405;
            plan.SetInline(status, ErrorBodies.For(status), ErrorBodies.ContentType);
            plan.AllowGetHead = true;
            return;
        }

        bool isHead = request.Method == HttpMethod.Head;
        plan.OmitBody = isHead;

        if (!TryGetPath(request.Target, out ReadOnlySpan<char> rawPath))
        {
            Error(plan, 400);
            return;
        }

        Span<byte> pathBytes = rawPath.Length <= 4096 ? stackalloc byte[rawPath.Length] : new byte[rawPath.Length];
        Encoding.ASCII.GetBytes(rawPath, pathBytes);
        if (RequestPathDecoder.TryDecode(pathBytes, out string relative, out bool trailingSlash) != PathRejection.None)
        {
            Error(plan, 400);
            return;
        }

        // Hidden files (.git/, .env, .htpasswd …) are not served unless asked for: a server started
        // in a working copy must not publish its repository. 404, so their existence stays private.
        if (!_serveDotfiles && HasHiddenSegment(relative))
        {
            Error(plan, 404);
            return;
        }

        FileOpenStatus opened = AcquireFile(relative, out FileRef file);
        if (opened != FileOpenStatus.Opened)
        {
            OpenFailed(plan, opened);
            return;
        }

        FileMetadata metadata = file.Metadata;
        if (metadata.IsDirectory)
        {
            try
            {
                HandleDirectory(request, plan, file, relative, trailingSlash, now);
            }
            finally
            {
                file.Release();
            }

            return;
        }

        if (!metadata.IsRegularFile || trailingSlash)
        {
            // Devices, FIFOs and sockets are never served; "file/" names no directory.
            file.Release();
            Error(plan, metadata.IsRegularFile ? 404 : 403);
            return;
        }

        ServeFile(request, plan, file, relative, now);
    }

    // A hot file comes from the open-file cache (one statx); otherwise openat2 confined to the
    // root, then statx. Only regular files are cached.
    private FileOpenStatus AcquireFile(string relative, out FileRef file)
    {
        if (_cache.Enabled && _cache.TryLease(_root, relative, out file))
        {
            return FileOpenStatus.Opened;
        }

        FileOpenStatus opened = OpenBeneath(relative, out SafeFileHandle handle);
        if (opened != FileOpenStatus.Opened)
        {
            file = default;
            return opened;
        }

        if (!FilePal.TryGetMetadata(handle, out FileMetadata metadata))
        {
            handle.Dispose();
            file = default;
            return FileOpenStatus.Failed;
        }

        file = metadata.IsRegularFile ? _cache.AddAndLease(relative, handle, metadata) : FileRef.Owned(handle, metadata);
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
    private FileOpenStatus OpenBeneath(string relative, out SafeFileHandle handle)
    {
        FileOpenStatus opened = FilePal.TryOpenBeneath(_root, relative, confine: !_followSymlinks, direct: false, out handle);
        if (opened != FileOpenStatus.Opened || _serveDotfiles)
        {
            return opened;
        }

        string? resolved = FilePal.TryGetResolvedPath(handle);
        if (resolved is null || HasHiddenSegment(BelowRoot(resolved)))
        {
            handle.Dispose();
            handle = null!;
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

    private void ServeFile(HttpRequestHead request, ResponsePlan plan, FileRef file, string relative, DateTimeOffset now)
    {
        FileMetadata metadata = file.Metadata;
        string etag = file.ETag;
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

        // RFC 9110 §14.2: Range applies only to GET; If-Range decides whether it applies at all.
        if (request.Method == HttpMethod.Get && request.Range is not null
            && PreconditionEvaluator.RangeApplies(request.IfRange, etag, lastModified, now)
            && TryServeRanges(request.Range, plan, file))
        {
            return;
        }

        plan.Status = 200;
        plan.ContentLength = metadata.Length;
        AttachFile(plan, file, [new Transfer.FileSegment(ReadOnlyMemory<byte>.Empty, 0, metadata.Length)], ReadOnlyMemory<byte>.Empty, metadata.Length);
    }

    private void AttachFile(ResponsePlan plan, FileRef file, Transfer.FileSegment[] segments, ReadOnlyMemory<byte> epilogue, long contentLength)
    {
        plan.ContentLength = contentLength;
        if (plan.OmitBody || contentLength == 0)
        {
            file.Release();
            return;
        }

        // Decide: residency (one cachestat) is measured only when it can change the answer.
        long first = segments[0].Offset;
        long length = segments[^1].Offset + segments[^1].Length - first;
        double? resident = TransferPolicy.NeedsResidency(_policy, contentLength, isTls: false) ? ResidentFraction(plan, file, first, length) : null;
        TransferDecision decision = TransferPolicy.Decide(_policy, contentLength, isTls: false, resident);
        if (decision.Strategy == TransferStrategy.Sendfile && contentLength >= _policy.DirectThreshold)
        {
            // A large body read through the page cache: ask for aggressive read-ahead (nginx read_ahead).
            plan.PolicySyscalls++;
            FilePal.AdviseSequential(file.Handle, first, contentLength);
        }

        bool prefetch = TransferPolicy.IsPrefetchCandidate(_policy, decision, contentLength)
            && TransferPolicy.ShouldPrefetch(ResidentFraction(plan, file, first, length));
        plan.FileBody = new Transfer.FileBody(file, segments, epilogue) { Prefetch = prefetch };
        plan.Decision = decision;
    }

    private static double? ResidentFraction(ResponsePlan plan, FileRef file, long offset, long length)
    {
        plan.PolicySyscalls++;
        return PageCachePal.TryGetResidency(file.Handle, offset, length, out Residency residency) ? residency.Fraction : null;
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
        plan.OmitBody = omit;
    }

    private static bool HasHiddenSegment(string relative) =>
        relative.StartsWith('.') || relative.Contains("/.", StringComparison.Ordinal);

    // origin-form "/path?query" or absolute-form "http://host/path?query" (RFC 9112 §3.2).
    internal static bool TryGetPath(string target, out ReadOnlySpan<char> path)
    {
        ReadOnlySpan<char> t = target;
        if (!t.StartsWith('/'))
        {
            int scheme = t.IndexOf("://", StringComparison.Ordinal);
            if (scheme <= 0 || !(t[..scheme].Equals("http", StringComparison.OrdinalIgnoreCase) || t[..scheme].Equals("https", StringComparison.OrdinalIgnoreCase)))
            {
                path = default;
                return false;
            }

            ReadOnlySpan<char> afterAuthority = t[(scheme + 3)..];
            int slash = afterAuthority.IndexOfAny('/', '?');
            t = slash < 0 ? "/" : afterAuthority[slash] == '?' ? "/" : afterAuthority[slash..];
        }

        int query = t.IndexOfAny('?', '#');
        path = query < 0 ? t : t[..query];
        return path.Length > 0;
    }
}
