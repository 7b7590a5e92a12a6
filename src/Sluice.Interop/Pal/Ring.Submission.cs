using Microsoft.Win32.SafeHandles;
using Sluice.Interop.Native;

namespace Sluice.Interop.Pal;

public sealed unsafe partial class Ring
{
    private readonly Lock _submitLock = new();
    private readonly uint* _sqHead;
    private readonly uint* _sqTail;
    private readonly uint* _sqArray;
    private readonly uint _sqMask;
    // Our copy of the SQ tail (only this process writes it; guarded by _submitLock).
    private uint _localSqTail;

    // Queues IORING_OP_READ of count bytes at offset into buffer and submits it. The caller keeps
    // file and buffer alive until the completion with this userData has been taken.
    // Returns false only when the ring is unusable and the entry was withdrawn; a ring that
    // is full for a moment keeps the entry and submits it with the next call (Flush).
    // fixedBuffer >= 0: IORING_OP_READ_FIXED into that registered buffer (buffer lies inside it).
    public bool TrySubmitRead(SafeFileHandle file, nint buffer, int count, long offset, RingReadKind kind, ulong userData, int fixedBuffer = -1)
    {
        lock (_submitLock)
        {
            Libc.IoUringSqe* sqe = NextSqe();
            if (sqe == null)
            {
                return false;
            }

            sqe->opcode = fixedBuffer >= 0 ? Libc.IORING_OP_READ_FIXED : Libc.IORING_OP_READ;
            sqe->buf_index = fixedBuffer >= 0 ? (ushort)fixedBuffer : (ushort)0;
            sqe->fd = (int)file.DangerousGetHandle();
            sqe->off = (ulong)offset;
            sqe->addr = (ulong)buffer;
            sqe->len = (uint)count;
            sqe->rw_flags = kind == RingReadKind.Dontcache ? Libc.RWF_DONTCACHE : 0;
            sqe->user_data = userData;
            return Publish();
        }
    }

    // A no-op whose completion wakes the reaper (shutdown).
    public bool TrySubmitNop(ulong userData)
    {
        lock (_submitLock)
        {
            Libc.IoUringSqe* sqe = NextSqe();
            if (sqe == null)
            {
                return false;
            }

            sqe->opcode = Libc.IORING_OP_NOP;
            sqe->user_data = userData;
            return Publish();
        }
    }

    // Submits entries a busy kernel left in the SQ (EAGAIN/EBUSY from io_uring_enter).
    public void Flush()
    {
        lock (_submitLock)
        {
            if (_localSqTail != Volatile.Read(ref *_sqHead))
            {
                Enter(_localSqTail - Volatile.Read(ref *_sqHead));
            }
        }
    }

    private Libc.IoUringSqe* NextSqe()
    {
        uint head = Volatile.Read(ref *_sqHead);
        if (_localSqTail - head >= SubmissionEntries)
        {
            return null;
        }

        uint index = _localSqTail & _sqMask;
        Libc.IoUringSqe* sqe = &_sqes[index];
        *sqe = default;
        _sqArray[index] = index;
        return sqe;
    }

    private bool Publish()
    {
        uint previous = _localSqTail;
        _localSqTail++;
        // Release: the entry's bytes are visible to the kernel before the new tail is.
        Volatile.Write(ref *_sqTail, _localSqTail);
        if (Enter(_localSqTail - Volatile.Read(ref *_sqHead)))
        {
            return true;
        }

        // A broken ring: take our entry back unless the kernel has already consumed it (then it
        // is in the kernel's hands and will complete like any other).
        if (Volatile.Read(ref *_sqHead) != previous)
        {
            return true;
        }

        _localSqTail = previous;
        Volatile.Write(ref *_sqTail, previous);
        return false;
    }

    // true when the entries were consumed or are left for a later call (a busy kernel).
    private bool Enter(uint toSubmit)
    {
        while (true)
        {
            int n = Libc.IoUringEnter(_fd, toSubmit, 0, 0);
            if (n >= 0)
            {
                return true;
            }

            Errno errno = Libc.LastErrno;
            if (errno == Errno.EINTR)
            {
                continue;
            }

            // EAGAIN/EBUSY: no memory for the request now, or the CQ is backed up; the entries stay
            // in the SQ and the next Enter (a later submission or the reaper's Flush) sends them.
            return errno is Errno.EAGAIN or Errno.EBUSY;
        }
    }
}
