namespace Sluice.Server.Transfer;

// Per-response counts, one instance per connection, reset for each response and published once,
// so the hot loop does no atomics.
public sealed class TransferTally
{
    public long BytesSent;
    public long BytesRead;
    public long Sends;
    public long Sendfiles;
    public long Preads;
    public long Preadv2s;
    public long Opens;
    public long EpollCtls;
    public long PolicyCalls;
    public long Readaheads;

    public void Reset()
    {
        BytesSent = BytesRead = Sends = Sendfiles = Preads = Preadv2s = Opens = EpollCtls = PolicyCalls = Readaheads = 0;
    }
}
