using System.Text;
using Sluice.Server.Tests.Infrastructure;
using Sluice.Soak.Infrastructure;

namespace Sluice.Soak;

// SIGKILL of the server while uploads are in flight: after a restart on the same tree, no partial
// file stands under any upload's name and no temporary file is left (dotfiles included), while an
// upload committed before the kill is intact.
[Trait("Category", "Soak")]
public sealed class KilledUploadTests : IDisposable
{
    private const int Uploads = 4;
    private const int UploadLength = 8 * 1024 * 1024;

    private readonly SoakDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task SigkillMidUploadLeavesNoPartialFileAndNoLitter()
    {
        byte[] committed = RandomBytes(300_000, seed: 1);
        string[] before;
        var clients = new List<RawHttpConnection>();
        await using (SoakServer server = await SoakServer.StartAsync(_directory.Path, "--upload"))
        {
            Assert.Equal(201, await PutAsync(server, "/committed.bin", committed));
            before = Names();
            try
            {
                for (int i = 0; i < Uploads; i++)
                {
                    RawHttpConnection client = await server.ConnectAsync();
                    clients.Add(client);
                    byte[] body = RandomBytes(UploadLength, seed: 10 + i);
                    // Half of each body is sent: the server receives it into its unnamed files.
                    await client.SendAsync(Encoding.ASCII.GetBytes(Head($"/partial-{i}.bin", UploadLength)).Concat(body.Take(UploadLength / 2)).ToArray());
                }

                // The server holds one unnamed upload file per client ("/…/#inode (deleted)").
                Assert.True(
                    await Wait.UntilAsync(() => server.DescriptorTargets().Count(t => t.StartsWith(_directory.Path, StringComparison.Ordinal) && t.EndsWith("(deleted)", StringComparison.Ordinal)) == Uploads, TimeSpan.FromSeconds(30)),
                    string.Join("\n", server.DescriptorTargets()));
                await server.Process.SendSignalAsync("KILL");
                await server.Process.WaitForExitAsync(TimeSpan.FromSeconds(10));
            }
            finally
            {
                foreach (RawHttpConnection client in clients)
                {
                    await client.DisposeAsync();
                }
            }
        }

        Assert.Equal(before, Names());

        // The restarted server serves the committed file intact and accepts uploads again.
        await using SoakServer restarted = await SoakServer.StartAsync(_directory.Path, "--upload");
        Assert.Equal(Fixtures.Sha256(committed), Fixtures.Sha256((await restarted.GetAsync("/committed.bin")).Body));
        for (int i = 0; i < Uploads; i++)
        {
            Assert.Equal(404, (await restarted.GetAsync($"/partial-{i}.bin")).Status);
        }

        byte[] again = RandomBytes(UploadLength, seed: 99);
        Assert.Equal(201, await PutAsync(restarted, "/partial-0.bin", again));
        Assert.Equal(Fixtures.Sha256(again), Fixtures.Sha256OfFile(_directory.File("partial-0.bin")));
    }

    private string[] Names() =>
        Directory.GetFileSystemEntries(_directory.Path).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToArray()!;

    private static string Head(string target, long length) => $"PUT {target} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: {length}\r\n\r\n";

    private static async Task<int> PutAsync(SoakServer server, string target, byte[] body)
    {
        await using RawHttpConnection connection = await server.ConnectAsync();
        await connection.SendAsync(Encoding.ASCII.GetBytes(Head(target, body.Length)).Concat(body).ToArray());
        return (await connection.ReadResponseAsync(timeout: TimeSpan.FromSeconds(60))).Status;
    }

    private static byte[] RandomBytes(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }
}
