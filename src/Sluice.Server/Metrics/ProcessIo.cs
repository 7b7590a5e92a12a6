namespace Sluice.Server.Metrics;

// The counters of /proc/PID/io (proc(5)) that ProcessStats reads; Available is false where the
// file could not be read.
public readonly record struct ProcessIo(bool Available, long ReadCalls, long WriteCalls, long StorageReadBytes, long CharsRead, long CharsWritten);
