using System.Net;
using System.Text;
using Sluice.Core.Policy;
using Sluice.Server.Configuration;
using Sluice.Server.Hosting;
using Sluice.Server.Logging;

namespace Sluice.Server.Tests.Infrastructure;

// A server on 127.0.0.1 and an ephemeral port over a fresh temporary tree of fixtures:
//
//   <base>/secret.txt            outside the root: must never be served (unless via --follow-symlinks)
//   <base>/root/tiny.txt         a few bytes of text
//   <base>/root/empty.bin        0 bytes
//   <base>/root/random.bin       3 MiB + 123 random bytes
//   <base>/root/blocks.bin       1 MiB + 5 bytes of self-describing 16-byte blocks
//   <base>/root/sparse.bin       4 GiB + 4 KiB, sparse, with markers around 4 GiB
//   <base>/root/dir/index.html
//   <base>/root/listing/         "a&b <c>.txt", "plain.txt", ".hidden", "sub/"
//   <base>/root/link-in          -> blocks.bin (inside the root)
//   <base>/root/link-out         -> <base>/secret.txt (absolute, outside)
//   <base>/root/link-out-rel     -> ../secret.txt (relative, outside)
internal sealed class TestServer : IAsyncDisposable
{
    public const string SecretText = "TOP-SECRET: this file lives outside the served root\n";
    public const string TinyText = "hello, sluice\n";
    public const string IndexHtml = "<!doctype html><title>index</title><p>the index page</p>\n";
    public const int RandomLength = (3 * 1024 * 1024) + 123;
    public const int BlocksLength = (1024 * 1024) + 5;

    private readonly StringWriter _accessText = new();
    private readonly StringWriter _diagnosticsText = new();
    private readonly TextWriter _access;
    private readonly TextWriter _diagnostics;
    private readonly ServerLog _log;
    private bool _disposed;

    private TestServer(string baseDirectory, ServerOptions options, Func<TextWriter, ServerLog>? createLog)
    {
        BaseDirectory = baseDirectory;
        _access = TextWriter.Synchronized(_accessText);
        _diagnostics = TextWriter.Synchronized(_diagnosticsText);
        _log = createLog?.Invoke(_diagnostics) ?? new ServerLog(_access, _diagnostics, quiet: options.Quiet, format: options.LogFormat);
        Server = new SluiceServer(options, _log);
    }

    public SluiceServer Server { get; }

    public string BaseDirectory { get; }

    public string Root => Path.Combine(BaseDirectory, "root");

    public string SecretPath => Path.Combine(BaseDirectory, "secret.txt");

    public int Port => Server.LocalEndPoint!.Port;

    private void WaitForLog() => _ = (Server.Log as Sluice.Server.Logging.ServerLog)?.WaitUntilWritten(TimeSpan.FromSeconds(5));

    public Uri BaseUri => new($"http://127.0.0.1:{Port}/");

    // Both logs are written by the server's log threads: a read waits (bounded) until every line
    // logged before it has been written, so a test never races the writer.
    public string AccessLog
    {
        get
        {
            WaitForLog();
            lock (_access)
            {
                return _accessText.ToString();
            }
        }
    }

    public string DiagnosticsLog
    {
        get
        {
            WaitForLog();
            lock (_diagnostics)
            {
                return _diagnosticsText.ToString();
            }
        }
    }

    // createLog, given the diagnostics writer, builds the server's log (an access log on a file or
    // a FIFO); AccessLog then stays empty.
    public static TestServer Start(StrategyOption strategy = StrategyOption.Sendfile, Func<ServerOptions, ServerOptions>? configure = null, Func<TextWriter, ServerLog>? createLog = null)
    {
        string baseDirectory = DiskDirectory.NewPath("sluice-tests-");
        return Launch(baseDirectory, createTree: true, strategy, configure, createLog);
    }

    // A new server over the tree of one stopped by StopKeepingTreeAsync (a restart); this one's
    // dispose deletes the tree.
    public static TestServer StartOver(string baseDirectory, Func<ServerOptions, ServerOptions>? configure = null) =>
        Launch(baseDirectory, createTree: false, StrategyOption.Sendfile, configure, createLog: null);

