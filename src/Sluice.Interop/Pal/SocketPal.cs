using Microsoft.Win32.SafeHandles;
using Sluice.Interop.Native;

namespace Sluice.Interop.Pal;

// Socket writes issued directly, so that every system call is visible and counted. The sockets
// are non-blocking; WouldBlock sends the caller to WritableWaiter.
public static class SocketPal
{
    public static void SetNonBlocking(int fd)
    {
        int flags = Libc.Fcntl(fd, Libc.F_GETFL, 0);
        if (flags >= 0 && (flags & Libc.O_NONBLOCK) == 0)
        {
            _ = Libc.Fcntl(fd, Libc.F_SETFL, flags | Libc.O_NONBLOCK);
        }
    }

    // SO_REUSEADDR alone. .NET's SocketOptionName.ReuseAddress sets SO_REUSEPORT as well on
    // Linux, which lets a second process bind the same port and silently take half the
    // connections. SO_REUSEADDR only allows binding over connections in TIME_WAIT (a restart);
    // a second listener then fails with EADDRINUSE.
    public static void SetReuseAddressOnly(System.Net.Sockets.Socket socket)
    {
        Span<byte> one = stackalloc byte[sizeof(int)];
        System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(one, 1);
        socket.SetRawSocketOption(Libc.SOL_SOCKET, Libc.SO_REUSEADDR, one);
    }

    // Bytes the socket has taken but the peer has not yet acknowledged (SIOCOUTQ). What the kernel
    // accepted minus this is what the client has really received: the only measure of a slow
    // reader's progress while the socket stays unwritable (Linux reports writable only once about
    // a third of the send buffer is free, which a reader at a few KB/s takes minutes to drain).
    public static unsafe bool TryGetUnacknowledgedBytes(int fd, out int bytes)
    {
        int value = 0;
        if (Libc.Ioctl(fd, Libc.SIOCOUTQ, &value) < 0)
        {
            bytes = 0;
            return false;
        }

        bytes = value;
        return true;
    }

    // Bytes of this connection the peer has acknowledged (tcp_info.tcpi_bytes_acked, RFC 4898
    // tcpEStatsAppHCThruOctetsAcked; Linux ≥ 4.1). Unlike SIOCOUTQ it needs no count of what the
    // kernel accepted from us, so it measures a reader's progress under a Stream that hides its
    // sends (NetworkStream splits them, SslStream adds record framing). false when the socket is
    // gone (the heartbeat may look after the connection closed) or the kernel is older.
    public static bool TryGetBytesAcknowledged(System.Net.Sockets.Socket socket, out long bytes)
    {
        Span<byte> info = stackalloc byte[TcpInfoBytesAckedEnd];
        try
        {
            if (socket.GetRawSocketOption(Libc.IPPROTO_TCP, Libc.TCP_INFO, info) >= TcpInfoBytesAckedEnd)
            {
                bytes = (long)System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(info[TcpInfoBytesAckedOffset..]);
                return true;
            }
        }
        catch (Exception ex) when (ex is System.Net.Sockets.SocketException or ObjectDisposedException)
        {
        }

        bytes = 0;
        return false;
    }

    // struct tcp_info (linux/tcp.h): 8 single bytes, 24 __u32, then pacing_rate and
    // max_pacing_rate (__u64) before bytes_acked. The layout is ABI, the same on x86-64 and arm64.
    private const int TcpInfoBytesAckedOffset = 120;
    private const int TcpInfoBytesAckedEnd = TcpInfoBytesAckedOffset + sizeof(ulong);

    public static unsafe IoResult Send(int fd, ReadOnlySpan<byte> data, bool more)
    {
        int flags = Libc.MSG_NOSIGNAL | Libc.MSG_DONTWAIT | (more ? Libc.MSG_MORE : 0);
        nint n;
        fixed (byte* p = data)
        {
            do
            {
                n = Libc.Send(fd, p, (nuint)data.Length, flags);
            }
            while (n < 0 && Libc.LastErrno == Errno.EINTR);
        }

        return n >= 0 ? IoResult.Moved(n) : SocketError();
    }

    // One sendfile(2) call of at most `count` bytes from `offset`. The kernel advances offset.
    // sendfile returning 0 while bytes were asked for means the file ended early: it was
    // truncated under us. That is reported as EndOfFile, never retried (it would spin) and
    // never padded (the client would get wrong bytes under a valid Content-Length).
    public static unsafe IoResult Sendfile(int socketFd, SafeFileHandle file, ref long offset, long count)
    {
        nint n;
        long off = offset;
        do
        {
            n = Libc.Sendfile(socketFd, (int)file.DangerousGetHandle(), &off, (nuint)count);
        }
        while (n < 0 && Libc.LastErrno == Errno.EINTR);

        if (n < 0)
        {
            return SocketError();
        }

        offset = off;
        return n == 0 && count > 0 ? new IoResult(IoStatus.EndOfFile, 0) : IoResult.Moved(n);
    }

    private static IoResult SocketError()
    {
        Errno errno = Libc.LastErrno;
        IoStatus status = errno switch
        {
            Errno.EAGAIN => IoStatus.WouldBlock,
            Errno.EPIPE or Errno.ECONNRESET or Errno.ENOTCONN or Errno.ECONNABORTED or Errno.ETIMEDOUT => IoStatus.PeerGone,
            _ => IoStatus.Failed,
        };
        return new IoResult(status, 0, (int)errno);
    }
}
