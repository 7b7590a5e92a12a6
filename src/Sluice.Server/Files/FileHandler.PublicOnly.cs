using Sluice.Core.Auth;
using Sluice.Interop.Pal;
using Sluice.Server.Auth;

namespace Sluice.Server.Files;

// --public is decided twice. The auth gate can only see the request path, and an in-root symlink
// ("pub/link.txt -> ../secret/s.txt", "pub/d -> ../secret") gives a protected file a public name.
// So a request the gate let in for its path alone carries a constraint (ResponsePlan.PublicOnly),
// and this handler enforces it on the path the kernel resolved for the descriptor it opened (read
// back through /proc/self/fd, as the dotfile check is): race-free, whatever a link points to a
// moment later. Every descriptor the handler serves goes through a check — the opened path and
// index file here, a precompressed sibling (passed over, FileHandler.Precompressed.cs) and a
// listing's link entries (hidden, FileHandler.Directory.cs) — on every route an open takes
// (inline, disk engine, open-file cache hit: the entry keeps the path its open resolved).
public sealed partial class FileHandler
{
    private readonly ListingCache _publicListings = new();

    // false when plan's constraint refuses file: file is released and the plan holds the same 401
    // challenge a protected path gets (so public and protected still look alike) and LeftPublic,
    // which tells the connection to decide the request as a protected one (Http1Connection.Auth.cs).
    private bool AdmitsPublicOnly(ResponsePlan plan, in FileRef file)
    {
        if (plan.PublicOnly is not { } publicOnly || IsUnderPublic(publicOnly, CurrentResolvedPath(file)))
        {
            return true;
        }

        file.Release();
        bool head = plan.OmitBody;
        AuthGate.Refuse(new AuthResult(AuthOutcome.Challenge, 0, null), plan, head);
        plan.LeftPublic = true;
        return false;
    }

    // Where the file is now. A cache hit's ResolvedPath is where it was when the entry was opened,
    // and renaming a directory above a file changes neither the file's inode nor its ctime, so the
    // hit still validates (FileMetadata.SameVersionAs) after "mv pub/dir secret/dir; ln -s
    // ../secret/dir pub/dir": /pub/dir/f.txt would stay public for the entry's lifetime. The
    // kernel's name for the cached descriptor (d_path, /proc/self/fd/N) follows renames, so a
    // lease is read again: one readlink per public request served from the cache, none otherwise.
    private static string? CurrentResolvedPath(in FileRef file) =>
        file.IsLeased ? FilePal.TryGetResolvedPath(file.Handle) : file.ResolvedPath;

    // resolved is absolute; only a path below the root can be under a prefix (with
    // --follow-symlinks a link may leave the root, and what it reaches there is not public). A
    // path that could not be resolved is not public.
    private bool IsUnderPublic(PublicPaths publicOnly, string? resolved)
    {
        if (resolved is null)
        {
            return false;
        }

        ReadOnlySpan<char> root = _rootResolved.AsSpan().TrimEnd('/');
        ReadOnlySpan<char> path = resolved;
        return path.Length > root.Length + 1
            && path.StartsWith(root, StringComparison.Ordinal)
            && path[root.Length] == '/'
            && publicOnly.Contains(path[(root.Length + 1)..]);
    }
}
