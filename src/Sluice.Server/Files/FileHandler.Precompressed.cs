using Sluice.Core.Content;
using Sluice.Core.Http;
using Sluice.Interop.Pal;

namespace Sluice.Server.Files;

public sealed partial class FileHandler
{
    // --precompressed: a request of "file" may be answered with "file.br", "file.zst" or "file.gz".
    public bool Precompressed { get; init; }

    // file is the original, open and regular; this serves it or its best usable sibling and takes
    // ownership of both. Sibling opens go the same way as every open: inline when the walk is
    // cached, else on the disk engine (a sibling that does not exist is one failed openat2 per
    // coding the client accepts — nginx's gzip_static pays the same).
    private ValueTask ServeFileOrVariant(HttpRequestHead request, ResponsePlan plan, FileRef file, ReadOnlySpan<char> relative, DateTimeOffset now)
    {
        if (!Precompressed || PrecompressedVariant.IsEncodedName(relative))
        {
            ServeFile(request, plan, file, relative, now);
            return default;
        }

        // Vary on every file response, whether or not a sibling exists now: a sibling can appear
        // (the next build) or go stale at any moment, and a shared cache that stored a response
        // without Vary would keep handing that one representation to every client. Deciding per
        // response would also cost the sibling opens for clients that accept no coding.
        plan.VaryAcceptEncoding = true;
        PreferredCodings candidates = PrecompressedVariant.Candidates(request, relative);
        if (candidates.Count == 0)
        {
            ServeFile(request, plan, file, relative, now);
            return default;
        }

        Span<char> name = relative.Length <= StackPathChars ? stackalloc char[StackPathChars + 4] : new char[relative.Length + 4];
        relative.CopyTo(name);
        for (int i = 0; i < candidates.Count; i++)
        {
            ContentCoding coding = candidates[i];
            string suffix = PrecompressedVariant.Suffix(coding);
            suffix.CopyTo(name[relative.Length..]);
            FileOpenStatus opened = TryAcquireInline(name[..(relative.Length + suffix.Length)], out FileRef sibling);
            if (opened == FileOpenStatus.WouldBlock)
            {
                return ServeVariantColdAsync(request, plan, file, relative.ToString(), candidates.Skip(i), now);
            }

            if (TryServeSibling(request, plan, file, opened, sibling, coding, relative, now))
            {
                return default;
            }
        }

        ServeFile(request, plan, file, relative, now);
        return default;
    }

    private async ValueTask ServeVariantColdAsync(HttpRequestHead request, ResponsePlan plan, FileRef file, string relative, PreferredCodings candidates, DateTimeOffset now)
    {
        for (int i = 0; i < candidates.Count; i++)
        {
            ContentCoding coding = candidates[i];
            FileOpenStatus opened;
            FileRef sibling;
            try
            {
                (opened, sibling) = await AcquireOnEngineAsync(relative + PrecompressedVariant.Suffix(coding)).ConfigureAwait(false);
            }
            catch
            {
                file.Release();
                throw;
            }

            if (TryServeSibling(request, plan, file, opened, sibling, coding, relative, now))
            {
                return;
            }
        }

        ServeFile(request, plan, file, relative, now);
    }

    // A sibling that is missing, refused by the open rules (hidden, or a symlink leaving the root
    // when confined), not a regular file, stale or outside a public-only request's prefixes is passed over: the next coding, then identity.
    private bool TryServeSibling(HttpRequestHead request, ResponsePlan plan, FileRef file, FileOpenStatus opened, FileRef sibling, ContentCoding coding, ReadOnlySpan<char> relative, DateTimeOffset now)
    {
        if (opened != FileOpenStatus.Opened)
        {
            return false;
        }

        // A sibling outside the public prefixes is passed over too (the client asked for the
        // public original, which it then gets): a link "x.txt.gz -> ../secret/y.gz" is not served.
        if (!PrecompressedVariant.IsUsable(sibling.Metadata, file.Metadata)
            || (plan.PublicOnly is { } publicOnly && !IsUnderPublic(publicOnly, CurrentResolvedPath(sibling))))
        {
            sibling.Release();
            return false;
        }

        file.Release();
        ServeFile(request, plan, sibling, relative, now, coding);
        return true;
    }
}
