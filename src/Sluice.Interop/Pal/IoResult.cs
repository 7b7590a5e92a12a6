namespace Sluice.Interop.Pal;

public readonly record struct IoResult(IoStatus Status, long Bytes, int Errno = 0)
{
    public static IoResult Moved(long bytes) => new(IoStatus.Done, bytes);
}
