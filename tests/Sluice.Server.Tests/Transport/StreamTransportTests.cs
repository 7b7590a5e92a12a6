using System.Net;
using System.Net.Sockets;
using Sluice.Interop.Pal;
using Sluice.Server.Connections.Transport;
using Sluice.Server.Tests.Infrastructure;
using Sluice.Server.Transfer;

namespace Sluice.Server.Tests.Transport;

// StreamTransport's MSG_MORE emulation and the progress measure it relies on.
public sealed class StreamTransportTests
{
    [Fact]
    public async Task SendsWithMoreAreHeldAndLeaveWithWhatFollowsInOneWrite()
    {
        var stream = new RecordingStream();
        using var transport = new StreamTransport(stream, socket: null, isTls: false, TimeSpan.FromSeconds(5), CancellationToken.None);
        var tally = new TransferTally();

        Assert.Equal(TransferOutcome.Completed, await transport.SendAsync("head"u8.ToArray(), more: true, tally));
        Assert.Equal(TransferOutcome.Completed, await transport.SendAsync("preamble"u8.ToArray(), more: true, tally));
        Assert.Empty(stream.Writes);
        Assert.Equal(TransferOutcome.Completed, await transport.SendAsync("body"u8.ToArray(), more: false, tally));

        Assert.Equal(["headpreamblebody"], stream.Writes.Select(w => System.Text.Encoding.ASCII.GetString(w)));
        Assert.Equal(16, tally.BytesSent);
        Assert.Equal(1, tally.Calls(SyscallKind.Send));
    }

    [Fact]
    public async Task LargeBuffersAreWrittenAsTheyComeAfterTheHeldBytesFillOneRecord()
    {
        var stream = new RecordingStream();
        using var transport = new StreamTransport(stream, socket: null, isTls: false, TimeSpan.FromSeconds(5), CancellationToken.None);
        var tally = new TransferTally();
        byte[] body = new byte[(3 * StreamTransport.RecordBytes) + 5];
        Random.Shared.NextBytes(body);

        await transport.SendAsync("head"u8.ToArray(), more: true, tally);
        await transport.SendAsync(body, more: true, tally);
        await transport.SendAsync("tail"u8.ToArray(), more: true, tally);
        Assert.Equal(TransferOutcome.Completed, await transport.FlushAsync(tally));

        // One full record (head + the body's first bytes), the rest of the body, then the held tail.
        Assert.Equal([StreamTransport.RecordBytes, body.Length + 4 - StreamTransport.RecordBytes, 4], stream.Writes.Select(w => w.Length));
        Assert.Equal([.. "head"u8.ToArray(), .. body, .. "tail"u8.ToArray()], stream.Writes.SelectMany(w => w));
        Assert.Equal(body.Length + 8, tally.BytesSent);
    }

    [Fact]
    public async Task BytesAcknowledgedGrowsByWhatThePeerReceived()
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(1);
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await client.ConnectAsync(listener.LocalEndPoint!).WaitAsync(TimeSpan.FromSeconds(10));
        using Socket server = await listener.AcceptAsync().WaitAsync(TimeSpan.FromSeconds(10));

        Assert.True(SocketPal.TryGetBytesAcknowledged(server, out long before));
        byte[] data = new byte[100_000];
        int sent = 0;
        while (sent < data.Length)
        {
            sent += await server.SendAsync(data.AsMemory(sent), SocketFlags.None).AsTask().WaitAsync(TimeSpan.FromSeconds(10));
        }

        byte[] sink = new byte[data.Length];
        int received = 0;
        while (received < data.Length)
        {
            received += await client.ReceiveAsync(sink.AsMemory(received), SocketFlags.None).AsTask().WaitAsync(TimeSpan.FromSeconds(10));
        }

        long after = before;
        Assert.True(await Wait.UntilAsync(() => SocketPal.TryGetBytesAcknowledged(server, out after) && after - before == data.Length, TimeSpan.FromSeconds(5)), $"acknowledged {after - before} of {data.Length}");
    }

    private sealed class RecordingStream : Stream
    {
        public List<byte[]> Writes { get; } = [];

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => Writes.Add(buffer.AsSpan(offset, count).ToArray());

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            Writes.Add(buffer.ToArray());
            return ValueTask.CompletedTask;
        }
    }
}
