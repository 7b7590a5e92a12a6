namespace Sluice.Cli.Put;

// What `sluice put` reports while it sends: the total once, the position on every (re)start (a
// resumed upload starts where the server's offset is), and each block sent.
internal interface IPutProgress
{
    void Begin(long total);

    void Restart(long position);

    void Advance(long bytes);
}

internal sealed class SilentProgress : IPutProgress
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
