using Microsoft.Win32.SafeHandles;
using Sluice.Core.Http;
using Sluice.Core.Paths;
using Sluice.Server.Configuration;
using Sluice.Server.Disk;
using Sluice.Server.Files;
using Sluice.Server.Receive;

namespace Sluice.Server.Uploads;

// PUT, DELETE and MKCOL when --upload is on (README "Uploads"); every other method except GET and
// HEAD gets 405 with the Allow list (OPTIONS gets it with 204).
//
// Design note: the target path is decoded and checked like a read (one decoding, dot segments,
// dotfiles → 404 unless --dotfiles), split into parent directory and final name, and the parent
// is opened beneath the root with RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS — whatever
// --follow-symlinks says, a write never goes through a symlink: a symlinked parent is 403, a
// symlink as the final name is 403 (looked at with AT_SYMLINK_NOFOLLOW; rename would replace the
// link itself, never write through it, but a link is not the user's to replace). Everything below
// the parent's descriptor is an *at call on it, so a rename of a directory higher up cannot move
// the write elsewhere. Parents are never created (missing → 409, RFC 4918 §9.7.1).
//
// Threading: HandleAsync runs on the connection's thread; every file-system call runs on the disk
// engine (RunAsync), the body is received by the connection's receive mechanism (recv on this
// thread, pwrite on the engine).
public sealed partial class UploadHandler
{
    public const string AllowedMethods = "GET, HEAD, PUT, DELETE, MKCOL, OPTIONS";

    private readonly SafeFileHandle _root;
    private readonly IDiskEngine _disk;
    private readonly UploadOptions _options;
    private readonly bool _serveDotfiles;
    private readonly OpenFileCache _openFiles;
    private readonly ListingCache _listings;
    private readonly PathLocks _locks = new();

    public UploadHandler(SafeFileHandle root, IDiskEngine disk, UploadOptions options, bool serveDotfiles, OpenFileCache openFiles, ListingCache listings)
    {
        _root = root;
        _disk = disk;
        _options = options;
        _serveDotfiles = serveDotfiles;
        _openFiles = openFiles;
        _listings = listings;
    }

    public UploadOptions Options => _options;

    // Methods that change the tree: they need an authenticated user when access control is on.
    public bool IsWrite(HttpRequestHead head) =>
        head.Method is HttpMethod.Put or HttpMethod.Delete || IsMkcol(head);

    // Every method but GET and HEAD is answered here while uploads are on (405 lists these).
    public bool Handles(HttpRequestHead head) => head.Method is not (HttpMethod.Get or HttpMethod.Head);

    // PUT's body is the upload; any other body is discarded by the connection before the handler.
    public bool TakesBody(HttpRequestHead head) => head.Method == HttpMethod.Put;

    public ValueTask HandleAsync(HttpRequestHead head, RequestBody? body, ResponsePlan plan, string? user)
    {
        if (head.Method == HttpMethod.Options)
        {
            UploadResponses.Set(plan, 204);
            plan.Allow = AllowedMethods;
            return default;
        }

        if (!IsWrite(head))
        {
            int status = head.Method == HttpMethod.Unknown ? 501 : 405;
            UploadResponses.Set(plan, status);
            plan.Allow = AllowedMethods;
            return default;
        }

        if (!TryGetTarget(head, plan, out string parent, out string name, out bool trailingSlash))
        {
            return default;
        }

        if (head.Method == HttpMethod.Put)
        {
            if (trailingSlash)
            {
                // "file/" names a directory: a file cannot be put there.
                UploadResponses.Set(plan, 409);
                return default;
            }

            return PutAsync(head, body!, plan, parent, name);
        }

        return head.Method == HttpMethod.Delete ? DeleteAsync(plan, parent, name) : MakeDirectoryAsync(plan, parent, name);
    }

    private static bool IsMkcol(HttpRequestHead head) => head.Method == HttpMethod.Unknown && head.MethodToken == "MKCOL";

    // The decoded target split into its parent directory ("" for the root) and final name; false
    // when the plan already holds the answer (400, 404 for dotfiles, 409/405 for the root itself).
    private bool TryGetTarget(HttpRequestHead head, ResponsePlan plan, out string parent, out string name, out bool trailingSlash)
    {
        parent = name = "";
        trailingSlash = false;
        if (!FileHandler.TryGetPath(head.TargetBytes, out ReadOnlySpan<byte> rawPath)
            || RequestPathDecoder.TryDecode(rawPath, out string relative, out trailingSlash) != PathRejection.None)
        {
            UploadResponses.Set(plan, 400);
            return false;
        }

        if (!_serveDotfiles && (relative.StartsWith('.') || relative.Contains("/.", StringComparison.Ordinal)))
        {
            UploadResponses.Set(plan, 404);
            return false;
        }

        if (relative.Length == 0)
        {
            // The root itself: never replaced, deleted or created.
            UploadResponses.Set(plan, 405);
            plan.Allow = AllowedMethods;
            return false;
        }

        int slash = relative.LastIndexOf('/');
        parent = slash < 0 ? "" : relative[..slash];
        name = relative[(slash + 1)..];
        return true;
    }

    private static string Join(string parent, string name) => parent.Length == 0 ? name : parent + "/" + name;

    // A write changed parent/name: neither cache may answer from before it. On the disk engine:
    // dropping a cached descriptor may be the last close of a deleted or replaced inode, which frees
    // its blocks (and can take as long as the file is large).
    private void Invalidate(string parent, string name)
    {
        _openFiles.Invalidate(Join(parent, name));
        _listings.Invalidate(parent);
        _listings.Invalidate(Join(parent, name));
    }
}
