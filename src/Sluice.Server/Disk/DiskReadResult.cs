using Sluice.Interop.Pal;

namespace Sluice.Server.Disk;

// The outcome of one "read fully", how many read requests it took, and the exception that
// interrupted it, if one did (then Result is Failed).
public readonly record struct DiskReadResult(IoResult Result, int Calls, Exception? Error = null);
