using Sluice.Interop.Pal;

namespace Sluice.Cli.Commands;

// The words `sluice cache` prints when a PATH cannot be opened: what fincore or cat would say,
// never the enum member ("NotFound").
internal static class CacheOpenError
{
    public static string Describe(FileOpenStatus status) => status switch
    {
        FileOpenStatus.NotFound => "no such file",
        FileOpenStatus.PermissionDenied => "permission denied",
        FileOpenStatus.OutsideRoot => "outside the root (a symbolic link pointing out)",
        FileOpenStatus.TooManyOpenFiles => "too many open files",
        FileOpenStatus.NameTooLong => "name too long",
        FileOpenStatus.SpecialFile => "a special file (socket or device) that cannot be read",
        FileOpenStatus.NotSupported => "not supported by the filesystem",
        FileOpenStatus.WouldBlock => "would block (try again)",
        _ => "cannot be opened",
    };
}
