using Sluice.Core.Policy;

namespace Sluice.Server.Transfer;

// What each strategy did, process-wide: responses, bytes, and system calls by kind — credited to
// the strategy that moved the bytes or issued the calls, not to the one decided (TransferTally's
// slices). Mechanisms count locally per response and publish once, so the hot loop does no atomics.
public sealed class MechanismCounters
{
    private readonly long[] _syscalls = new long[(int)SyscallKind.Count];
    private long _responses;
    private long _bytesSent;
    private long _bytesReadFromDisk;

    public MechanismCounters(TransferStrategy strategy)
    {
        Strategy = strategy;
    }

    public TransferStrategy Strategy { get; }

    public long Responses => Volatile.Read(ref _responses);

    public long BytesSent => Volatile.Read(ref _bytesSent);

    public long BytesReadFromDisk => Volatile.Read(ref _bytesReadFromDisk);

    public long Syscalls(SyscallKind kind) => Volatile.Read(ref _syscalls[(int)kind]);

    public long TotalSyscalls
    {
        get
        {
            long total = 0;
            for (int i = 0; i < _syscalls.Length; i++)
            {
                total += Volatile.Read(ref _syscalls[i]);
            }

            return total;
        }
    }

    // The whole tally, as one response (inline responses: no slices).
    public void Publish(TransferTally tally)
    {
        CountResponse();
        Add(tally.BytesSent, tally.BytesRead);
        for (int kind = 0; kind < _syscalls.Length; kind++)
        {
            AddCalls(kind, tally.Calls((SyscallKind)kind));
        }
    }

    // What one slice of a tally moved; the response is counted separately (CountResponse), once
    // per strategy that took part in it.
    public void PublishSlice(TransferTally tally, int slice)
    {
        Add(tally.SliceBytesSent(slice), tally.SliceBytesRead(slice));
        for (int kind = 0; kind < _syscalls.Length; kind++)
        {
            AddCalls(kind, tally.SliceCalls(slice, (SyscallKind)kind));
        }
    }

    public void CountResponse() => Interlocked.Increment(ref _responses);

    private void Add(long sent, long read)
    {
        if (sent != 0)
        {
            Interlocked.Add(ref _bytesSent, sent);
        }

        if (read != 0)
        {
            Interlocked.Add(ref _bytesReadFromDisk, read);
        }
    }

    private void AddCalls(int kind, long calls)
    {
        if (calls != 0)
        {
            Interlocked.Add(ref _syscalls[kind], calls);
        }
    }
}
