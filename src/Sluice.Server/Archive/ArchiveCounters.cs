namespace Sluice.Server.Archive;

// What folder archives hold while they stream, so that "memory bounded regardless of tree size"
// is checked by numbers rather than by timing: open member files, open directories (the walk's
// stack) and buffered header bytes, now and at their peak since start.
public sealed class ArchiveCounters
{
    private long _streams;
    private long _aborted;
    private long _openFiles;
    private long _peakOpenFiles;
    private long _openDirectories;
    private long _peakOpenDirectories;
    private long _peakPendingBytes;
    private long _members;

    public long Streams => Interlocked.Read(ref _streams);

    // Archives ended early because a member changed size or date while it was sent.
    public long Aborted => Interlocked.Read(ref _aborted);

    public long Members => Interlocked.Read(ref _members);

    public long OpenFiles => Interlocked.Read(ref _openFiles);

    public long PeakOpenFiles => Interlocked.Read(ref _peakOpenFiles);

    public long OpenDirectories => Interlocked.Read(ref _openDirectories);

    public long PeakOpenDirectories => Interlocked.Read(ref _peakOpenDirectories);

    public long PeakPendingBytes => Interlocked.Read(ref _peakPendingBytes);

    internal void StreamStarted() => Interlocked.Increment(ref _streams);

    internal void StreamAborted() => Interlocked.Increment(ref _aborted);

    internal void Member() => Interlocked.Increment(ref _members);

    internal void FileOpened() => Raise(ref _peakOpenFiles, Interlocked.Increment(ref _openFiles));

    internal void FileClosed() => Interlocked.Decrement(ref _openFiles);

    internal void DirectoryOpened() => Raise(ref _peakOpenDirectories, Interlocked.Increment(ref _openDirectories));

    internal void DirectoryClosed() => Interlocked.Decrement(ref _openDirectories);

    internal void Pending(long bytes) => Raise(ref _peakPendingBytes, bytes);

    private static void Raise(ref long peak, long value)
    {
        long seen = Interlocked.Read(ref peak);
        while (value > seen)
        {
            long was = Interlocked.CompareExchange(ref peak, value, seen);
            if (was == seen)
            {
                return;
            }

            seen = was;
        }
    }
}
