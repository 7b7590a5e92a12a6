using Sluice.Core.Policy;

namespace Sluice.Server.Transfer;

// What each mechanism did, process-wide: responses, bytes, and system calls by kind. Mechanisms
// count locally per response (TransferTally) and publish once, so the hot loop does no atomics.
public sealed class MechanismCounters
{
    private readonly long[] _syscalls = new long[(int)SyscallKind.Count];
    private long _responses;
    private long _bytesSent;
    private long _bytesReadFromDisk;
    private long _engineRequests;

    public MechanismCounters(TransferStrategy strategy)
    {
        Strategy = strategy;
    }

    public TransferStrategy Strategy { get; }

    public long Responses => Volatile.Read(ref _responses);

    public long BytesSent => Volatile.Read(ref _bytesSent);

    public long BytesReadFromDisk => Volatile.Read(ref _bytesReadFromDisk);

    public long EngineRequests => Volatile.Read(ref _engineRequests);

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

    public void Publish(TransferTally tally)
    {
        Interlocked.Increment(ref _responses);
        Interlocked.Add(ref _bytesSent, tally.BytesSent);
        Interlocked.Add(ref _bytesReadFromDisk, tally.BytesRead);
        if (tally.EngineRequests != 0)
        {
            Interlocked.Add(ref _engineRequests, tally.EngineRequests);
        }
        for (int kind = 0; kind < _syscalls.Length; kind++)
        {
            long calls = tally.Calls((SyscallKind)kind);
            if (calls != 0)
            {
                Interlocked.Add(ref _syscalls[kind], calls);
            }
        }
    }
}
