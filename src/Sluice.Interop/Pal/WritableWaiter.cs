using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using Sluice.Interop.Native;

namespace Sluice.Interop.Pal;

// Waits for sockets to become writable after a send or sendfile hit EAGAIN.
//
// Design note: .NET exposes no "wait until writable" for a socket whose writes we issue ourselves
// (a zero-byte SendAsync completes at once). So this keeps one epoll instance of its own and one
// thread blocked in epoll_wait. A socket may sit in several epoll sets, so this does not disturb
// the runtime's own registration of the same descriptor. Each wait arms EPOLLOUT with
// EPOLLONESHOT (one epoll_ctl); an error or hang-up also completes the wait, and the next write
// then reports the failure. Callers must Forget(fd) before closing the descriptor, so a reused
// descriptor number never completes a stranger's wait.
public sealed class WritableWaiter : IDisposable
{
    private readonly int _epollFd;
    private readonly ConcurrentDictionary<int, TaskCompletionSource> _waiting = new();
    private readonly ConcurrentDictionary<int, byte> _registered = new();
    private readonly Thread _thread;
    private volatile bool _disposed;

    public WritableWaiter()
    {
        _epollFd = Libc.EpollCreate1(Libc.EPOLL_CLOEXEC);
        if (_epollFd < 0)
        {
            throw new InvalidOperationException($"epoll_create1 failed: {Libc.LastErrno}");
        }

        _thread = new Thread(Run) { IsBackground = true, Name = "sluice-writable" };
        _thread.Start();
    }

    public static WritableWaiter Shared { get; } = new();

    public unsafe Task WaitAsync(int fd, CancellationToken cancellationToken)
    {
        var completion = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        if (!_waiting.TryAdd(fd, completion))
        {
            throw new InvalidOperationException("one write wait per socket at a time");
        }

        byte* ev = stackalloc byte[16];
        *(uint*)ev = Libc.EPOLLOUT | Libc.EPOLLONESHOT;
        *(long*)(ev + Libc.EpollDataOffset) = fd;
        int op = _registered.TryAdd(fd, 0) ? Libc.EPOLL_CTL_ADD : Libc.EPOLL_CTL_MOD;
        if (Libc.EpollCtl(_epollFd, op, fd, ev) != 0)
        {
            Errno errno = Libc.LastErrno;
            _waiting.TryRemove(fd, out _);
            completion.TrySetException(new IOException($"epoll_ctl failed: {errno}"));
            return completion.Task;
        }

        if (cancellationToken.CanBeCanceled)
        {
            CancellationTokenRegistration registration = cancellationToken.UnsafeRegister(
                static (state, token) =>
                {
                    var (waiter, socket) = ((WritableWaiter, int))state!;
                    if (waiter._waiting.TryRemove(socket, out TaskCompletionSource? pending))
                    {
                        pending.TrySetCanceled(token);
                    }
                },
                (this, fd));
            _ = completion.Task.ContinueWith(static (_, r) => ((CancellationTokenRegistration)r!).Dispose(), registration, TaskScheduler.Default);
        }

        return completion.Task;
    }

    // Must be called before the socket is closed.
    public unsafe void Forget(int fd)
    {
        if (_registered.TryRemove(fd, out _))
        {
            _ = Libc.EpollCtl(_epollFd, Libc.EPOLL_CTL_DEL, fd, null);
        }

        if (_waiting.TryRemove(fd, out TaskCompletionSource? pending))
        {
            pending.TrySetCanceled();
        }
    }

    public void Dispose()
    {
        _disposed = true;
        _ = Libc.Close(_epollFd);
    }

    private unsafe void Run()
    {
        const int MaxEvents = 64;
        int size = Libc.EpollEventSize;
        byte* events = (byte*)NativeMemory.Alloc((nuint)(MaxEvents * size));
        try
        {
            while (!_disposed)
            {
                int n = Libc.EpollWait(_epollFd, events, MaxEvents, 1000);
                if (n < 0)
                {
                    if (Libc.LastErrno == Errno.EINTR)
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
