using Sluice.Interop.Pal;

namespace Sluice.Server.Files;

// The one place where a failure to open maps to a status (nginx's static handler, Caddy's openFile).
public static class OpenErrorMapping
{
    public static int StatusFor(FileOpenStatus status) => status switch
    {
        FileOpenStatus.NotFound or FileOpenStatus.NameTooLong => 404,
        // A symlink out of the root is refused as forbidden, like nginx's disable_symlinks.
        // Sockets, like FIFOs and devices that do open, are never served (FileHandler.Handle).
        FileOpenStatus.PermissionDenied or FileOpenStatus.OutsideRoot or FileOpenStatus.SpecialFile => 403,
        // Descriptor exhaustion is temporary: tell the client to come back.
        FileOpenStatus.TooManyOpenFiles => 503,
        _ => 500,
    };

    public const int RetryAfterSeconds = 1;
}
