namespace Sluice.Server.Hosting;

// The --max-connections count, kept apart from the set of running connections (_connections):
// a connection gives its slot back before its close (ConnectionSlot), while it stays in the set,
// so that shutdown still waits for and can abort it, until its task ends.
public sealed partial class SluiceServer
{
    // Connections lingering (draining before close) without a slot. Not reserved in the descriptor
    // budget (FitDescriptorBudget): a 64-descriptor reservation left no room under RLIMIT_NOFILE 256.
    internal const int MaxLingeringCloses = 64;

    private int _connectionSlotsHeld;
    private int _lingeringCloses;

    internal int ConnectionSlotsHeld => Volatile.Read(ref _connectionSlotsHeld);

    private bool TryAcquireConnectionSlot()
    {
        if (Interlocked.Increment(ref _connectionSlotsHeld) <= Options.MaxConnections)
        {
            return true;
        }

        Interlocked.Decrement(ref _connectionSlotsHeld);
        return false;
    }

    internal void ReleaseConnectionSlot() => Interlocked.Decrement(ref _connectionSlotsHeld);

    internal bool TryEnterLinger()
    {
        if (Interlocked.Increment(ref _lingeringCloses) <= MaxLingeringCloses)
        {
            return true;
        }

        Interlocked.Decrement(ref _lingeringCloses);
        return false;
    }

    internal void ExitLinger() => Interlocked.Decrement(ref _lingeringCloses);
}
