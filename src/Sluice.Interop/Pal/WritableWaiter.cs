using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using Sluice.Interop.Native;

namespace Sluice.Interop.Pal;

// Waits for sockets to become writable after a send or sendfile hit EAGAIN.
//
// Design note: .NET exposes no "wait until writable" for a socket whose writes we issue ourselves
// (a zero-byte SendAsync completes at once). So this keeps epoll instances of its own, one per
// core, each with one thread blocked in epoll_wait; a socket belongs to the shard fd % shards. A
// socket may sit in several epoll sets, so this does not disturb the runtime's own registration
// of the same descriptor. Each wait arms EPOLLOUT with EPOLLONESHOT (one epoll_ctl); an error or
// hang-up also completes the wait, and the next write then reports the failure.
// Waiters are resumed inline on the epoll thread, as an nginx worker would run the write handler
// from its event loop: the next sendfile call happens without a hop to the thread pool (a futex
// wake and a context switch per EAGAIN). Continuations must therefore not block; the mechanisms
// only issue non-blocking socket writes, RWF_NOWAIT reads and sendfile of ranges checked resident
// there, and everything that may wait on the disk is awaited from the disk engine. Callers must Forget(fd) before closing the descriptor, so a reused descriptor
// number never completes a stranger's wait.
public sealed class WritableWaiter : IDisposable
{
    private readonly int[] _epollFds;
    private readonly ConcurrentDictionary<int, TaskCompletionSource> _waiting = new();
    private readonly ConcurrentDictionary<int, byte> _registered = new();
    private volatile bool _disposed;

    public WritableWaiter(int shards = 0)
    {
        shards = shards > 0 ? shards : Environment.ProcessorCount;
        _epollFds = new int[shards];
        for (int i = 0; i < shards; i++)
        {
            _epollFds[i] = Libc.EpollCreate1(Libc.EPOLL_CLOEXEC);
            if (_epollFds[i] < 0)
            {
                throw new InvalidOperationException($"epoll_create1 failed: {Libc.LastErrno}");
            }

            int epollFd = _epollFds[i];
            new Thread(() => Run(epollFd)) { IsBackground = true, Name = $"sluice-writable-{i}" }.Start();
        }
    }

    public static WritableWaiter Shared { get; } = new();

    public Task WaitAsync(int fd, CancellationToken cancellationToken)
    {
        var completion = new TaskCompletionSource();
        if (!_waiting.TryAdd(fd, completion))
        {
            throw new InvalidOperationException("one write wait per socket at a time");
        }

        Errno error = Arm(fd);
        if (error != 0)
        {
            _waiting.TryRemove(fd, out _);
            return Task.FromException(new IOException($"epoll_ctl failed: {error}"));
        }

        return cancellationToken.CanBeCanceled ? WaitCancellableAsync(fd, completion, cancellationToken) : completion.Task;
    }

    private async Task WaitCancellableAsync(int fd, TaskCompletionSource completion, CancellationToken cancellationToken)
    {
        // The registration lives exactly as long as the wait; no timer, no extra continuation.
        using (cancellationToken.UnsafeRegister(
            static (state, token) =>
            {
                var (waiter, pending, socket) = ((WritableWaiter, TaskCompletionSource, int))state!;
                waiter._waiting.TryRemove(new KeyValuePair<int, TaskCompletionSource>(socket, pending));
                pending.TrySetCanceled(token);
            },
            (this, completion, fd)))
        {
            await completion.Task.ConfigureAwait(false);
        }
    }

    private unsafe Errno Arm(int fd)
    {
        byte* ev = stackalloc byte[16];
        *(uint*)ev = Libc.EPOLLOUT | Libc.EPOLLONESHOT;
        *(long*)(ev + Libc.EpollDataOffset) = fd;
        int op = _registered.TryAdd(fd, 0) ? Libc.EPOLL_CTL_ADD : Libc.EPOLL_CTL_MOD;
        return Libc.EpollCtl(EpollFor(fd), op, fd, ev) == 0 ? 0 : Libc.LastErrno;
    }

    // Must be called before the socket is closed.
    public unsafe void Forget(int fd)
    {
        if (_registered.TryRemove(fd, out _))
        {
            _ = Libc.EpollCtl(EpollFor(fd), Libc.EPOLL_CTL_DEL, fd, null);
        }

        if (_waiting.TryRemove(fd, out TaskCompletionSource? pending))
        {
            pending.TrySetCanceled();
        }
    }

    public void Dispose()
    {
        _disposed = true;
        foreach (int epollFd in _epollFds)
        {
            _ = Libc.Close(epollFd);
        }
    }

    private int EpollFor(int fd) => _epollFds[fd % _epollFds.Length];

    private unsafe void Run(int epollFd)
    {
        const int MaxEvents = 64;
        int size = Libc.EpollEventSize;
        byte* events = (byte*)NativeMemory.Alloc((nuint)(MaxEvents * size));
        try
        {
            while (!_disposed)
            {
                int n = Libc.EpollWait(epollFd, events, MaxEvents, 1000);
                if (n < 0)
                {
                    // EINTR is routine; anything else (EBADF after Dispose) ends the loop only
                    // when disposing, otherwise the shard would go silent and every wait on it hang.
                    if (Libc.LastErrno == Errno.EINTR || !_disposed)
                    {
                        continue;
                    }

                    return;
                }

                for (int i = 0; i < n; i++)
                {
                    int fd = (int)*(long*)(events + (i * size) + Libc.EpollDataOffset);
                    if (_waiting.TryRemove(fd, out TaskCompletionSource? pending))
                    {
                        pending.TrySetResult();
                    }
                }
            }
        }
        finally
        {
            NativeMemory.Free(events);
        }
    }
}
