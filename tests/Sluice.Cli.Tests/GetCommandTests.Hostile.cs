namespace Sluice.Cli.Tests;

// `sluice get` against servers that break the rules on purpose.
public sealed partial class GetCommandTests
{
    // A 206 that says Content-Length and Transfer-Encoding: chunked lets the chunked coding
    // override the length (RFC 9112 §6.3); before the fix get wrote the whole chunked body at the
    // chunk's offset, past the chunk and past the file's end (and saved a longer file, exit 0).
    [Fact]
    public async Task A206FramedByTransferEncodingIsRefusedAndNothingIsWrittenPastTheEnd()
    {
        byte[] content = Bytes(7);
        await using var server = new OverrunRangeServer(content);

        (int exit, _, string stderr) = await GetAsync($"http://127.0.0.1:{server.Port}/f.bin", "-n", "2", "--chunk-size", "1MiB");

        Assert.True(exit == 1, $"exit {exit}: {stderr}");
        Assert.Contains("asked for bytes", stderr, StringComparison.Ordinal);
        Assert.False(File.Exists(Output), "nothing is saved");
        Assert.True(!File.Exists(Part) || new FileInfo(Part).Length == content.Length, $"FILE.part is {new FileInfo(Part).Length} bytes, the file {content.Length}");
    }

    // A server that answers every request with interim 100 responses and never a final one: get
    // skipped 1xx answers without limit, so it waited forever (each read had its own deadline,
    // but a new 100 kept arriving). Now a few are skipped and then the exchange fails.
    [Fact]
    public async Task EndlessInterimResponsesFailTheDownload()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        Task server = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                using System.Net.Sockets.Socket client = await listener.AcceptSocketAsync(stop.Token);
                byte[] interim = "HTTP/1.1 100 Continue\r\n\r\n"u8.ToArray();
                try
                {
                    while (!stop.IsCancellationRequested)
                    {
                        // Blocks once the client stops reading; ends when it closes.
                        await client.SendAsync(interim, System.Net.Sockets.SocketFlags.None, stop.Token);
                    }
                }
                catch (Exception e) when (e is System.Net.Sockets.SocketException or OperationCanceledException)
                {
                }
            }
        });

        int port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        (int exit, _, string stderr) = await GetAsync($"http://127.0.0.1:{port}/f.bin", "--retries", "0");
        await stop.CancelAsync();
        listener.Stop();
        await server.ContinueWith(_ => { }, TaskScheduler.Default);

        Assert.True(exit == 1, $"exit {exit}: {stderr}");
        Assert.Contains("interim (1xx) responses", stderr, StringComparison.Ordinal);
        Assert.False(File.Exists(Output), "nothing is saved");
    }
}
