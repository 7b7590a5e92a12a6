namespace Sluice.Interop.Native;

internal static partial class Libc
{
    // statx of a name inside a directory without following a final symlink (uploads must see the
    // link itself, never write through it). Same native call as Libc.Statx.cs, other flags.
    internal const int AT_SYMLINK_NOFOLLOW = 0x100;
    internal const int S_IFLNK = 0xA000;

    internal static unsafe int StatxAtNoFollow(int dirfd, ReadOnlySpan<byte> nulTerminatedName, uint mask, out StatxBuffer buffer)
    {
        fixed (byte* p = nulTerminatedName)
        fixed (StatxBuffer* b = &buffer)
        {
            return StatxNative(dirfd, p, AT_SYMLINK_NOFOLLOW, mask, b);
        }
    }
}
