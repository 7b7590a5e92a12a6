using Sluice.Interop.Native;

namespace Sluice.Interop.Pal;

// An io_uring instance: the submission queue, the completion queue and the SQE array, mapped
// from the ring descriptor (one mapping for both queues: IORING_FEAT_SINGLE_MMAP, Linux 5.4+).
//
// Design note: submissions come from any thread and are serialised by one lock; completions
// are taken by exactly one thread (the owner's reaper), so the CQ head needs no lock. The
// kernel and this process share the head and tail words: the producer publishes an entry with
// a release store of its tail after writing the entry, the consumer reads the tail with an
// acquire load before reading entries and publishes its head with a release store once it has
// copied them (liburing's io_uring_smp_store_release / load_acquire; Volatile.Write/Read here).
// There is no SQPOLL thread: io_uring_enter consumes the submitted entries before it returns.
//
// Dispose only when no request is in flight and the reaper has stopped: it unmaps the queues.
public sealed unsafe partial class Ring : IDisposable
{
    private static readonly byte[] s_requiredOperations = [Libc.IORING_OP_NOP, Libc.IORING_OP_READ];

    private readonly int _fd;
    private readonly byte* _queues;
    private readonly nuint _queuesLength;
    private readonly Libc.IoUringSqe* _sqes;
    private readonly nuint _sqesLength;
    private readonly bool[] _supported = new bool[256];
    private int _disposed;

    private Ring(int fd, in Libc.IoUringParams p, byte* queues, nuint queuesLength, Libc.IoUringSqe* sqes, nuint sqesLength)
    {
        _fd = fd;
        _queues = queues;
        _queuesLength = queuesLength;
        _sqes = sqes;
        _sqesLength = sqesLength;
        SubmissionEntries = p.sq_entries;
        CompletionEntries = p.cq_entries;
        _sqHead = (uint*)(queues + p.sq_off.head);
        _sqTail = (uint*)(queues + p.sq_off.tail);
        _sqMask = *(uint*)(queues + p.sq_off.ring_mask);
        _sqArray = (uint*)(queues + p.sq_off.array);
        _cqHead = (uint*)(queues + p.cq_off.head);
        _cqTail = (uint*)(queues + p.cq_off.tail);
        _cqMask = *(uint*)(queues + p.cq_off.ring_mask);
        _cqes = (Libc.IoUringCqe*)(queues + p.cq_off.cqes);
        _localSqTail = *_sqTail;
    }

    public uint SubmissionEntries { get; }

    public uint CompletionEntries { get; }

    // entries is rounded up to a power of two by the kernel; the CQ gets twice as many.
    // reason names the errno or the missing feature, for the one log line at start.
    public static RingSetupStatus TryCreate(uint entries, out Ring? ring, out string reason)
    {
        ring = null;
        Libc.IoUringParams p = default;
        int fd = Libc.IoUringSetup(entries, &p);
        if (fd < 0)
        {
            Errno errno = Libc.LastErrno;
            reason = errno.ToString();
            return errno switch
            {
                Errno.EPERM or Errno.EACCES => RingSetupStatus.Refused,
                Errno.ENOSYS => RingSetupStatus.NotImplemented,
                _ => RingSetupStatus.Failed,
            };
        }

        if ((p.features & Libc.IORING_FEAT_SINGLE_MMAP) == 0)
        {
            Libc.Close(fd);
            reason = "no IORING_FEAT_SINGLE_MMAP (kernel before 5.4)";
            return RingSetupStatus.Incomplete;
        }

        // With SINGLE_MMAP the SQ and CQ share one mapping, as large as the larger of the two.
        nuint sqLength = p.sq_off.array + (p.sq_entries * sizeof(uint));
        nuint cqLength = p.cq_off.cqes + (p.cq_entries * (nuint)sizeof(Libc.IoUringCqe));
        nuint queuesLength = Math.Max(sqLength, cqLength);
        void* queues = Libc.Mmap(null, queuesLength, Libc.PROT_READ | Libc.PROT_WRITE, Libc.MAP_SHARED | Libc.MAP_POPULATE, fd, Libc.IORING_OFF_SQ_RING);
        if ((nint)queues == Libc.MAP_FAILED)
        {
            reason = "mmap of the rings: " + Libc.LastErrno;
            Libc.Close(fd);
            return RingSetupStatus.Failed;
        }

        nuint sqesLength = p.sq_entries * (nuint)sizeof(Libc.IoUringSqe);
        void* sqes = Libc.Mmap(null, sqesLength, Libc.PROT_READ | Libc.PROT_WRITE, Libc.MAP_SHARED | Libc.MAP_POPULATE, fd, Libc.IORING_OFF_SQES);
        if ((nint)sqes == Libc.MAP_FAILED)
        {
            reason = "mmap of the SQEs: " + Libc.LastErrno;
            Libc.Munmap(queues, queuesLength);
            Libc.Close(fd);
            return RingSetupStatus.Failed;
        }

        var created = new Ring(fd, p, (byte*)queues, queuesLength, (Libc.IoUringSqe*)sqes, sqesLength);
        created.Probe();
        foreach (byte op in s_requiredOperations)
        {
            if (!created._supported[op])
            {
                created.Dispose();
                reason = $"the kernel lacks io_uring opcode {op}";
                return RingSetupStatus.Incomplete;
            }
        }

        reason = "";
        ring = created;
        return RingSetupStatus.Ready;
    }

    public bool SupportsReadFixed => _supported[Libc.IORING_OP_READ_FIXED];

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        Libc.Munmap(_sqes, _sqesLength);
        Libc.Munmap(_queues, _queuesLength);
        Libc.Close(_fd);
    }

    // IORING_REGISTER_PROBE (Linux 5.6): which opcodes this kernel knows, asked once. A kernel
    // without the probe (EINVAL) is older than IORING_OP_READ (5.6) too, so it leaves all false.
    private void Probe()
    {
        const int Ops = 256;
        int size = sizeof(Libc.IoUringProbe) + (Ops * sizeof(Libc.IoUringProbeOp));
        byte* buffer = stackalloc byte[size];
        new Span<byte>(buffer, size).Clear();
        if (Libc.IoUringRegister(_fd, Libc.IORING_REGISTER_PROBE, buffer, Ops) < 0)
        {
            return;
        }

        var header = (Libc.IoUringProbe*)buffer;
        var ops = (Libc.IoUringProbeOp*)(buffer + sizeof(Libc.IoUringProbe));
        for (int i = 0; i < header->ops_len; i++)
        {
            _supported[ops[i].op] = (ops[i].flags & Libc.IO_URING_OP_SUPPORTED) != 0;
        }
    }
}
