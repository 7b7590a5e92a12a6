using Microsoft.Win32.SafeHandles;
using Sluice.Core.Archive;
using Sluice.Core.Auth;
using Sluice.Core.Http;
using Sluice.Interop.Pal;
using Sluice.Server.Archive;

namespace Sluice.Server.Files;

// Folder downloads: GET /dir/?archive=tar answers with the folder as a tar stream (TarStream).
// The directory itself was opened and admitted as any request for it is (confinement, dotfiles,
// --public), and the auth gate decided on its path; each member is opened again below the root
// through TryOpenArchiveMember, under the same rules a request for it would meet.
public sealed partial class FileHandler
{
    private const string TarType = "application/x-tar";

    public ArchiveCounters Archives { get; } = new();

    // true when the plan holds the answer (an archive, or 400 for a format not made here);
    // releases directory then (the stream takes it over).
    private bool TryDescribeArchive(HttpRequestHead request, ResponsePlan plan, FileRef directory, ReadOnlySpan<char> relative)
    {
        ArchiveRequest kind = ArchiveQuery.Parse(request.Target);
        if (kind == ArchiveRequest.None)
        {
            return false;
        }

        if (kind == ArchiveRequest.Unsupported)
        {
            directory.Release();
            Error(plan, 400);
            return true;
        }

        string relativePath = relative.ToString();
        int slash = relativePath.LastIndexOf('/');
        string topName = relativePath.Length > 0 ? relativePath[(slash + 1)..] : Path.GetFileName(_rootResolved.TrimEnd('/'));
        if (topName.Length == 0)
        {
            topName = "root";
        }

        // No ranges (Accept-Ranges: none), no validators: the bytes are made as they are sent.
        bool chunked = request.Version != HttpVersion.Http10;
        plan.Status = 200;
        plan.ContentType = TarType;
        plan.Archive = new TarStream(this, _disk, Archives, directory, relativePath, topName, chunked, plan.PublicOnly, _serveDotfiles);
        // HTTP/1.0 has no chunked coding: the body ends when the connection does.
        plan.CloseConnection |= !chunked;
        return true;
    }

    // Disk engine only. Opens relative (below the root) as a request for it would be opened —
    // confined unless --follow-symlinks, hidden resolved paths refused unless --dotfiles — and
    // refuses what resolves outside the root (even with --follow-symlinks: an archive of a
    // folder never reaches beyond the served tree) or, with publicOnly, outside the public prefixes.
    internal bool TryOpenArchiveMember(string relative, PublicPaths? publicOnly, out FileRef file)
    {
        file = default;
        if (OpenBeneath(relative, cachedOnly: false, out SafeFileHandle handle, out string? resolved) != FileOpenStatus.Opened)
        {
            return false;
        }

        if (resolved is null || !IsBelowRoot(resolved) || (publicOnly is not null && !IsUnderPublic(publicOnly, resolved))
            || !FilePal.TryGetMetadata(handle, out FileMetadata metadata))
        {
            handle.Dispose();
            return false;
        }

        file = FileRef.Owned(handle, metadata, resolved);
        return true;
    }

    private bool IsBelowRoot(string resolved)
    {
        ReadOnlySpan<char> root = _rootResolved.AsSpan().TrimEnd('/');
        return resolved.Length > root.Length && resolved.StartsWith(root, StringComparison.Ordinal) && resolved[root.Length] == '/';
    }
}
