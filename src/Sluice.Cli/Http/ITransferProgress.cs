namespace Sluice.Cli.Http;

// What `sluice put` and `sluice get` report while they move bytes: the total once, the position on
// every (re)start (a resumed transfer starts where the bytes already there end), and each block
// moved (get: from several connections at once; a negative count takes back a chunk cut midway).
internal interface ITransferProgress
{
    void Begin(long total);

    void Restart(long position);

    void Advance(long bytes);
}

internal sealed class SilentProgress : ITransferProgress
{
    public void Begin(long total)
    {
    }

    public void Restart(long position)
    {
    }

    public void Advance(long bytes)
    {
    }
}
