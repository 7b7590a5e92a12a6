using System.Text;
using Microsoft.Win32.SafeHandles;
using Sluice.Core.Http;
using Sluice.Core.Paths;
using Sluice.Core.Policy;
using Sluice.Core.Preconditions;
using Sluice.Interop.Pal;

namespace Sluice.Server.Files;

// Describe: maps a request to a response plan. It opens the file (confined to the root by the
// kernel), evaluates RFC 9110 preconditions and ranges, and describes the body; it never moves
// bytes and never knows which mechanism will.
public sealed partial class FileHandler
{
    private readonly SafeFileHandle _root;
    private readonly string _rootPath;
    private readonly bool _followSymlinks;
    private readonly StrategyOption _strategy;

    public FileHandler(SafeFileHandle root, string rootPath, bool followSymlinks, StrategyOption strategy)
    {
        _root = root;
        _rootPath = rootPath;
        _followSymlinks = followSymlinks;
        _strategy = strategy;
    }

    public void Handle(HttpRequestHead request, ResponsePlan plan, DateTimeOffset now)
    {
        // RFC 9110 §9.1: a read-only origin answers 405 to other methods, listing what it allows.
        if (request.Method is not (HttpMethod.Get or HttpMethod.Head))
        {
            plan.SetInline(405, ErrorBodies.For(405), ErrorBodies.ContentType);
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

        FileOpenStatus opened = FilePal.TryOpenBeneath(_root, relative, confine: !_followSymlinks, direct: false, out SafeFileHandle file);
        if (opened != FileOpenStatus.Opened)
        {
            OpenFailed(plan, opened);
            return;
        }

        if (!FilePal.TryGetMetadata(file, out FileMetadata metadata))
        {
            file.Dispose();
            Error(plan, 500);
            return;
        }

        if (metadata.IsDirectory)
        {
            file.Dispose();
            HandleDirectory(request, plan, relative, trailingSlash, now);
            return;
        }

        if (!metadata.IsRegularFile || trailingSlash)
        {
            // Devices, FIFOs and sockets are never served; "file/" names no directory.
            file.Dispose();
            Error(plan, metadata.IsRegularFile ? 404 : 403);
            return;
        }

        ServeFile(request, plan, file, metadata, relative, now);
    }

    private void ServeFile(HttpRequestHead request, ResponsePlan plan, SafeFileHandle file, in FileMetadata metadata, string relative, DateTimeOffset now)
    {
        string etag = EntityTags.Create(metadata.Inode, metadata.Length, metadata.ModifiedUnixNanoseconds);
        // HTTP dates have 1-second resolution: Last-Modified and its comparisons use whole seconds.
        DateTimeOffset lastModified = DateTimeOffset.FromUnixTimeSeconds(Math.DivRem(metadata.ModifiedUnixNanoseconds, 1_000_000_000L) is var (q, r) && r < 0 ? q - 1 : q);
        plan.ETag = etag;
        plan.LastModified = lastModified;
        plan.AcceptRanges = true;
        plan.ContentType = Sluice.Core.Content.MimeTypes.GetContentType(relative);

        var conditions = new RequestConditions(request.IfMatch, request.IfNoneMatch, request.IfModifiedSince, request.IfUnmodifiedSince, request.IfRange);
        switch (PreconditionEvaluator.Evaluate(conditions, etag, lastModified, isGetOrHead: true))
        {
            case PreconditionResult.NotModified:
                // RFC 9110 §15.4.5: 304 carries the validators but no content.
                file.Dispose();
                plan.Status = 304;
                plan.ContentType = null;
                plan.AcceptRanges = false;
                plan.OmitBody = true;
                return;
            case PreconditionResult.PreconditionFailed:
                file.Dispose();
                plan.ETag = null;
                plan.LastModified = null;
                plan.AcceptRanges = false;
                Error(plan, 412);
                return;
        }

        // RFC 9110 §14.2: Range applies only to GET; If-Range decides whether it applies at all.
        if (request.Method == HttpMethod.Get && request.Range is not null
            && PreconditionEvaluator.RangeApplies(request.IfRange, etag, lastModified, now)
            && TryServeRanges(request.Range, plan, file, metadata))
        {
            return;
        }

        plan.Status = 200;
        plan.ContentLength = metadata.Length;
        AttachFile(plan, file, [new Transfer.FileSegment(ReadOnlyMemory<byte>.Empty, 0, metadata.Length)], ReadOnlyMemory<byte>.Empty, metadata.Length);
    }

    private void AttachFile(ResponsePlan plan, SafeFileHandle file, Transfer.FileSegment[] segments, ReadOnlyMemory<byte> epilogue, long contentLength)
    {
        plan.ContentLength = contentLength;
        if (plan.OmitBody || contentLength == 0)
        {
            file.Dispose();
            return;
        }

        plan.FileBody = new Transfer.FileBody(file, segments, epilogue);
        plan.Decision = TransferPolicy.Decide(_strategy, contentLength, isTls: false);
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
