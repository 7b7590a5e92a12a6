using System.Text.RegularExpressions;
using Sluice.Cli.Commands;
using Sluice.Interop.Pal;

namespace Sluice.Cli.Tests;

// `sluice cache` errors in words, not .NET enum names ("sluice: /x: NotFound" before).
public sealed partial class CacheCommandErrorTests
{
    private static readonly TimeSpan s_quick = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task AMissingFileIsNamedInWords()
    {
        string missing = Path.Combine(Path.GetTempPath(), "sluice-cache-missing-" + Guid.NewGuid().ToString("N"));

        (int exit, _, string stderr) = await SluiceProcess.RunAsync(s_quick, "cache", missing);

        Assert.Equal(1, exit);
        Assert.Equal($"sluice: {missing}: no such file\n", stderr);
    }

    [Fact]
    public async Task ASocketIsASpecialFileInWords()
    {
        // A Unix socket cannot be opened for reading (ENXIO), also not by root.
        string path = Path.Combine(Path.GetTempPath(), "sluice-cache-sock-" + Guid.NewGuid().ToString("N"));
        using var socket = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.Unix, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Unspecified);
        socket.Bind(new System.Net.Sockets.UnixDomainSocketEndPoint(path));
        try
        {
            (int exit, _, string stderr) = await SluiceProcess.RunAsync(s_quick, "cache", path);

            Assert.Equal(1, exit);
            Assert.Equal($"sluice: {path}: a special file (socket or device) that cannot be read\n", stderr);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void EveryOpenStatusHasLowercaseWords()
    {
        foreach (FileOpenStatus status in Enum.GetValues<FileOpenStatus>())
        {
            string words = CacheOpenError.Describe(status);
            Assert.DoesNotMatch(PascalCase(), words);
            Assert.Equal(words.ToLowerInvariant(), words);
        }
    }

    [GeneratedRegex("[a-z][A-Z]")]
    private static partial Regex PascalCase();
}
