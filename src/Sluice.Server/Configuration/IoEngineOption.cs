namespace Sluice.Server.Configuration;

public enum IoEngineOption : byte
{
    // io_uring where the kernel allows it, threads otherwise.
    Auto,
    // io_uring or fail at start.
    IoUring,
    Threads,
}
