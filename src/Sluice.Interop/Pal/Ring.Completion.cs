using Sluice.Interop.Native;

namespace Sluice.Interop.Pal;

public sealed unsafe partial class Ring
{
    private readonly uint* _cqHead;
    private readonly uint* _cqTail;
    private readonly uint _cqMask;
    private readonly Libc.IoUringCqe* _cqes;

    // One thread only (the reaper): blocks in io_uring_enter(IORING_ENTER_GETEVENTS) until at
    // least one completion is there, then copies up to destination.Length of them out.
    // Returns 0 only when the wait itself failed (the ring is unusable).
    public int WaitCompletions(Span<RingCompletion> destination)
    {
        while (true)
        {
            int taken = TakeCompletions(destination);
            if (taken > 0)
            {
                return taken;
            }

            if (Libc.IoUringEnter(_fd, 0, 1, Libc.IORING_ENTER_GETEVENTS) < 0)
            {
                Errno errno = Libc.LastErrno;
                // EINTR: a signal; EAGAIN/EBUSY: the kernel is short of memory for a moment.
                if (errno is not (Errno.EINTR or Errno.EAGAIN or Errno.EBUSY))
                {
                    return 0;
                }
            }
        }
    }

    private int TakeCompletions(Span<RingCompletion> destination)
    {
        uint head = *_cqHead;
        // Acquire: the entries up to tail are written before we read them.
        uint tail = Volatile.Read(ref *_cqTail);
        int taken = 0;
        while (head != tail && taken < destination.Length)
        {
            Libc.IoUringCqe* cqe = &_cqes[head & _cqMask];
            destination[taken++] = new RingCompletion(cqe->user_data, cqe->res);
            head++;
        }

        // Release: the kernel may reuse the slots only after we have copied them.
        Volatile.Write(ref *_cqHead, head);
        return taken;
    }
}
