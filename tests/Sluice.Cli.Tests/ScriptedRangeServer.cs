using System.Globalization;
using System.Net.Sockets;
using System.Text;

namespace Sluice.Cli.Tests;

// A tiny HTTP/1.1 server on 127.0.0.1 for what the real server does not do (yet): answering
// without ranges, sending Repr-Digest, serving a corrupted byte. Keep-alive, GET only, one
// representation (Content); a "Range: bytes=A-B" is answered 206 when Ranges is on, else ignored
// (200 with the whole body, as a server without range support does). Requests are read as test
// input (ScriptedHttpServer); responses are what the client under test must parse.
internal sealed class ScriptedRangeServer : ScriptedHttpServer
{
    private int _rangeRequests;

    public ScriptedRangeServer(byte[] content, bool ranges, string? reprDigest = null, long? flipAt = null)
    {
        Content = content;
        Ranges = ranges;
        ReprDigestField = reprDigest;
        FlipAt = flipAt;
        Start();
    }

    public byte[] Content { get; }

    public bool Ranges { get; }

    public string? ReprDigestField { get; }

    public long? FlipAt { get; }

    public int RangeRequests => Volatile.Read(ref _rangeRequests);

    protected override async Task RespondAsync(NetworkStream stream, string? range, CancellationToken stop)
    {
        long first = 0;
        long last = Content.Length - 1;
        var head = new StringBuilder();
        if (Ranges && range is not null)
        {
            Interlocked.Increment(ref _rangeRequests);
            string[] bounds = range.Split('-');
            first = long.Parse(bounds[0], CultureInfo.InvariantCulture);
            last = Math.Min(last, long.Parse(bounds[1], CultureInfo.InvariantCulture));
            head.Append(CultureInfo.InvariantCulture, $"HTTP/1.1 206 Partial Content\r\nContent-Range: bytes {first}-{last}/{Content.Length}\r\n");
            head.Append("ETag: \"scripted-1\"\r\n");
        }
        else
        {
            head.Append("HTTP/1.1 200 OK\r\n");
        }

        if (ReprDigestField is not null)
        {
            head.Append("Repr-Digest: ").Append(ReprDigestField).Append("\r\n");
        }

        head.Append(CultureInfo.InvariantCulture, $"Content-Length: {last - first + 1}\r\n\r\n");
        byte[] body = Content[(int)first..(int)(last + 1)];
        if (FlipAt is long flip && flip >= first && flip <= last)
        {
            body[flip - first] ^= 0x01;
        }

        await stream.WriteAsync(Encoding.Latin1.GetBytes(head.ToString()), stop);
        await stream.WriteAsync(body, stop);
    }
}