    private static TestServer Launch(string baseDirectory, bool createTree, StrategyOption strategy, Func<ServerOptions, ServerOptions>? configure, Func<TextWriter, ServerLog>? createLog)
    {
        try
        {
            if (createTree)
            {
                CreateTree(baseDirectory);
            }

            var options = new ServerOptions
            {
                Root = Path.Combine(baseDirectory, "root"),
                Host = IPAddress.Loopback.ToString(),
                Port = 0,
                Strategy = strategy,
                Quiet = false,
                HeaderTimeout = TimeSpan.FromSeconds(5),
                KeepAliveTimeout = TimeSpan.FromSeconds(5),
                SendTimeout = TimeSpan.FromSeconds(10),
                ShutdownTimeout = TimeSpan.FromSeconds(5),
            };
            var server = new TestServer(baseDirectory, configure is null ? options : configure(options), createLog);
            server.Server.Start();
            return server;
        }
        catch
        {
            DeleteTree(baseDirectory);
            throw;
        }
    }

    public string PathOf(string relative) => Path.Combine(Root, relative);

    public Task<RawHttpConnection> ConnectAsync(int receiveBufferSize = 0) => RawHttpConnection.ConnectAsync(Port, receiveBufferSize);

    // A raw request on a fresh connection that the server must answer and then close: returns the
    // response after checking that nothing follows it and that the server closed its side.
    public async Task<RawResponse> SendExpectingCloseAsync(string request)
    {
        await using RawHttpConnection connection = await ConnectAsync();
        await connection.SendAsync(request);
        RawResponse response = await connection.ReadResponseAsync();
        Assert.Empty(await connection.ReadToEndAsync(TimeSpan.FromSeconds(5)));
        return response;
    }

    // One request on a fresh connection that asks to be closed afterwards. Returns once the server
    // has closed its side too: it publishes a response's metrics and access-log entry after the last
    // byte is sent and before it half-closes, so a test that reads counters after this call sees
    // this response in them (without the wait, a loaded machine lets the test look first).
    public async Task<RawResponse> GetAsync(string target, string extraHeaders = "", string method = "GET")
    {
        await using RawHttpConnection connection = await ConnectAsync();
        await connection.SendAsync($"{method} {target} HTTP/1.1\r\nHost: 127.0.0.1\r\n{extraHeaders}Connection: close\r\n\r\n");
        RawResponse response = await connection.ReadResponseAsync(isHead: method == "HEAD");
        await connection.ReadToEndAsync(TimeSpan.FromSeconds(10));
        return response;
    }

    // Stops the server and its log but leaves the tree (and anything staged beside the root) for StartOver.
    public async ValueTask StopKeepingTreeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        await Server.DisposeAsync();
        await _log.DisposeAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        try
        {
            await Server.DisposeAsync();
            await _log.DisposeAsync();
        }
        finally
        {
            DeleteTree(BaseDirectory);
        }
    }

    private static void CreateTree(string baseDirectory)
    {
        string root = Path.Combine(baseDirectory, "root");
        Directory.CreateDirectory(root);
        File.WriteAllText(Path.Combine(baseDirectory, "secret.txt"), SecretText);
        File.WriteAllText(Path.Combine(root, "tiny.txt"), TinyText);
        File.WriteAllBytes(Path.Combine(root, "empty.bin"), []);
        Fixtures.WriteRandomFile(Path.Combine(root, "random.bin"), RandomLength, seed: 20250101);
        Fixtures.WriteBlocksFile(Path.Combine(root, "blocks.bin"), BlocksLength);
        Fixtures.WriteSparseFile(Path.Combine(root, "sparse.bin"));

        Directory.CreateDirectory(Path.Combine(root, "dir"));
        File.WriteAllText(Path.Combine(root, "dir", "index.html"), IndexHtml);

        string listing = Path.Combine(root, "listing");
        Directory.CreateDirectory(Path.Combine(listing, "sub"));
        File.WriteAllText(Path.Combine(listing, "a&b <c>.txt"), "ampersand and angle brackets\n");
        File.WriteAllText(Path.Combine(listing, "plain.txt"), "plain\n");
        File.WriteAllText(Path.Combine(listing, ".hidden"), "dotfile\n");

        File.CreateSymbolicLink(Path.Combine(root, "link-in"), "blocks.bin");
        File.CreateSymbolicLink(Path.Combine(root, "link-out"), Path.Combine(baseDirectory, "secret.txt"));
        File.CreateSymbolicLink(Path.Combine(root, "link-out-rel"), Path.Combine("..", "secret.txt"));
    }

    private static void DeleteTree(string baseDirectory)
    {
        try
        {
            if (Directory.Exists(baseDirectory))
            {
                Directory.Delete(baseDirectory, recursive: true);
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    public static string Ascii(byte[] bytes) => Encoding.ASCII.GetString(bytes);
}
