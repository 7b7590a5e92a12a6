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
}
