using System.Net;
using System.Net.Sockets;
using Microsoft.Win32.SafeHandles;
using Sluice.Core.Policy;
using Sluice.Interop.Memory;
using Sluice.Interop.Pal;
using Sluice.Server.Connections.Transport;
using Sluice.Server.Disk;
using Sluice.Server.Logging;
using Sluice.Server.Receive;

namespace Sluice.Server.Tests.Receive;

// A real loopback connection (the server side non-blocking, wrapped in the server's
// SocketTransport), a thread disk engine and a fresh capability table: what a receive mechanism
// sees inside the server, without the HTTP layer.
internal sealed class ReceiveRig : IAsyncDisposable
{
    public const int BufferBytes = 1024 * 1024;

    private ReceiveRig(Socket client, Socket server)
    {
        Client = client;
        Server = server;
        Transport = new SocketTransport(server, (int)server.SafeHandle.DangerousGetHandle(), WritableWaiter.Shared, TimeSpan.FromMinutes(1), Abort.Token);
        Capabilities = new FilesystemCapabilities(Log, static _ => "test filesystem");
    }

    public Socket Client { get; }

    public Socket Server { get; }

    public CancellationTokenSource Abort { get; } = new();

    public SocketTransport Transport { get; }

    public ThreadDiskEngine Disk { get; } = new(2, "receive-test-disk");

    public AlignedBufferPool Buffers { get; } = new(BufferBytes, 4096, maxBuffers: 4);

    public RecordingLog Log { get; } = new();

    public FilesystemCapabilities Capabilities { get; }

    public ReceiveTally Tally { get; } = new();

    public static async Task<ReceiveRig> ConnectAsync()
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(1);
        var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        Task<Socket> accepted = listener.AcceptAsync();
        await client.ConnectAsync(listener.LocalEndPoint!);
        Socket server = await accepted.WaitAsync(TimeSpan.FromSeconds(10));
        server.Blocking = false;
        return new ReceiveRig(client, server);
    }

    // The mechanism under test; a splice mechanism gets the dontcache one as its fallback (it is
    // used only for transports without a socket, which these tests do not have).
    public IReceiveMechanism Create(ReceiveStrategy strategy, bool dropBehind = false) => strategy switch
    {
        ReceiveStrategy.Splice => new SpliceReceive(Disk, Capabilities, new DontcacheReceive(Disk, Buffers, Capabilities), dropBehind),
        ReceiveStrategy.Dontcache => new DontcacheReceive(Disk, Buffers, Capabilities),
        ReceiveStrategy.Direct => new DirectReceive(Disk, Buffers, Capabilities),
        ReceiveStrategy.Buffered => new BufferedReceive(Disk),
        _ => throw new ArgumentOutOfRangeException(nameof(strategy)),
    };

    // Runs the mechanism as the connection would: in a flow marked as serving a socket, so a
    // blocking file call made on it instead of on the disk engine throws (BlockingGuard, Debug).
    public static async Task<ReceiveResult> ReceiveAsync(IReceiveMechanism mechanism, ReceiveJob job)
    {
        BlockingGuard.EnterSocketFlow();
        return await mechanism.ReceiveAsync(job);
    }

    public ReceiveJob Job(SafeFileHandle file, long offset, long length, ReadOnlyMemory<byte> buffered = default) =>
        new(Transport, buffered, file, offset, length, Tally);

    // Sends on the client in the background, as a client would while the server receives.
    public Task SendAsync(ReadOnlyMemory<byte> bytes) => Task.Run(async () =>
    {
        while (!bytes.IsEmpty)
        {
            int n = await Client.SendAsync(bytes, SocketFlags.None);
            bytes = bytes[n..];
        }
    });

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        Transport.Dispose();
        Server.Dispose();
        Disk.Dispose();
        Buffers.Dispose();
        Abort.Dispose();
        await Task.CompletedTask;
    }

    internal sealed class RecordingLog : IServerLog
    {
        public List<string> Warnings { get; } = [];

        public bool AccessEnabled => false;

        public long DroppedLines => 0;

        public void Info(string message)
        {
        }

        public void Warn(string message)
        {
            lock (Warnings)
            {
                Warnings.Add(message);
            }
        }

        public void Access(in AccessLogEntry entry)
        {
        }
    }
}
