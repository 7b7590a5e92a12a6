using Sluice.Interop.Pal;

namespace Sluice.Server.Hosting;

// The words for why the root directory could not be opened, for the one-line error at start.
internal static class RootOpenError
{
    public static string Describe(FileOpenStatus status) => status switch
    {
        FileOpenStatus.NotFound => "no such directory",
        FileOpenStatus.PermissionDenied => "permission denied",
        FileOpenStatus.TooManyOpenFiles => "too many open files",
        FileOpenStatus.NameTooLong => "name too long",
        _ => "cannot be opened as a directory",
    };
}
