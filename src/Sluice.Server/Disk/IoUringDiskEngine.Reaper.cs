using Sluice.Interop.Pal;

namespace Sluice.Server.Disk;

public sealed partial class IoUringDiskEngine
{
    private void Reap()
    {
        var batch = new RingCompletion[64];
        // Dispose submits the wake NOP after it sets _disposing: the ring stays mapped until that
        // NOP is back, so Dispose never writes into an unmapped SQ.
        bool wakeSeen = false;
        while (true)
        {
            int n = _ring.WaitCompletions(batch);
            if (n == 0)
            {
                // The ring itself failed (never seen): nothing more will complete through it.
                FailAll();
                return;
            }

            for (int i = 0; i < n; i++)
            {
                if (batch[i].UserData == WakeUserData)
                {
                    wakeSeen = true;
                }
                else
                {
                    Complete(batch[i]);
                }
            }

            // Entries a busy kernel left in the SQ (EAGAIN/EBUSY on submit) go in now.
            _ring.Flush();
            lock (_lock)
            {
                if (_disposing && _inFlight == 0 && wakeSeen)
                {
                    break;
                }
            }
        }

        _ring.Dispose();
    }

    private void Complete(RingCompletion completion)
    {
        RingRead read = _slots[(int)completion.UserData]!;
        Counters.Completed();
        DiskReadResult? finished;
        try
        {
            BeforeComplete?.Invoke();
            finished = Advance(read, completion.ReadResult(read.RingKind, read.Count - read.Done));
        }
        catch (Exception ex)
        {
            finished = new DiskReadResult(new IoResult(IoStatus.Failed, 0), read.Calls, ex);
        }

        if (finished is { } result)
        {
            Release(read, result);
        }
        else
        {
            Submit(read);
        }
    }

    // The "read fully" loop of the contract, one completion at a time: null = submit the rest.
    private static DiskReadResult? Advance(RingRead read, IoResult result)
    {
        switch (result.Status)
        {
            case IoStatus.Done:
                read.Done += (int)result.Bytes;
                // O_DIRECT: a count that is not a multiple of the alignment is the end of the file.
                bool directTail = read.Kind == DiskReadKind.Direct && result.Bytes % read.Alignment != 0;
                return read.Done < read.Count && !directTail ? null : new DiskReadResult(IoResult.Moved(read.Done), read.Calls);
            case IoStatus.EndOfFile:
                return new DiskReadResult(IoResult.Moved(read.Done), read.Calls);
            case IoStatus.WouldBlock when ++read.Retries < MaxRetries:
                return null;
            default:
                return new DiskReadResult(result.Status == IoStatus.WouldBlock ? result with { Status = IoStatus.Failed } : result, read.Calls);
        }
    }

    // Frees the read's slot, starts a waiting read in it, and completes the read.
    private void Release(RingRead read, DiskReadResult result)
    {
        RingRead? next = null;
        lock (_lock)
        {
            _slots[read.Slot] = null;
            if (!_disposing && _waiting.TryDequeue(out next))
            {
                next.Slot = read.Slot;
                _slots[read.Slot] = next;
            }
            else
            {
                _freeSlots.Push(read.Slot);
                _inFlight--;
            }
        }

        read.Finish(result);
        if (next is not null)
        {
            Submit(next);
        }
    }

    private void FailAll()
    {
        List<RingRead> reads;
        lock (_lock)
        {
            _disposing = true;
            reads = [.. _slots.OfType<RingRead>(), .. _waiting];
            _waiting.Clear();
        }

        foreach (RingRead read in reads)
        {
            read.Finish(new DiskReadResult(new IoResult(IoStatus.Failed, 0), read.Calls, new IOException("the io_uring ring failed")));
        }
    }
}
