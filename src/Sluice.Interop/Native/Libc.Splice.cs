using System.Runtime.InteropServices;

namespace Sluice.Interop.Native;

internal static partial class Libc
{
    // SPLICE_F_MOVE is only a hint (the kernel ignores it since 2.6.21); SPLICE_F_NONBLOCK makes
    // the pipe side non-blocking, and a socket side opened O_NONBLOCK answers EAGAIN on its own.
    internal const uint SPLICE_F_MOVE = 1;
    internal const uint SPLICE_F_NONBLOCK = 2;

    // One end must be a pipe. A null offset uses (and advances) the descriptor's file position;
    // a file end gets an explicit offset here, so the shared position of the file is never used.
    [LibraryImport(Name, EntryPoint = "splice", SetLastError = true)]
    internal static unsafe partial nint Splice(int fdIn, long* offIn, int fdOut, long* offOut, nuint length, uint flags);
}
