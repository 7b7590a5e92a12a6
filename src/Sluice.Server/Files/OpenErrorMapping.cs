using Sluice.Interop.Pal;

namespace Sluice.Server.Files;

// The one place where a failure to open maps to a status (nginx's static handler, Caddy's openFile).
public static class OpenErrorMapping
{
    public static int StatusFor(FileOpenStatus status) => status switch
    {
        FileOpenStatus.NotFound or FileOpenStatus.NameTooLong => 404,
        // A symlink out of the root is refused as forbidden, like nginx's disable_symlinks.
        FileOpenStatus.PermissionDenied or FileOpenStatus.OutsideRoot => 403,
        // Descriptor exhaustion is temporary: tell the client to come back.
        FileOpenStatus.TooManyOpenFiles => 503,
        _ => 500,
    };

    public const int RetryAfterSeconds = 1;
}
