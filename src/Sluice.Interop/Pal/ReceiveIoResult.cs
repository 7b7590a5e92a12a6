namespace Sluice.Interop.Pal;

public readonly record struct ReceiveIoResult(ReceiveIoStatus Status, long Bytes, int Errno = 0)
{
    public static ReceiveIoResult Moved(long bytes) => new(ReceiveIoStatus.Done, bytes);
}
