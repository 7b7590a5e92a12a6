using Sluice.Core.Policy;

namespace Sluice.Server.Transfer;

// Per-response counts, one instance per connection, reset for each response and published once,
// so the hot loop does no atomics. System calls are counted by kind, so a new kind needs only a
// SyscallKind member.
//
// Design note ("moved by"): a body may be moved by more than one strategy — direct refused by the
// filesystem goes on by buffered, a transfer without read buffers goes on by heap-buffer dontcache
// reads. Mechanisms keep counting into the running totals (BytesSent += n, Count(kind)), and a
// mechanism that hands the rest of the body to another way calls SwitchTo, which opens a slice:
// the strategy now moving and why, starting at the totals of that moment. What each slice did is
// the difference between its marks and the next one's, so the accounting can credit every
// strategy with exactly the bytes and calls it issued while the mechanisms stay unaware of it.
public sealed class TransferTally
{
    // Decided strategy, then at most a fallback and a fallback of the fallback (direct → budget
    // path → plain reads where RWF_DONTCACHE is refused); a further switch extends the last slice.
    private const int MaxSlices = 4;
    private const int Marks = (int)SyscallKind.Count + 2;
    private const int SentMark = (int)SyscallKind.Count;
    private const int ReadMark = SentMark + 1;

    private readonly long[] _calls = new long[(int)SyscallKind.Count];
    private readonly long[] _marks = new long[MaxSlices * Marks];
    private readonly TransferStrategy[] _strategies = new TransferStrategy[MaxSlices];
    private readonly TransferFallback[] _reasons = new TransferFallback[MaxSlices];
    private int _slices;

    public long BytesSent { get; set; }

    public long BytesRead { get; set; }

    // Set by a mechanism that had to move (part of) the body another way; the first reason wins.
    public TransferFallback Fallback { get; private set; }

    // The strategy the policy decided (the first slice's), Buffered for inline responses.
    public TransferStrategy Decided => _slices > 0 ? _strategies[0] : TransferStrategy.Buffered;

    public int SliceCount => _slices;

    public void NoteFallback(TransferFallback reason)
    {
        if (Fallback == TransferFallback.None)
        {
            Fallback = reason;
        }
    }

    public void Count(SyscallKind kind, long calls = 1) => _calls[(int)kind] += calls;

    public long Calls(SyscallKind kind) => _calls[(int)kind];

    public void Reset()
    {
        BytesSent = BytesRead = 0;
        Fallback = TransferFallback.None;
        Array.Clear(_calls);
        _slices = 0;
    }

    // The decided strategy starts moving the body: what was counted before (the policy's calls)
    // belongs to it.
    public void Begin(TransferStrategy decided)
    {
        _slices = 0;
        Open(decided, TransferFallback.None);
        Array.Clear(_marks, 0, Marks);
    }

    // From here on the body is moved by strategy, because of reason.
    public void SwitchTo(TransferStrategy strategy, TransferFallback reason)
    {
        NoteFallback(reason);
        if (_slices == MaxSlices)
        {
            _strategies[MaxSlices - 1] = strategy;
            _reasons[MaxSlices - 1] = reason;
            return;
        }

        Open(strategy, reason);
    }

    public TransferStrategy SliceStrategy(int slice) => _strategies[slice];

    public TransferFallback SliceReason(int slice) => _reasons[slice];

    public long SliceBytesSent(int slice) => Until(slice, SentMark, BytesSent);

    public long SliceBytesRead(int slice) => Until(slice, ReadMark, BytesRead);

    public long SliceCalls(int slice, SyscallKind kind) => Until(slice, (int)kind, _calls[(int)kind]);

    // Whether strategy moved body bytes — read file bytes for the body; the head alone does not
    // count, the decided mechanism sends it before its first read can be refused — or, when no
    // slice read a byte (an empty body), was the last one in charge: the strategies a response is
    // counted under and the log's strategy= names.
    public bool Moved(TransferStrategy strategy) => (MovedMask() & (1 << (int)strategy)) != 0;

    // The access log's strategy= value: the strategies that moved the body, in the order they took
    // over, joined by '+' ("direct+buffered").
    public string MovedByLabel()
    {
        int mask = MovedMask();
        string label = "";
        for (int i = 0; i < _slices; i++)
        {
            int bit = 1 << (int)_strategies[i];
            if ((mask & bit) != 0)
            {
                mask &= ~bit;
                label = label.Length == 0 ? Name(_strategies[i]) : label + "+" + Name(_strategies[i]);
            }
        }

        return label;
    }

    private int MovedMask()
    {
        int mask = 0;
        for (int i = 0; i < _slices; i++)
        {
            if (SliceBytesRead(i) > 0)
            {
                mask |= 1 << (int)_strategies[i];
            }
        }

        return mask == 0 && _slices > 0 ? 1 << (int)_strategies[_slices - 1] : mask;
    }

    private static string Name(TransferStrategy strategy) => strategy.ToString().ToLowerInvariant();

    private void Open(TransferStrategy strategy, TransferFallback reason)
    {
        int slice = _slices++;
        _strategies[slice] = strategy;
        _reasons[slice] = reason;
        int mark = slice * Marks;
        Array.Copy(_calls, 0, _marks, mark, _calls.Length);
        _marks[mark + SentMark] = BytesSent;
        _marks[mark + ReadMark] = BytesRead;
    }

    // The slice's share of a running total: from its mark to the next slice's mark (or the total).
    private long Until(int slice, int index, long total)
    {
        long end = slice + 1 < _slices ? _marks[((slice + 1) * Marks) + index] : total;
        return end - _marks[(slice * Marks) + index];
    }
}
