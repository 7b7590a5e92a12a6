using System.Runtime.InteropServices;
using Sluice.Interop.Native;

namespace Sluice.Interop.Pal;

// One completion taken from the ring: the request's user data and the kernel's result, which
// stays here (it is a byte count or -errno) until ReadResult turns it into an IoResult.
[StructLayout(LayoutKind.Auto)]
public readonly struct RingCompletion(ulong userData, int result)
{
    public ulong UserData { get; } = userData;

    private readonly int _result = result;

    // requested > 0 is the count submitted: a result of 0 then means the file ended.
    public IoResult ReadResult(RingReadKind kind, int requested)
    {
        if (_result > 0)
        {
            return IoResult.Moved(_result);
        }

        if (_result == 0)
        {
            return requested > 0 ? new IoResult(IoStatus.EndOfFile, 0) : IoResult.Moved(0);
        }

        var errno = (Errno)(-_result);
        IoStatus status = errno switch
        {
            // A ring read without RWF_NOWAIT should never see EAGAIN (the kernel punts a read
            // that would block to its worker threads), but EAGAIN and EINTR both mean "try the
            // same read again", which the caller does.
            Errno.EAGAIN or Errno.EINTR => IoStatus.WouldBlock,
            Errno.EINVAL when kind is RingReadKind.Direct or RingReadKind.Dontcache => IoStatus.NotSupported,
            Errno.EOPNOTSUPP or Errno.ENOSYS when kind == RingReadKind.Dontcache => IoStatus.NotSupported,
            _ => IoStatus.Failed,
        };
        return new IoResult(status, 0, (int)errno);
    }
}
