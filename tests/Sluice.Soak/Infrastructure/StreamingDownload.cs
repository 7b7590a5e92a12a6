using System.Net.Sockets;
using System.Security.Cryptography;
using Sluice.Server.Tests.Infrastructure;

namespace Sluice.Soak.Infrastructure;

// One GET on its own connection, read as fast as it arrives and hashed on the way (64 MiB bodies
// are not kept), with its progress readable while it runs: how far a cold transfer got by a given
// moment is part of what the slow-disk test checks.
internal sealed class StreamingDownload
{
    // Bodies up to this size are also kept, for tests that look inside (a listing).
    private const long KeptBodyLimit = 1024 * 1024;

    private long _received;

    private StreamingDownload(string target)
    {
        Target = target;
    }

    public string Target { get; }

    public long Received => Interlocked.Read(ref _received);

    public int Status { get; private set; }

    public long? ContentLength { get; private set; }

    public string? Sha256 { get; private set; }

    public byte[]? Body { get; private set; }

    // Why it did not finish, if it did not.
    public string? Error { get; private set; }

    public bool IsComplete => ContentLength is long length && Received == length;

    public Task Completion { get; private set; } = Task.CompletedTask;

    // Connects and sends the request; the response is read in the background within `bound`.
    public static async Task<StreamingDownload> StartAsync(int port, string target, TimeSpan bound)
    {
        var download = new StreamingDownload(target);
        RawHttpConnection connection = await RawHttpConnection.ConnectAsync(port);
        await connection.SendAsync($"GET {target} HTTP/1.1\r\nHost: slowdisk\r\nConnection: close\r\n\r\n");
        download.Completion = download.ReadAsync(connection, bound);
        return download;
    }

    public override string ToString() =>
        $"{Target}: status {Status}, {Received} of {ContentLength?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "?"} bytes{(Error is null ? "" : ", " + Error)}";

    private async Task ReadAsync(RawHttpConnection connection, TimeSpan bound)
    {
        await using RawHttpConnection owned = connection;
        using var cts = new CancellationTokenSource(bound);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        using var kept = new MemoryStream();
        try
        {
            RawResponse head = await connection.ReadHeadAsync(bound);
            Status = head.Status;
            long length = head.ContentLength ?? throw new IOException("no Content-Length");
            ContentLength = length;
            bool keep = length <= KeptBodyLimit;

            void Take(ReadOnlySpan<byte> bytes)
            {
                hash.AppendData(bytes);
                if (keep)
                {
                    kept.Write(bytes);
                }

                Interlocked.Add(ref _received, bytes.Length);
            }

            Take(await connection.ReadUpToAsync(Math.Min(length, connection.Buffered)));
            byte[] chunk = new byte[256 * 1024];
            while (Received < length)
            {
                int n = await connection.Socket.ReceiveAsync(chunk.AsMemory(0, (int)Math.Min(chunk.Length, length - Received)), SocketFlags.None, cts.Token);
                if (n == 0)
                {
                    Error = "closed early";
                    return;
                }

                Take(chunk.AsSpan(0, n));
            }

            Sha256 = Convert.ToHexStringLower(hash.GetHashAndReset());
            Body = keep ? kept.ToArray() : null;
        }
        catch (Exception ex) when (ex is OperationCanceledException or TimeoutException or IOException or SocketException)
        {
            Error = $"{ex.GetType().Name} after {bound.TotalSeconds} s bound: {ex.Message}";
        }
    }
}
