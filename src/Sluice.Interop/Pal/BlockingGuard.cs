using System.Diagnostics;

namespace Sluice.Interop.Pal;

// Debug-build enforcement of the threading rule: a thread that serves sockets never waits on the
// disk. Every call in this layer that can wait on the disk (a read without RWF_NOWAIT, an open
// without RESOLVE_CACHED, a statx by path, a directory enumeration, a sendfile into /dev/null)
// calls Check first; Check throws when the current flow serves a socket and the thread is not a
// disk-engine thread, so a path that bypasses the engine fails the test suite instead of stalling
// an event thread in production.
//
// Two marks, because neither alone says it: "serving a socket" belongs to the logical flow (an
// AsyncLocal set when a connection starts, carried through every continuation of that connection
// whichever thread runs it), "may wait on the disk" belongs to the thread (a ThreadStatic set by
// each engine thread; work queued to an engine runs there without the connection's flow).
// Release builds compile the calls away ([Conditional("DEBUG")]): no cost on the hot path.
public static class BlockingGuard
{
    private static readonly AsyncLocal<bool> s_servingSocket = new();

    [ThreadStatic]
    private static bool t_diskThread;

    // True while the current flow serves a socket (a connection's RunAsync and its continuations).
    public static bool ServingSocket => s_servingSocket.Value;

    public static bool IsDiskThread => t_diskThread;

    // Called once at the start of a connection's flow. The mark is undone when the async method
    // that set it returns (AsyncLocal changes do not flow back to the caller).
    public static void EnterSocketFlow() => s_servingSocket.Value = true;

    // Called once by every thread of a disk engine (the thread engine's workers, an io_uring
    // engine's helper threads) before it takes work.
    public static void MarkDiskThread() => t_diskThread = true;

    [Conditional("DEBUG")]
    public static void Check(string call)
    {
        if (s_servingSocket.Value && !t_diskThread)
        {
            throw new InvalidOperationException(
                $"blocking file call '{call}' on a thread that serves sockets (thread '{Thread.CurrentThread.Name ?? Environment.CurrentManagedThreadId.ToString(System.Globalization.CultureInfo.InvariantCulture)}'); it must go through the disk engine");
        }
    }
}
