using Sluice.Server.Tests.Infrastructure;

namespace Sluice.Server.Tests.Archive;

// What an archive must do when the tree does not hold still, and what it may hold in memory.
public sealed class ArchiveLimitsTests
{
    private const long BigLength = 64L * 1024 * 1024;

    // A member that grows or shrinks while it is sent must end the stream as an error: the chunked
    // body never gets its last chunk, so no client takes the cut archive for a whole one. The
    // reader stops after the first 256 KiB (64 MiB cannot fit in the socket buffers, so the server
    // is mid-member), then the file changes, then the reader drains what is left.
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task MemberChangingSizeWhileSentEndsTheStreamWithAnError(bool grow)
    {
        await using var server = TestServer.Start();
        Directory.CreateDirectory(server.PathOf("moving"));
        string big = server.PathOf("moving/big.bin");
        Fixtures.WriteBlocksFile(big, BigLength);

        await using RawHttpConnection connection = await server.ConnectAsync(receiveBufferSize: 64 * 1024);
        await connection.SendAsync("GET /moving/?archive=tar HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
        Assert.Equal(200, (await connection.ReadHeadAsync()).Status);
        byte[] first = await connection.ReadUpToAsync(256 * 1024);
        Assert.Equal(256 * 1024, first.Length);

        using (var stream = new FileStream(big, FileMode.Open, FileAccess.Write))
        {
            if (grow)
            {
                stream.Seek(0, SeekOrigin.End);
                stream.Write(new byte[4096]);
            }
            else
            {
                stream.SetLength(1024 * 1024);
            }
        }

        byte[] rest = await connection.ReadToEndAsync(TimeSpan.FromSeconds(30));
        (byte[] payload, bool complete) = TarProcess.Dechunk([.. first, .. rest]);

        Assert.False(complete, "the cut archive ended with the last chunk, as a whole one would");
        // Header blocks of the folder and the member, and no more member bytes than the header declared.
        Assert.True(payload.Length <= 1024 + BigLength, $"{payload.Length} payload bytes");
        Assert.True(
            await Wait.UntilAsync(() => server.Server.Handler.Archives.OpenFiles == 0 && server.Server.Handler.Archives.OpenDirectories == 0, TimeSpan.FromSeconds(10)),
            "the aborted archive kept descriptors open");
        if (grow)
        {
            Assert.Equal(1, server.Server.Handler.Archives.Aborted);
        }
    }

    // 10,000 files in 100 folders stream with at most one member file and one directory per level
    // open, and a header buffer that never grows past its flush threshold plus one member: what
    // the server holds does not depend on how many files the tree has.
    [Fact]
    public async Task TenThousandFilesStreamWithBoundedState()
    {
        await using var server = TestServer.Start();
        string many = server.PathOf("many");
        for (int d = 0; d < 100; d++)
        {
            string directory = Directory.CreateDirectory(Path.Combine(many, $"d{d:D3}")).FullName;
            for (int f = 0; f < 100; f++)
            {
                File.WriteAllText(Path.Combine(directory, $"f{f:D3}.txt"), $"{d}/{f}\n");
            }
        }

        string work = Directory.CreateDirectory(DiskDirectory.NewPath("sluice-tar-")).FullName;
        try
        {
            string archive = Path.Combine(work, "many.tar");
            (int exit, string stderr) = await CurlProcess.RunAsync("-sS", "--fail", "-o", archive, $"{server.BaseUri}many/?archive=tar");
            Assert.True(exit == 0, $"curl exited {exit}: {stderr}");
            (int tarExit, string list, string tarErrors) = await TarProcess.RunAsync("-tf", archive);
            Assert.True(tarExit == 0, tarErrors);
            string[] names = list.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.Equal(10_000, names.Count(n => !n.EndsWith('/')));
            Assert.Equal(101, names.Count(n => n.EndsWith('/')));
            Assert.Contains("many/d042/f017.txt", names);

            var counters = server.Server.Handler.Archives;
            Assert.Equal(10_101, counters.Members);
            Assert.Equal(1, counters.PeakOpenFiles);
            Assert.Equal(2, counters.PeakOpenDirectories);
            Assert.True(counters.PeakPendingBytes <= (32 * 1024) + 2048, $"header buffer peaked at {counters.PeakPendingBytes} bytes");
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }
}
